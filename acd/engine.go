package acd

import (
	"math/rand/v2"
	"time"
)

// Engine is the ACD state machine. It is not safe for concurrent use: one
// goroutine owns it.
type Engine struct {
	cc      *compiled
	rng     *rand.Rand
	skills  map[string]int
	extra   map[string]Strategy
	queues  map[string]*queue
	qorder  []*queue
	agents  map[string]*agent
	aorder  []*agent
	callers map[string]*caller
	offers  map[uint64]*offer

	timers   timerHeap
	timerSeq uint64
	offerSeq uint64
	joinSeq  uint64
	now      time.Time
	out      []Action
	freed    []*agent // agents to return to ready once the current change is done
	scratch  []*member
}

type queue struct {
	*queueCfg
	order   int
	waiting callerHeap
	ready   readyHeap
	count   int // callers in this queue, waiting or ringing
	members int // member agents logged in
	staffed int // member agents logged in and not not_ready
	handle  []time.Duration
	hNext   int
	retired bool // removed by Reconfigure, kept until its callers are gone
}

type agent struct {
	id      string
	order   int
	skills  []req
	state   AgentState
	reason  string
	since   time.Time
	members []*member
	offer   *offer
	callID  string
	callQ   *queue
	talkAt  time.Time
	misses  int
	pending string // not-ready reason requested during a call
	retired bool
	gen     uint64 // wrap-up timer generation

	idleSince time.Time
	lastOffer uint64
	calls     int
	talk      time.Duration
}

type member struct {
	a    *agent
	q    *queue
	idx  int
	cand Candidate
}

type caller struct {
	id, ani  string
	q        *queue
	prio     int
	joinedAt time.Time // original arrival: FCFS and overflow
	entered  time.Time // this queue segment: max wait, announcements
	seq      uint64
	idx      int
	state    callerState
	ticket   bool
	number   string
	attempts int
	offers   []*offer
	own      []req // CallerJoined.Skills
	reqs     []req // current requirement
	steps    int   // overflow rules applied in this queue
	hops     int
	announce time.Time
	data     map[string]string
	gen      uint64
	target   string // CallerJoined.Agent
}

type offer struct {
	id       uint64
	c        *caller
	a        *agent
	q        *queue
	callback bool
	live     bool
}

// maxHops stops overflow loops between queues.
const maxHops = 16

// New builds an engine; every agent starts logged out.
func New(cfg Config) (*Engine, error) {
	e := &Engine{
		skills:  map[string]int{},
		extra:   map[string]Strategy{},
		queues:  map[string]*queue{},
		agents:  map[string]*agent{},
		callers: map[string]*caller{},
		offers:  map[uint64]*offer{},
	}
	cc, err := e.compile(cfg)
	if err != nil {
		return nil, err
	}
	e.rng = cfg.Rand
	if e.rng == nil {
		e.rng = rand.New(rand.NewPCG(0x686f746c, 0x696e65))
	}
	e.install(cc)
	e.out = e.out[:0]
	return e, nil
}

// Step applies one event at time now and returns what the call layer must do.
// The returned slice is reused by the next Step or Reconfigure.
func (e *Engine) Step(now time.Time, ev Event) []Action {
	e.out = e.out[:0]
	if now.After(e.now) {
		e.now = now
	}
	e.fire()
	switch ev := ev.(type) {
	case CallerJoined:
		e.join(ev)
	case CallerLeft:
		e.left(ev)
	case SetPriority:
		e.setPriority(ev)
	case ExitKey:
		e.exitKey(ev)
	case CallbackRequested:
		e.callback(ev)
	case AgentLogin:
		e.login(ev)
	case AgentLogout:
		e.logout(ev)
	case AgentReady:
		e.ready(ev)
	case AgentNotReady:
		e.notReady(ev)
	case ForceState:
		e.force(ev)
	case OfferAnswered:
		e.answered(ev.OfferID)
	case OfferRejected:
		if o := e.offers[ev.OfferID]; o != nil {
			e.endOffer(o, false, !o.callback && !o.q.ringAll, ev.Reason)
		}
	case OfferFailed:
		if o := e.offers[ev.OfferID]; o != nil {
			e.endOffer(o, false, false, "")
		}
	case CallHeld:
		if a := e.agents[ev.AgentID]; a != nil && a.state == Talking {
			e.setState(a, Held, "")
		}
	case CallUnheld:
		if a := e.agents[ev.AgentID]; a != nil && a.state == Held {
			e.setState(a, Talking, "")
		}
	case CallEnded:
		e.callEnded(ev)
	case WrapUpDone:
		if a := e.agents[ev.AgentID]; a != nil && a.state == WrapUp {
			e.afterWork(a)
		}
	case Tick, nil:
	}
	e.flushFreed()
	e.fire() // timers the event armed in the past (an overflow rule already due)
	return e.out[:len(e.out):len(e.out)]
}

// NextDeadline is the earliest pending timer; the owner calls Step(t, Tick{})
// at or after it.
func (e *Engine) NextDeadline() (time.Time, bool) {
	for len(e.timers) > 0 {
		if e.timerLive(&e.timers[0]) {
			return e.timers[0].at, true
		}
		e.timers.pop()
	}
	return time.Time{}, false
}

func (e *Engine) emit(a Action) { e.out = append(e.out, a) }

func (e *Engine) reject(ev Event, err error) { e.emit(Rejected{Event: ev, Err: err}) }

func (e *Engine) arm(t timer) {
	e.timerSeq++
	t.seq = e.timerSeq
	e.timers.push(t)
	// Stale entries pile up under churn; rebuild when they dominate.
	if n := len(e.timers); n > 1024 && n > 4*(len(e.callers)+len(e.offers)+len(e.aorder)) {
		live := e.timers[:0]
		for _, t := range e.timers {
			if e.timerLive(&t) {
				live = append(live, t)
			}
		}
		for i := len(live); i < len(e.timers); i++ {
			e.timers[i] = timer{}
		}
		e.timers = timerHeap{}
		for _, t := range live {
			e.timers.push(t)
		}
	}
}

func (e *Engine) timerLive(t *timer) bool {
	switch t.kind {
	case tOffer:
		return t.o.live
	case tWrap:
		return t.a.state == WrapUp && t.a.gen == t.gen && e.agents[t.a.id] == t.a
	case tCaller:
		return t.c.gen == t.gen && e.callers[t.c.id] == t.c
	}
	return false
}

// fire runs every timer due at e.now, including ones armed while firing.
func (e *Engine) fire() {
	for len(e.timers) > 0 && !e.timers[0].at.After(e.now) {
		t := e.timers.pop()
		if !e.timerLive(&t) {
			continue
		}
		switch t.kind {
		case tOffer:
			e.emit(CancelOffer{OfferID: t.o.id, CallID: t.o.c.id, AgentID: t.o.a.id, Reason: CancelRingTimeout})
			e.endOffer(t.o, false, !t.o.callback && !t.o.q.ringAll, CancelRingTimeout)
		case tWrap:
			e.afterWork(t.a)
		case tCaller:
			e.callerTimer(t.c)
		}
		e.flushFreed()
	}
}
