package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline/hotline/store"
)

// seedReportDB writes a small scripted day (UTC) through the store API.
func seedReportDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "hotline.db")
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	base := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	ptr := func(v time.Time) *time.Time { return &v }
	str := func(v string) *string { return &v }
	// id, queued offset, answered offset (-1 never), ended offset, disposition, agent
	for _, c := range []struct {
		id                   string
		q, ans, end          time.Duration
		disp, agent, queueID string
	}{
		{"r1", 0, 10 * time.Second, 130 * time.Second, "answered", "a1", "sales"},           // wait 10, talk 120
		{"r2", time.Minute, 40 * time.Second, 100 * time.Second, "answered", "a1", "sales"}, // wait 40 (outside SL), talk 60
		{"r3", 2 * time.Minute, -1, 3 * time.Second, "abandoned", "", "sales"},              // short
		{"r4", 3 * time.Minute, -1, 30 * time.Second, "abandoned", "", "sales"},
		{"r5", 4 * time.Minute, -1, 90 * time.Second, "timeout", "", "sales"},
	} {
		arrived := base.Add(c.q).Add(-5 * time.Second)
		if err := st.CreateCall(ctx, store.Call{ID: c.id, ArrivedAt: arrived}); err != nil {
			t.Fatal(err)
		}
		queued := base.Add(c.q)
		u := store.CallUpdate{Queue: str(c.queueID), QueuedAt: ptr(queued)}
		if c.ans >= 0 {
			u.AnsweredAt, u.AgentID = ptr(queued.Add(c.ans)), str(c.agent)
		}
		if err := st.UpdateCall(ctx, c.id, u); err != nil {
			t.Fatal(err)
		}
		if err := st.EndCall(ctx, c.id, queued.Add(c.end), "caller", "normal_clearing", c.disp); err != nil {
			t.Fatal(err)
		}
	}
	// a1: ready 09:00-09:10, talking 09:10-09:20, then logged out:
	// occupancy = utilization = 10/20.
	w := store.NewEventWriter(st, store.EventWriterOptions{})
	for i, e := range []struct {
		min   int
		state string
	}{{0, "ready"}, {10, "talking"}, {20, "logged_out"}} {
		if err := w.Write(store.Event{Seq: uint64(i + 1), TS: base.Add(time.Duration(e.min) * time.Minute),
			Kind: "agent.state", AgentID: "a1", Data: map[string]string{"state": e.state}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return db
}

func runReportCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return runCmd(t, reportCmd(), args...)
}

func TestReportQueueCSV(t *testing.T) {
	db := seedReportDB(t)
	out, err := runReportCmd(t, "queue", "--db", db, "--from", "2026-11-22T00:00:00Z",
		"--to", "2026-11-23T00:00:00Z", "--interval", "day", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("csv %v:\n%s", err, out)
	}
	got := map[string]string{}
	for i, h := range recs[0] {
		got[h] = recs[1][i]
	}
	// offered 5, short 1 → answer rate 2/4, abandon rate 1/4, SL 1/(2+2-1).
	for k, v := range map[string]string{
		"start": "2026-11-22T00:00:00Z", "queue": "sales", "offered": "5", "answered": "2", "abandoned": "2",
		"short_abandons": "1", "timeouts": "1", "answered_in_sl": "1", "sl_base": "3",
		"answer_rate": "50.0", "abandon_rate": "25.0", "service_level": "33.3",
		"asa_s": "25.0", "longest_wait_s": "90.0", "avg_talk_s": "90.0",
	} {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestReportAgentJSONAndTable(t *testing.T) {
	db := seedReportDB(t)
	args := []string{"--db", db, "--from", "2026-11-22T00:00:00Z", "--to", "2026-11-23T00:00:00Z", "--interval", "all"}
	out, err := runReportCmd(t, append([]string{"agent", "--format", "json"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("%v:\n%s", err, out)
	}
	if rows[0]["agent"] != "a1" || rows[0]["answered"] != 2.0 || rows[0]["talk_s"] != 180.0 ||
		rows[0]["logged_in_s"] != 1200.0 || rows[0]["occupancy"] != 0.5 || rows[0]["utilization"] != 0.5 {
		t.Errorf("agent row = %v", rows[0])
	}
	out, err = runReportCmd(t, append([]string{"queue"}, args...)...)
	t.Log("\n" + out)
	if err != nil || !strings.Contains(out, "33.3%") || !strings.Contains(out, "SERVICE_LEVEL") {
		t.Errorf("table %v:\n%s", err, out)
	}
}

func TestReportUsage(t *testing.T) {
	for _, args := range [][]string{
		{"queue", "--interval", "fortnight"},
		{"queue", "--format", "xml"},
		{"queue", "--from", "yesterday"},
		{"queue", "--from", "2026-11-23T00:00", "--to", "2026-11-22T00:00"},
	} {
		if _, err := runReportCmd(t, append(args, "--db", filepath.Join(t.TempDir(), "x.db"))...); exitCode(err) != 2 {
			t.Errorf("%v: err %v, want usage error", args, err)
		}
	}
}
