package cti

import "context"

// agentScope says what an agent:<id> token may do with a command.
type agentScope int

const (
	agentDenied    agentScope = iota
	agentAny                  // no target to check (ping, subscribe…)
	agentSelf                 // the "agent" argument must be its own id (defaulted to it)
	agentOwnCall              // the "call" argument must be assigned to it
	agentWrapCall             // assigned to it, or the last call it talked on (wrap-up)
	agentSupervise            // only an agent permitted to supervise, with its own phone as "supervisor_agent"
)

func (s agentScope) String() string {
	switch s {
	case agentAny:
		return "any"
	case agentSelf:
		return "self"
	case agentOwnCall:
		return "own_call"
	case agentWrapCall:
		return "wrap_call"
	case agentSupervise:
		return "supervise"
	default:
		return "denied"
	}
}

// cmdSpec is one command: who may send it, what it needs, what it does.
// Admin may send everything; local commands have no run (the session
// handles them).
type cmdSpec struct {
	crm, supervisor bool
	agent           agentScope
	need            []string
	run             func(ctx context.Context, ctl Controller, c *command) (any, error)
}

var (
	agentCmd = func(f func(Controller, context.Context, AgentArgs) (any, error)) func(context.Context, Controller, *command) (any, error) {
		return func(ctx context.Context, ctl Controller, c *command) (any, error) {
			return f(ctl, ctx, AgentArgs{Agent: c.Agent, Reason: c.Reason})
		}
	}
	callCmd = func(f func(Controller, context.Context, CallArgs) (any, error)) func(context.Context, Controller, *command) (any, error) {
		return func(ctx context.Context, ctl Controller, c *command) (any, error) {
			return f(ctl, ctx, CallArgs{Call: c.Call})
		}
	}
	xferCmd = func(f func(Controller, context.Context, TransferArgs) (any, error)) func(context.Context, Controller, *command) (any, error) {
		return func(ctx context.Context, ctl Controller, c *command) (any, error) {
			return f(ctl, ctx, TransferArgs{Call: c.Call, Target: c.Target})
		}
	}
	superviseCmd = func(f func(Controller, context.Context, SuperviseArgs) (any, error)) func(context.Context, Controller, *command) (any, error) {
		return func(ctx context.Context, ctl Controller, c *command) (any, error) {
			return f(ctl, ctx, SuperviseArgs{Call: c.Call, SupervisorAgent: c.SupervisorAgent})
		}
	}
)

