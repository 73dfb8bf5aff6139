package cti

import (
	"sync"
	"time"
)

// Bus is the switch's event bus: every state change is published here once and
// fanned out to subscribers (CTI sockets, webhooks, the store writer, metrics).
//
// Publish never blocks on a subscriber. Each subscription has a bounded queue;
// one that is full when an event arrives is cut off (its channel closed, Err
// set to ErrSlowSubscriber) so a stalled consumer can never stall the switch.
//
// Published events are shared between subscribers and the ring: treat them,
// including Data, as immutable once published.
type Bus struct {
	now func() time.Time

	mu        sync.Mutex
	ring      []Event // circular; ring[(seq-1)%len] holds seq
	seq       uint64  // last assigned
	first     uint64  // the first Seq of this run (WithBusStartSeq)
	journal   func(Event)
	subs      []*Subscription
	observers []observer
	nextObs   uint64
	closed    bool
}

// BusOption configures a Bus.
type BusOption func(*Bus)

// WithBusClock sets the clock that stamps Event.TS (default time.Now).
func WithBusClock(now func() time.Time) BusOption {
	return func(b *Bus) {
		if now != nil {
			b.now = now
		}
	}
}

// WithBusStartSeq makes the first event Seq n+1: event numbers carry on
// from the last run's, so a number never means two events in the history.
func WithBusStartSeq(n uint64) BusOption {
	return func(b *Bus) { b.seq, b.first = n, n+1 }
}

// WithBusJournal has fn see every event first, synchronously and in Seq
// order, before any observer or subscriber: the crash journal, which must
// hold an event before a CTI client can have seen it.
func WithBusJournal(fn func(Event)) BusOption {
	return func(b *Bus) { b.journal = fn }
}

// observer sees every event synchronously, under the bus lock, before any
// subscriber; the CTI server uses it to track which agent owns which call.
type observer struct {
	id uint64
	fn func(Event)
}

// NewBus returns a bus keeping the last ringSize events for resume_from
// (minimum 1).
func NewBus(ringSize int, opts ...BusOption) *Bus {
	if ringSize < 1 {
		ringSize = 1
	}
	b := &Bus{now: time.Now, ring: make([]Event, ringSize), first: 1}
	for _, o := range opts {
		o(b)
	}
	return b
}

// Publish stamps ev with the next sequence number and the bus clock, keeps it
// in the ring and queues it to every matching subscriber. It returns the
// assigned Seq (0 if the bus is closed).
//
// Fan-out happens under the bus lock so that every subscriber sees events in
// Seq order and Subscribe can join replay and live without gap or duplicate;
// each send is a non-blocking channel send, so the lock is held briefly.
func (b *Bus) Publish(ev Event) uint64 {
	ts := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0
	}
	b.seq++
	ev.Seq = b.seq
	ev.TS = ts
	b.ring[(ev.Seq-1)%uint64(len(b.ring))] = ev
	if b.journal != nil {
		b.journal(ev)
	}
	for _, o := range b.observers {
		o.fn(ev)
	}
	cut := false
	for _, s := range b.subs {
		if !s.filter.match(ev) {
			continue
		}
		select {
		case s.ch <- ev:
		default:
			s.endLocked(ErrSlowSubscriber)
			cut = true
		}
	}
	if cut {
		b.compactLocked()
	}
	return ev.Seq
}

// LastSeq returns the Seq of the last published event (0 if none).
func (b *Bus) LastSeq() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seq
}

