package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline/hotline/store"
)

func TestVoicemailAndCallbacksCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	if _, err := st.AddVoicemail(ctx, store.Voicemail{CallID: "c1", Box: "sales", ANI: "5550100", Path: "/r/vm1.wav", Duration: 6400, CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddCallback(ctx, store.Callback{CallID: "c2", Queue: "support", Number: "5550101", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out, err := runCmd(t, voicemailCmd(), "--db", db, "--box", "sales")
	if err != nil || !strings.Contains(out, "5550100") || !strings.Contains(out, "6.4s") || !strings.Contains(out, "/r/vm1.wav") {
		t.Errorf("voicemail (%v):\n%s", err, out)
	}
	out, err = runCmd(t, voicemailCmd(), "--db", db, "--box", "other")
	if err != nil || strings.Contains(out, "5550100") {
		t.Errorf("voicemail of another box (%v):\n%s", err, out)
	}
	out, err = runCmd(t, callbacksCmd(), "--db", db, "--format", "json")
	if err != nil || !strings.Contains(out, `"number": "5550101"`) || !strings.Contains(out, `"status": "pending"`) {
		t.Errorf("callbacks (%v):\n%s", err, out)
	}
	if _, err = runCmd(t, callbacksCmd(), "--db", db, "--format", "xml"); err == nil || !strings.Contains(err.Error(), "want table or json") {
		t.Errorf("bad format: %v", err)
	}
}
