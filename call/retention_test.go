package call

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline/hotline/store"
)

// The sweeper on a fake clock: recordings of calls older than the retention
// are deleted with their index entry; newer ones, calls still running and
// a retention of 0 are left alone.
func TestRecordingRetentionSweep(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	mk := func(id string, age time.Duration, ended bool) string {
		at := now.Add(-age)
		day := filepath.Join(dir, "rec", at.Format("2006-01-02"))
		if err := os.MkdirAll(day, 0o750); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(day, id+".wav")
		if err := os.WriteFile(path, []byte("RIFF"), 0o640); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateCall(ctx, store.Call{ID: id, ArrivedAt: at, Recording: path}); err != nil {
			t.Fatal(err)
		}
		if ended {
			if err := st.EndCall(ctx, id, at.Add(time.Minute), "caller", "normal_clearing", "answered"); err != nil {
				t.Fatal(err)
			}
		}
		return path
	}
	old := mk("old", 100*24*time.Hour, true)
	oldMissing := mk("gone", 95*24*time.Hour, true)
	if err := os.Remove(oldMissing); err != nil {
		t.Fatal(err)
	}
	recent := mk("recent", 10*24*time.Hour, true)
	running := mk("running", 120*24*time.Hour, false)

	keep := time.Duration(0)
	r := &recordingSweeper{store: st, now: func() time.Time { return now }, remove: os.Remove,
		keep: func() time.Duration { return keep }, log: slog.New(slog.DiscardHandler)}
	if n, err := r.sweep(ctx); err != nil || n != 0 {
		t.Fatalf("retention 0 swept %d (%v)", n, err)
	}
	keep = 90 * 24 * time.Hour
	n, err := r.sweep(ctx)
	if err != nil || n != 2 {
		t.Fatalf("swept %d, want 2 (%v)", n, err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("expired recording still on disk")
	}
	if _, err := os.Stat(filepath.Dir(old)); !os.IsNotExist(err) {
		t.Errorf("the expired day's empty folder is still there")
	}
	for _, p := range []string{recent, running} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s deleted: %v", p, err)
		}
	}
	for id, want := range map[string]string{"old": "", "gone": "", "recent": recent, "running": running} {
		c, err := st.GetCall(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Recording != want {
			t.Errorf("call %s: recording %q, want %q", id, c.Recording, want)
		}
	}
	// A month later the recent one expires too; the sweep is idempotent.
	now = now.Add(90 * 24 * time.Hour)
	if n, err := r.sweep(ctx); err != nil || n != 1 {
		t.Fatalf("second sweep: %d (%v)", n, err)
	}
	if n, _ := r.sweep(ctx); n != 0 {
		t.Fatalf("third sweep deleted %d", n)
	}
}