// Subscribe starts a subscription for events matching f, with a queue of buf
// events (minimum 1). If resumeFrom > 0 the subscription first receives the
// retained events with Seq > resumeFrom, then live events, with no gap and no
// duplicate: replay and registration happen under the same lock Publish holds.
// ErrResumeGap means events after resumeFrom have already left the ring; the
// client should take a snapshot instead. A resumeFrom beyond LastSeq (a bus
// restarted under the client) is also ErrResumeGap.
func (b *Bus) Subscribe(f Filter, buf int, resumeFrom uint64) (*Subscription, error) {
	if buf < 1 {
		buf = 1
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrBusClosed
	}
	var replay []Event
	if resumeFrom > 0 {
		if resumeFrom > b.seq {
			return nil, ErrResumeGap
		}
		size := uint64(len(b.ring))
		oldest := b.first
		if b.seq >= b.first+size {
			oldest = b.seq - size + 1
		}
		if resumeFrom+1 < oldest {
			return nil, ErrResumeGap
		}
		for seq := resumeFrom + 1; seq <= b.seq; seq++ {
			ev := b.ring[(seq-1)%size]
			if f.match(ev) {
				replay = append(replay, ev)
			}
		}
	}
	// The replay is bounded by the ring size, so sizing the queue to hold it
	// keeps the queue bounded while never cutting a client for its own replay.
	s := &Subscription{bus: b, filter: f, ch: make(chan Event, buf+len(replay)), ended: make(chan struct{})}
	for _, ev := range replay {
		s.ch <- ev
	}
	b.subs = append(b.subs, s)
	return s, nil
}

// Close ends every subscription with ErrBusClosed; later Publish calls are
// dropped and Subscribe fails.
func (b *Bus) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	for _, s := range b.subs {
		s.endLocked(ErrBusClosed)
	}
	b.subs = nil
	b.observers = nil
}

// compactLocked drops cut-off subscriptions from the fan-out list.
func (b *Bus) compactLocked() {
	live := b.subs[:0]
	for _, s := range b.subs {
		if !s.done {
			live = append(live, s)
		}
	}
	clear(b.subs[len(live):])
	b.subs = live
}

func (b *Bus) addObserver(fn func(Event)) (remove func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nextObs++
	id := b.nextObs
	b.observers = append(b.observers, observer{id: id, fn: fn})
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for i, o := range b.observers {
			if o.id == id {
				b.observers = append(b.observers[:i], b.observers[i+1:]...)
				return
			}
		}
	}
}

// Filter selects events for a subscription. Within a list any value matches;
// across lists all non-empty lists must match. An empty Filter matches all.
type Filter struct {
	Kinds  []string
	Queues []string
	Agents []string
	Calls  []string
	// Match, when set, must also accept the event. It runs under the bus lock
	// in Seq order (so it may keep state), must be fast and must not call the Bus.
	Match func(Event) bool
}

func (f Filter) match(ev Event) bool {
	if !contains(f.Kinds, ev.Kind) || !contains(f.Queues, ev.Queue) ||
		!contains(f.Agents, ev.AgentID) || !contains(f.Calls, ev.CallID) {
		return false
	}
	return f.Match == nil || f.Match(ev)
}

func contains(list []string, v string) bool {
	if len(list) == 0 {
		return true
	}
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Subscription is one consumer's view of the bus.
type Subscription struct {
	bus    *Bus
	filter Filter
	ch     chan Event
	ended  chan struct{}
	// err and done are guarded by bus.mu.
	err  error
	done bool
}

// C delivers events in Seq order. It is closed when the subscription ends;
// Err then tells why.
func (s *Subscription) C() <-chan Event { return s.ch }

// Close ends the subscription; C is closed and Err returns
// ErrSubscriptionClosed unless it had already been cut off.
func (s *Subscription) Close() {
	b := s.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	if s.done {
		return
	}
	s.endLocked(ErrSubscriptionClosed)
	b.compactLocked()
}

func (s *Subscription) endLocked(err error) {
	s.err = err
	s.done = true
	close(s.ch)
	close(s.ended)
}

// Done is closed as soon as the subscription ends, even while C still holds
// buffered events; a consumer blocked elsewhere can watch it to learn it was
// cut off.
func (s *Subscription) Done() <-chan struct{} { return s.ended }

// Err returns nil while the subscription is live, ErrSlowSubscriber if its
// queue overflowed, ErrBusClosed or ErrSubscriptionClosed otherwise.
func (s *Subscription) Err() error {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	return s.err
}
