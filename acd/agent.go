package acd

import "time"

// setState is the only place agent state changes: it keeps the ready heaps and
// the per-queue staffing counts in step and publishes agent.state.
func (e *Engine) setState(a *agent, to AgentState, reason string) {
	if a.retired && (to == Ready || to == NotReady) {
		to, reason = LoggedOut, "removed"
	}
	from := a.state
	if to != NotReady && to != LoggedOut {
		reason = ""
	}
	if from == to && a.reason == reason {
		return
	}
	if from == Ready {
		for _, m := range a.members {
			m.q.ready.remove(m)
		}
	}
	a.state, a.reason, a.since = to, reason, e.now
	if to != NotReady {
		a.reason = ""
	}
	e.emit(Notify{Name: EvAgentState, AgentID: a.id, From: from, To: to, Reason: reason})
	dIn := b2i(to != LoggedOut) - b2i(from != LoggedOut)
	dStaff := b2i(to != LoggedOut && to != NotReady) - b2i(from != LoggedOut && from != NotReady)
	var rk uint64
	if to == Ready {
		a.idleSince = e.now
		rk = e.rng.Uint64()
	}
	for _, m := range a.members {
		q := m.q
		q.members += dIn
		q.staffed += dStaff
		if to == Ready {
			m.cand = Candidate{AgentID: a.id, IdleSince: a.idleSince, LastOffered: a.lastOffer,
				Calls: a.calls, TalkTime: a.talk, SkillScore: m.cand.SkillScore, RandKey: rk}
			q.ready.push(m)
		}
		if dIn < 0 && q.members == 0 && q.LeaveWhenEmpty {
			e.emptyQueue(q)
		}
	}
	if to == LoggedOut && a.retired {
		e.dropAgent(a)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (e *Engine) dropAgent(a *agent) {
	delete(e.agents, a.id)
	for i, x := range e.aorder {
		if x == a {
			e.aorder = append(e.aorder[:i], e.aorder[i+1:]...)
			break
		}
	}
	a.members = nil
}

// makeReady puts a in ready and gives it the best waiting caller.
func (e *Engine) makeReady(a *agent) {
	e.setState(a, Ready, "")
	if a.state == Ready {
		e.serveAgent(a)
	}
}

// afterWork ends wrap-up: a not-ready asked for during the call wins.
func (e *Engine) afterWork(a *agent) {
	if a.pending != "" {
		r := a.pending
		a.pending = ""
		e.setState(a, NotReady, r)
		return
	}
	e.makeReady(a)
}

// flushFreed returns agents whose offer was cancelled to ready, after the
// change that cancelled it is complete.
func (e *Engine) flushFreed() {
	for i := 0; i < len(e.freed); i++ {
		a := e.freed[i]
		if a.state == Reserved && a.offer == nil && e.agents[a.id] == a {
			e.makeReady(a)
		}
	}
	clear(e.freed)
	e.freed = e.freed[:0]
}

func (e *Engine) reasonOK(r string) bool {
	return e.cc.reasons == nil || e.cc.reasons[r]
}

// vacate ends whatever a is doing before a forced or requested state change;
// it returns a caller that lost its last offer and must be requeued once a's
// new state is set.
func (e *Engine) vacate(a *agent, why string) *caller {
	a.pending = ""
	switch a.state {
	case Reserved:
		if o := a.offer; o != nil {
			c := o.c
			e.cancelOffer(o, why)
			return c
		}
	case Talking, Held:
		e.endCall(a)
	}
	return nil
}

func (e *Engine) requeue(c *caller) {
	if c == nil || len(c.offers) > 0 || e.callers[c.id] != c || c.state != callerOffered {
		return
	}
	c.state = callerWaiting
	c.q.waiting.push(c)
	e.serveCaller(c)
}

func (e *Engine) login(ev AgentLogin) {
	a := e.agents[ev.AgentID]
	switch {
	case a == nil:
		e.reject(ev, ErrUnknownAgent)
	case a.state != LoggedOut:
		e.reject(ev, ErrAlreadyLoggedIn)
	case ev.Reason != "":
		if !e.reasonOK(ev.Reason) {
			e.reject(ev, ErrBadReason)
			return
		}
		e.setState(a, NotReady, ev.Reason)
	default:
		a.misses = 0
		e.makeReady(a)
	}
}

func (e *Engine) logout(ev AgentLogout) {
	a := e.agents[ev.AgentID]
	switch {
	case a == nil:
		e.reject(ev, ErrUnknownAgent)
	case a.state == LoggedOut:
		e.reject(ev, ErrNotLoggedIn)
	default:
		c := e.vacate(a, CancelAgentLogout)
		e.setState(a, LoggedOut, "")
		e.requeue(c)
	}
}

func (e *Engine) ready(ev AgentReady) {
	a := e.agents[ev.AgentID]
	switch {
	case a == nil:
		e.reject(ev, ErrUnknownAgent)
	case a.state == LoggedOut:
		e.reject(ev, ErrNotLoggedIn)
	case a.state == NotReady || a.state == WrapUp:
		a.pending = ""
		a.misses = 0
		e.makeReady(a)
	default: // ready already, or busy: cancels a pending not-ready
		a.pending = ""
	}
}

func (e *Engine) notReady(ev AgentNotReady) {
	a := e.agents[ev.AgentID]
	switch {
	case a == nil:
		e.reject(ev, ErrUnknownAgent)
	case !e.reasonOK(ev.Reason) || ev.Reason == "":
		e.reject(ev, ErrBadReason)
	case a.state == LoggedOut:
		e.reject(ev, ErrNotLoggedIn)
	case a.state == Talking || a.state == Held:
		a.pending = ev.Reason
	default:
		c := e.vacate(a, CancelAgentNotReady)
		e.setState(a, NotReady, ev.Reason)
		e.requeue(c)
	}
}

func (e *Engine) force(ev ForceState) {
	a := e.agents[ev.AgentID]
	if a == nil {
		e.reject(ev, ErrUnknownAgent)
		return
	}
	switch ev.State {
	case LoggedOut, NotReady:
		if ev.State == NotReady && ev.Reason == "" {
			e.reject(ev, ErrBadReason)
			return
		}
		c := e.vacate(a, CancelForced)
		e.setState(a, ev.State, ev.Reason)
		e.requeue(c)
	case Ready:
		c := e.vacate(a, CancelForced)
		a.misses = 0
		e.setState(a, Ready, "")
		e.requeue(c)
		if a.state == Ready {
			e.serveAgent(a)
		}
	default:
		e.reject(ev, ErrBadForceState)
	}
}

// endCall closes the agent's call for the books (agent.completed and a
// handle-time sample).
func (e *Engine) endCall(a *agent) {
	talk := e.now.Sub(a.talkAt)
	a.talk += talk
	q := a.callQ
	e.emit(Notify{Name: EvAgentCompleted, CallID: a.callID, AgentID: a.id, Queue: q.Name, Wait: talk})
	q.sample(talk+q.WrapUp, e.cc.cfg.HandleSamples)
	a.callID, a.callQ = "", nil
}

func (q *queue) sample(d time.Duration, limit int) {
	if len(q.handle) < limit {
		q.handle = append(q.handle, d)
		return
	}
	q.handle[q.hNext] = d
	q.hNext = (q.hNext + 1) % len(q.handle)
}

func (e *Engine) callEnded(ev CallEnded) {
	a := e.agents[ev.AgentID]
	if a == nil || (a.state != Talking && a.state != Held) || (ev.CallID != "" && ev.CallID != a.callID) {
		return // duplicate or stale
	}
	q := a.callQ
	e.endCall(a)
	if q.WrapUp <= 0 {
		e.afterWork(a)
		return
	}
	e.setState(a, WrapUp, "")
	a.gen++
	e.arm(timer{at: e.now.Add(q.WrapUp), kind: tWrap, a: a, gen: a.gen})
}
