package call

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hotline/hotline/store"
)

// Recording retention: a sweeper deletes the recordings of calls older
// than server.recordings_retention and clears their index entries (the
// call records stay for the reports). It reads the retention at every run,
// so a reload applies at the next sweep.

// recordingSweeper is the retention logic with its clock and file removal
// injected, so tests run it on a fake clock.
type recordingSweeper struct {
	store  *store.Store
	keep   func() time.Duration // 0: keep forever
	now    func() time.Time
	remove func(path string) error
	log    *slog.Logger
}

// sweepBatch bounds one pass, so a first sweep over years of recordings
// does not hold the database for long.
const sweepBatch = 1000

// sweep deletes what has expired and reports how many recordings went. A
// file already missing still has its entry cleared; one that cannot be
// removed keeps it, to be tried again.
func (r *recordingSweeper) sweep(ctx context.Context) (int, error) {
	keep := r.keep()
	if keep <= 0 {
		return 0, nil
	}
	refs, err := r.store.RecordingsBefore(ctx, r.now().Add(-keep), sweepBatch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ref := range refs {
		if err := r.remove(ref.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			r.log.Warn("expired recording not deleted", "call", ref.CallID, "path", ref.Path, "error", err)
			continue
		}
		if err := r.store.ClearRecording(ctx, ref.CallID); err != nil {
			return n, err
		}
		// The day's folder goes with its last recording (fails while not empty).
		_ = r.remove(filepath.Dir(ref.Path))
		n++
	}
	return n, nil
}

// sweepEvery is how often the switch looks for expired recordings.
const sweepEvery = time.Hour

// startRecordingSweeper runs the sweeper now and then every sweepEvery; the
// returned function stops it.
func (sw *Switch) startRecordingSweeper() func() {
	r := &recordingSweeper{
		store: sw.store, now: sw.now, remove: os.Remove, log: sw.log,
		keep: func() time.Duration { return sw.cfg().Server.RecordingsRetention.D() },
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(sweepEvery)
		defer t.Stop()
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			n, err := r.sweep(ctx)
			cancel()
			if err != nil {
				sw.log.Error("recording retention sweep failed", "error", err)
			} else if n > 0 {
				sw.log.Info("expired recordings deleted", "count", n)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(stop); <-done }
}
