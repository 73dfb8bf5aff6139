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

// Recordings past retention lose their files and their index entries; the
// call records stay; younger recordings are untouched; a file already gone
// does not stop the sweep.
func TestSweepRecordings(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	file := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("RIFF"), 0o640); err != nil {
			t.Fatal(err)
		}
		return p
	}
	calls := []struct {
		id   string
		age  time.Duration
		path string
	}{
		{"old", 100 * 24 * time.Hour, file("old.wav")},
		{"gone", 95 * 24 * time.Hour, filepath.Join(dir, "never-written.wav")},
		{"young", 10 * 24 * time.Hour, file("young.wav")},
	}
	for _, c := range calls {
		if err := st.CreateCall(ctx, store.Call{ID: c.id, ArrivedAt: now.Add(-c.age), Recording: c.path}); err != nil {
			t.Fatal(err)
		}
	}
	oldVM := file("vm-old.wav")
	if _, err := st.AddVoicemail(ctx, store.Voicemail{CallID: "v1", Box: "sales", Path: oldVM, CreatedAt: now.Add(-91 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	newVM := file("vm-new.wav")
	if _, err := st.AddVoicemail(ctx, store.Voicemail{CallID: "v2", Box: "sales", Path: newVM, CreatedAt: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}

	n, err := sweepRecordings(ctx, st, now, 90*24*time.Hour, slog.New(slog.DiscardHandler))
	if err != nil || n != 3 {
		t.Fatalf("swept %d (%v), want 3", n, err)
	}
	for path, want := range map[string]bool{calls[0].path: false, calls[2].path: true, oldVM: false, newVM: true} {
		if _, err := os.Stat(path); (err == nil) != want {
			t.Errorf("%s exists=%v, want %v", filepath.Base(path), err == nil, want)
		}
	}
	got, _ := st.ListCalls(ctx, store.Filter{Limit: 10})
	paths := map[string]string{}
	for _, c := range got {
		paths[c.ID] = c.Recording
	}
	if len(got) != 3 || paths["old"] != "" || paths["gone"] != "" || paths["young"] != calls[2].path {
		t.Errorf("call records after the sweep: %v", paths)
	}
	if vms, _ := st.ListVoicemails(ctx, "", 0); len(vms) != 1 || vms[0].CallID != "v2" {
		t.Errorf("voicemail index after the sweep: %+v", vms)
	}
	if n, err := sweepRecordings(ctx, st, now, 90*24*time.Hour, slog.New(slog.DiscardHandler)); n != 0 || err != nil {
		t.Errorf("second sweep removed %d (%v)", n, err)
	}
}
