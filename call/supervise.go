package call

import (
	"context"

	"github.com/hotline/hotline/cti"
)

// Supervisor listen, whisper and barge: the supervisor's phone (registered
// like an agent's, by agent id: a SIP phone, or the agent desktop's WebRTC
// softphone) is dialled into a connected call and mixed in; the same
// command with another mode switches it mid-call. The supervisor hanging
// up leaves the call as it was. Over an agent's own login (the desktop's
// session or an agent:<id> token) only an agent with role: supervisor may
// supervise, and only with its own phone.

// agentSupervises reports whether the configuration lets agent id
// supervise.
func (sw *Switch) agentSupervises(id string) bool {
	for _, a := range sw.cfg().Agents {
		if a.ID == id {
			return a.Supervises()
		}
	}
	return false
}

func (sw *Switch) Listen(ctx context.Context, a cti.SuperviseArgs) (any, error) {
	return sw.supervise(ctx, a, modeListen)
}

func (sw *Switch) Whisper(ctx context.Context, a cti.SuperviseArgs) (any, error) {
	return sw.supervise(ctx, a, modeWhisper)
}

func (sw *Switch) Barge(ctx context.Context, a cti.SuperviseArgs) (any, error) {
	return sw.supervise(ctx, a, modeBarge)
}

func (sw *Switch) supervise(ctx context.Context, a cti.SuperviseArgs, mode superviseMode) (any, error) {
	if err := sw.knownAgent(a.SupervisorAgent); err != nil {
		return nil, err
	}
	if p, ok := cti.PrincipalFrom(ctx); ok && p.Role == cti.RoleAgent &&
		(p.Agent != a.SupervisorAgent || !sw.agentSupervises(p.Agent)) {
		// The CTI refuses these already; the switch does not rely on it.
		return nil, cti.NewError(cti.CodeForbidden, p.String()+" may not supervise with agent "+a.SupervisorAgent+"'s phone")
	}
	return sw.withCall(ctx, a.Call, func(c *Call) (any, error) {
		if c.phase != phaseConnected || c.agent == nil {
			return nil, cti.NewError("invalid_state", "call is not connected to an agent")
		}
		res := map[string]string{"call": a.Call, "supervisor": a.SupervisorAgent, "mode": mode.String()}
		if s := c.side.sup; s != nil {
			if s.agentID != a.SupervisorAgent {
				return nil, cti.NewError("invalid_state", "call is already supervised by "+s.agentID)
			}
			c.side.plan.mode = mode
			if s.answered {
				c.applyMix()
				c.publishSupervised(s, mode.String())
				res["state"] = "joined"
			} else {
				res["state"] = "ringing"
			}
			return res, nil
		}
		s, err := c.dialSide(roleSupervisor, a.SupervisorAgent, reasonSupervising)
		if err != nil {
			return nil, err
		}
		c.side.sup = s
		c.side.plan.mode = mode
		c.log.Info("supervisor ringing", "supervisor", s.agentID, "mode", mode)
		res["state"] = "ringing"
		return res, nil
	})
}

func (c *Call) supAnswered() {
	s := c.side.sup
	c.log.Info("supervisor joined", "supervisor", s.agentID, "mode", c.side.plan.mode)
	c.publishSupervised(s, c.side.plan.mode.String())
}

func (c *Call) supEnded(s *sideLeg, why string) {
	c.log.Info("supervisor left", "supervisor", s.agentID, "why", why)
	c.side.plan.mode = modeListen
	c.publishSupervised(s, "ended")
}

// publishSupervised: call.supervised with the mode (or "ended") in state
// and the supervisor's agent id in reason.
func (c *Call) publishSupervised(s *sideLeg, state string) {
	c.sw.publish(c.event(cti.KindCallSupervised, func(e *cti.Event) { e.State, e.Reason = state, s.agentID }))
}
