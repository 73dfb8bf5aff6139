package acd

import (
	"slices"
	"time"
)

func (e *Engine) join(ev CallerJoined) {
	if ev.CallID == "" {
		e.reject(ev, ErrUnknownCall)
		return
	}
	if e.callers[ev.CallID] != nil {
		e.reject(ev, ErrDuplicateCall)
		return
	}
	q := e.queues[ev.Queue]
	if ev.Agent != "" {
		var ok bool
		if q, ok = e.agentQueue(ev.Agent, ev.Queue); !ok {
			// The person asked for does not take calls here: the caller is
			// told at once rather than left waiting for nobody.
			e.emit(Release{CallID: ev.CallID, Queue: ev.Queue, Reason: ExitNoAgents})
			return
		}
	}
	if q == nil || q.retired {
		e.reject(ev, ErrUnknownQueue)
		return
	}
	own, err := e.reqs(ev.Skills)
	if err != nil {
		e.reject(ev, err)
		return
	}
	prio := ev.Priority
	if p, ok := q.vipPriority(ev.ANI); ok && p > prio {
		prio = p
	}
	at := ev.JoinedAt
	if at.IsZero() {
		at = e.now
	}
	c := &caller{id: ev.CallID, ani: ev.ANI, prio: prio, joinedAt: at, idx: -1, own: own, data: ev.Data, target: ev.Agent}
	if ev.Callback != "" {
		c.ticket, c.number = true, ev.Callback
	}
	e.enqueue(c, q)
}

// agentQueue is the queue a call for agent id waits in: name when the agent
// is a member of it, else (name empty) the agent's first queue by name.
func (e *Engine) agentQueue(id, name string) (*queue, bool) {
	a := e.agents[id]
	if a == nil {
		return nil, false
	}
	var best *queue
	for _, m := range a.members {
		if m.q.retired {
			continue
		}
		if name != "" && m.q.Name == name {
			return m.q, true
		}
		if name == "" && (best == nil || m.q.Name < best.Name) {
			best = m.q
		}
	}
	return best, best != nil
}

// enqueue starts a queue segment for c (a new caller or an overflow).
func (e *Engine) enqueue(c *caller, q *queue) {
	switch {
	case q == nil || q.retired || (q.members == 0 && !q.JoinEmpty):
		e.emit(Release{CallID: c.id, Queue: qname(q), Reason: ExitNoAgents})
		return
	case q.MaxLen > 0 && q.count >= q.MaxLen:
		e.emit(Release{CallID: c.id, Queue: q.Name, Reason: ExitFull})
		return
	}
	e.joinSeq++
	c.q, c.seq, c.entered, c.steps, c.state = q, e.joinSeq, e.now, 0, callerWaiting
	c.reqs = e.callerReqs(c)
	c.announce = e.now.Add(q.AnnounceEvery)
	q.count++
	e.callers[c.id] = c
	q.waiting.push(c)
	pos := position(c)
	e.emit(Notify{Name: EvQueueJoined, CallID: c.id, Queue: q.Name, Priority: c.prio, Position: pos})
	if q.AnnounceEvery > 0 && !c.ticket {
		e.emit(Announce{CallID: c.id, Position: pos, EWT: q.ewt(pos)})
	}
	e.armCaller(c)
	e.serveCaller(c)
}

func qname(q *queue) string {
	if q == nil {
		return ""
	}
	return q.Name
}

// callerReqs is the queue's requirement, raised by the caller's own skills,
// after the overflow skill rules applied so far.
func (e *Engine) callerReqs(c *caller) []req {
	base := append([]req(nil), c.q.base...)
	for _, r := range c.own {
		base = mergeReq(base, r, true)
	}
	return applyRules(e, base, c.q.rules, min(c.steps, len(c.q.rules)), true)
}

// armCaller sets the caller's single timer to its next due moment.
func (e *Engine) armCaller(c *caller) {
	c.gen++
	q := c.q
	var at time.Time
	set := false
	consider := func(t time.Time) {
		if !set || t.Before(at) {
			at, set = t, true
		}
	}
	if q.MaxWait > 0 && !c.ticket {
		consider(c.entered.Add(q.MaxWait))
	}
	if c.steps < len(q.rules) {
		consider(c.joinedAt.Add(q.rules[c.steps].After))
	}
	if q.AnnounceEvery > 0 && !c.ticket {
		consider(c.announce)
	}
	if set {
		e.arm(timer{at: at, kind: tCaller, c: c, gen: c.gen})
	}
}

