package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/hotline/hotline/store"
)

func TestSampleRecordings(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	var calls []store.Call
	for i := 0; i < 10; i++ {
		agent := []string{"1001", "1002"}[i%2]
		rec := fmt.Sprintf("rec/%d.wav", i)
		if i == 9 {
			rec = "" // not recorded: never sampled
		}
		calls = append(calls, store.Call{ID: fmt.Sprintf("c%d", i), AgentID: agent, Recording: rec, ArrivedAt: t0.Add(time.Duration(i) * time.Minute)})
	}
	calls = append(calls, store.Call{ID: "x", Recording: "rec/x.wav", ArrivedAt: t0}) // no agent
	got := sampleRecordings(calls, 2, 7)
	if len(got) != 4 {
		t.Fatalf("sampled %d, want 2 per agent", len(got))
	}
	per := map[string]int{}
	for i, c := range got {
		per[c.AgentID]++
		if c.Recording == "" || c.ID == "x" {
			t.Errorf("sampled %+v", c)
		}
		if i > 0 && got[i-1].AgentID == c.AgentID && c.ArrivedAt.Before(got[i-1].ArrivedAt) {
			t.Errorf("not ordered by arrival within an agent")
		}
	}
	if per["1001"] != 2 || per["1002"] != 2 {
		t.Errorf("per agent %v", per)
	}
	again := sampleRecordings(calls, 2, 7)
	for i := range got {
		if got[i].ID != again[i].ID {
			t.Fatalf("the same seed gave a different sample")
		}
	}
	if all := sampleRecordings(calls, 50, 1); len(all) != 9 {
		t.Errorf("asking for more than exist gave %d, want all 9 recorded", len(all))
	}
}
