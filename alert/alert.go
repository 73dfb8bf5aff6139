// Package alert decides which threshold alerts are up: a pure evaluator fed
// the floor's figures and the time, so every decision is reproducible in a
// test with a fake clock. Raising and clearing are edges: the evaluator
// reports each once, and keeps the set of active alerts for the wallboard.
package alert

import (
	"sort"
	"time"
)

// Alert kinds.
const (
	SLBelow       = "sl_below"        // a queue's rolling service level is below its target
	WaitAbove     = "wait_above"      // a queue's longest waiting caller has waited too long
	NotReadyAbove = "not_ready_above" // an agent has been not ready too long
	WrapUpAbove   = "wrap_up_above"   // an agent has been in wrap-up too long
)

// Alert is one active (or just cleared) alert. Value and Limit are
// percent for sl_below and seconds for the others.
type Alert struct {
	Kind    string    `json:"kind"`
	Queue   string    `json:"queue,omitempty"`
	AgentID string    `json:"agent_id,omitempty"`
	Value   float64   `json:"value"`
	Limit   float64   `json:"limit"`
	Since   time.Time `json:"since"` // when it was raised
}

// Key identifies an alert: one of each kind per queue or agent.
func (a Alert) Key() string { return a.Kind + "|" + a.Queue + "|" + a.AgentID }

// Queue is a queue's live figures and thresholds (zero threshold = off).
type Queue struct {
	Name        string
	SLBelow     float64       // target, percent
	WaitAbove   time.Duration // limit
	SL          float64       // rolling service level, percent
	SLKnown     bool          // false when no call counts toward SL in the window
	LongestWait time.Duration // of the callers waiting now
}

// Agent is an agent's state and limits (zero limit = off).
type Agent struct {
	ID            string
	State         string // acd state name
	Since         time.Time
	NotReadyAbove time.Duration
	WrapUpAbove   time.Duration
}

// Change is an alert raised or cleared by one evaluation.
type Change struct {
	Raised bool
	Alert  Alert
}

// Evaluator holds the active alerts between evaluations. Not safe for
// concurrent use: one goroutine owns it.
type Evaluator struct {
	active map[string]Alert
}

// New returns an evaluator with no alert active.
func New() *Evaluator { return &Evaluator{active: map[string]Alert{}} }

// Evaluate checks every threshold at now. Conditions that hold raise an
// alert (once; its value is refreshed while it stays up); active alerts
// whose condition no longer holds — or whose queue or agent is gone —
// clear. Changes come sorted by key so that the order is stable.
func (e *Evaluator) Evaluate(now time.Time, queues []Queue, agents []Agent) []Change {
	up := map[string]Alert{}
	hold := func(a Alert) { up[a.Key()] = a }
	for _, q := range queues {
		if q.SLBelow > 0 && q.SLKnown && q.SL < q.SLBelow {
			hold(Alert{Kind: SLBelow, Queue: q.Name, Value: q.SL, Limit: q.SLBelow})
		}
		if q.WaitAbove > 0 && q.LongestWait > q.WaitAbove {
			hold(Alert{Kind: WaitAbove, Queue: q.Name, Value: q.LongestWait.Seconds(), Limit: q.WaitAbove.Seconds()})
		}
	}
	for _, a := range agents {
		in := now.Sub(a.Since)
		switch {
		case a.State == "not_ready" && a.NotReadyAbove > 0 && in > a.NotReadyAbove:
			hold(Alert{Kind: NotReadyAbove, AgentID: a.ID, Value: in.Seconds(), Limit: a.NotReadyAbove.Seconds()})
		case a.State == "wrap_up" && a.WrapUpAbove > 0 && in > a.WrapUpAbove:
			hold(Alert{Kind: WrapUpAbove, AgentID: a.ID, Value: in.Seconds(), Limit: a.WrapUpAbove.Seconds()})
		}
	}
	var out []Change
	for k, a := range up {
		if old, ok := e.active[k]; ok {
			a.Since = old.Since
		} else {
			a.Since = now
			out = append(out, Change{Raised: true, Alert: a})
		}
		e.active[k] = a
	}
	for k, a := range e.active {
		if _, ok := up[k]; !ok {
			delete(e.active, k)
			out = append(out, Change{Raised: false, Alert: a})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Alert.Key() < out[j].Alert.Key() })
	return out
}

// Active lists the alerts up after the last evaluation, oldest first.
func (e *Evaluator) Active() []Alert {
	out := make([]Alert, 0, len(e.active))
	for _, a := range e.active {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Since.Equal(out[j].Since) {
			return out[i].Since.Before(out[j].Since)
		}
		return out[i].Key() < out[j].Key()
	})
	return out
}
