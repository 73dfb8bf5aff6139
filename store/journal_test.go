package store

import (
	"context"
	"os"
	"testing"
)

func journalEvents(from, to uint64) []Event {
	var evs []Event
	for s := from; s <= to; s++ {
		evs = append(evs, Event{Seq: s, TS: at(float64(s)), Kind: "queue.joined", CallID: "c", Queue: "support",
			Data: map[string]string{"position": "1"}})
	}
	return evs
}

// A process killed after publishing events but before the batch reached
// SQLite: the next start finds them in the journal and stores exactly the
// missing ones, once.
func TestJournalReplaysWhatTheDatabaseMissed(t *testing.T) {
	ctx := context.Background()
	s, db := openTest(t)
	path := db + "-events.journal"
	j, pending, err := OpenJournal(path)
	if err != nil || len(pending) != 0 {
		t.Fatalf("fresh journal: %v, %d pending", err, len(pending))
	}
	if err := j.Start(); err != nil {
		t.Fatal(err)
	}
	evs := journalEvents(1, 10)
	for _, ev := range evs {
		if err := j.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	// The writer committed the first 6; the process dies (no Close) with
	// half a line written.
	if err := s.insertEvents(ctx, evs[:6]); err != nil {
		t.Fatal(err)
	}
	j.Committed(6)
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"seq":11,"ts":"2026-`)
	f.Close()

	_, pending, err = OpenJournal(path)
	if err != nil || len(pending) != 10 {
		t.Fatalf("reopened: %v, %d pending (want 10, the torn line skipped)", err, len(pending))
	}
	n, last, err := s.ReplayJournal(ctx, pending)
	if err != nil || n != 4 || last != 10 {
		t.Fatalf("replay: stored %d, last %d, %v; want 4, 10", n, last, err)
	}
	if n, _, _ := s.ReplayJournal(ctx, pending); n != 0 {
		t.Fatalf("a second replay stored %d again", n)
	}
	stored, err := s.Events(ctx, Filter{})
	if err != nil || len(stored) != 10 {
		t.Fatalf("%d events stored, %v", len(stored), err)
	}
	for i, ev := range stored {
		if ev.Seq != uint64(i+1) || ev.Data["position"] != "1" {
			t.Errorf("event %d: %+v", i, ev)
		}
	}
}

// The journal rotates and drops segments once the database has them, so it
// stays small on a switch that runs for months; an uncommitted segment is
// kept whatever its size.
func TestJournalRotatesCommittedSegments(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/events.journal"
	j, _, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	j.maxSize = 400 // a few events per segment
	if err := j.Start(); err != nil {
		t.Fatal(err)
	}
	for _, ev := range journalEvents(1, 5) {
		j.Append(ev)
	}
	if _, err := os.Stat(path + ".1"); err != nil {
		t.Fatalf("no rotation after %d bytes: %v", j.size, err)
	}
	for _, ev := range journalEvents(6, 12) {
		j.Append(ev)
	}
	// Nothing committed: every event is still on disk.
	if _, pending, _ := OpenJournal(path); len(pending) != 12 {
		t.Fatalf("%d events in the journal before any commit, want 12", len(pending))
	}
	j.Committed(12)
	for _, ev := range journalEvents(13, 14) {
		j.Append(ev)
	}
	_, pending, _ := OpenJournal(path)
	if _, err := os.Stat(path + ".1"); err == nil {
		t.Error("the committed old segment is still there")
	}
	if len(pending) != 2 || pending[0].Seq != 13 {
		t.Errorf("after the commit the journal holds %d events (first %v), want 13 and 14", len(pending), pending)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkJournalAppend(b *testing.B) {
	j, _, err := OpenJournal(b.TempDir() + "/events.journal")
	if err != nil {
		b.Fatal(err)
	}
	if err := j.Start(); err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	ev := journalEvents(1, 1)[0]
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ev.Seq = uint64(i + 1)
		if err := j.Append(ev); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 {
			j.Committed(ev.Seq)
		}
	}
}
