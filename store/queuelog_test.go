package store

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestQueueLogGolden(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	calls := []Call{
		{ID: "c1", ANI: "5551001", ArrivedAt: at(10), Queue: "support", QueuedAt: at(12), AnsweredAt: at(30), AgentID: "1001"},
		{ID: "c2", ANI: "5551002", ArrivedAt: at(99), Queue: "support", QueuedAt: at(100)},
		{ID: "c3", ANI: "5551003", ArrivedAt: at(139), Queue: "sales", QueuedAt: at(140)},
		{ID: "c4", ANI: "5551004", ArrivedAt: at(149), Queue: "sales", QueuedAt: at(150), AnsweredAt: at(155), AgentID: "1002"},
		{ID: "c5", ANI: "5551005", ArrivedAt: at(159), Queue: "sales", QueuedAt: at(160)},
		{ID: "c6", ANI: "5551006", ArrivedAt: at(161), Queue: "sales", QueuedAt: at(162)},
	}
	for _, c := range calls {
		if err := s.CreateCall(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.EndCall(ctx, "c4", at(215), "agent", "normal_clearing", "answered"); err != nil {
		t.Fatal(err)
	}
	type m = map[string]string
	ev := func(sec float64, kind, call, queue, agent string, data m) Event {
		return Event{TS: at(sec), Kind: kind, CallID: call, Queue: queue, AgentID: agent, Data: data}
	}
	if err := s.insertEvents(ctx, []Event{
		ev(-60, "agent.state", "", "", "1002", m{"state": "ready"}), // before the export
		ev(-1, "queue.joined", "c0", "support", "", nil),            // before the export
		ev(0, "agent.state", "", "", "1001", m{"state": "ready", "channel": "SIP/1001"}),
		ev(10, "call.arrived", "c1", "", "", nil), // not a queue_log event
		ev(12, "queue.joined", "c1", "support", "", m{"position": "1"}),
		ev(20, "agent.ring_no_answer", "c1", "support", "1002", m{"ring_ms": "8000"}),
		ev(20, "agent.state", "", "", "1002", m{"state": "not_ready", "reason": "no_answer"}),
		ev(25, "agent.state", "", "", "1002", m{"state": "ready"}),
		ev(30, "agent.connected", "c1", "support", "1001", m{"ring_ms": "3000", "agent_call_id": "leg-9"}),
		ev(90, "agent.completed", "c1", "support", "1001", m{"side": "caller", "wait_ms": "18000", "talk_ms": "60000", "orig_position": "1"}),
		ev(90, "call.ended", "c1", "support", "1001", m{"side": "caller", "disposition": "answered"}),
		ev(100, "queue.joined", "c2", "support", "", m{"position": "2", "ani": "anonymous"}),
		ev(130, "queue.abandoned", "c2", "support", "", m{"position": "2", "orig_position": "2", "wait_ms": "30000"}),
		ev(130, "call.ended", "c2", "support", "", m{"side": "caller", "disposition": "abandoned"}),
		ev(140, "queue.joined", "c3", "sales", "", m{"position": "1"}),
		ev(150, "queue.joined", "c4", "sales", "", m{"position": "2"}),
		ev(155, "agent.connected", "c4", "sales", "1002", m{"wait_ms": "5000", "ring_ms": "2000"}),
		ev(160, "queue.joined", "c5", "sales", "", m{"position": "2"}),
		ev(162, "queue.joined", "c6", "sales", "", m{"position": "3"}),
		ev(170, "queue.exited", "c5", "sales", "", m{"reason": "no_agents", "position": "2", "orig_position": "2"}),
		ev(171, "queue.exited", "c6", "sales", "", m{"reason": "exit_key", "key": "0", "position": "2", "orig_position": "3"}),
		ev(200, "queue.exited", "c3", "sales", "", m{"reason": "timeout", "position": "1", "orig_position": "1"}),
		ev(200, "agent.state", "", "", "1001", m{"state": "not_ready", "reason": "break|lunch"}),
		ev(215, "call.ended", "c4", "sales", "1002", m{"side": "agent", "disposition": "answered"}),
		ev(260, "agent.state", "", "", "1001", m{"state": "ready", "reason": "back"}),
		ev(400, "agent.state", "", "", "1001", m{"state": "logged_out"}),
		ev(420, "agent.state", "", "", "1002", m{"state": "logged_out"}),
		ev(500, "queue.joined", "c9", "support", "", nil), // after the export
	}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.QueueLog(ctx, at(0), at(500), &buf); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "queue_log.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("queue_log differs from %s (run with -update to accept)\ngot:\n%s\nwant:\n%s", golden, buf.Bytes(), want)
	}
}
