package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestVoicemailIndex(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	for i, box := range []string{"sales", "general", "sales"} {
		if _, err := s.AddVoicemail(ctx, Voicemail{CallID: "c" + string(rune('1'+i)), Box: box, ANI: "555",
			Path: "/r/vm.wav", Duration: 4200, CreatedAt: t0.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddVoicemail(ctx, Voicemail{CallID: "x"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("missing fields: %v", err)
	}
	got, err := s.ListVoicemails(ctx, "sales", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].CallID != "c3" || got[1].CallID != "c1" || got[0].Duration != 4200 || !got[0].CreatedAt.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("sales box: %+v", got)
	}
	if err := s.MarkVoicemailHeard(ctx, got[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkVoicemailHeard(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	all, _ := s.ListVoicemails(ctx, "", 0)
	if len(all) != 3 || !all[0].Heard || all[1].Heard {
		t.Fatalf("all boxes: %+v", all)
	}
}

func TestCallbacksSurviveUntilDone(t *testing.T) {
	s, path := openTest(t)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	a, err := s.AddCallback(ctx, Callback{CallID: "c1", Queue: "support", Number: "5550101", CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.AddCallback(ctx, Callback{CallID: "c2", Queue: "support", Number: "5550102", CreatedAt: t0, DueAt: t0.Add(-time.Hour)})
	c, _ := s.AddCallback(ctx, Callback{CallID: "c3", Queue: "sales", Number: "5550103", CreatedAt: t0, DueAt: t0.Add(time.Hour)})
	if err := s.SetCallbackStatus(ctx, a, "queued", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCallbackStatus(ctx, c, "done", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCallbackStatus(ctx, b, "lost", t0); err == nil {
		t.Fatal("unknown status accepted")
	}
	s.Close()
	s2, err := Open(path) // a restart: the open ones are still there, soonest first
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	open, err := s2.OpenCallbacks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 2 || open[0].ID != b || open[1].ID != a || open[1].Status != "queued" || !open[1].DueAt.Equal(t0) {
		t.Fatalf("open callbacks: %+v", open)
	}
}
