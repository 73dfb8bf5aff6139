package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline/hotline/store"
)

// --from-history sizes a past half hour from what was measured: 10 calls,
// 3 minutes of talk each, two callers who gave up after 30 s. One Erlang at
// 80/20 needs 3 agents (2 reach only ~70%); patience is the waits over the
// abandons, (8×10 s + 2×30 s) / 2 = 70 s.
func TestStaffingFromHistory(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.Local)
	for i := range 10 {
		at := t0.Add(time.Duration(i) * 2 * time.Minute)
		c := store.Call{ID: fmt.Sprintf("c%d", i), ANI: "555", Queue: "support", ArrivedAt: at, QueuedAt: at}
		if i < 8 {
			c.AnsweredAt = at.Add(10 * time.Second)
			c.AgentID = "1002"
		}
		if err := st.CreateCall(ctx, c); err != nil {
			t.Fatal(err)
		}
		end, disp := at.Add(30*time.Second), "abandoned"
		if i < 8 {
			end, disp = c.AnsweredAt.Add(3*time.Minute), "answered"
		}
		if err := st.EndCall(ctx, c.ID, end, "caller", "normal_clearing", disp); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	out, err := runCmd(t, staffingCmd(), "--from-history", "--db", db, "--queue", "support", "--interval", "30m",
		"--from", t0.Format("2006-01-02T15:04"), "--to", t0.Add(30*time.Minute).Format("2006-01-02T15:04"),
		"--sl", "80/20", "--format", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var plans []historyPlan
	if err := json.Unmarshal([]byte(out), &plans); err != nil || len(plans) != 1 {
		t.Fatalf("plans %s: %v", out, err)
	}
	p := plans[0]
	if p.Offered != 10 || p.AHT != 180 || p.ErlangC.Agents != 3 || p.Patience != 70 || p.ErlangA.Agents < 1 || p.ErlangA.Agents > 3 {
		t.Errorf("plan %+v", p)
	}
	table, err := runCmd(t, staffingCmd(), "--from-history", "--db", db, "--interval", "30m",
		"--from", t0.Format("2006-01-02T15:04"), "--to", t0.Add(30*time.Minute).Format("2006-01-02T15:04"))
	if err != nil || len(table) < 50 {
		t.Errorf("table: %v\n%s", err, table)
	}
	if _, err := runCmd(t, staffingCmd(), "--from-history", "--db", db, "--from", "soon"); err == nil {
		t.Error("a bad --from was accepted")
	}
}
