package wallboard

import (
	"encoding/json"
	"reflect"
	"sync"
	"time"

	"github.com/hotline/hotline/alert"
)

// Message is one frame of the board's event stream. A client gets a
// "snapshot" first, then only what changed: "queue", "agent",
// "queue_removed", "agent_removed", "alerts" (the active set) and "alert"
// (one raised or cleared, for the board's log). Now is the server's clock
// (unix ms), so the page can tick waits without trusting its own clock.
type Message struct {
	Type   string        `json:"type"`
	Now    int64         `json:"now"`
	State  *State        `json:"state,omitempty"`
	Queue  *QueueView    `json:"queue,omitempty"`
	Agent  *AgentView    `json:"agent,omitempty"`
	Name   string        `json:"name,omitempty"` // of the removed queue or agent
	Alerts []alert.Alert `json:"alerts,omitempty"`
	Alert  *alert.Alert  `json:"alert,omitempty"`
	Raised bool          `json:"raised,omitempty"`
}

// Diff lists the messages that turn prev into next, in a stable order.
func Diff(prev, next State, now time.Time) []Message {
	ms := now.UnixMilli()
	var out []Message
	pq := map[string]QueueView{}
	for _, q := range prev.Queues {
		pq[q.Name] = q
	}
	seen := map[string]bool{}
	for _, q := range next.Queues {
		seen[q.Name] = true
		if old, ok := pq[q.Name]; !ok || !reflect.DeepEqual(old, q) {
			out = append(out, Message{Type: "queue", Now: ms, Queue: &q})
		}
	}
	for _, q := range prev.Queues {
		if !seen[q.Name] {
			out = append(out, Message{Type: "queue_removed", Now: ms, Name: q.Name})
		}
	}
	pa := map[string]AgentView{}
	for _, a := range prev.Agents {
		pa[a.ID] = a
	}
	seen = map[string]bool{}
	for _, a := range next.Agents {
		seen[a.ID] = true
		if old, ok := pa[a.ID]; !ok || old != a {
			out = append(out, Message{Type: "agent", Now: ms, Agent: &a})
		}
	}
	for _, a := range prev.Agents {
		if !seen[a.ID] {
			out = append(out, Message{Type: "agent_removed", Now: ms, Name: a.ID})
		}
	}
	if !sameAlerts(prev.Alerts, next.Alerts) {
		out = append(out, Message{Type: "alerts", Now: ms, Alerts: append([]alert.Alert{}, next.Alerts...)})
	}
	return out
}

// sameAlerts compares the active sets by identity and raise time: values
// of a standing alert (a wait still growing) tick on the page instead.
func sameAlerts(a, b []alert.Alert) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key() != b[i].Key() || !a[i].Since.Equal(b[i].Since) {
			return false
		}
	}
	return true
}

// Hub fans the board's messages out to the open streams. A stream that
// cannot keep up is dropped (its page reconnects and starts from a
// snapshot); the publisher never waits for a browser.
type Hub struct {
	mu    sync.Mutex
	cur   State
	subs  map[chan []byte]struct{}
	clock func() time.Time
}

// NewHub returns a hub with an empty board; clock stamps snapshots.
func NewHub(clock func() time.Time) *Hub {
	return &Hub{subs: map[chan []byte]struct{}{}, cur: State{Queues: []QueueView{}, Agents: []AgentView{}}, clock: clock}
}

// Publish makes next the current board and sends the deltas and the alert
// edges to every stream.
func (h *Hub) Publish(next State, changes []alert.Change, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	msgs := Diff(h.cur, next, now)
	for _, c := range changes {
		a := c.Alert
		msgs = append(msgs, Message{Type: "alert", Now: now.UnixMilli(), Alert: &a, Raised: c.Raised})
	}
	h.cur = next
	for _, m := range msgs {
		b, err := json.Marshal(m)
		if err != nil {
			continue
		}
		for ch := range h.subs {
			select {
			case ch <- b:
			default:
				delete(h.subs, ch)
				close(ch)
			}
		}
	}
}

// Current is the board as last published.
func (h *Hub) Current() State {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cur
}

// subscribe opens a stream: its first frame is the snapshot.
func (h *Hub) subscribe() (chan []byte, []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.cur
	snap, _ := json.Marshal(Message{Type: "snapshot", Now: h.clock().UnixMilli(), State: &st})
	ch := make(chan []byte, 256)
	h.subs[ch] = struct{}{}
	return ch, snap
}

func (h *Hub) unsubscribe(ch chan []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
}
