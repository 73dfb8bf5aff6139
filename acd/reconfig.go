package acd

import (
	"slices"
	"sort"
	"time"
)

// Reconfigure applies a new configuration without dropping waiting callers or
// live offers. Removed queues keep serving the callers they hold but take no
// new ones; removed agents finish their offer or call and are then logged
// out. A bad config changes nothing and comes back as a Rejected action.
func (e *Engine) Reconfigure(cfg Config) []Action {
	e.out = e.out[:0]
	cc, err := e.compile(cfg)
	if err != nil {
		return []Action{Rejected{Err: err}}
	}
	if cfg.Rand != nil {
		e.rng = cfg.Rand
	}
	e.install(cc)
	e.fire()
	e.flushFreed()
	return e.out[:len(e.out):len(e.out)]
}

func (e *Engine) install(cc *compiled) {
	e.cc = cc
	qs := make([]*queue, 0, len(cc.queues))
	for _, qc := range cc.queues {
		q := e.queues[qc.Name]
		if q == nil {
			q = &queue{}
			e.queues[qc.Name] = q
		}
		q.queueCfg, q.retired = qc, false
		qs = append(qs, q)
	}
	for _, q := range e.qorder {
		if cc.byName[q.Name] == nil {
			if q.count == 0 {
				delete(e.queues, q.Name)
				continue
			}
			q.retired = true
			qs = append(qs, q)
		}
	}
	for i, q := range qs {
		q.order = i
		q.ready = readyHeap{s: q.strat, h: q.ready.h[:0]}
		q.members, q.staffed = 0, 0
		if n := cc.cfg.HandleSamples; len(q.handle) > n {
			q.handle, q.hNext = q.handle[len(q.handle)-n:], 0
		}
	}
	e.qorder = qs

	as := make([]*agent, 0, len(cc.cfg.Agents))
	inCfg := make(map[string]bool, len(cc.cfg.Agents))
	for _, ac := range cc.cfg.Agents {
		a := e.agents[ac.ID]
		if a == nil {
			a = &agent{id: ac.ID, state: LoggedOut, since: e.now}
			e.agents[ac.ID] = a
		}
		a.skills, _ = e.reqs(ac.Skills) // validated by compile
		a.retired = false
		inCfg[ac.ID] = true
		as = append(as, a)
	}
	for _, a := range e.aorder {
		if !inCfg[a.id] {
			a.retired = true
			as = append(as, a)
		}
	}
	e.aorder = as

	for i, a := range as {
		a.order = i
		for _, m := range a.members {
			m.idx = -1
		}
		a.members = a.members[:0]
		for _, q := range qs {
			if !meets(a.skills, q.loose) {
				continue
			}
			m := &member{a: a, q: q, idx: -1, cand: Candidate{AgentID: a.id, IdleSince: a.idleSince,
				LastOffered: a.lastOffer, Calls: a.calls, TalkTime: a.talk, SkillScore: skillScore(a.skills, q.base)}}
			a.members = append(a.members, m)
			if a.state != LoggedOut {
				q.members++
				if a.state != NotReady {
					q.staffed++
				}
			}
			if a.state == Ready {
				q.ready.push(m)
			}
		}
	}

	cs := make([]*caller, 0, len(e.callers))
	for _, c := range e.callers {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].seq < cs[j].seq })
	for _, c := range cs {
		c.steps = min(c.steps, len(c.q.rules))
		c.reqs = e.callerReqs(c)
		e.armCaller(c)
	}

	for _, a := range slices.Clone(as) {
		if a.retired && (a.state == Ready || a.state == NotReady) {
			e.setState(a, LoggedOut, "removed")
		}
	}
	for _, q := range qs {
		if q.members == 0 && q.LeaveWhenEmpty {
			e.emptyQueue(q)
		}
	}
	for _, a := range slices.Clone(e.aorder) {
		if a.state == Ready {
			e.serveAgent(a)
		}
	}
}

func skillScore(skills, need []req) int {
	s := 0
	for _, n := range need {
		for _, k := range skills {
			if k.skill == n.skill {
				s += k.level
			}
		}
	}
	return s
}

// Snapshot is a copy of the engine's state for CTI, wallboards and tests.
type Snapshot struct {
	At     time.Time
	Queues []QueueSnapshot
	Agents []AgentSnapshot
}

// QueueSnapshot lists a queue's callers in service order.
type QueueSnapshot struct {
	Name     string
	Strategy string
	Retired  bool
	LoggedIn int // member agents logged in
	Staffed  int // ... and not not_ready
	Ready    int
	Callers  []CallerSnapshot
}

// CallerSnapshot is one queued caller; Position is 0 while it is being offered.
type CallerSnapshot struct {
	CallID, ANI string
	Priority    int
	Position    int
	Wait        time.Duration // in this queue segment
	JoinedAt    time.Time     // original arrival
	Ticket      bool
	Offered     bool
	OfferIDs    []uint64
}

// AgentSnapshot is one agent.
type AgentSnapshot struct {
	ID      string
	State   AgentState
	Reason  string
	Since   time.Time
	CallID  string // current call, or the call being offered
	Queue   string
	OfferID uint64
	Misses  int
	Pending string   // not-ready reason to apply after the call
	Queues  []string // queues the agent is a member of (skills, overflow included)
}

// Snapshot copies the current state.
func (e *Engine) Snapshot() Snapshot {
	s := Snapshot{At: e.now}
	byQ := map[*queue][]*caller{}
	for _, c := range e.callers {
		byQ[c.q] = append(byQ[c.q], c)
	}
	for _, q := range e.qorder {
		qs := QueueSnapshot{Name: q.Name, Strategy: q.Strategy, Retired: q.retired, LoggedIn: q.members,
			Staffed: q.staffed, Ready: len(q.ready.h)}
		list := byQ[q]
		sort.Slice(list, func(i, j int) bool { return callerLess(list[i], list[j]) })
		pos := 0
		for _, c := range list {
			cs := CallerSnapshot{CallID: c.id, ANI: c.ani, Priority: c.prio, Wait: e.now.Sub(c.entered),
				JoinedAt: c.joinedAt, Ticket: c.ticket, Offered: c.state == callerOffered}
			if c.state == callerWaiting {
				pos++
				cs.Position = pos
			}
			for _, o := range c.offers {
				cs.OfferIDs = append(cs.OfferIDs, o.id)
			}
			qs.Callers = append(qs.Callers, cs)
		}
		s.Queues = append(s.Queues, qs)
	}
	for _, a := range e.aorder {
		as := AgentSnapshot{ID: a.id, State: a.state, Reason: a.reason, Since: a.since, CallID: a.callID,
			Misses: a.misses, Pending: a.pending}
		if a.callQ != nil {
			as.Queue = a.callQ.Name
		}
		for _, m := range a.members {
			as.Queues = append(as.Queues, m.q.Name)
		}
		if o := a.offer; o != nil {
			as.CallID, as.Queue, as.OfferID = o.c.id, o.q.Name, o.id
		}
		s.Agents = append(s.Agents, as)
	}
	return s
}
