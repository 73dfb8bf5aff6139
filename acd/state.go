package acd

// AgentState is an agent's routing state (metrics.md names them).
type AgentState uint8

const (
	LoggedOut AgentState = iota
	Ready
	NotReady
	Reserved // ringing: one live offer
	Talking
	Held
	WrapUp
)

var agentStateNames = [...]string{"logged_out", "ready", "not_ready", "reserved", "talking", "held", "wrap_up"}

func (s AgentState) String() string {
	if int(s) < len(agentStateNames) {
		return agentStateNames[s]
	}
	return "unknown"
}

// ParseAgentState is the inverse of String.
func ParseAgentState(s string) (AgentState, bool) {
	for i, n := range agentStateNames {
		if n == s {
			return AgentState(i), true
		}
	}
	return 0, false
}

// ReasonNoAnswer is the system's not-ready reason after ring-no-answer.
const ReasonNoAnswer = "no_answer"

// Release and exit reasons (queue.exited).
const (
	ExitTimeout        = "timeout"
	ExitFull           = "full"
	ExitNoAgents       = "no_agents"
	ExitKeyPressed     = "exit_key"
	ExitOverflow       = "overflow"
	ExitCallbackFailed = "callback_failed"
)

// CancelOffer reasons.
const (
	CancelRingTimeout   = "ring_timeout"
	CancelCallerLeft    = "caller_left"
	CancelAnsweredElse  = "answered_elsewhere"
	CancelAgentLogout   = "agent_logout"
	CancelAgentNotReady = "agent_not_ready"
	CancelForced        = "forced"
	CancelCallerGone    = "caller_removed" // released, overflowed or turned into a ticket
)

// callerState is where a queued caller is.
type callerState uint8

const (
	callerWaiting callerState = iota
	callerOffered
)

func (s callerState) String() string {
	switch s {
	case callerWaiting:
		return "waiting"
	case callerOffered:
		return "offered"
	}
	return "unknown"
}
