package call

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/config"
	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/ivr"
	"github.com/hotline/hotline/store"
)

// IVR callbacks are promises to customers, so they live in the store: a
// callback is filed as pending, handed to the ACD as a ticket when due
// (queued), and closed when an agent reached the customer (done) or the
// queue's attempts ran out (failed). After a restart every open callback
// goes back to the ACD.

// callbackPrefix marks ACD tickets that stand for a stored callback.
const callbackPrefix = "cb-"

func callbackTicket(id int64) string { return callbackPrefix + strconv.FormatInt(id, 10) }

func storedCallback(ticket string) (int64, bool) {
	s, ok := strings.CutPrefix(ticket, callbackPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil
}

// callbackScheduler hands stored callbacks to the ACD when they fall due.
type callbackScheduler struct {
	sw   *Switch
	add  chan store.Callback
	done chan struct{}
	exit chan struct{}
}

func (sw *Switch) startCallbacks(ctx context.Context) error {
	open, err := sw.store.OpenCallbacks(ctx)
	if err != nil {
		return err
	}
	s := &callbackScheduler{sw: sw, add: make(chan store.Callback, 256), done: make(chan struct{}), exit: make(chan struct{})}
	sw.sched = s
	if len(open) > 0 {
		sw.log.Info("callbacks carried over from the previous run", "count", len(open))
	}
	go s.run(open)
	return nil
}

func (s *callbackScheduler) stop() {
	close(s.done)
	<-s.exit
}

func (s *callbackScheduler) schedule(cb store.Callback) {
	select {
	case s.add <- cb:
	case <-s.done:
	}
}

func (s *callbackScheduler) run(due []store.Callback) {
	defer close(s.exit)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		slices.SortFunc(due, func(a, b store.Callback) int { return a.DueAt.Compare(b.DueAt) })
		now := s.sw.now()
		for len(due) > 0 && !due[0].DueAt.After(now) {
			s.release(due[0])
			due = due[1:]
		}
		timer.Stop()
		if len(due) > 0 {
			timer.Reset(due[0].DueAt.Sub(now))
		}
		select {
		case <-s.done:
			return
		case cb := <-s.add:
			due = append(due, cb)
		case <-timer.C:
		}
	}
}

// release gives a due callback to the ACD as a ticket in its queue.
func (s *callbackScheduler) release(cb store.Callback) {
	sw := s.sw
	sw.acd.post(acd.CallerJoined{CallID: callbackTicket(cb.ID), Queue: cb.Queue, ANI: cb.Number, Callback: cb.Number,
		JoinedAt: cb.CreatedAt, Data: map[string]string{"callback_for": cb.CallID}})
	sw.setCallbackStatus(cb.ID, "queued")
	sw.log.Info("callback due", "id", cb.ID, "queue", cb.Queue, "number", cb.Number)
}

func (sw *Switch) setCallbackStatus(id int64, status string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sw.store.SetCallbackStatus(ctx, id, status, sw.now()); err != nil {
		sw.log.Error("callback status not saved", "id", id, "status", status, "error", err)
	}
}

// callbackFinished closes a stored callback's record once the ACD is done
// with its ticket: reached, or given up after the queue's attempts.
func (sw *Switch) callbackFinished(ticket string, reached bool, reason string) {
	id, ok := storedCallback(ticket)
	if !ok {
		return
	}
	status := map[bool]string{true: "done", false: "failed"}[reached]
	sw.setCallbackStatus(id, status)
	sw.publish(cti.Event{Kind: "callback." + status, CallID: ticket, Reason: reason})
}

// ivrCallback files the callback an IVR callback node asked for.
func (c *Call) ivrCallback(cb ivr.Callback) {
	flow := c.ivr.Flow()
	if !slices.ContainsFunc(c.sw.cfg().DialRules, func(r config.DialRule) bool { return r.AllowsDial("", flow, cb.Number) }) {
		// The caller typed the number: the dial rules keep it off premium lines.
		c.log.Warn("callback refused: no dial rule allows it", "flow", flow, "number", cb.Number)
		c.sw.publish(c.event(cti.KindSecurityDenied, func(e *cti.Event) {
			e.DNIS, e.Reason = cb.Number, "no dial rule lets flow "+flow+" call "+cb.Number
		}))
		return
	}
	now := c.sw.now()
	rec := store.Callback{CallID: c.id, Queue: cb.Queue, Number: cb.Number, DueAt: cb.At, CreatedAt: now}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	id, err := c.sw.store.AddCallback(ctx, rec)
	cancel()
	if err != nil {
		c.log.Error("callback not filed", "number", cb.Number, "error", err)
		return
	}
	rec.ID = id
	if rec.DueAt.IsZero() {
		rec.DueAt = now
	}
	c.sw.sched.schedule(rec)
	c.sw.publish(c.event("callback.scheduled", func(e *cti.Event) {
		e.Queue, e.Reason = cb.Queue, callbackTicket(id)
		e.Data = mergeInto(e.Data, map[string]string{"callback_number": cb.Number,
			"callback_due": rec.DueAt.UTC().Format(time.RFC3339)})
	}))
	c.log.Info("callback filed", "id", id, "number", cb.Number, "queue", cb.Queue, "due", rec.DueAt)
}
