package alerts

import (
	"strings"
	"testing"
	"time"
)

func keys(as []Alert) string {
	var k []string
	for _, a := range as {
		k = append(k, a.Key)
	}
	return strings.Join(k, ",")
}

// A scripted floor on a fake clock: alerts are raised once, kept while they
// hold (keeping their start), and cleared when they stop holding.
func TestEvaluate(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	rules := Rules{
		Queues:       map[string]QueueRules{"sales": {SLTarget: 0.8, WaitAbove: time.Minute}, "support": {WaitAbove: 30 * time.Second}},
		NotReadyOver: 15 * time.Minute, WrapUpOver: 2 * time.Minute,
	}
	e := New()
	steps := []struct {
		at              time.Duration
		floor           Floor
		raised, cleared string
	}{
		{0, Floor{Queues: []QueueState{{Name: "sales", LongestWait: 30 * time.Second, ServiceLevel: 0.9, SLBase: 10}}}, "", ""},
		// A sales caller passes a minute; SL drops below target with enough calls.
		{90 * time.Second, Floor{Queues: []QueueState{{Name: "sales", LongestWait: 70 * time.Second, ServiceLevel: 0.7, SLBase: 10}}},
			"queue:sales:sl,queue:sales:wait", ""},
		// Still so: nothing new.
		{100 * time.Second, Floor{Queues: []QueueState{{Name: "sales", LongestWait: 80 * time.Second, ServiceLevel: 0.7, SLBase: 10}}}, "", ""},
		// The caller is answered; SL recovers; too few calls in support to judge SL (no rule anyway).
		{110 * time.Second, Floor{Queues: []QueueState{{Name: "sales", ServiceLevel: 0.85, SLBase: 11}, {Name: "support", ServiceLevel: 0.1, SLBase: 1}}},
			"", "queue:sales:sl,queue:sales:wait"},
		// Agents: 1001 not ready for 16 min, 1002 in wrap-up 3 min, 1003 ready for hours.
		{20 * time.Minute, Floor{Agents: []AgentState{
			{ID: "1001", State: "not_ready", Reason: "break", Since: t0},
			{ID: "1002", State: "wrap_up", Since: t0.Add(17 * time.Minute)},
			{ID: "1003", State: "ready", Since: t0.Add(-3 * time.Hour)},
		}}, "agent:1001:not_ready,agent:1002:wrap_up", ""},
		{21 * time.Minute, Floor{Agents: []AgentState{{ID: "1001", State: "ready", Since: t0.Add(21 * time.Minute)}}},
			"", "agent:1001:not_ready,agent:1002:wrap_up"},
	}
	for i, st := range steps {
		r, c := e.Evaluate(t0.Add(st.at), rules, st.floor)
		if keys(r) != st.raised || keys(c) != st.cleared {
			t.Fatalf("step %d: raised %q cleared %q, want %q and %q", i, keys(r), keys(c), st.raised, st.cleared)
		}
		if i == 2 {
			act := e.Active()
			if len(act) != 2 || !act[1].Since.Equal(t0.Add(90*time.Second)) || !strings.Contains(act[1].Message, "waited 1m20s (limit 1m0s)") {
				t.Fatalf("active after step 2: %+v", act)
			}
		}
	}
	if len(e.Active()) != 0 {
		t.Errorf("still active: %+v", e.Active())
	}
}
