package cti

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func fixedClock(t0 time.Time) func() time.Time { return func() time.Time { return t0 } }

func drain(t *testing.T, s *Subscription, n int) []Event {
	t.Helper()
	var out []Event
	timeout := time.After(5 * time.Second)
	for len(out) < n {
		select {
		case ev, ok := <-s.C():
			if !ok {
				t.Fatalf("subscription closed after %d of %d events: %v", len(out), n, s.Err())
			}
			out = append(out, ev)
		case <-timeout:
			t.Fatalf("timed out after %d of %d events", len(out), n)
		}
	}
	return out
}

func TestBusPublishStampsSeqAndTS(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	b := NewBus(8, WithBusClock(fixedClock(t0)))
	s, err := b.Subscribe(Filter{}, 4, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 1; i <= 3; i++ {
		if got := b.Publish(Event{Kind: KindCallArrived}); got != uint64(i) {
			t.Fatalf("Publish seq = %d, want %d", got, i)
		}
	}
	evs := drain(t, s, 3)
	for i, ev := range evs {
		if ev.Seq != uint64(i+1) || !ev.TS.Equal(t0) {
			t.Errorf("event %d: seq %d ts %v", i, ev.Seq, ev.TS)
		}
	}
	if b.LastSeq() != 3 {
		t.Errorf("LastSeq = %d", b.LastSeq())
	}
}

func TestFilterMatch(t *testing.T) {
	ev := Event{Kind: KindQueueJoined, Queue: "sales", AgentID: "a1", CallID: "c1"}
	tests := []struct {
		name string
		f    Filter
		want bool
	}{
		{"empty", Filter{}, true},
		{"kind hit", Filter{Kinds: []string{KindCallEnded, KindQueueJoined}}, true},
		{"kind miss", Filter{Kinds: []string{KindCallEnded}}, false},
		{"queue hit", Filter{Queues: []string{"sales"}}, true},
		{"queue miss", Filter{Queues: []string{"support"}}, false},
		{"agent and call", Filter{Agents: []string{"a1"}, Calls: []string{"c1"}}, true},
		{"agent hit call miss", Filter{Agents: []string{"a1"}, Calls: []string{"c2"}}, false},
		{"match func rejects", Filter{Match: func(Event) bool { return false }}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.match(ev); got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBusResume(t *testing.T) {
	b := NewBus(4)
	for i := 0; i < 6; i++ {
		b.Publish(Event{Kind: KindQueuePosition, Position: i})
	}
	// Ring holds seq 3..6.
	tests := []struct {
		name    string
		from    uint64
		want    []uint64
		wantErr error
	}{
		{"from 2 replays 3..6", 2, []uint64{3, 4, 5, 6}, nil},
		{"from 4", 4, []uint64{5, 6}, nil},
		{"from last", 6, nil, nil},
		{"too old", 1, nil, ErrResumeGap},
		{"beyond last", 7, nil, ErrResumeGap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := b.Subscribe(Filter{}, 1, tt.from)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			defer s.Close()
			for _, ev := range drain(t, s, len(tt.want)) {
				if ev.Seq != tt.want[0] {
					t.Fatalf("seq %d, want %d", ev.Seq, tt.want[0])
				}
				tt.want = tt.want[1:]
			}
		})
	}
}

// A restarted switch numbers events on from the last run's: a client that
// saw the last event before the restart resumes without a gap, an older
// one is told to take a snapshot; the journal sees every event first.
func TestBusStartSeqAndJournal(t *testing.T) {
	var journaled []uint64
	var b *Bus
	b = NewBus(4, WithBusStartSeq(100), WithBusJournal(func(e Event) {
		journaled = append(journaled, e.Seq)
		if b.ring[(e.Seq-1)%4].Seq != e.Seq {
			t.Errorf("journal saw %d before the ring", e.Seq)
		}
	}))
	live, err := b.Subscribe(Filter{}, 8, 100) // resuming from the previous run's last event
	if err != nil {
		t.Fatalf("resume from the last event of the previous run: %v", err)
	}
	defer live.Close()
	if _, err := b.Subscribe(Filter{}, 8, 99); !errors.Is(err, ErrResumeGap) {
		t.Fatalf("resume from before the restart: %v, want ErrResumeGap", err)
	}
	for i := 0; i < 3; i++ {
		b.Publish(Event{Kind: KindQueuePosition})
	}
	if want := []uint64{101, 102, 103}; fmt.Sprint(journaled) != fmt.Sprint(want) {
		t.Fatalf("journal saw %v, want %v", journaled, want)
	}
	for i, ev := range drain(t, live, 3) {
		if ev.Seq != uint64(101+i) {
			t.Fatalf("live event %d has seq %d", i, ev.Seq)
		}
	}
	s, err := b.Subscribe(Filter{}, 1, 101)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if evs := drain(t, s, 2); evs[0].Seq != 102 || evs[1].Seq != 103 {
		t.Fatalf("replay %v", evs)
	}
}

// Subscribing with resume_from while another goroutine publishes must give
// every seq after the resume point exactly once, in order.
func TestBusResumeNoGapNoDuplicateUnderLoad(t *testing.T) {
	checkRoutines(t)
	b := NewBus(1 << 14)
	const total = 5000
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < total; i++ {
			b.Publish(Event{Kind: KindAgentState})
		}
	}()
	for b.LastSeq() < 100 {
		time.Sleep(time.Millisecond)
	}
	s, err := b.Subscribe(Filter{}, total, 50)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wg.Wait()
	want := uint64(51)
	for _, ev := range drain(t, s, total-50) {
		if ev.Seq != want {
			t.Fatalf("got seq %d, want %d", ev.Seq, want)
		}
		want++
	}
}

func TestBusSlowSubscriberCutOff(t *testing.T) {
	b := NewBus(16)
	slow, _ := b.Subscribe(Filter{}, 2, 0)
	fast, _ := b.Subscribe(Filter{}, 100, 0)
	defer fast.Close()
	for i := 0; i < 10; i++ {
		b.Publish(Event{Kind: KindCallArrived})
	}
	n := 0
	for range slow.C() {
		n++
	}
	if n != 2 || !errors.Is(slow.Err(), ErrSlowSubscriber) {
		t.Errorf("slow got %d events, err %v", n, slow.Err())
	}
	if got := len(drain(t, fast, 10)); got != 10 {
		t.Errorf("fast got %d", got)
	}
	slow.Close() // no-op after cut, must not panic
	if !errors.Is(slow.Err(), ErrSlowSubscriber) {
		t.Errorf("Close overwrote reason: %v", slow.Err())
	}
}

func TestBusCloseAndSubscriptionClose(t *testing.T) {
	b := NewBus(4)
	s1, _ := b.Subscribe(Filter{}, 1, 0)
	s2, _ := b.Subscribe(Filter{}, 1, 0)
	s1.Close()
	if _, ok := <-s1.C(); ok || !errors.Is(s1.Err(), ErrSubscriptionClosed) {
		t.Errorf("s1 err %v", s1.Err())
	}
	b.Close()
	if _, ok := <-s2.C(); ok || !errors.Is(s2.Err(), ErrBusClosed) {
		t.Errorf("s2 err %v", s2.Err())
	}
	if b.Publish(Event{}) != 0 {
		t.Error("publish after close assigned a seq")
	}
	if _, err := b.Subscribe(Filter{}, 1, 0); !errors.Is(err, ErrBusClosed) {
		t.Errorf("subscribe after close: %v", err)
	}
}

func TestEventJSON(t *testing.T) {
	ev := Event{Seq: 7, TS: time.Date(2024, 5, 1, 12, 0, 0, 5, time.UTC), Kind: KindQueueJoined,
		CallID: "c1", ANI: "+15551234", Queue: "sales", Wait: 1500 * time.Millisecond,
		Data: map[string]string{"account": "42"}}
	b, err := ev.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"seq":7,"ts":"2024-05-01T12:00:00.000000005Z","event":"queue.joined","call_id":"c1","ani":"+15551234","queue":"sales","wait_ms":1500,"data":{"account":"42"}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var back Event
	if err := back.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	if back.Seq != 7 || back.Wait != ev.Wait || !back.TS.Equal(ev.TS) || back.Data["account"] != "42" {
		t.Errorf("round trip: %+v", back)
	}
}

func BenchmarkBusFanout100(b *testing.B) {
	bus := NewBus(1024)
	const subs = 100
	var wg sync.WaitGroup
	for i := 0; i < subs; i++ {
		s, _ := bus.Subscribe(Filter{}, 4096, 0)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range s.C() {
			}
		}()
	}
	ev := Event{Kind: KindQueueJoined, CallID: "c1", Queue: "sales", ANI: "+15551234"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bus.Publish(ev)
	}
	b.StopTimer()
	bus.mu.Lock()
	alive := len(bus.subs)
	bus.mu.Unlock()
	if alive != subs {
		b.Fatalf("%d of %d subscribers were cut off; the figure would be flattering", subs-alive, subs)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.N*subs)/b.Elapsed().Seconds(), "deliveries/s")
	bus.Close()
	wg.Wait()
}