// commands is the protocol's command table (read-only after init).
var commands = map[string]*cmdSpec{
	"login":       {crm: true, supervisor: true, agent: agentAny, need: []string{"token"}},
	"ping":        {crm: true, supervisor: true, agent: agentAny},
	"subscribe":   {crm: true, supervisor: true, agent: agentAny},
	"unsubscribe": {crm: true, supervisor: true, agent: agentAny},
	"snapshot":    {crm: true, supervisor: true, agent: agentSupervise},

	"agent_login":     {supervisor: true, agent: agentSelf, need: []string{"agent"}, run: agentCmd(Controller.AgentLogin)},
	"agent_logout":    {supervisor: true, agent: agentSelf, need: []string{"agent"}, run: agentCmd(Controller.AgentLogout)},
	"agent_ready":     {supervisor: true, agent: agentSelf, need: []string{"agent"}, run: agentCmd(Controller.AgentReady)},
	"agent_not_ready": {supervisor: true, agent: agentSelf, need: []string{"agent"}, run: agentCmd(Controller.AgentNotReady)},
	"wrap_up_done":    {supervisor: true, agent: agentSelf, need: []string{"agent"}, run: agentCmd(Controller.WrapUpDone)},

	"originate": {crm: true, supervisor: true, agent: agentSelf, need: []string{"agent", "number"},
		run: func(ctx context.Context, ctl Controller, c *command) (any, error) {
			return ctl.Originate(ctx, OriginateArgs{Agent: c.Agent, Number: c.Number, CallerID: c.CallerID})
		}},
	"hangup":            {crm: true, supervisor: true, agent: agentOwnCall, need: []string{"call"}, run: callCmd(Controller.Hangup)},
	"hold":              {supervisor: true, agent: agentOwnCall, need: []string{"call"}, run: callCmd(Controller.Hold)},
	"unhold":            {supervisor: true, agent: agentOwnCall, need: []string{"call"}, run: callCmd(Controller.Unhold)},
	"transfer":          {supervisor: true, agent: agentOwnCall, need: []string{"call", "target"}, run: xferCmd(Controller.Transfer)},
	"attended_transfer": {supervisor: true, agent: agentOwnCall, need: []string{"call", "target"}, run: xferCmd(Controller.AttendedTransfer)},
	"transfer_complete": {supervisor: true, agent: agentOwnCall, need: []string{"call"}, run: callCmd(Controller.TransferComplete)},
	"transfer_cancel":   {supervisor: true, agent: agentOwnCall, need: []string{"call"}, run: callCmd(Controller.TransferCancel)},
	"conference":        {supervisor: true, agent: agentOwnCall, need: []string{"call", "target"}, run: xferCmd(Controller.Conference)},

	"attach_data": {crm: true, supervisor: true, agent: agentOwnCall, need: []string{"call", "data"},
		run: func(ctx context.Context, ctl Controller, c *command) (any, error) {
			return ctl.AttachData(ctx, AttachDataArgs{Call: c.Call, Data: c.Data})
		}},
	"set_priority": {crm: true, supervisor: true, need: []string{"call", "priority"},
		run: func(ctx context.Context, ctl Controller, c *command) (any, error) {
			return ctl.SetPriority(ctx, PriorityArgs{Call: c.Call, Priority: *c.Priority})
		}},
	"disposition": {crm: true, supervisor: true, agent: agentWrapCall, need: []string{"call", "code"},
		run: func(ctx context.Context, ctl Controller, c *command) (any, error) {
			return ctl.Disposition(ctx, DispositionArgs{Call: c.Call, Code: c.Code})
		}},

	"listen":  {supervisor: true, agent: agentSupervise, need: []string{"call", "supervisor_agent"}, run: superviseCmd(Controller.Listen)},
	"whisper": {supervisor: true, agent: agentSupervise, need: []string{"call", "supervisor_agent"}, run: superviseCmd(Controller.Whisper)},
	"barge":   {supervisor: true, agent: agentSupervise, need: []string{"call", "supervisor_agent"}, run: superviseCmd(Controller.Barge)},

	// reload re-reads the configuration file (admin only: no role flag).
	"reload": {run: func(ctx context.Context, ctl Controller, c *command) (any, error) {
		r, ok := ctl.(Reloader)
		if !ok {
			return nil, NewError(CodeNotSupported, "this switch cannot reload")
		}
		return r.ReloadConfig(ctx)
	}},
}

// authorize checks p against spec for c. For agent tokens it fills in a
// missing "agent" (or, supervising, "supervisor_agent") argument with the
// agent's own id. supervises says whether an agent is permitted to
// supervise (nil: no agent is).
func authorize(p Principal, spec *cmdSpec, c *command, calls *callTracker, supervises func(agent string) bool) *wireError {
	switch p.Role {
	case RoleAdmin:
		return nil
	case RoleSupervisor:
		if spec.supervisor {
			return nil
		}
	case RoleCRM:
		if spec.crm {
			return nil
		}
	case RoleAgent:
		switch spec.agent {
		case agentAny:
			return nil
		case agentSelf:
			if c.Agent == "" {
				c.Agent = p.Agent
			}
			if c.Agent == p.Agent {
				return nil
			}
			return errf(CodeForbidden, "%s may only act on itself", p)
		case agentOwnCall:
			if calls.owns(p.Agent, c.Call) {
				return nil
			}
			return errf(CodeForbidden, "call %q is not assigned to %s", truncate(c.Call, 64), p)
		case agentWrapCall:
			if calls.owns(p.Agent, c.Call) || calls.lastTalked(p.Agent) == c.Call && c.Call != "" {
				return nil
			}
			return errf(CodeForbidden, "call %q is neither assigned to %s nor its last call", truncate(c.Call, 64), p)
		case agentSupervise:
			if supervises == nil || !supervises(p.Agent) {
				return errf(CodeForbidden, "%s may not send %s: it is not permitted to supervise (its agent entry needs role: supervisor)", p, c.Cmd)
			}
			if c.SupervisorAgent == "" {
				c.SupervisorAgent = p.Agent
			}
			if c.SupervisorAgent == p.Agent {
				return nil
			}
			return errf(CodeForbidden, "%s may supervise only from its own phone", p)
		}
	}
	return errf(CodeForbidden, "role %s may not send %s", p, c.Cmd)
}
