package call

import (
	"strings"
	"testing"
	"time"
)

func TestOutLimiter(t *testing.T) {
	l := newOutLimiter()
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	lim := outLimits{MaxConcurrent: 3, PerMinute: 4, DiallerMaxConcurrent: 2, DiallerPerMin: 3}
	must := func(who string, at time.Duration) func() {
		t.Helper()
		rel, err := l.take(lim, who, t0.Add(at))
		if err != nil {
			t.Fatalf("%s at %v refused: %v", who, at, err)
		}
		return rel
	}
	refuse := func(who string, at time.Duration, why string) {
		t.Helper()
		if _, err := l.take(lim, who, t0.Add(at)); err == nil || !strings.Contains(err.Error(), why) {
			t.Fatalf("%s at %v: %v, want refusal mentioning %q", who, at, err, why)
		}
	}
	a1 := must("agent:1001", 0)
	must("agent:1001", time.Second)
	refuse("agent:1001", 2*time.Second, "at once") // the agent's 2 concurrent
	b1 := must("flow:main", 3*time.Second)
	refuse("agent:1002", 4*time.Second, "capped at 3") // everyone's 3 concurrent
	a1()
	a1() // releasing twice gives back one slot only
	must("agent:1002", 5*time.Second)
	refuse("flow:main", 6*time.Second, "capped at 3") // a1's slot was given back once only
	b1()
	refuse("flow:main", 7*time.Second, "per minute are capped at 4") // 4 starts within the minute
	// A minute on, the first starts have left the window.
	must("flow:main", 61*time.Second)
	refuse("agent:1001", 62*time.Second, "capped at 3")
	l2 := newOutLimiter()
	one := outLimits{DiallerPerMin: 1}
	if _, err := l2.take(one, "agent:7", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := l2.take(one, "agent:7", t0.Add(59*time.Second)); err == nil {
		t.Fatal("second call within the minute admitted")
	}
	if _, err := l2.take(one, "agent:7", t0.Add(61*time.Second)); err != nil {
		t.Fatalf("a minute later: %v", err)
	}
	if _, err := l2.take(outLimits{}, "agent:8", t0); err != nil {
		t.Fatalf("no caps: %v", err)
	}
}
