package cti

import (
	"encoding/json"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHelloAndLogin(t *testing.T) {
	checkRoutines(t)
	bus := NewBus(64)
	_, addr := startServer(t, bus, &fakeController{})

	c := dial(t, addr)
	if f := c.login("wrong"); f.OK || f.Error.Code != CodeAuthFailed {
		t.Fatalf("bad login: %s", f.raw)
	}
	f := c.login("a1-secret")
	var data struct{ Role, Agent string }
	json.Unmarshal(f.Data, &data)
	if !f.OK || data.Role != "agent" || data.Agent != "a1" {
		t.Fatalf("login: %s", f.raw)
	}
	if f := c.login("a1-secret"); f.OK || f.Error.Code != CodeInvalidState {
		t.Fatalf("second login: %s", f.raw)
	}
	if f := c.mustOK("ping", nil); string(f.Data) != `"pong"` {
		t.Fatalf("ping: %s", f.raw)
	}
}

func TestGarbageGetsErrors(t *testing.T) {
	checkRoutines(t)
	bus := NewBus(64)
	_, addr := startServer(t, bus, &fakeController{})
	c := dial(t, addr)

	tests := []struct {
		name, line, code, id string
	}{
		{"not json", "hello there", CodeBadRequest, "null"},
		{"broken json", `{"type":"cmd","id":"7",`, CodeBadRequest, "null"},
		{"array", `[1,2]`, CodeBadRequest, "null"},
		{"missing id", `{"type":"cmd","cmd":"ping"}`, CodeBadRequest, "null"},
		{"object id", `{"type":"cmd","id":{},"cmd":"ping"}`, CodeBadRequest, "null"},
		{"missing cmd", `{"type":"cmd","id":"x1"}`, CodeBadRequest, `"x1"`},
		{"wrong type", `{"type":"event","id":"x2","cmd":"ping"}`, CodeBadRequest, `"x2"`},
		{"unknown field keeps id", `{"type":"cmd","id":"x3","cmd":"ping","bogus":1}`, CodeBadRequest, `"x3"`},
		{"trailing data", `{"type":"cmd","id":"x4","cmd":"ping"} {}`, CodeBadRequest, `"x4"`},
		{"unknown command", `{"type":"cmd","id":5,"cmd":"explode"}`, CodeUnknownCommand, "5"},
		{"before login", `{"type":"cmd","id":"x6","cmd":"snapshot"}`, CodeAuthRequired, `"x6"`},
		{"login without token", `{"type":"cmd","id":"x7","cmd":"login"}`, CodeBadRequest, `"x7"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			c.send(tt.line)
			f := c.next()
			if f.Type != "res" || f.OK || f.Error == nil || f.Error.Code != tt.code || string(f.ID) != tt.id {
				t.Errorf("got %s, want code %s id %s", f.raw, tt.code, tt.id)
			}
		})
	}
	c.t = t
	// Still connected after all that; an authenticated bad command too.
	c.login("crm-secret")
	if f, _ := c.cmd("hangup", nil); f.OK || f.Error.Code != CodeBadRequest {
		t.Fatalf("hangup without call: %s", f.raw)
	}
	c.mustOK("ping", nil)

	// Oversize: an error line, then the connection closes.
	c.send(`{"type":"cmd","id":"big","cmd":"ping","token":"` + strings.Repeat("x", MaxLine) + `"}`)
	f := c.next()
	if f.OK || f.Error.Code != CodeTooLarge {
		t.Fatalf("oversize: %s", f.raw)
	}
	if _, err := c.tryNext(); err == nil {
		t.Fatal("connection still open after oversize line")
	}
}

func TestSubscribeFilters(t *testing.T) {
	checkRoutines(t)
	bus := NewBus(64)
	_, addr := startServer(t, bus, &fakeController{})

	all := dial(t, addr)
	all.login("admin-secret")
	all.mustOK("subscribe", nil)
	sales := dial(t, addr)
	sales.login("crm-secret")
	sales.mustOK("subscribe", map[string]any{"queues": []string{"sales"}, "kinds": []string{KindQueueJoined, KindCallEnded}})

	bus.Publish(Event{Kind: KindQueueJoined, Queue: "support", CallID: "c1"})
	bus.Publish(Event{Kind: KindQueueJoined, Queue: "sales", CallID: "c2", ANI: "+1555", Data: map[string]string{"acct": "9"}})
	bus.Publish(Event{Kind: KindQueuePosition, Queue: "sales", CallID: "c2", Position: 1})
	bus.Publish(Event{Kind: KindCallEnded, Queue: "sales", CallID: "c2"})

	got := all.events(4)
	for i, f := range got {
		if f.Seq != uint64(i+1) {
			t.Errorf("all: event %d seq %d", i, f.Seq)
		}
	}
	s := sales.events(2)
	if s[0].Seq != 2 || s[0].Event != KindQueueJoined || s[1].Seq != 4 || s[1].Event != KindCallEnded {
		t.Errorf("sales got %s %s", s[0].raw, s[1].raw)
	}
	var full Event
	if err := json.Unmarshal([]byte(s[0].raw), &full); err != nil || full.ANI != "+1555" || full.Data["acct"] != "9" || full.TS.IsZero() {
		t.Errorf("event context lost: %s (%v)", s[0].raw, err)
	}
	sales.mustOK("unsubscribe", nil)
	bus.Publish(Event{Kind: KindQueueJoined, Queue: "sales"})
	if f := sales.mustOK("ping", nil); f.Type != "res" {
		t.Fatal(f.raw)
	}
}

// A client that reconnects with resume_from=last seen seq gets every later
// event exactly once while the switch keeps publishing.
func TestResumeAfterReconnect(t *testing.T) {
	checkRoutines(t)
	bus := NewBus(1 << 16)
	_, addr := startServer(t, bus, &fakeController{})

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				bus.Publish(Event{Kind: KindAgentState, AgentID: "a1"})
				time.Sleep(50 * time.Microsecond)
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	c := dial(t, addr)
	c.login("crm-secret")
	c.mustOK("subscribe", nil)
	first := c.events(50)
	last := first[len(first)-1].Seq
	for i := 1; i < len(first); i++ {
		if first[i].Seq != first[i-1].Seq+1 {
			t.Fatalf("gap in first session: %d -> %d", first[i-1].Seq, first[i].Seq)
		}
	}
	c.conn.Close()

	for bus.LastSeq() < last+100 { // the switch moves on while we are away
		time.Sleep(time.Millisecond)
	}
	c2 := dial(t, addr)
	c2.login("crm-secret")
	c2.mustOK("subscribe", map[string]any{"resume_from": last})
	for i, f := range c2.events(300) {
		if want := last + 1 + uint64(i); f.Seq != want {
			t.Fatalf("after resume got seq %d, want %d", f.Seq, want)
		}
	}

	c3 := dial(t, addr)
	c3.login("crm-secret")
	if f, _ := c3.cmd("subscribe", map[string]any{"resume_from": bus.LastSeq() + 1000}); f.OK || f.Error.Code != CodeResumeGap {
		t.Fatalf("resume from the future: %s", f.raw)
	}
}

// The fake switch applies a change and publishes its event under one lock,
// as the call layer's actors do; a snapshot must then match its seq exactly
// when quiet, and never lag behind it under churn.
func TestSnapshotSeqConsistency(t *testing.T) {
	checkRoutines(t)
	bus := NewBus(1 << 16)
	var mu sync.Mutex
	applied := 0
	change := func() {
		mu.Lock()
		applied++
		bus.Publish(Event{Kind: KindQueueStats, Position: applied})
		mu.Unlock()
	}
	ctl := &fakeController{snap: func() any {
		mu.Lock()
		defer mu.Unlock()
		return applied
	}}
	_, addr := startServer(t, bus, ctl)
	c := dial(t, addr)
	c.login("supervisor-secret-wrong")
	c.login("sup-secret")

	type snap struct {
		Seq   uint64
		Exact bool
		State int
	}
	read := func() snap {
		var s snap
		f := c.mustOK("snapshot", nil)
		if err := json.Unmarshal(f.Data, &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	for range 10 {
		change()
	}
	// The failed login above published one security.denied event.
	if s := read(); !s.Exact || s.Seq != 11 || s.State != 10 {
		t.Fatalf("quiet snapshot = %+v", s)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				change()
			}
		}
	}()
	for range 20 {
		s := read()
		// Every event up to seq is reflected: state counts >= seq-1 changes.
		if uint64(s.State) < s.Seq-1 {
			t.Errorf("snapshot %+v lags its seq", s)
		}
		if s.Exact && uint64(s.State) != s.Seq-1 {
			t.Errorf("exact snapshot %+v does not match its seq", s)
		}
	}
	close(stop)
	wg.Wait()

	// Snapshot then resume from its seq: the next event is seq+1.
	s := read()
	c.mustOK("subscribe", map[string]any{"resume_from": s.Seq})
	change()
	if f := c.events(1)[0]; f.Seq != s.Seq+1 {
		t.Fatalf("first event after snapshot seq %d is %d", s.Seq, f.Seq)
	}
}

func TestLoginRateLimit(t *testing.T) {
	checkRoutines(t)
	var mu sync.Mutex
	now := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	bus := NewBus(64)
	_, addr := startServer(t, bus, &fakeController{}, WithClock(clock))

	c := dial(t, addr)
	for i := 0; i < 5; i++ {
		if f := c.login("nope"); f.Error.Code != CodeAuthFailed {
			t.Fatalf("attempt %d: %s", i, f.raw)
		}
		advance(time.Second)
	}
	// Blocked now, even with the right token and from a new connection.
	c2 := dial(t, addr)
	if f := c2.login("crm-secret"); f.OK || f.Error.Code != CodeRateLimited {
		t.Fatalf("6th login: %s", f.raw)
	}
	advance(58 * time.Second) // the block runs a minute from the 5th failure
	if f := c2.login("crm-secret"); f.OK || f.Error.Code != CodeRateLimited {
		t.Fatalf("still within the block: %s", f.raw)
	}
	advance(2 * time.Second)
	if f := c2.login("crm-secret"); !f.OK {
		t.Fatalf("after the block: %s", f.raw)
	}
	// Four failures spread over more than a minute never block.
	c3 := dial(t, addr)
	for i := 0; i < 8; i++ {
		c3.login("nope")
		advance(20 * time.Second)
	}
	if f := c3.login("admin-secret"); !f.OK {
		t.Fatalf("spread failures blocked: %s", f.raw)
	}
}

func TestControllerErrorCodes(t *testing.T) {
	checkRoutines(t)
	bus := NewBus(64)
	ctl := &fakeController{}
	_, addr := startServer(t, bus, ctl)
	c := dial(t, addr)
	c.login("admin-secret")
	tests := []struct {
		err  error
		code string
	}{
		{NewError(CodeNotFound, "no such call"), CodeNotFound},
		{NewError(CodeInvalidState, "not on hold"), CodeInvalidState},
		{errors.New("boom"), CodeInternal},
	}
	for _, tt := range tests {
		ctl.mu.Lock()
		ctl.err = tt.err
		ctl.mu.Unlock()
		if f, _ := c.cmd("unhold", map[string]any{"call": "c1"}); f.OK || f.Error.Code != tt.code {
			t.Errorf("%v: %s", tt.err, f.raw)
		}
	}
}

type fakeListener struct{ addr net.Addr }

func (fakeListener) Accept() (net.Conn, error) { return nil, net.ErrClosed }
func (fakeListener) Close() error              { return nil }
func (l fakeListener) Addr() net.Addr          { return l.addr }

func TestServeTCPRefusesRemotePlain(t *testing.T) {
	ln := fakeListener{&net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 4000}}
	srv := NewServer(NewBus(1), &fakeController{}, nil)
	defer srv.Close()
	if err := srv.ServeTCP(ln); !errors.Is(err, ErrPlainRemote) {
		t.Fatalf("got %v", err)
	}
	srv2 := NewServer(NewBus(1), &fakeController{}, nil, AllowRemotePlain())
	defer srv2.Close()
	if err := srv2.ServeTCP(ln); errors.Is(err, ErrPlainRemote) {
		t.Fatal("AllowRemotePlain ignored")
	}
}
