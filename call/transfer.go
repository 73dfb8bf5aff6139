package call

import (
	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/cti"
)

// Blind transfers leave the agent at once: to a queue (transferToQueue) or
// back into an IVR flow (a survey, a self-service menu), the caller's data
// travelling along.

// transferFlow resolves a transfer target naming an IVR flow: the flow's
// name, or a number a trunk routes to a flow; "" when neither.
func (sw *Switch) transferFlow(target string) string {
	cfg := sw.cfg()
	if cfg.Flows[target] != nil {
		return target
	}
	for _, t := range cfg.Trunks {
		for _, r := range t.Routes {
			if r.Number == target && r.Flow != "" {
				return r.Flow
			}
		}
	}
	return ""
}

// transferToFlow releases the connected agent and runs flow for the caller.
func (c *Call) transferToFlow(flow string) {
	agent := c.releaseForTransfer("flow:" + flow)
	c.log.Info("transferred", "from_agent", agent, "to_flow", flow)
	c.startFlow(flow)
}

// releaseForTransfer ends the agent's part of the call (wrap-up), stops its
// recording and media, publishes call.transferred with reason, and
// returns the agent's id.
func (c *Call) releaseForTransfer(reason string) string {
	c.dropSides("transferred")
	agent := c.agent.agentID
	c.stopRecording()
	if c.holdPlay != nil {
		c.holdPlay.Stop()
		c.holdPlay = nil
	}
	c.held = false
	if c.bridge != nil {
		c.bridge.Unbridge()
		c.bridge = nil
	}
	c.sw.acd.post(acd.CallEnded{AgentID: agent, CallID: c.id})
	c.agent.leg.Hangup()
	c.agent.media.Close()
	c.agent = nil
	c.sw.publish(c.event(cti.KindCallTransferred, func(e *cti.Event) { e.AgentID, e.Reason = agent, reason }))
	return agent
}
