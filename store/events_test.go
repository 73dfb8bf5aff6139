package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

func countEvents(t testing.TB, s *Store) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow("SELECT COUNT(*) FROM events").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkGoroutines fails the test if goroutines started during it outlive it.
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		for range 100 {
			if runtime.NumGoroutine() <= before {
				return
			}
			runtime.Gosched()
			time.Sleep(time.Millisecond)
		}
		t.Errorf("goroutines: %d before, %d after", before, runtime.NumGoroutine())
	})
}

func TestEventWriterFlushesOnClose(t *testing.T) {
	checkGoroutines(t)
	s, _ := openTest(t)
	// An interval far longer than the test: only Close can flush.
	w := NewEventWriter(s, EventWriterOptions{FlushInterval: time.Hour, BatchSize: 1000})
	for i := range 10 {
		if err := w.Write(Event{Seq: uint64(i + 1), TS: at(float64(i)), Kind: "queue.joined", CallID: "c1",
			Queue: "support", Data: map[string]string{"position": "1"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(Event{Kind: "late"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close: %v, want ErrClosed", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	evs, err := s.Events(context.Background(), Filter{})
	if err != nil || len(evs) != 10 {
		t.Fatalf("%d events (%v), want 10", len(evs), err)
	}
	if e := evs[3]; e.Seq != 4 || !e.TS.Equal(at(3)) || e.Queue != "support" || e.Data["position"] != "1" {
		t.Fatalf("event 3: %+v", e)
	}
	if st := w.Stats(); st.Written != 10 || st.Flushes != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// A tiny buffer forces writers to block; nothing accepted may be lost.
func TestEventWriterConcurrentWriters(t *testing.T) {
	checkGoroutines(t)
	s, _ := openTest(t)
	w := NewEventWriter(s, EventWriterOptions{Buffer: 4, BatchSize: 16, FlushInterval: time.Millisecond})
	const writers, each = 8, 500
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				if err := w.Write(Event{TS: at(float64(i)), Kind: "call.arrived", CallID: fmt.Sprintf("g%d-%d", g, i)}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := countEvents(t, s); n != writers*each {
		t.Fatalf("%d events stored, want %d", n, writers*each)
	}
	var distinct int
	s.db.QueryRow("SELECT COUNT(DISTINCT call_id) FROM events").Scan(&distinct)
	if distinct != writers*each {
		t.Fatalf("%d distinct events, want %d", distinct, writers*each)
	}
	t.Logf("stats %+v", w.Stats())
}

// Writers racing Close either get their event stored or ErrClosed.
func TestEventWriterCloseRacesWrite(t *testing.T) {
	checkGoroutines(t)
	s, _ := openTest(t)
	w := NewEventWriter(s, EventWriterOptions{Buffer: 2, BatchSize: 4})
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				if err := w.Write(Event{TS: at(float64(i)), Kind: "k"}); err != nil {
					return
				}
				mu.Lock()
				accepted++
				mu.Unlock()
			}
		})
	}
	for countEvents(t, s) < 50 {
		runtime.Gosched()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if n := countEvents(t, s); n != accepted {
		t.Fatalf("%d stored, %d accepted", n, accepted)
	}
}

func TestAgentStatesFromEvents(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	st := func(sec float64, agent, state, reason string) Event {
		return Event{TS: at(sec), Kind: "agent.state", AgentID: agent,
			Data: map[string]string{"state": state, "reason": reason}}
	}
	if err := s.insertEvents(ctx, []Event{
		st(0, "1001", "ready", ""),
		st(10, "1002", "ready", ""),
		st(30, "1001", "not_ready", "break"),
		{TS: at(31), Kind: "call.arrived", CallID: "c"},
		st(90, "1001", "ready", ""),
	}); err != nil {
		t.Fatal(err)
	}
	all, err := s.AgentStates(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	want := []AgentState{
		{"1001", "ready", "", at(0), at(30)},
		{"1002", "ready", "", at(10), time.Time{}},
		{"1001", "not_ready", "break", at(30), at(90)},
		{"1001", "ready", "", at(90), time.Time{}},
	}
	if fmt.Sprint(all) != fmt.Sprint(want) {
		t.Fatalf("got  %v\nwant %v", all, want)
	}
	for _, tc := range []struct {
		f    Filter
		want int
	}{
		{Filter{Agent: "1001"}, 3},
		{Filter{From: at(40), To: at(80)}, 2}, // 1002 ready, 1001 on break
		{Filter{From: at(95)}, 2},
	} {
		got, _ := s.AgentStates(ctx, tc.f)
		if len(got) != tc.want {
			t.Errorf("%+v: %d intervals, want %d", tc.f, len(got), tc.want)
		}
	}
	evs, _ := s.Events(ctx, Filter{Kind: "agent.state", Agent: "1001", From: at(1)})
	if len(evs) != 2 {
		t.Errorf("filtered events: %+v", evs)
	}
}

func BenchmarkEventWriter(b *testing.B) {
	s, _ := openTest(b)
	w := NewEventWriter(s, EventWriterOptions{})
	ev := Event{TS: t0, Kind: "queue.joined", CallID: "c-000123", Queue: "support", AgentID: "1002",
		Data: map[string]string{"position": "3", "priority": "0"}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ev.Seq = uint64(i)
		w.Write(ev)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
