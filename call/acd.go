package call

import (
	"time"

	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/config"
)

// acdActor is the one goroutine that owns the ACD engine, like raft's node
// loop around RawNode: events in through the inbox, time passed in, the
// engine's next deadline armed as a timer, actions sent to call actors.
type acdActor struct {
	sw     *Switch
	engine *acd.Engine
	inbox  chan any
	done   chan struct{}
	exited chan struct{}
}

type (
	reconfigure struct {
		cfg   acd.Config
		reply chan error
	}
	snapshotReq struct{ reply chan acd.Snapshot }
)

func newACDActor(sw *Switch, cfg *config.Config) (*acdActor, error) {
	e, err := acd.New(acdConfig(cfg))
	if err != nil {
		return nil, err
	}
	return &acdActor{sw: sw, engine: e, inbox: make(chan any, 4096), done: make(chan struct{}), exited: make(chan struct{})}, nil
}

func (a *acdActor) post(ev any) {
	select {
	case a.inbox <- ev:
	case <-a.done:
	}
}

func (a *acdActor) stop() {
	select {
	case <-a.done:
	default:
		close(a.done)
		<-a.exited
	}
}

func (a *acdActor) run() {
	defer close(a.exited)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		a.arm(timer)
		select {
		case <-a.done:
			return
		case ev := <-a.inbox:
			switch e := ev.(type) {
			case reconfigure:
				acts := a.engine.Reconfigure(e.cfg)
				var err error
				for _, x := range acts {
					if r, ok := x.(acd.Rejected); ok {
						err = r.Err
					}
				}
				a.execute(acts)
				e.reply <- err
			case snapshotReq:
				e.reply <- a.engine.Snapshot()
			case acd.Event:
				a.execute(a.engine.Step(a.sw.now(), e))
			case []acd.Event:
				for _, x := range e {
					a.execute(a.engine.Step(a.sw.now(), x))
				}
			}
		case <-timer.C:
			a.execute(a.engine.Step(a.sw.now(), acd.Tick{}))
		}
	}
}

func (a *acdActor) arm(t *time.Timer) {
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	if at, ok := a.engine.NextDeadline(); ok {
		t.Reset(max(at.Sub(a.sw.now()), 0))
	}
}

// snapshot asks the actor for the engine's state (CTI, wallboard).
func (a *acdActor) snapshot() acd.Snapshot {
	r := make(chan acd.Snapshot, 1)
	a.post(snapshotReq{r})
	select {
	case s := <-r:
		return s
	case <-a.done:
		return acd.Snapshot{}
	}
}

// execute routes the engine's actions: decisions about a call go to its
// actor, notifications go to the bus with the call's context.
func (a *acdActor) execute(actions []acd.Action) {
	// The engine reuses its action slice on the next Step, and executing an
	// action may step the engine again: work on a copy.
	actions = append([]acd.Action(nil), actions...)
	for _, act := range actions {
		switch x := act.(type) {
		case acd.Offer:
			if !a.sw.toCall(x.CallID, x) {
				// The call has ended; its CallerLeft is still behind in the
				// inbox. Take the caller out now: failing only the offer
				// would leave the caller waiting and offer it again at once,
				// recursing until the stack overflows.
				a.execute(a.engine.Step(a.sw.now(), acd.CallerLeft{CallID: x.CallID}))
			}
		case acd.CancelOffer:
			a.sw.toCall(x.CallID, x)
		case acd.Release:
			if !a.sw.toCall(x.CallID, x) {
				go a.sw.callbackFinished(x.CallID, false, x.Reason) // a stored callback given up
			}
		case acd.Overflow:
			a.sw.toCall(x.CallID, x)
		case acd.Announce:
			a.sw.toCall(x.CallID, x)
		case acd.DialCallback:
			go a.sw.callback(x) // off the ACD goroutine: it writes the call record
		case acd.Rejected:
			a.sw.log.Debug("acd ignored event", "event", x.Event, "reason", x.Err)
			if j, ok := x.Event.(acd.CallerJoined); ok {
				// A caller the ACD would not queue must not wait in music
				// for ever: release it like a full queue.
				a.sw.log.Warn("caller not queued", "call", j.CallID, "queue", j.Queue, "reason", x.Err)
				a.sw.toCall(j.CallID, acd.Release{CallID: j.CallID, Queue: j.Queue, Reason: acd.ExitFull})
			}
		case acd.Notify:
			a.sw.publishACD(x)
		}
	}
}

func acdCallerLeft(id string) acd.Event      { return acd.CallerLeft{CallID: id} }
func acdExitKey(id string, d rune) acd.Event { return acd.ExitKey{CallID: id, Digit: string(d)} }

// A phone that registers is an agent at the desk, logged in and ready; one
// whose registration ends or expires is logged out.
func acdAgentUp(id string) acd.Event   { return acd.AgentLogin{AgentID: id} }
func acdAgentDown(id string) acd.Event { return acd.AgentLogout{AgentID: id} }
