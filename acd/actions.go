package acd

import "time"

// Action is an output of Step/Reconfigure for the call layer. The set is closed.
type Action interface{ isAction() }

type (
	// Offer: ring AgentID with CallID; answer/refusal come back by OfferID.
	Offer struct {
		OfferID         uint64
		CallID, AgentID string
		Queue, ANI      string
		RingTimeout     time.Duration
		Data            map[string]string
	}
	// CancelOffer: stop ringing the agent (the engine already freed it).
	CancelOffer struct {
		OfferID         uint64
		CallID, AgentID string
		Reason          string
	}
	// Release: the caller leaves the ACD (Reason is an Exit* constant);
	// Flow is the IVR flow for exit_key.
	Release struct {
		CallID, Queue, Reason, Flow string
	}
	// Overflow: the caller moved to ToQueue (already queued there by the
	// engine) or must be handed to the IVR flow ToFlow (gone from the ACD).
	Overflow struct {
		CallID, FromQueue, ToQueue, ToFlow string
	}
	// Announce position (1-based) and expected wait to a waiting caller.
	Announce struct {
		CallID   string
		Position int
		EWT      time.Duration
	}
	// DialCallback: AgentID is reserved for ticket CallID; dial Number and
	// report OfferAnswered/OfferRejected/OfferFailed with OfferID.
	DialCallback struct {
		OfferID                 uint64
		CallID, Number, AgentID string
		Queue                   string
		RingTimeout             time.Duration
	}
	// Rejected: an event could not be applied; nothing changed.
	Rejected struct {
		Event Event
		Err   error
	}
	// Notify is a domain event for CTI, reports and metrics.
	Notify struct {
		Name            string // see the Ev* constants
		CallID, AgentID string
		Queue           string
		Priority        int
		Position        int
		Wait            time.Duration // queue wait, or talk time for agent.completed
		Reason          string
		From, To        AgentState // agent.state
	}
)

// Notify names.
const (
	EvQueueJoined    = "queue.joined"
	EvQueuePosition  = "queue.position"
	EvQueueAbandoned = "queue.abandoned"
	EvQueueExited    = "queue.exited"
	EvQueueCallback  = "queue.callback"
	EvAgentOffered   = "agent.offered"
	EvAgentConnected = "agent.connected"
	EvAgentRNA       = "agent.ring_no_answer"
	EvAgentCompleted = "agent.completed"
	EvAgentState     = "agent.state"
)

func (Offer) isAction()        {}
func (CancelOffer) isAction()  {}
func (Release) isAction()      {}
func (Overflow) isAction()     {}
func (Announce) isAction()     {}
func (DialCallback) isAction() {}
func (Rejected) isAction()     {}
func (Notify) isAction()       {}
