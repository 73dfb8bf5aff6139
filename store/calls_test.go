package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestCallLifecycle(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	c := Call{ID: "c1", SIPCallID: "abc@carrier", ANI: "+15551230000", DNIS: "8000", Trunk: "carrier",
		Flow: "main", ArrivedAt: at(0), Data: map[string]string{"account": "42"}}
	if err := s.CreateCall(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateCall(ctx, c); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate create: %v, want ErrExists", err)
	}
	got, err := s.GetCall(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if !got.QueuedAt.IsZero() || !got.EndedAt.IsZero() || got.Data["account"] != "42" || !got.ArrivedAt.Equal(at(0)) {
		t.Fatalf("after create: %+v", got)
	}

	digits, queue, agent := "2", "support", "1002"
	steps := []CallUpdate{
		{IVRDigits: &digits},
		{Queue: &queue, QueuedAt: ptr(at(5))},
		{OfferedAt: ptr(at(12))},
		{AnsweredAt: ptr(at(15)), AgentID: &agent},
	}
	for _, u := range steps {
		if err := s.UpdateCall(ctx, "c1", u); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.EndCall(ctx, "c1", at(75), "caller", "normal_clearing", "answered"); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetCall(ctx, "c1")
	want := c
	want.IVRDigits, want.Queue, want.AgentID = digits, queue, agent
	want.QueuedAt, want.OfferedAt, want.AnsweredAt, want.EndedAt = at(5), at(12), at(15), at(75)
	want.HangupSide, want.HangupCause, want.Disposition = "caller", "normal_clearing", "answered"
	want.WaitMS, want.TalkMS = 10_000, 60_000
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func ptr[T any](v T) *T { return &v }

func TestEndCall(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		call      Call
		side      string
		disp      string
		wantErr   error
		wantWait  int64
		wantTalk  int64
		endTwice  bool
		wantCause string
	}{
		{name: "abandoned in queue", call: Call{QueuedAt: at(2)}, side: "caller", disp: "abandoned",
			wantWait: 8000, wantCause: "caller_cancel"},
		{name: "self served in ivr", call: Call{}, side: "caller", disp: "self_served", wantCause: "caller_cancel"},
		{name: "second end changes nothing", call: Call{QueuedAt: at(1), AnsweredAt: at(4)}, side: "agent",
			disp: "answered", wantWait: 3000, wantTalk: 6000, endTwice: true, wantCause: "caller_cancel"},
		{name: "unknown side", side: "nobody", disp: "answered", wantErr: ErrInvalid},
		{name: "unknown disposition", side: "caller", disp: "lost", wantErr: ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openTest(t)
			c := tc.call
			c.ID, c.ArrivedAt = "c", at(0)
			if err := s.CreateCall(ctx, c); err != nil {
				t.Fatal(err)
			}
			err := s.EndCall(ctx, "c", at(10), tc.side, "caller_cancel", tc.disp)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("EndCall: %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				return
			}
			if tc.endTwice {
				if err := s.EndCall(ctx, "c", at(99), "switch", "switch_restart", "failed"); err != nil {
					t.Fatalf("second EndCall: %v", err)
				}
			}
			got, _ := s.GetCall(ctx, "c")
			if !got.EndedAt.Equal(at(10)) || got.HangupSide != tc.side || got.Disposition != tc.disp ||
				got.HangupCause != tc.wantCause || got.WaitMS != tc.wantWait || got.TalkMS != tc.wantTalk {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

func TestUnknownCall(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	q := "q"
	for name, err := range map[string]error{
		"get":    func() error { _, err := s.GetCall(ctx, "x"); return err }(),
		"update": s.UpdateCall(ctx, "x", CallUpdate{Queue: &q}),
		"end":    s.EndCall(ctx, "x", at(1), "caller", "normal_clearing", "abandoned"),
		"create": s.CreateCall(ctx, Call{ID: "x"}), // no arrival time
	} {
		want := ErrNotFound
		if name == "create" {
			want = ErrInvalid
		}
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
}

func TestListCalls(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	for i, c := range []Call{
		{Queue: "sales", AgentID: "1001"},
		{Queue: "support", AgentID: "1002"},
		{Queue: "support", AgentID: "1001"},
		{Queue: "support"},
	} {
		c.ID, c.ArrivedAt = fmt.Sprintf("c%d", i), at(float64(i*60))
		if err := s.CreateCall(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		f    Filter
		want string
	}{
		{Filter{}, "[c3 c2 c1 c0]"},
		{Filter{Limit: 2}, "[c3 c2]"},
		{Filter{Queue: "support"}, "[c3 c2 c1]"},
		{Filter{Agent: "1001"}, "[c2 c0]"},
		{Filter{From: at(60), To: at(180)}, "[c2 c1]"},
		{Filter{Queue: "sales", Agent: "1002"}, "[]"},
	} {
		calls, err := s.ListCalls(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range calls {
			ids = append(ids, c.ID)
		}
		if got := fmt.Sprint(ids); got != tc.want {
			t.Errorf("%+v: got %s, want %s", tc.f, got, tc.want)
		}
	}
}

// A crash leaves calls open: the store is closed without EndCall, reopened,
// and recovery closes each exactly once with a cause reports can tell apart.
func TestRecoverOpenCallsAfterSimulatedCrash(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	calls := []Call{
		{ID: "ivr", ArrivedAt: at(0)},
		{ID: "queued", ArrivedAt: at(0), Queue: "support", QueuedAt: at(5)},
		{ID: "talking", ArrivedAt: at(0), Queue: "support", QueuedAt: at(5), AnsweredAt: at(20), AgentID: "1002"},
		{ID: "done", ArrivedAt: at(0)},
	}
	for _, c := range calls {
		if err := s.CreateCall(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.EndCall(ctx, "done", at(3), "caller", "normal_clearing", "self_served"); err != nil {
		t.Fatal(err)
	}
	if err := s.insertEvents(ctx, []Event{{TS: at(1), Kind: "agent.state", AgentID: "1002",
		Data: map[string]string{"state": "talking"}}}); err != nil {
		t.Fatal(err)
	}
	s.Close() // the crash: nothing ended

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := s.RecoverOpenCalls(ctx, at(100))
	if n := len(r.Calls); err != nil || n != 3 {
		t.Fatalf("recovered %d (%v), want 3", n, err)
	}
	for _, c := range r.Calls {
		if c.EndedAt.IsZero() || c.HangupCause != "switch_restart" {
			t.Errorf("recovery returned %s as %v %q, not as stored after closing", c.ID, c.EndedAt, c.HangupCause)
		}
	}
	if r, _ := s.RecoverOpenCalls(ctx, at(200)); len(r.Calls) != 0 {
		t.Fatalf("second recovery closed %d", len(r.Calls))
	}
	for _, tc := range []struct {
		id, side, cause, disp string
		wait, talk            int64
	}{
		{"ivr", "switch", "switch_restart", "abandoned", 0, 0},
		{"queued", "switch", "switch_restart", "abandoned", 95_000, 0},
		{"talking", "switch", "switch_restart", "answered", 15_000, 80_000},
		{"done", "caller", "normal_clearing", "self_served", 0, 0},
	} {
		c, err := s.GetCall(ctx, tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if c.HangupSide != tc.side || c.HangupCause != tc.cause || c.Disposition != tc.disp ||
			c.WaitMS != tc.wait || c.TalkMS != tc.talk || c.EndedAt.IsZero() {
			t.Errorf("%s: %+v", tc.id, c)
		}
	}
	all, _ := s.ListCalls(ctx, Filter{})
	if len(all) != len(calls) {
		t.Errorf("%d rows, want %d", len(all), len(calls))
	}
	st, _ := s.AgentStates(ctx, Filter{Agent: "1002"})
	if len(st) != 1 || !st[0].To.Equal(at(100)) {
		t.Errorf("agent states after recovery: %+v", st)
	}
}
