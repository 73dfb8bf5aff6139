package call

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/store"
)

// What a previous run left behind when it died (kill -9, a crash, power
// off): events still in the crash journal, calls and agent states still
// open. recoverRun puts them in order before the switch takes calls, and
// the events it publishes afterwards (announce) close the story in the
// history and the queue_log, as the live switch would have.

// journalPath is the crash journal beside the database; none for an
// in-memory database.
func journalPath(db string) string {
	if db == "" || db == ":memory:" || strings.HasPrefix(db, "file::memory:") {
		return ""
	}
	return filepath.Clean(db) + "-events.journal"
}

// recoverRun replays the journal into the event history and closes what
// was left open. It returns the journal to append to (nil without one)
// and the last event Seq stored, where this run's numbering carries on.
func (sw *Switch) recoverRun(ctx context.Context, st *store.Store, db string) (*store.Journal, uint64, store.Recovered, error) {
	var j *store.Journal
	var pending []store.Event
	if p := journalPath(db); p != "" {
		var err error
		if j, pending, err = store.OpenJournal(p); err != nil {
			return nil, 0, store.Recovered{}, err
		}
	}
	n, last, err := st.ReplayJournal(ctx, pending)
	if err != nil {
		return nil, 0, store.Recovered{}, fmt.Errorf("replay event journal: %w", err)
	}
	if n > 0 {
		sw.log.Warn("event history restored from the crash journal", "events", n, "journaled", len(pending))
	} else if len(pending) > 0 {
		sw.log.Info("crash journal already in the event history", "journaled", len(pending))
	}
	if j != nil {
		if err := j.Start(); err != nil {
			return nil, 0, store.Recovered{}, err
		}
	}
	r, err := st.RecoverOpenCalls(ctx, sw.now())
	if err != nil {
		return j, 0, r, fmt.Errorf("recover open calls: %w", err)
	}
	if len(r.Calls) > 0 {
		sw.log.Warn("closed calls left open by the previous run", "count", len(r.Calls))
	}
	return j, last, r, nil
}

// announce publishes the endings the previous run could not: call.ended
// (switch_restart) for each call it closed, and each agent who was not
// logged out going to logged_out, since a restarted switch knows no phone
// until it registers again.
func (sw *Switch) announce(r store.Recovered) {
	for _, c := range r.Calls {
		sw.publish(cti.Event{
			Kind: cti.KindCallEnded, CallID: c.ID, ANI: c.ANI, DNIS: c.DNIS, Trunk: c.Trunk, Queue: c.Queue,
			AgentID: c.AgentID, Digits: c.IVRDigits, Data: c.Data,
			Side: c.HangupSide, Cause: c.HangupCause, Reason: c.Disposition,
		})
	}
	for _, a := range r.Agents {
		if a.State == acd.LoggedOut.String() {
			continue
		}
		sw.publish(cti.Event{Kind: cti.KindAgentState, AgentID: a.AgentID, State: acd.LoggedOut.String(), FromState: a.State, Reason: "switch_restart"})
	}
}
