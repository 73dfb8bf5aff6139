package cti

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
)

func TestRoleString(t *testing.T) {
	tests := []struct {
		r    Role
		want string
	}{
		{RoleNone, "none"}, {RoleAgent, "agent"}, {RoleCRM, "crm"},
		{RoleSupervisor, "supervisor"}, {RoleAdmin, "admin"}, {Role(99), "none"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%d: %q, want %q", tt.r, got, tt.want)
		}
	}
	scopes := map[agentScope]string{agentDenied: "denied", agentAny: "any", agentSelf: "self", agentOwnCall: "own_call",
		agentWrapCall: "wrap_call", agentSupervise: "supervise"}
	for s, want := range scopes {
		if s.String() != want {
			t.Errorf("scope %d: %q", s, s.String())
		}
	}
}

func TestParseRole(t *testing.T) {
	tests := []struct {
		in   string
		want Principal
		err  bool
	}{
		{"crm", Principal{Role: RoleCRM}, false},
		{"supervisor", Principal{Role: RoleSupervisor}, false},
		{"admin", Principal{Role: RoleAdmin}, false},
		{"agent:1001", Principal{Role: RoleAgent, Agent: "1001"}, false},
		{"agent:", Principal{}, true},
		{"root", Principal{}, true},
		{"", Principal{}, true},
	}
	for _, tt := range tests {
		got, err := ParseRole(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseRole(%q) = %v, %v", tt.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrBadRole) {
			t.Errorf("ParseRole(%q) error not ErrBadRole: %v", tt.in, err)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	srv := NewServer(NewBus(1), &fakeController{}, append(testTokens, Token{Token: "x", Role: "bogus"}, Token{Role: "admin"}),
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer srv.Close()
	if len(srv.tokens) != len(testTokens) {
		t.Fatalf("invalid tokens not skipped: %d", len(srv.tokens))
	}
	for _, tok := range testTokens {
		p, ok := authenticate(srv.tokens, tok.Token)
		if !ok || p.String() != tok.Role {
			t.Errorf("%s: %v %v", tok.Token, p, ok)
		}
	}
	for _, bad := range []string{"", "x", "crm-secre", "crm-secret ", "admin-secretX"} {
		if _, ok := authenticate(srv.tokens, bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Which role may send which command, including agents acting on themselves
// and on calls assigned to them.
func TestPermissions(t *testing.T) {
	calls := newCallTracker()
	calls.observe(Event{Seq: 1, Kind: KindAgentOffered, CallID: "mine", AgentID: "a1"})
	calls.observe(Event{Seq: 2, Kind: KindAgentConnected, CallID: "theirs", AgentID: "a2"})
	// a1's previous call ended: it is in wrap-up on "done".
	calls.observe(Event{Seq: 3, Kind: KindAgentConnected, CallID: "done", AgentID: "a1"})
	calls.observe(Event{Seq: 4, Kind: KindCallEnded, CallID: "done", AgentID: "a1"})
	crm := Principal{Role: RoleCRM}
	sup := Principal{Role: RoleSupervisor}
	adm := Principal{Role: RoleAdmin}
	a1 := Principal{Role: RoleAgent, Agent: "a1"}
	s2 := Principal{Role: RoleAgent, Agent: "s2"} // an agent permitted to supervise

	tests := []struct {
		p    Principal
		cmd  string
		args string
		ok   bool
	}{
		{crm, "originate", `{"agent":"a1","number":"100"}`, true},
		{crm, "attach_data", `{"call":"x","data":{"k":"v"}}`, true},
		{crm, "set_priority", `{"call":"x","priority":5}`, true},
		{crm, "disposition", `{"call":"x","code":"sale"}`, true},
		{crm, "hangup", `{"call":"x"}`, true},
		{crm, "snapshot", `{}`, true},
		{crm, "subscribe", `{}`, true},
		{crm, "agent_ready", `{"agent":"a1"}`, false},
		{crm, "transfer", `{"call":"x","target":"200"}`, false},
		{crm, "hold", `{"call":"x"}`, false},
		{crm, "barge", `{"call":"x","supervisor_agent":"s1"}`, false},

		{sup, "agent_not_ready", `{"agent":"a2","reason":"break"}`, true},
		{sup, "agent_logout", `{"agent":"a1"}`, true},
		{sup, "listen", `{"call":"x","supervisor_agent":"s1"}`, true},
		{sup, "whisper", `{"call":"x","supervisor_agent":"s1"}`, true},
		{sup, "barge", `{"call":"x","supervisor_agent":"s1"}`, true},
		{sup, "transfer", `{"call":"x","target":"200"}`, true},
		{sup, "attended_transfer", `{"call":"x","target":"200"}`, true},
		{sup, "originate", `{"agent":"a1","number":"100"}`, true},

		{adm, "barge", `{"call":"x","supervisor_agent":"s1"}`, true},
		{adm, "agent_login", `{"agent":"a9"}`, true},

		{a1, "agent_ready", `{}`, true},
		{a1, "agent_ready", `{"agent":"a1"}`, true},
		{a1, "agent_ready", `{"agent":"a2"}`, false},
		{a1, "agent_not_ready", `{"reason":"lunch"}`, true},
		{a1, "wrap_up_done", `{}`, true},
		{a1, "originate", `{"number":"100"}`, true},
		{a1, "originate", `{"agent":"a2","number":"100"}`, false},
		{a1, "hangup", `{"call":"mine"}`, true},
		{a1, "hold", `{"call":"mine"}`, true},
		{a1, "transfer", `{"call":"mine","target":"200"}`, true},
		{a1, "transfer_complete", `{"call":"mine"}`, true},
		{a1, "disposition", `{"call":"mine","code":"sale"}`, true},
		{a1, "attach_data", `{"call":"mine","data":{"k":"v"}}`, true},
		{a1, "disposition", `{"call":"done","code":"sale"}`, true},
		{a1, "hangup", `{"call":"done"}`, false},
		{a1, "disposition", `{"call":"theirs","code":"sale"}`, false},
		{a1, "hangup", `{"call":"theirs"}`, false},
		{a1, "hold", `{"call":"unknown"}`, false},
		{a1, "set_priority", `{"call":"mine","priority":1}`, false},
		{a1, "snapshot", `{}`, false},
		{a1, "listen", `{"call":"mine","supervisor_agent":"a1"}`, false},
		{a1, "subscribe", `{}`, true},
		{a1, "ping", `{}`, true},
		{a1, "whisper", `{"call":"theirs"}`, false},
		{a1, "barge", `{"call":"theirs","supervisor_agent":"s2"}`, false},

		{s2, "listen", `{"call":"theirs"}`, true},
		{s2, "listen", `{"call":"theirs","supervisor_agent":"s2"}`, true},
		{s2, "whisper", `{"call":"theirs"}`, true},
		{s2, "barge", `{"call":"mine"}`, true},
		{s2, "listen", `{"call":"theirs","supervisor_agent":"a1"}`, false},
		{s2, "snapshot", `{}`, true},
		{s2, "agent_ready", `{}`, true},
		{s2, "agent_ready", `{"agent":"a1"}`, false},
		{s2, "hangup", `{"call":"theirs"}`, false},
		{s2, "transfer", `{"call":"theirs","target":"200"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.p.String()+"/"+tt.cmd+tt.args, func(t *testing.T) {
			var c command
			if err := json.Unmarshal([]byte(tt.args), &c); err != nil {
				t.Fatal(err)
			}
			c.Cmd = tt.cmd
			spec := commands[tt.cmd]
			err := authorize(tt.p, spec, &c, calls, func(a string) bool { return a == "s2" })
			if (err == nil) != tt.ok {
				t.Fatalf("authorize = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && err.Code != CodeForbidden {
				t.Errorf("code %s", err.Code)
			}
			if err == nil {
				if aerr := checkArgs(&c, spec); aerr != nil {
					t.Errorf("args rejected: %v", aerr)
				}
			}
		})
	}
}

// An agent sees its own events and its calls' events, including the
// call.ended that releases the call, and nothing after that.
func TestAgentEventVisibility(t *testing.T) {
	bus := NewBus(64)
	srv := NewServer(bus, &fakeController{}, testTokens)
	defer srv.Close()
	sub, _ := bus.Subscribe(Filter{Match: func(ev Event) bool { return srv.calls.visibleTo("a1", ev) }}, 64, 0)
	defer sub.Close()

	bus.Publish(Event{Kind: KindQueueJoined, CallID: "c1"})                   // 1 not yet mine
	bus.Publish(Event{Kind: KindAgentOffered, CallID: "c1", AgentID: "a1"})   // 2
	bus.Publish(Event{Kind: KindAgentState, AgentID: "a2"})                   // 3 other agent
	bus.Publish(Event{Kind: KindCallHeld, CallID: "c1"})                      // 4 my call
	bus.Publish(Event{Kind: KindCallEnded, CallID: "c1"})                     // 5 releases, still mine
	bus.Publish(Event{Kind: KindDispositionSet, CallID: "c1"})                // 6 released
	bus.Publish(Event{Kind: KindAgentState, AgentID: "a1", State: "wrap_up"}) // 7
	bus.Publish(Event{Kind: KindAgentOffered, CallID: "c2", AgentID: "a2"})   // 8
	bus.Publish(Event{Kind: KindAgentRingNoAnswer, CallID: "c2", AgentID: "a2"})
	bus.Publish(Event{Kind: KindAgentOffered, CallID: "c2", AgentID: "a1"}) // 10 requeued to me

	want := []uint64{2, 4, 5, 7, 10}
	for _, ev := range drain(t, sub, len(want)) {
		if ev.Seq != want[0] {
			t.Fatalf("got seq %d, want %d", ev.Seq, want[0])
		}
		want = want[1:]
	}
}

// An attended transfer moves the call to the consulted agent: the first
// agent's late agent.completed does not take it away.
func TestCallTrackerFollowsAttendedTransfer(t *testing.T) {
	calls := newCallTracker()
	calls.observe(Event{Seq: 1, Kind: KindAgentConnected, CallID: "c", AgentID: "a1"})
	calls.observe(Event{Seq: 2, Kind: KindCallTransferred, CallID: "c", AgentID: "a2", Reason: "attended"})
	calls.observe(Event{Seq: 3, Kind: KindAgentCompleted, CallID: "c", AgentID: "a1"})
	if !calls.owns("a2", "c") || calls.owns("a1", "c") {
		t.Fatalf("after the transfer: a2 owns %v, a1 owns %v", calls.owns("a2", "c"), calls.owns("a1", "c"))
	}
	// A blind transfer to a queue does not hand the call to anyone.
	calls.observe(Event{Seq: 4, Kind: KindCallTransferred, CallID: "c", AgentID: "a2", Reason: "queue:sales"})
	calls.observe(Event{Seq: 5, Kind: KindAgentCompleted, CallID: "c", AgentID: "a2"})
	if calls.owns("a2", "c") {
		t.Fatal("a2 still owns the call after leaving it")
	}
}

// An agent without the permission is told why it may not supervise; the
// one with it gets its own phone filled in as the supervisor's.
func TestAgentSupervisePermission(t *testing.T) {
	calls := newCallTracker()
	supervises := func(a string) bool { return a == "s2" }
	c := command{Cmd: "listen", Call: "c1"}
	err := authorize(Principal{Role: RoleAgent, Agent: "a1"}, commands["listen"], &c, calls, supervises)
	if err == nil || err.Code != CodeForbidden || !strings.Contains(err.Message, "not permitted to supervise") {
		t.Fatalf("a1 listen: %v", err)
	}
	if err := authorize(Principal{Role: RoleAgent, Agent: "s2"}, commands["listen"], &c, calls, nil); err == nil {
		t.Fatal("listen allowed without a permission check")
	}
	if err := authorize(Principal{Role: RoleAgent, Agent: "s2"}, commands["listen"], &c, calls, supervises); err != nil || c.SupervisorAgent != "s2" {
		t.Fatalf("s2 listen: %v, supervisor_agent %q", err, c.SupervisorAgent)
	}
}

// Over a socket: an agent the switch lets supervise is told so at login,
// may listen (its own phone filled in), and its subscription sees other
// agents' calls (not security.denied); another agent gets none of that,
// with the reason.
func TestSupervisingAgentSession(t *testing.T) {
	bus := NewBus(64)
	ctl := &fakeController{}
	_, addr := startServer(t, bus, ctl, WithAgentSupervisors(func(a string) bool { return a == "a2" }))

	sup := dial(t, addr)
	f := sup.login("a2-secret")
	var data struct {
		Agent      string
		Supervisor bool
	}
	_ = json.Unmarshal(f.Data, &data)
	if !f.OK || data.Agent != "a2" || !data.Supervisor {
		t.Fatalf("supervising agent login: %s", f.raw)
	}
	sup.mustOK("subscribe", nil)
	sup.mustOK("listen", map[string]any{"call": "c1"})
	if name, args := ctl.last(); name != "listen" || args.(SuperviseArgs).SupervisorAgent != "a2" {
		t.Fatalf("controller got %s %+v", name, args)
	}

	plain := dial(t, addr)
	if f := plain.login("a1-secret"); strings.Contains(string(f.Data), "supervisor") {
		t.Fatalf("a plain agent's login says supervisor: %s", f.raw)
	}
	r, _ := plain.cmd("listen", map[string]any{"call": "c1"})
	if r.OK || r.Error.Code != CodeForbidden || !strings.Contains(r.Error.Message, "not permitted to supervise") {
		t.Fatalf("a plain agent's listen: %s", r.raw)
	}
	bus.Publish(Event{Kind: KindAgentConnected, CallID: "c9", AgentID: "a3"})
	// The plain agent's refusal (security.denied) is not in the feed, as for crm.
	evs := sup.events(1)
	if evs[0].Event != KindAgentConnected || evs[0].CallID != "c9" {
		t.Fatalf("the supervising agent's feed: %s", evs[0].raw)
	}
}
