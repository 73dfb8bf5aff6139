// Package alerts decides the wallboard's threshold alerts: service level
// below target and a caller waiting too long per queue, an agent too long
// in not-ready or wrap-up. It is pure: the owner feeds a picture of the
// floor with the time and gets back the alerts that were raised and
// cleared since the last evaluation, so a test drives it with a fake clock.
package alerts

import (
	"fmt"
	"sort"
	"time"
)

// Rules are the thresholds; a zero field turns that alert off.
type Rules struct {
	Queues       map[string]QueueRules
	NotReadyOver time.Duration // an agent not ready longer than this
	WrapUpOver   time.Duration // an agent in wrap-up longer than this
}

// QueueRules are one queue's thresholds.
type QueueRules struct {
	SLTarget  float64       // fraction, e.g. 0.8; alert when today's SL is below it
	MinCalls  int           // SL is judged once this many calls count (default 5)
	WaitAbove time.Duration // alert when a caller has waited longer
}

// Floor is what the owner sees now.
type Floor struct {
	Queues []QueueState
	Agents []AgentState
}

// QueueState is one queue: its longest current wait and today's service
// level over SLBase calls.
type QueueState struct {
	Name         string
	LongestWait  time.Duration
	ServiceLevel float64
	SLBase       int
}

// AgentState is one agent's state and since when.
type AgentState struct {
	ID     string
	State  string // as acd.AgentState.String(): ready, not_ready, wrap_up…
	Reason string
	Since  time.Time
}

// Alert is one condition that holds.
type Alert struct {
	Key     string    // stable identity, e.g. "queue:sales:wait"
	Kind    string    // queue_sl, queue_wait, agent_not_ready, agent_wrap_up
	Queue   string    `json:",omitempty"`
	Agent   string    `json:",omitempty"`
	Message string    // for people: "sales: a caller has waited 2m10s (limit 1m)"
	Since   time.Time // when it was raised
}

// Evaluator remembers which alerts are active between evaluations.
type Evaluator struct {
	active map[string]Alert
}

// New returns an evaluator with nothing active.
func New() *Evaluator { return &Evaluator{active: map[string]Alert{}} }

// Evaluate checks the floor at now against rules and returns the alerts
// raised and cleared since the previous call, each sorted by key.
func (e *Evaluator) Evaluate(now time.Time, rules Rules, f Floor) (raised, cleared []Alert) {
	holds := map[string]Alert{}
	for _, q := range f.Queues {
		r := rules.Queues[q.Name]
		if r.WaitAbove > 0 && q.LongestWait > r.WaitAbove {
			holds["queue:"+q.Name+":wait"] = Alert{Kind: "queue_wait", Queue: q.Name,
				Message: fmt.Sprintf("%s: a caller has waited %s (limit %s)", q.Name, q.LongestWait.Round(time.Second), r.WaitAbove)}
		}
		min := r.MinCalls
		if min <= 0 {
			min = 5
		}
		if r.SLTarget > 0 && q.SLBase >= min && q.ServiceLevel < r.SLTarget {
			holds["queue:"+q.Name+":sl"] = Alert{Kind: "queue_sl", Queue: q.Name,
				Message: fmt.Sprintf("%s: service level %.0f%% (target %.0f%%)", q.Name, q.ServiceLevel*100, r.SLTarget*100)}
		}
	}
	for _, a := range f.Agents {
		in := now.Sub(a.Since)
		switch {
		case a.State == "not_ready" && rules.NotReadyOver > 0 && in > rules.NotReadyOver:
			holds["agent:"+a.ID+":not_ready"] = Alert{Kind: "agent_not_ready", Agent: a.ID,
				Message: fmt.Sprintf("agent %s not ready (%s) for %s (limit %s)", a.ID, a.Reason, in.Round(time.Second), rules.NotReadyOver)}
		case a.State == "wrap_up" && rules.WrapUpOver > 0 && in > rules.WrapUpOver:
			holds["agent:"+a.ID+":wrap_up"] = Alert{Kind: "agent_wrap_up", Agent: a.ID,
				Message: fmt.Sprintf("agent %s in wrap-up for %s (limit %s)", a.ID, in.Round(time.Second), rules.WrapUpOver)}
		}
	}
	for k, a := range holds {
		if prev, ok := e.active[k]; ok {
			a.Since = prev.Since // still the same alert; its message may change
		} else {
			a.Since = now
			a.Key = k
			raised = append(raised, withKey(a, k))
		}
		e.active[k] = withKey(a, k)
	}
	for k, a := range e.active {
		if _, ok := holds[k]; !ok {
			cleared = append(cleared, a)
			delete(e.active, k)
		}
	}
	sortByKey(raised)
	sortByKey(cleared)
	return raised, cleared
}

// Active lists the alerts that hold, sorted by key.
func (e *Evaluator) Active() []Alert {
	out := make([]Alert, 0, len(e.active))
	for _, a := range e.active {
		out = append(out, a)
	}
	sortByKey(out)
	return out
}

func withKey(a Alert, k string) Alert { a.Key = k; return a }

func sortByKey(as []Alert) { sort.Slice(as, func(i, j int) bool { return as[i].Key < as[j].Key }) }
