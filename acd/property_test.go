package acd

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func propConfig() Config {
	return Config{
		NoAnswerLimit: 2,
		Rand:          rand.New(rand.NewPCG(1, 2)),
		Queues: []QueueConfig{
			{Name: "q0", Skills: map[string]int{"a": 3}, WrapUp: 5 * time.Second, MaxWait: 3 * time.Minute,
				Overflow:      []OverflowRule{{After: 20 * time.Second, MinLevelDelta: 1}, {After: 60 * time.Second, ToQueue: "q1"}},
				AnnounceEvery: 30 * time.Second, ExitKeys: map[string]string{"1": "menu"}, CallbackAttempts: 2},
			{Name: "q1", Strategy: "ring_all", JoinEmpty: true, RingTimeout: 8 * time.Second,
				Overflow: []OverflowRule{{After: 150 * time.Second, ToFlow: "vm"}}},
			{Name: "q2", Strategy: "round_robin", Skills: map[string]int{"b": 1}, MaxLen: 4, LeaveWhenEmpty: true,
				Overflow: []OverflowRule{{After: 30 * time.Second, ToQueue: "q0"}}},
			{Name: "q3", Strategy: "best_skill", Skills: map[string]int{"a": 1, "b": 1}, JoinEmpty: true, WrapUp: time.Second},
		},
		Agents: []AgentConfig{
			{ID: "a0", Skills: map[string]int{"a": 5}},
			{ID: "a1", Skills: map[string]int{"a": 2, "b": 3}},
			{ID: "a2", Skills: map[string]int{"b": 7}},
			{ID: "a3", Skills: map[string]int{"a": 9, "b": 9}},
			{ID: "a4", Skills: map[string]int{"a": 3}},
		},
	}
}

// drive feeds the engine events decoded from data and checks, after every
// step, the engine's invariants and each caller's lifecycle: a joined caller
// is queued until exactly one terminal outcome (connected, abandoned,
// released, sent to a flow).
func drive(t testing.TB, data []byte) {
	e, err := New(propConfig())
	if err != nil {
		t.Fatal(err)
	}
	now := t0
	active := map[string]bool{}
	ended := map[string]int{}
	var offers []uint64
	nextCall := 0
	pos := 0
	next := func() int {
		if pos >= len(data) {
			return 0
		}
		pos++
		return int(data[pos-1])
	}
	call := func(n int) string { return fmt.Sprintf("c%d", n%(nextCall+1)) }
	agentID := func(n int) string { return fmt.Sprintf("a%d", n%6) } // a5 is unknown
	offerID := func(n int) uint64 {
		if len(offers) == 0 || n%8 == 7 {
			return uint64(n)
		}
		return offers[n%len(offers)]
	}
	reasons := []string{"break", "lunch", ""}
	for pos < len(data) {
		op, x, y := next(), next(), next()
		var ev Event
		switch op % 20 {
		case 0, 1:
			nextCall++
			ev = CallerJoined{CallID: fmt.Sprintf("c%d", nextCall), Queue: fmt.Sprintf("q%d", x%5), Priority: y % 3}
		case 2:
			ev = CallerLeft{CallID: call(x)}
		case 3:
			ev = SetPriority{CallID: call(x), Priority: y % 5}
		case 4:
			ev = ExitKey{CallID: call(x), Digit: fmt.Sprint(y % 3)}
		case 5:
			ev = CallbackRequested{CallID: call(x), Number: "555"}
		case 6:
			ev = AgentLogin{AgentID: agentID(x), Reason: reasons[y%3]}
		case 7:
			ev = AgentLogout{AgentID: agentID(x)}
		case 8:
			ev = AgentReady{AgentID: agentID(x)}
		case 9:
			ev = AgentNotReady{AgentID: agentID(x), Reason: reasons[y%3]}
		case 10:
			ev = ForceState{AgentID: agentID(x), State: AgentState(y % 8), Reason: "sup"}
		case 11, 12:
			ev = OfferAnswered{OfferID: offerID(x)}
		case 13:
			ev = OfferRejected{OfferID: offerID(x), Reason: "486"}
		case 14:
			ev = OfferFailed{OfferID: offerID(x)}
		case 15:
			if y%2 == 0 {
				ev = CallHeld{AgentID: agentID(x)}
			} else {
				ev = CallUnheld{AgentID: agentID(x)}
			}
		case 16:
			ev = CallEnded{AgentID: agentID(x)}
		case 17:
			ev = WrapUpDone{AgentID: agentID(x)}
		case 18:
			now = now.Add(time.Duration(x) * 100 * time.Millisecond)
			ev = Tick{}
		case 19:
			if d, ok := e.NextDeadline(); ok {
				if d.Before(now) {
					t.Fatalf("deadline %v before now %v", d, now)
				}
				now = d
			}
			ev = Tick{}
		}
		acts := e.Step(now, ev)
		terminal := func(id, why string) {
			if !active[id] {
				t.Fatalf("%s for caller %s that is not queued (event %#v)", why, id, ev)
			}
			active[id] = false
			ended[id]++
		}
		for _, a := range acts {
			switch a := a.(type) {
			case Offer:
				offers = append(offers, a.OfferID)
			case DialCallback:
				offers = append(offers, a.OfferID)
			case Release:
				if active[a.CallID] {
					terminal(a.CallID, "release")
				} else {
					ended[a.CallID]++ // refused at the door
				}
			case Overflow:
				if a.ToFlow != "" {
					terminal(a.CallID, "flow")
				}
			case Notify:
				switch a.Name {
				case EvQueueJoined:
					active[a.CallID] = true
				case EvQueueAbandoned:
					terminal(a.CallID, "abandon")
				case EvAgentConnected:
					terminal(a.CallID, "connect")
				}
			}
		}
		if err := checkInvariants(e); err != nil {
			t.Fatalf("after %#v: %v", ev, err)
		}
		for id, n := range ended {
			if n > 1 {
				t.Fatalf("caller %s ended %d times", id, n)
			}
		}
		for id, on := range active {
			if on != (e.callers[id] != nil) {
				t.Fatalf("caller %s active=%v but engine has it=%v", id, on, e.callers[id] != nil)
			}
		}
		if len(offers) > 64 {
			offers = offers[len(offers)-32:]
		}
	}
	_ = e.Snapshot()
	if acts := e.Reconfigure(propConfig()); len(acts) > 0 {
		if r, ok := acts[0].(Rejected); ok {
			t.Fatal(r.Err)
		}
	}
	if err := checkInvariants(e); err != nil {
		t.Fatalf("after reconfigure: %v", err)
	}
}

