package acd

import "errors"

// Sentinel errors. Configuration errors come back from New/Reconfigure wrapped
// with %w; command errors come back in a Rejected action.
var (
	ErrNoName          = errors.New("acd: queue or agent without a name")
	ErrDuplicateQueue  = errors.New("acd: duplicate queue")
	ErrDuplicateAgent  = errors.New("acd: duplicate agent")
	ErrUnknownStrategy = errors.New("acd: unknown strategy")
	ErrBadSkillLevel   = errors.New("acd: skill level must be 1-10")
	ErrUnknownQueue    = errors.New("acd: unknown queue")
	ErrBadOverflow     = errors.New("acd: overflow rule needs After>0 and at most one of ToQueue/ToFlow")
	ErrUnknownAgent    = errors.New("acd: unknown agent")
	ErrUnknownCall     = errors.New("acd: unknown call")
	ErrDuplicateCall   = errors.New("acd: call already queued")
	ErrNotLoggedIn     = errors.New("acd: agent not logged in")
	ErrAlreadyLoggedIn = errors.New("acd: agent already logged in")
	ErrBadReason       = errors.New("acd: unknown not-ready reason")
	ErrBadTransition   = errors.New("acd: state change not allowed now")
	ErrBadForceState   = errors.New("acd: ForceState accepts logged_out, ready or not_ready")
	ErrUnknownExitKey  = errors.New("acd: digit is not an exit key of the queue")
	ErrNilStrategy     = errors.New("acd: nil strategy")
)
