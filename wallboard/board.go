// Package wallboard is the live floor display served by the switch: the
// board's model (built from the ACD snapshot, live queue figures and the
// alert evaluator), its deltas, and the page with its event stream.
package wallboard

import (
	"sort"
	"time"

	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/alert"
	"github.com/hotline/hotline/config"
	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/store"
)

// QueueView is one queue's tile. Waits tick on the page from OldestMS, so
// the view changes only when something happens, not every second.
type QueueView struct {
	Name         string         `json:"name"`
	Waiting      int            `json:"waiting"`   // callers queued now, ringing included
	OldestMS     int64          `json:"oldest_ms"` // when the longest waiter joined this queue (unix ms); 0 = nobody waits
	Agents       map[string]int `json:"agents"`    // member agents by state
	SLThresholdS float64        `json:"sl_threshold_s"`
	SLTarget     int            `json:"sl_target,omitempty"` // percent; the alert threshold
	Today        Figures        `json:"today"`
	Rolling      Figures        `json:"rolling"`
}

// AgentView is one agent's line.
type AgentView struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Team    string `json:"team,omitempty"`
	State   string `json:"state"`
	Reason  string `json:"reason,omitempty"`
	SinceMS int64  `json:"since_ms"` // in this state since (unix ms)
	Queue   string `json:"queue,omitempty"`
}

// State is the whole board.
type State struct {
	RollingS float64       `json:"rolling_s"`
	Queues   []QueueView   `json:"queues"`
	Agents   []AgentView   `json:"agents"`
	Alerts   []alert.Alert `json:"alerts"`
}

// Monitor turns events and snapshots into board states and alert edges.
// It is pure — time comes in with every call — and owned by one goroutine.
type Monitor struct {
	stats *Stats
	eval  *alert.Evaluator
}

// ShortAbandon is the board's short-abandon limit (metrics.md's default).
const ShortAbandon = 5 * time.Second

// NewMonitor returns a monitor with no history.
func NewMonitor() *Monitor { return &Monitor{stats: NewStats(ShortAbandon), eval: alert.New()} }

// Observe feeds a bus event into the queue figures.
func (m *Monitor) Observe(ev cti.Event) {
	switch ev.Kind {
	case cti.KindQueueJoined:
		m.stats.Joined(ev.Queue, ev.TS)
	case cti.KindAgentConnected:
		m.stats.Answered(ev.Queue, ev.TS, ev.Wait)
	case cti.KindQueueAbandoned:
		m.stats.Abandoned(ev.Queue, ev.TS, ev.Wait)
	case cti.KindQueueExited:
		m.stats.Exited(ev.Queue, ev.TS, ev.Wait)
	}
}

// Seed loads today's figures from stored call records, so a restart does
// not zero the board. Only the call's last queue segment is on its record.
func (m *Monitor) Seed(calls []store.Call) {
	sort.Slice(calls, func(i, j int) bool { return calls[i].QueuedAt.Before(calls[j].QueuedAt) })
	for _, c := range calls {
		if c.QueuedAt.IsZero() || c.Queue == "" {
			continue
		}
		m.stats.Joined(c.Queue, c.QueuedAt)
		switch {
		case !c.AnsweredAt.IsZero():
			m.stats.Answered(c.Queue, c.AnsweredAt, c.AnsweredAt.Sub(c.QueuedAt))
		case c.Disposition == "abandoned" && !c.EndedAt.IsZero():
			m.stats.Abandoned(c.Queue, c.EndedAt, c.EndedAt.Sub(c.QueuedAt))
		case !c.EndedAt.IsZero():
			m.stats.Exited(c.Queue, c.EndedAt, c.EndedAt.Sub(c.QueuedAt))
		}
	}
	// Segments must be in time order for pruning; seeded ones come first.
	for q, list := range m.stats.segs {
		sort.SliceStable(list, func(i, j int) bool { return list[i].at.Before(list[j].at) })
		m.stats.segs[q] = list
	}
}

// Midnight is the start of now's day in loc.
func Midnight(now time.Time, loc *time.Location) time.Time {
	y, mo, d := now.In(loc).Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, loc)
}

// Step builds the board at now and evaluates the alerts. "Today" starts at
// local midnight in loc.
func (m *Monitor) Step(now time.Time, cfg *config.Config, snap acd.Snapshot, loc *time.Location) (State, []alert.Change) {
	rolling := time.Duration(cfg.Wallboard.Rolling)
	today := Midnight(now, loc)
	cutoff := now.Add(-rolling)
	if today.Before(cutoff) {
		cutoff = today
	}
	m.stats.Prune(cutoff)

	byQueue := map[string]acd.QueueSnapshot{}
	for _, q := range snap.Queues {
		byQueue[q.Name] = q
	}
	byAgent := map[string]acd.AgentSnapshot{}
	for _, a := range snap.Agents {
		byAgent[a.ID] = a
	}
	st := State{RollingS: rolling.Seconds(), Queues: []QueueView{}, Agents: []AgentView{}}
	var qin []alert.Queue
	for _, qc := range cfg.Queues {
		sl := time.Duration(qc.SLThreshold)
		v := QueueView{Name: qc.Name, Agents: map[string]int{}, SLThresholdS: sl.Seconds(), SLTarget: qc.Alerts.SLBelow,
			Today:   m.stats.Figures(qc.Name, today, now, sl),
			Rolling: m.stats.Figures(qc.Name, now.Add(-rolling), now, sl)}
		var oldest time.Time
		for _, c := range byQueue[qc.Name].Callers {
			v.Waiting++
			if joined := snap.At.Add(-c.Wait); oldest.IsZero() || joined.Before(oldest) {
				oldest = joined
			}
		}
		var longest time.Duration
		if !oldest.IsZero() {
			v.OldestMS, longest = oldest.UnixMilli(), now.Sub(oldest)
		}
		for _, a := range snap.Agents {
			for _, q := range a.Queues {
				if q == qc.Name {
					v.Agents[a.State.String()]++
				}
			}
		}
		st.Queues = append(st.Queues, v)
		qin = append(qin, alert.Queue{Name: qc.Name, SLBelow: float64(qc.Alerts.SLBelow), WaitAbove: time.Duration(qc.Alerts.WaitAbove),
			SL: v.Rolling.SL, SLKnown: v.Rolling.SLKnown, LongestWait: longest})
	}
	var ain []alert.Agent
	for _, ac := range cfg.Agents {
		a, ok := byAgent[ac.ID]
		v := AgentView{ID: ac.ID, Name: ac.Name, Team: ac.Team, State: acd.LoggedOut.String()}
		if ok {
			v.State, v.Reason, v.Queue = a.State.String(), a.Reason, a.Queue
			if !a.Since.IsZero() {
				v.SinceMS = a.Since.UnixMilli()
			}
		}
		st.Agents = append(st.Agents, v)
		lim := cfg.AgentAlertsFor(ac)
		ain = append(ain, alert.Agent{ID: ac.ID, State: v.State, Since: a.Since,
			NotReadyAbove: time.Duration(lim.NotReadyAbove), WrapUpAbove: time.Duration(lim.WrapUpAbove)})
	}
	changes := m.eval.Evaluate(now, qin, ain)
	st.Alerts = m.eval.Active()
	return st, changes
}
