package call

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/cti"
)

// An offer for a call that has already ended (its CallerLeft still queued
// behind in the ACD's inbox) must take the caller out of the queue, not
// re-offer it without end.
func TestOfferToEndedCallRemovesCaller(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	sw := &Switch{log: slog.New(slog.NewTextHandler(io.Discard, nil)), now: func() time.Time { return now },
		calls: map[string]*Call{}, bus: cti.NewBus(16)}
	e, err := acd.New(acd.Config{
		Queues: []acd.QueueConfig{{Name: "q", Skills: map[string]int{"s": 1}, JoinEmpty: true, RingTimeout: 10 * time.Second}},
		Agents: []acd.AgentConfig{{ID: "a1", Skills: map[string]int{"s": 5}}, {ID: "a2", Skills: map[string]int{"s": 5}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	a := &acdActor{sw: sw, engine: e}
	// The caller joins while no agent is logged in; it is gone from the
	// switch (no entry in sw.calls) when the agents log in and it is offered.
	a.execute(e.Step(now, acd.CallerJoined{CallID: "gone", Queue: "q", JoinedAt: now}))
	a.execute(e.Step(now, acd.AgentLogin{AgentID: "a1"}))
	a.execute(e.Step(now, acd.AgentLogin{AgentID: "a2"}))
	snap := e.Snapshot()
	for _, q := range snap.Queues {
		if len(q.Callers) != 0 {
			t.Fatalf("queue %s still holds %d callers", q.Name, len(q.Callers))
		}
	}
	for _, ag := range snap.Agents {
		if ag.State != acd.Ready {
			t.Fatalf("agent %s left %s", ag.ID, ag.State)
		}
	}
}