func (e *Engine) callerTimer(c *caller) {
	q, now := c.q, e.now
	if q.MaxWait > 0 && !c.ticket && !now.Before(c.entered.Add(q.MaxWait)) {
		e.release(c, ExitTimeout, "")
		return
	}
	relaxed := false
	for c.steps < len(q.rules) && !now.Before(c.joinedAt.Add(q.rules[c.steps].After)) {
		r := q.rules[c.steps]
		c.steps++
		switch {
		case r.ToFlow != "" && !c.ticket:
			e.overflow(c, r)
			return
		case r.ToQueue != "" && c.hops < maxHops:
			e.overflow(c, r)
			return
		case r.ToFlow == "" && r.ToQueue == "":
			relaxed = true
		}
	}
	if relaxed {
		c.reqs = e.callerReqs(c)
	}
	if q.AnnounceEvery > 0 && !c.ticket && !now.Before(c.announce) {
		for !now.Before(c.announce) {
			c.announce = c.announce.Add(q.AnnounceEvery)
		}
		if c.state == callerWaiting {
			pos := position(c)
			e.emit(Announce{CallID: c.id, Position: pos, EWT: q.ewt(pos)})
			e.emit(Notify{Name: EvQueuePosition, CallID: c.id, Queue: q.Name, Position: pos, Wait: now.Sub(c.entered)})
		}
	}
	e.armCaller(c)
	if relaxed {
		e.serveCaller(c)
	}
}

func (e *Engine) overflow(c *caller, r OverflowRule) {
	from := c.q
	e.cancelAll(c, CancelCallerGone)
	wait := e.now.Sub(c.entered)
	e.unqueue(c)
	e.emit(Overflow{CallID: c.id, FromQueue: from.Name, ToQueue: r.ToQueue, ToFlow: r.ToFlow})
	e.emit(Notify{Name: EvQueueExited, CallID: c.id, Queue: from.Name, Reason: ExitOverflow, Wait: wait})
	if r.ToQueue != "" {
		c.hops++
		c.offers = c.offers[:0]
		e.enqueue(c, e.queues[r.ToQueue])
	}
}

// unqueue forgets c; its offers must already be gone.
func (e *Engine) unqueue(c *caller) {
	c.q.waiting.remove(c)
	c.q.count--
	c.gen++
	delete(e.callers, c.id)
}

func (e *Engine) release(c *caller, reason, flow string) {
	e.cancelAll(c, CancelCallerGone)
	wait := e.now.Sub(c.entered)
	e.unqueue(c)
	e.emit(Release{CallID: c.id, Queue: c.q.Name, Reason: reason, Flow: flow})
	e.emit(Notify{Name: EvQueueExited, CallID: c.id, Queue: c.q.Name, Reason: reason, Wait: wait})
}

func (e *Engine) left(ev CallerLeft) {
	c := e.callers[ev.CallID]
	if c == nil || c.ticket {
		return // duplicate, unknown, or a ticket that no longer needs the line
	}
	pos := position(c)
	e.cancelAll(c, CancelCallerLeft)
	wait := e.now.Sub(c.entered)
	e.unqueue(c)
	e.emit(Notify{Name: EvQueueAbandoned, CallID: c.id, Queue: c.q.Name, Priority: c.prio, Position: pos, Wait: wait})
}

func (e *Engine) setPriority(ev SetPriority) {
	c := e.callers[ev.CallID]
	if c == nil {
		return
	}
	c.prio = ev.Priority
	if c.idx >= 0 {
		c.q.waiting.fix(c.idx)
	}
}

func (e *Engine) exitKey(ev ExitKey) {
	c := e.callers[ev.CallID]
	if c == nil || c.ticket {
		return
	}
	flow, ok := c.q.ExitKeys[ev.Digit]
	if !ok {
		e.reject(ev, ErrUnknownExitKey)
		return
	}
	e.release(c, ExitKeyPressed, flow)
}

func (e *Engine) callback(ev CallbackRequested) {
	c := e.callers[ev.CallID]
	if c == nil || c.ticket {
		return
	}
	e.cancelAll(c, CancelCallerGone)
	c.ticket, c.number = true, ev.Number
	if c.state == callerOffered {
		c.state = callerWaiting
		c.q.waiting.push(c)
	}
	e.emit(Notify{Name: EvQueueCallback, CallID: c.id, Queue: c.q.Name, Priority: c.prio, Position: position(c)})
	e.armCaller(c)
	e.serveCaller(c)
}

// emptyQueue releases a queue's waiting callers when its last agent logged out
// (LeaveWhenEmpty); tickets keep their place.
func (e *Engine) emptyQueue(q *queue) {
	list := make([]*caller, 0, len(q.waiting))
	for _, c := range q.waiting {
		if !c.ticket {
			list = append(list, c)
		}
	}
	slices.SortFunc(list, func(a, b *caller) int {
		if callerLess(a, b) {
			return -1
		}
		return 1
	})
	for _, c := range list {
		e.release(c, ExitNoAgents, "")
	}
}
