package call

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/hotline/hotline/store"
)

// sweepRecordings deletes the recordings (call WAVs and voicemail) older
// than retention, file first, then the index entry, so a crash between
// the two leaves an entry whose file is gone rather than an unindexed file;
// the next sweep finishes it. It returns how many it removed.
// Paths are as stored: relative ones are relative to the switch's working
// directory, like the recordings setting.
func sweepRecordings(ctx context.Context, st *store.Store, now time.Time, retention time.Duration, log *slog.Logger) (int, error) {
	n := 0
	for {
		batch, err := st.ExpiredRecordings(ctx, now.Add(-retention), 500)
		if err != nil || len(batch) == 0 {
			return n, err
		}
		for _, e := range batch {
			if err := os.Remove(e.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return n, err // keep the entry: the file is still there
			}
			if err := st.ForgetRecording(ctx, e); err != nil {
				return n, err
			}
			n++
			log.Debug("recording expired", "path", e.Path)
		}
	}
}

// retentionLoop sweeps hourly (and at start) while the switch runs.
func (sw *Switch) retentionLoop(done <-chan struct{}) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		cfg := sw.cfg()
		if r := cfg.Server.RecordingsRetention.D(); r > 0 {
			n, err := sweepRecordings(context.Background(), sw.store, sw.now(), r, sw.log)
			if err != nil {
				sw.log.Error("recording retention sweep failed", "error", err)
			} else if n > 0 {
				sw.log.Info("recordings past retention deleted", "count", n, "retention", r)
			}
		}
		select {
		case <-done:
			return
		case <-t.C:
		}
	}
}
