package cti

import "context"

// Controller carries CTI commands into the switch; the call layer implements
// it. Every method gets a context bounded by the server's command timeout and
// carrying the caller's Principal (see PrincipalFrom); permissions have already
// been checked. The result is sent back as the response's "data". An error may
// implement Code() string (not_found, invalid_state, not_supported, forbidden…)
// to choose the protocol error code; other errors are reported as "internal".
type Controller interface {
	// Snapshot returns the current state (calls, queues, agents). It must
	// reflect every event already published when it is called; see the
	// snapshot command for how the server pairs it with a seq.
	Snapshot(ctx context.Context) (any, error)

	AgentLogin(ctx context.Context, a AgentArgs) (any, error)
	AgentLogout(ctx context.Context, a AgentArgs) (any, error)
	AgentReady(ctx context.Context, a AgentArgs) (any, error)
	AgentNotReady(ctx context.Context, a AgentArgs) (any, error)
	WrapUpDone(ctx context.Context, a AgentArgs) (any, error)

	Originate(ctx context.Context, a OriginateArgs) (any, error)
	Hangup(ctx context.Context, a CallArgs) (any, error)
	Hold(ctx context.Context, a CallArgs) (any, error)
	Unhold(ctx context.Context, a CallArgs) (any, error)
	Transfer(ctx context.Context, a TransferArgs) (any, error)
	AttendedTransfer(ctx context.Context, a TransferArgs) (any, error)
	TransferComplete(ctx context.Context, a CallArgs) (any, error)
	TransferCancel(ctx context.Context, a CallArgs) (any, error)
	Conference(ctx context.Context, a TransferArgs) (any, error)

	AttachData(ctx context.Context, a AttachDataArgs) (any, error)
	SetPriority(ctx context.Context, a PriorityArgs) (any, error)
	Disposition(ctx context.Context, a DispositionArgs) (any, error)

	Listen(ctx context.Context, a SuperviseArgs) (any, error)
	Whisper(ctx context.Context, a SuperviseArgs) (any, error)
	Barge(ctx context.Context, a SuperviseArgs) (any, error)
}

// AgentArgs: agent_login, agent_logout, agent_ready, agent_not_ready (Reason),
// wrap_up_done.
type AgentArgs struct {
	Agent  string
	Reason string
}

// OriginateArgs: originate — ring Agent, then dial Number presenting CallerID.
type OriginateArgs struct {
	Agent    string
	Number   string
	CallerID string
}

// CallArgs: hangup, hold, unhold, transfer_complete, transfer_cancel.
type CallArgs struct {
	Call string
}

// TransferArgs: transfer (blind), attended_transfer, conference.
type TransferArgs struct {
	Call   string
	Target string
}

// AttachDataArgs: attach_data — merged into the call's attached data.
type AttachDataArgs struct {
	Call string
	Data map[string]string
}

// PriorityArgs: set_priority.
type PriorityArgs struct {
	Call     string
	Priority int
}

// DispositionArgs: disposition (wrap-up code).
type DispositionArgs struct {
	Call string
	Code string
}

// SuperviseArgs: listen, whisper, barge — SupervisorAgent's phone joins Call.
type SuperviseArgs struct {
	Call            string
	SupervisorAgent string
}

type principalKey struct{}

// PrincipalFrom returns the authenticated caller of a Controller method.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

func withPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// Reloader is implemented by controllers that can re-read their
// configuration file; the admin-only reload command uses it.
type Reloader interface {
	ReloadConfig(ctx context.Context) (any, error)
}
