package cti

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// A client that stops reading is disconnected while Publish keeps going and
// every other subscriber still gets every event.
func TestStalledClientIsCutOff(t *testing.T) {
	checkRoutines(t)
	bus := NewBus(1 << 10)
	srv, addr := startServer(t, bus, &fakeController{},
		WithSendQueue(64), WithSubscriptionBuffer(1024), WithWriteTimeout(time.Minute))

	stalled := dial(t, addr)
	stalled.login("crm-secret")
	stalled.mustOK("subscribe", nil)

	good := dial(t, addr)
	good.login("crm-secret")
	good.mustOK("subscribe", nil)

	direct, err := bus.Subscribe(Filter{}, 1<<14, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()

	// Big events fill the stalled client's socket buffers quickly.
	payload := map[string]string{"notes": strings.Repeat("n", 2000)}
	const total = 10000
	goodDone := make(chan error, 1)
	var goodSeq atomic.Uint64
	go func() {
		for want := uint64(1); want <= total; want++ {
			f, err := good.tryNext()
			if err != nil {
				goodDone <- err
				return
			}
			if f.Seq != want {
				goodDone <- errors.New("good client: gap or reorder: " + f.raw[:min(len(f.raw), 80)])
				return
			}
			goodSeq.Store(want)
		}
		goodDone <- nil
	}()

	// Bursts of 500, each published back to back; between bursts we wait for
	// the reading client only (a live client may lag by up to its queue),
	// never for the stalled one.
	var publishing time.Duration
	for i := 0; i < total; i += 500 {
		start := time.Now()
		for j := 0; j < 500; j++ {
			bus.Publish(Event{Kind: KindQueueStats, Queue: "sales", Data: payload})
		}
		publishing += time.Since(start)
		for goodSeq.Load() < uint64(i+500) {
			select {
			case err := <-goodDone:
				t.Fatalf("good client ended early: %v", err)
			default:
				time.Sleep(100 * time.Microsecond)
			}
		}
	}
	t.Logf("published %d events in %v of publishing time while a client stalled", total, publishing)

	for want := uint64(1); want <= total; want++ {
		ev := <-direct.C()
		if ev.Seq != want {
			t.Fatalf("direct subscriber got seq %d, want %d", ev.Seq, want)
		}
	}
	if err := <-goodDone; err != nil {
		t.Fatal(err)
	}
	// The stalled session is gone; the good one remains.
	deadline := time.Now().Add(5 * time.Second)
	for srv.sessionCount() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions left, want 1", srv.sessionCount())
		}
		time.Sleep(5 * time.Millisecond)
	}
	// What the stalled client finds when it finally reads: events, then the
	// end of the stream (a last slow_consumer line when the stream allowed it).
	stalled.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	rest, err := io.ReadAll(stalled.r)
	if err != nil && !errors.Is(err, net.ErrClosed) {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("stalled client's connection was not closed")
		}
	}
	lines := strings.Split(strings.TrimSpace(string(rest)), "\n")
	t.Logf("stalled client read %d more lines; last: %.120s", len(lines), lines[len(lines)-1])
}

func TestWebSocketRoundTrip(t *testing.T) {
	checkRoutines(t)
	bus := NewBus(64)
	ctl := &fakeController{}
	srv := NewServer(bus, ctl, testTokens)
	ts := httptest.NewServer(srv.Handler()) // binds 127.0.0.1:0
	defer ts.Close()
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/cti", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	read := func() string {
		_, b, err := conn.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "\n") {
			t.Errorf("frame carries a newline: %q", b)
		}
		return string(b)
	}
	send := func(s string) {
		if err := conn.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if h := read(); h != `{"type":"hello","v":1,"server":"hotline"}` {
		t.Fatalf("hello %s", h)
	}
	send(`{"type":"cmd","id":"1","cmd":"login","token":"a1-secret"}`)
	if r := read(); !strings.Contains(r, `"ok":true`) {
		t.Fatalf("login %s", r)
	}
	send(`{"type":"cmd","id":"2","cmd":"subscribe"}`)
	if r := read(); !strings.Contains(r, `"id":"2","ok":true`) {
		t.Fatalf("subscribe %s", r)
	}
	bus.Publish(Event{Kind: KindAgentState, AgentID: "a2"})                 // not a1's
	bus.Publish(Event{Kind: KindAgentOffered, CallID: "c9", AgentID: "a1"}) // a1's
	if r := read(); !strings.Contains(r, `"seq":2`) || !strings.Contains(r, `"event":"agent.offered"`) {
		t.Fatalf("event %s", r)
	}
	send(`{"type":"cmd","id":"3","cmd":"hangup","call":"c9"}`)
	if r := read(); !strings.Contains(r, `"id":"3","ok":true`) {
		t.Fatalf("hangup own call %s", r)
	}
	send(`{"type":"cmd","id":"4","cmd":"hangup","call":"c1"}`)
	if r := read(); !strings.Contains(r, `"code":"forbidden"`) {
		t.Fatalf("hangup other call %s", r)
	}
	send(`not json`)
	if r := read(); !strings.Contains(r, `"code":"bad_request"`) {
		t.Fatalf("garbage %s", r)
	}
	send(strings.Repeat("x", MaxLine+1))
	if r := read(); !strings.Contains(r, `"code":"too_large"`) {
		t.Fatalf("oversize %s", r)
	}
	if _, _, err := conn.Read(ctx); err == nil {
		t.Fatal("connection open after oversize message")
	}
}
