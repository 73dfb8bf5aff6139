package acd

import "fmt"

// checkInvariants verifies the engine's cross-references: every reserved
// agent has a live offer, offers point both ways, only ring_all callers hold
// several offers, and the ready heaps hold exactly the ready agents.
func checkInvariants(e *Engine) error {
	for id, o := range e.offers {
		if !o.live || o.id != id {
			return fmt.Errorf("offer %d dead but indexed", id)
		}
		if o.a.offer != o || o.a.state != Reserved {
			return fmt.Errorf("offer %d: agent %s state %s offer %p", id, o.a.id, o.a.state, o.a.offer)
		}
		if e.callers[o.c.id] != o.c || o.c.state != callerOffered {
			return fmt.Errorf("offer %d: caller %s not offered", id, o.c.id)
		}
	}
	for _, a := range e.aorder {
		if e.agents[a.id] != a {
			return fmt.Errorf("agent %s not indexed", a.id)
		}
		if a.state == Reserved && (a.offer == nil || !a.offer.live) {
			return fmt.Errorf("agent %s reserved without a live offer", a.id)
		}
		if a.state != Reserved && a.offer != nil {
			return fmt.Errorf("agent %s %s holds offer", a.id, a.state)
		}
		if (a.state == Talking || a.state == Held) != (a.callID != "") {
			return fmt.Errorf("agent %s %s call %q", a.id, a.state, a.callID)
		}
		for _, m := range a.members {
			in := m.idx >= 0 && m.idx < len(m.q.ready.h) && m.q.ready.h[m.idx] == m
			if in != (a.state == Ready) {
				return fmt.Errorf("agent %s %s in ready heap of %s: %v", a.id, a.state, m.q.Name, in)
			}
		}
	}
	count := map[*queue]int{}
	for id, c := range e.callers {
		count[c.q]++
		if c.id != id {
			return fmt.Errorf("caller %s indexed as %s", c.id, id)
		}
		switch c.state {
		case callerWaiting:
			if c.idx < 0 || c.idx >= len(c.q.waiting) || c.q.waiting[c.idx] != c || len(c.offers) > 0 {
				return fmt.Errorf("caller %s waiting but not in heap", id)
			}
		case callerOffered:
			if c.idx >= 0 || len(c.offers) == 0 {
				return fmt.Errorf("caller %s offered: idx %d offers %d", id, c.idx, len(c.offers))
			}
			if len(c.offers) > 1 && !c.q.ringAll {
				return fmt.Errorf("caller %s offered to %d agents in %s", id, len(c.offers), c.q.strat)
			}
		}
	}
	for _, q := range e.qorder {
		if count[q] != q.count {
			return fmt.Errorf("queue %s count %d, callers %d", q.Name, q.count, count[q])
		}
		for i, c := range q.waiting {
			if c.idx != i || e.callers[c.id] != c {
				return fmt.Errorf("queue %s heap slot %d stale", q.Name, i)
			}
			if i > 0 && callerLess(c, q.waiting[(i-1)/2]) {
				return fmt.Errorf("queue %s caller heap order broken", q.Name)
			}
		}
		for i, m := range q.ready.h {
			if i > 0 && q.ready.less(m, q.ready.h[(i-1)/2]) {
				return fmt.Errorf("queue %s ready heap order broken", q.Name)
			}
		}
		ins, staff := 0, 0
		for _, a := range e.aorder {
			for _, m := range a.members {
				if m.q == q && a.state != LoggedOut {
					ins++
					if a.state != NotReady {
						staff++
					}
				}
			}
		}
		if ins != q.members || staff != q.staffed {
			return fmt.Errorf("queue %s members %d/%d staffed %d/%d", q.Name, q.members, ins, q.staffed, staff)
		}
	}
	return nil
}