func TestRandomWalk(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 7))
	for i := 0; i < 300; i++ {
		data := make([]byte, 3*400)
		for j := range data {
			data[j] = byte(r.Uint32())
		}
		drive(t, data)
	}
}

func FuzzEngine(f *testing.F) {
	f.Add([]byte{6, 0, 0, 6, 1, 0, 0, 0, 0, 11, 0, 0, 16, 0, 0})
	f.Add([]byte{0, 1, 0, 6, 0, 0, 6, 3, 0, 18, 200, 0, 19, 0, 0, 13, 0, 0, 19, 0, 0})
	f.Add([]byte{0, 0, 0, 5, 1, 0, 2, 1, 0, 6, 3, 0, 19, 0, 0, 14, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 3000 {
			return
		}
		drive(t, data)
	})
}

func TestAgentStateString(t *testing.T) {
	for _, tc := range []struct {
		s    AgentState
		want string
	}{
		{LoggedOut, "logged_out"}, {Ready, "ready"}, {NotReady, "not_ready"}, {Reserved, "reserved"},
		{Talking, "talking"}, {Held, "held"}, {WrapUp, "wrap_up"}, {AgentState(42), "unknown"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%d: %q, want %q", tc.s, got, tc.want)
		}
		if p, ok := ParseAgentState(tc.want); tc.want != "unknown" && (!ok || p != tc.s) {
			t.Errorf("ParseAgentState(%q) = %v %v", tc.want, p, ok)
		}
	}
	for _, tc := range []struct {
		s    callerState
		want string
	}{{callerWaiting, "waiting"}, {callerOffered, "offered"}, {callerState(9), "unknown"}} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%d: %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"dup queue":   {Queues: []QueueConfig{{Name: "a"}, {Name: "a"}}},
		"strategy":    {Queues: []QueueConfig{{Name: "a", Strategy: "nope"}}},
		"level":       {Queues: []QueueConfig{{Name: "a", Skills: map[string]int{"x": 11}}}},
		"overflow":    {Queues: []QueueConfig{{Name: "a", Overflow: []OverflowRule{{After: time.Second, ToQueue: "zz"}}}}},
		"dup agent":   {Agents: []AgentConfig{{ID: "x"}, {ID: "x"}}},
		"agent level": {Agents: []AgentConfig{{ID: "x", Skills: map[string]int{"s": 0}}}},
		"no name":     {Queues: []QueueConfig{{}}},
		"overflow 0s": {Queues: []QueueConfig{{Name: "a", Overflow: []OverflowRule{{ToFlow: "f"}}}}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestRegisterStrategy(t *testing.T) {
	e, err := New(Config{Queues: []QueueConfig{{Name: "q", JoinEmpty: true}}, Agents: []AgentConfig{{ID: "x"}, {ID: "y"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.RegisterStrategy("last", StrategyFunc(func(a, b *Candidate) bool { return a.AgentID > b.AgentID })); err != nil {
		t.Fatal(err)
	}
	if e.RegisterStrategy("nil", nil) == nil {
		t.Fatal("nil strategy accepted")
	}
	e.Reconfigure(Config{Queues: []QueueConfig{{Name: "q", Strategy: "last"}}, Agents: []AgentConfig{{ID: "x"}, {ID: "y"}}})
	e.Step(t0, AgentLogin{AgentID: "x"})
	e.Step(t0, AgentLogin{AgentID: "y"})
	for _, a := range e.Step(t0, CallerJoined{CallID: "c", Queue: "q"}) {
		if o, ok := a.(Offer); ok && o.AgentID != "y" {
			t.Fatalf("offered %s, want y", o.AgentID)
		}
	}
}
