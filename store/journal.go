package store

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
)

// Journal makes the event history crash-safe without giving up batching.
// Each event is appended to a plain file the moment it is published — one
// write(2), before any CTI client sees it — while the EventWriter commits
// to SQLite in batches. A process killed between the two leaves the events
// in the journal, and the next start replays them into the database
// (ReplayJournal). Writes reach the kernel, not the disk: the journal
// survives the process dying (kill -9, a crash, the OOM killer), not the
// machine losing power — as SQLite's WAL with synchronous=NORMAL does.
//
// The journal is two segments: the current file and, after a rotation, the
// previous one (path + ".1"). A segment is deleted once the EventWriter
// has committed every event in it, so the journal stays small.
type Journal struct {
	path    string
	maxSize int64

	mu        sync.Mutex
	f         *os.File
	size      int64
	lastSeq   uint64 // last event appended to the current segment
	oldSeq    uint64 // last event in the previous segment; 0 if none
	committed uint64 // last event the database has
	buf       []byte
	err       error // the first write error, reported once
}

// journalSegment is the default size at which the current segment rotates.
const journalSegment = 4 << 20

// OpenJournal reads what a previous run left at path (and path.1), for
// ReplayJournal, and starts an empty journal there. Pending events come
// back in order; a torn last line (the process died mid-write) is skipped.
func OpenJournal(path string) (*Journal, []Event, error) {
	var pending []Event
	for _, p := range []string{path + ".1", path} {
		evs, err := readJournal(p)
		if err != nil {
			return nil, nil, err
		}
		pending = append(pending, evs...)
	}
	return &Journal{path: path, maxSize: journalSegment}, pending, nil
}

func readJournal(path string) ([]Event, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: event journal: %w", err)
	}
	var evs []Event
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		var ev Event
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Seq == 0 {
			continue // torn by a crash mid-write
		}
		evs = append(evs, ev)
	}
	return evs, sc.Err()
}

// Start truncates the journal (its events are in the database now) and
// opens it for appending.
func (j *Journal) Start() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := os.Remove(j.path + ".1"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: event journal: %w", err)
	}
	f, err := os.OpenFile(j.path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("store: event journal: %w", err)
	}
	j.f, j.size = f, 0
	return nil
}

// Append writes ev as one line. A failed write is returned once and the
// event is still handed to the database by the EventWriter, so a full
// disk costs crash safety, not history.
func (j *Journal) Append(ev Event) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	j.buf = append(append(j.buf[:0], b...), '\n')
	n, err := j.f.Write(j.buf)
	j.size += int64(n)
	if err != nil {
		if j.err == nil {
			j.err = err
			return fmt.Errorf("store: event journal: %w", err)
		}
		return nil
	}
	j.lastSeq = ev.Seq
	if j.size >= j.maxSize && j.oldSeq == 0 {
		j.rotateLocked()
	}
	return nil
}

// Committed records that the database holds every event up to seq; the
// previous segment is deleted once all of it is in.
func (j *Journal) Committed(seq uint64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if seq > j.committed {
		j.committed = seq
	}
	if j.oldSeq != 0 && j.committed >= j.oldSeq {
		if err := os.Remove(j.path + ".1"); err == nil || errors.Is(err, fs.ErrNotExist) {
			j.oldSeq = 0
		}
	}
	if j.f != nil && j.size >= j.maxSize && j.oldSeq == 0 {
		j.rotateLocked()
	}
}

// rotateLocked moves the current segment aside and starts a new one. With
// a previous segment still not committed it waits (the journal grows a
// little instead of losing events).
func (j *Journal) rotateLocked() {
	if j.committed >= j.lastSeq {
		// everything is in the database: start the segment over
		if err := j.f.Truncate(0); err == nil {
			j.size = 0
		}
		return
	}
	if err := os.Rename(j.path, j.path+".1"); err != nil {
		return
	}
	f, err := os.OpenFile(j.path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		_ = os.Rename(j.path+".1", j.path) // keep appending to the old one
		return
	}
	_ = j.f.Close()
	j.f, j.size, j.oldSeq = f, 0, j.lastSeq
}

// Close stops appending. The file stays: a clean shutdown has committed
// everything, so the next start finds nothing new in it.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// ReplayJournal stores the journal's events the database does not have yet
// (Seq above MaxEventSeq: event numbers carry on across runs), in order,
// and returns how many it stored and the last Seq now in the database.
func (s *Store) ReplayJournal(ctx context.Context, pending []Event) (int, uint64, error) {
	last, err := s.MaxEventSeq(ctx)
	if err != nil {
		return 0, 0, err
	}
	var missing []Event
	for _, ev := range pending {
		if ev.Seq > last {
			missing = append(missing, ev)
			last = ev.Seq
		}
	}
	if len(missing) == 0 {
		return 0, last, nil
	}
	if err := s.insertEvents(ctx, missing); err != nil {
		return 0, 0, err
	}
	return len(missing), last, nil
}

// MaxEventSeq is the highest event Seq stored (0 for none).
func (s *Store) MaxEventSeq(ctx context.Context) (uint64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM events").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: events: %w", err)
	}
	return uint64(n), nil
}
