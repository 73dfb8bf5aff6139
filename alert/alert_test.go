package alert

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func changes(cs []Change) string {
	var b []string
	for _, c := range cs {
		verb := "clear"
		if c.Raised {
			verb = "raise"
		}
		b = append(b, fmt.Sprintf("%s %s %s%s %.0f/%.0f", verb, c.Alert.Kind, c.Alert.Queue, c.Alert.AgentID, c.Alert.Value, c.Alert.Limit))
	}
	return strings.Join(b, "; ")
}

// A scripted floor on a fake clock: each step gives the figures at t0+at
// and the alerts expected to change.
func TestEvaluatorScript(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	support := func(sl float64, known bool, wait int) Queue {
		return Queue{Name: "support", SLBelow: 80, WaitAbove: sec(30), SL: sl, SLKnown: known, LongestWait: sec(wait)}
	}
	bob := func(state string, since int) Agent {
		return Agent{ID: "1002", State: state, Since: t0.Add(sec(since)), NotReadyAbove: sec(600), WrapUpAbove: sec(60)}
	}
	steps := []struct {
		at     int
		queues []Queue
		agents []Agent
		want   string
		active int
	}{
		{0, []Queue{support(0, false, 0)}, []Agent{bob("ready", 0)}, "", 0},
		// no call in the window: SL unknown, never an alert
		{10, []Queue{support(0, false, 30)}, []Agent{bob("ready", 0)}, "", 0}, // exactly the limit is not above
		{11, []Queue{support(0, false, 31)}, []Agent{bob("ready", 0)}, "raise wait_above support 31/30", 1},
		{20, []Queue{support(50, true, 40)}, []Agent{bob("wrap_up", 0)}, "raise sl_below support 50/80", 2}, // wait stays up: no edge
		{61, []Queue{support(80, true, 0)}, []Agent{bob("wrap_up", 0)}, "clear sl_below support 50/80; clear wait_above support 40/30; raise wrap_up_above 1002 61/60", 1},
		{62, []Queue{support(90, true, 0)}, []Agent{bob("not_ready", 62)}, "clear wrap_up_above 1002 61/60", 0},
		{662, []Queue{support(90, true, 0)}, []Agent{bob("not_ready", 62)}, "", 0},
		{663, []Queue{support(90, true, 0)}, []Agent{bob("not_ready", 62)}, "raise not_ready_above 1002 601/600", 1},
		// the agent and queue vanish from the configuration: their alerts clear
		{700, nil, nil, "clear not_ready_above 1002 601/600", 0},
	}
	e := New()
	for _, s := range steps {
		got := changes(e.Evaluate(t0.Add(sec(s.at)), s.queues, s.agents))
		if got != s.want {
			t.Errorf("t+%ds: changes %q, want %q", s.at, got, s.want)
		}
		if n := len(e.Active()); n != s.active {
			t.Errorf("t+%ds: %d active, want %d", s.at, n, s.active)
		}
	}
}

func TestActiveKeepsRaiseTimeAndRefreshesValue(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	e := New()
	q := Queue{Name: "sales", WaitAbove: 5 * time.Second, LongestWait: 6 * time.Second}
	e.Evaluate(t0, []Queue{q}, nil)
	q.LongestWait = 9 * time.Second
	if cs := e.Evaluate(t0.Add(3*time.Second), []Queue{q}, nil); len(cs) != 0 {
		t.Fatalf("a standing alert changed: %v", changes(cs))
	}
	a := e.Active()
	if len(a) != 1 || !a[0].Since.Equal(t0) || a[0].Value != 9 {
		t.Fatalf("active %+v, want one raised at t0 with value 9", a)
	}
}
