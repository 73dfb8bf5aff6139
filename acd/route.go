package acd

import (
	"slices"
	"time"
)

// pickAgent is the strategy's best ready member of q that meets c's current
// requirement. The heap top almost always qualifies; the scan covers callers
// with raised requirements.
func pickAgent(q *queue, c *caller) *member {
	h := q.ready.h
	if len(h) == 0 {
		return nil
	}
	if eligible(h[0].a, c) {
		return h[0]
	}
	var best *member
	for _, m := range h[1:] {
		if eligible(m.a, c) && (best == nil || q.ready.less(m, best)) {
			best = m
		}
	}
	return best
}

// pickCaller is the first waiting caller of q that a may serve.
func pickCaller(q *queue, a *agent) *caller {
	h := q.waiting
	if len(h) == 0 {
		return nil
	}
	if eligible(a, h[0]) {
		return h[0]
	}
	var best *caller
	for _, c := range h[1:] {
		if eligible(a, c) && (best == nil || callerLess(c, best)) {
			best = c
		}
	}
	return best
}

// eligible: a has the skills c needs and, for a call asked for a person,
// is that person.
func eligible(a *agent, c *caller) bool {
	return meets(a.skills, c.reqs) && (c.target == "" || c.target == a.id)
}

// serveCaller offers a waiting caller to the best agent (or, for ring_all, to
// every eligible ready agent).
func (e *Engine) serveCaller(c *caller) {
	if c.state != callerWaiting || e.callers[c.id] != c {
		return
	}
	q := c.q
	e.scratch = e.scratch[:0]
	if q.ringAll {
		for _, m := range q.ready.h {
			if eligible(m.a, c) {
				e.scratch = append(e.scratch, m)
			}
		}
		slices.SortFunc(e.scratch, func(x, y *member) int {
			if q.ready.less(x, y) {
				return -1
			}
			return 1
		})
	} else if m := pickAgent(q, c); m != nil {
		e.scratch = append(e.scratch, m)
	}
	if len(e.scratch) > 0 {
		e.offer(c, e.scratch)
	}
}

// serveAgent gives a ready agent the most urgent waiting caller across its
// queues: priority, then original arrival.
func (e *Engine) serveAgent(a *agent) {
	var best *caller
	var bm *member
	for _, m := range a.members {
		if c := pickCaller(m.q, a); c != nil && (best == nil || callerLess(c, best)) {
			best, bm = c, m
		}
	}
	if best != nil {
		e.scratch = append(e.scratch[:0], bm)
		e.offer(best, e.scratch)
	}
}

func (e *Engine) offer(c *caller, ms []*member) {
	c.q.waiting.remove(c)
	c.state = callerOffered
	for _, m := range ms {
		a, q := m.a, m.q
		e.offerSeq++
		o := &offer{id: e.offerSeq, c: c, a: a, q: q, callback: c.ticket, live: true}
		e.offers[o.id] = o
		c.offers = append(c.offers, o)
		a.offer, a.lastOffer = o, o.id
		e.setState(a, Reserved, "")
		timeout := q.RingTimeout
		if o.callback {
			timeout = q.CallbackRingTimeout
			e.emit(DialCallback{OfferID: o.id, CallID: c.id, Number: c.number, AgentID: a.id, Queue: q.Name, RingTimeout: timeout})
		} else {
			e.emit(Offer{OfferID: o.id, CallID: c.id, AgentID: a.id, Queue: q.Name, ANI: c.ani, RingTimeout: timeout, Data: c.data})
		}
		e.emit(Notify{Name: EvAgentOffered, CallID: c.id, AgentID: a.id, Queue: q.Name, Priority: c.prio, Wait: e.now.Sub(c.entered)})
		e.arm(timer{at: e.now.Add(timeout), kind: tOffer, o: o})
	}
}

// cancelOffer kills a live offer and frees its agent (back to ready once the
// current change completes); the caller's fate is the caller's business.
func (e *Engine) cancelOffer(o *offer, why string) {
	e.emit(CancelOffer{OfferID: o.id, CallID: o.c.id, AgentID: o.a.id, Reason: why})
	e.killOffer(o)
	e.freed = append(e.freed, o.a)
}

func (e *Engine) killOffer(o *offer) {
	o.live = false
	delete(e.offers, o.id)
	c := o.c
	for i, x := range c.offers {
		if x == o {
			c.offers = append(c.offers[:i], c.offers[i+1:]...)
			break
		}
	}
	if o.a.offer == o {
		o.a.offer = nil
	}
}

func (e *Engine) cancelAll(c *caller, why string) {
	for len(c.offers) > 0 {
		e.cancelOffer(c.offers[0], why)
	}
}

// endOffer handles an offer that ended without an answer (timeout, refusal
// or failure). The caller goes to the next agent before this agent is free
// again, so it is not offered the same agent twice in a row when others wait.
func (e *Engine) endOffer(o *offer, _ bool, miss bool, rna string) {
	if !o.live {
		return
	}
	a, c := o.a, o.c
	e.killOffer(o)
	if rna != "" {
		e.emit(Notify{Name: EvAgentRNA, CallID: c.id, AgentID: a.id, Queue: o.q.Name, Reason: rna})
	}
	if len(c.offers) == 0 {
		if c.ticket {
			c.attempts++
			if c.attempts >= c.q.CallbackAttempts {
				e.release(c, ExitCallbackFailed, "")
				c = nil
			}
		}
		e.requeue(c)
	}
	if miss {
		a.misses++
		if a.misses >= e.cc.cfg.NoAnswerLimit {
			a.misses = 0
			e.setState(a, NotReady, ReasonNoAnswer)
			return
		}
	}
	e.freed = append(e.freed, a)
}

func (e *Engine) answered(id uint64) {
	o := e.offers[id]
	if o == nil || !o.live {
		return // late or duplicate answer: nothing changes
	}
	c, a, q := o.c, o.a, o.q
	e.killOffer(o)
	for len(c.offers) > 0 {
		e.cancelOffer(c.offers[0], CancelAnsweredElse)
	}
	wait := e.now.Sub(c.entered)
	e.unqueue(c)
	a.misses = 0
	a.calls++
	a.callID, a.callQ, a.talkAt = c.id, q, e.now
	e.setState(a, Talking, "")
	e.emit(Notify{Name: EvAgentConnected, CallID: c.id, AgentID: a.id, Queue: q.Name, Priority: c.prio, Wait: wait})
}

// position is the caller's 1-based place among q's waiting callers; 0 when ringing.
func position(c *caller) int {
	if c.idx < 0 {
		return 0
	}
	p := 1
	for _, x := range c.q.waiting {
		if x != c && callerLess(x, c) {
			p++
		}
	}
	return p
}

// ewt is the expected wait at position pos: mean recent handle time per
// staffed agent.
func (q *queue) ewt(pos int) time.Duration {
	avg := q.DefaultHandleTime
	if n := len(q.handle); n > 0 {
		var sum time.Duration
		for _, d := range q.handle {
			sum += d
		}
		avg = sum / time.Duration(n)
	}
	staffed := max(1, q.staffed)
	return (avg * time.Duration(pos) / time.Duration(staffed)).Truncate(time.Second)
}
