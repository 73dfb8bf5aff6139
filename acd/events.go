package acd

import "time"

// Event is an input to Engine.Step. The set is closed.
type Event interface{ isEvent() }

type (
	// CallerJoined queues a call. JoinedAt keeps the original arrival across
	// overflow and transfer; zero means now.
	CallerJoined struct {
		CallID, Queue, ANI string
		Priority           int            // higher is served first
		Skills             map[string]int // raises or adds requirements for this caller
		Data               map[string]string
		JoinedAt           time.Time
		// Agent, when set, is the only agent who may take the call (an IVR
		// transfer to a person). With Queue empty the call waits in the
		// agent's first queue by name, so it still counts in a queue's
		// statistics.
		Agent string
		// Callback, when set, makes the call a callback ticket for that
		// number from the start (a callback asked for in the IVR).
		Callback string
	}
	// CallerLeft: the caller hung up. Ignored for callback tickets.
	CallerLeft  struct{ CallID string }
	SetPriority struct {
		CallID   string
		Priority int
	}
	ExitKey           struct{ CallID, Digit string }
	CallbackRequested struct{ CallID, Number string }

	AgentLogin    struct{ AgentID, Reason string } // empty Reason logs in ready
	AgentLogout   struct{ AgentID string }
	AgentReady    struct{ AgentID string }
	AgentNotReady struct{ AgentID, Reason string }
	// ForceState is a supervisor override; it ends an offer or call in progress.
	ForceState struct {
		AgentID string
		State   AgentState // LoggedOut, Ready or NotReady
		Reason  string
	}

	OfferAnswered struct{ OfferID uint64 }
	// OfferRejected: the agent's leg refused (486/603/unreachable); counts as a miss.
	OfferRejected struct {
		OfferID uint64
		Reason  string
	}
	// OfferFailed: the offer could not be placed for a reason that is not the
	// agent's (internal error); no miss, the caller goes back to the queue.
	OfferFailed struct {
		OfferID uint64
		Reason  string
	}
	CallHeld   struct{ AgentID string }
	CallUnheld struct{ AgentID string }
	// CallEnded: the agent's call finished; empty CallID matches any.
	CallEnded  struct{ AgentID, CallID string }
	WrapUpDone struct{ AgentID string }
	// Tick only fires due timers.
	Tick struct{}
)

func (CallerJoined) isEvent()      {}
func (CallerLeft) isEvent()        {}
func (SetPriority) isEvent()       {}
func (ExitKey) isEvent()           {}
func (CallbackRequested) isEvent() {}
func (AgentLogin) isEvent()        {}
func (AgentLogout) isEvent()       {}
func (AgentReady) isEvent()        {}
func (AgentNotReady) isEvent()     {}
func (ForceState) isEvent()        {}
func (OfferAnswered) isEvent()     {}
func (OfferRejected) isEvent()     {}
func (OfferFailed) isEvent()       {}
func (CallHeld) isEvent()          {}
func (CallUnheld) isEvent()        {}
func (CallEnded) isEvent()         {}
func (WrapUpDone) isEvent()        {}
func (Tick) isEvent()              {}
