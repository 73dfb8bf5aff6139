package acd

import "time"

// Hand-written heaps: container/heap would box every push and call through an
// interface per swap; these keep each element's index for O(log n) removal.

// callerLess: higher priority first, then earlier original arrival, then join order.
func callerLess(a, b *caller) bool {
	if a.prio != b.prio {
		return a.prio > b.prio
	}
	if !a.joinedAt.Equal(b.joinedAt) {
		return a.joinedAt.Before(b.joinedAt)
	}
	return a.seq < b.seq
}

type callerHeap []*caller

func (h *callerHeap) push(c *caller) {
	c.idx = len(*h)
	*h = append(*h, c)
	h.up(c.idx)
}

func (h *callerHeap) remove(c *caller) {
	i := c.idx
	if i < 0 || i >= len(*h) || (*h)[i] != c {
		return
	}
	n := len(*h) - 1
	if i != n {
		h.swap(i, n)
	}
	(*h)[n] = nil
	*h = (*h)[:n]
	c.idx = -1
	if i != n {
		h.fix(i)
	}
}

func (h callerHeap) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

func (h callerHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx = i
	h[j].idx = j
}

func (h callerHeap) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !callerLess(h[j], h[i]) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h callerHeap) down(i0 int) bool {
	i, n := i0, len(h)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && callerLess(h[r], h[l]) {
			j = r
		}
		if !callerLess(h[j], h[i]) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}

// readyHeap holds a queue's ready members ordered by the queue's strategy.
type readyHeap struct {
	s Strategy
	h []*member
}

func (r *readyHeap) less(a, b *member) bool {
	if r.s.Less(&a.cand, &b.cand) {
		return true
	}
	if r.s.Less(&b.cand, &a.cand) {
		return false
	}
	return a.a.order < b.a.order
}

func (r *readyHeap) push(m *member) {
	m.idx = len(r.h)
	r.h = append(r.h, m)
	r.up(m.idx)
}

func (r *readyHeap) remove(m *member) {
	i := m.idx
	if i < 0 || i >= len(r.h) || r.h[i] != m {
		return
	}
	n := len(r.h) - 1
	if i != n {
		r.swap(i, n)
	}
	r.h[n] = nil
	r.h = r.h[:n]
	m.idx = -1
	if i != n {
		if !r.down(i) {
			r.up(i)
		}
	}
}

func (r *readyHeap) swap(i, j int) {
	r.h[i], r.h[j] = r.h[j], r.h[i]
	r.h[i].idx = i
	r.h[j].idx = j
}

func (r *readyHeap) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !r.less(r.h[j], r.h[i]) {
			break
		}
		r.swap(i, j)
		j = i
	}
}

func (r *readyHeap) down(i0 int) bool {
	i, n := i0, len(r.h)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if k := l + 1; k < n && r.less(r.h[k], r.h[l]) {
			j = k
		}
		if !r.less(r.h[j], r.h[i]) {
			break
		}
		r.swap(i, j)
		i = j
	}
	return i > i0
}

type timerKind uint8

const (
	tOffer timerKind = iota
	tWrap
	tCaller
)

// timer entries are never removed early: an entry is stale when its object's
// generation moved on, and is dropped when it reaches the top.
type timer struct {
	at   time.Time
	seq  uint64
	kind timerKind
	gen  uint64
	o    *offer
	a    *agent
	c    *caller
}

type timerHeap []timer

func timerLess(a, b *timer) bool {
	if !a.at.Equal(b.at) {
		return a.at.Before(b.at)
	}
	return a.seq < b.seq
}

func (h *timerHeap) push(t timer) {
	*h = append(*h, t)
	s := *h
	j := len(s) - 1
	for j > 0 {
		i := (j - 1) / 2
		if !timerLess(&s[j], &s[i]) {
			break
		}
		s[i], s[j] = s[j], s[i]
		j = i
	}
}

func (h *timerHeap) pop() timer {
	s := *h
	n := len(s) - 1
	top := s[0]
	s[0] = s[n]
	s[n] = timer{}
	s = s[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && timerLess(&s[r], &s[l]) {
			j = r
		}
		if !timerLess(&s[j], &s[i]) {
			break
		}
		s[i], s[j] = s[j], s[i]
		i = j
	}
	*h = s
	return top
}
