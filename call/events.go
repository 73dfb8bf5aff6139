package call

import (
	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/cti"
)

// publishACD turns an ACD notification into a bus event carrying the call's
// context (ANI, DNIS, trunk, digits, attached data) when it concerns a call.
func (sw *Switch) publishACD(n acd.Notify) {
	e := cti.Event{
		Kind: n.Name, CallID: n.CallID, AgentID: n.AgentID, Queue: n.Queue,
		Priority: n.Priority, Position: n.Position, Wait: n.Wait, Reason: n.Reason,
	}
	if n.Name == acd.EvAgentState {
		e.State, e.FromState = n.To.String(), n.From.String()
	}
	if n.CallID != "" {
		sw.mu.Lock()
		c := sw.calls[n.CallID]
		sw.mu.Unlock()
		if c != nil {
			ctx := c.snapshotContext()
			e.ANI, e.DNIS, e.Trunk, e.Digits, e.Data = ctx.ANI, ctx.DNIS, ctx.Trunk, ctx.Digits, ctx.Data
		}
	}
	sw.publish(e)
	if n.Name == acd.EvAgentState {
		sw.log.Info("agent state", "agent", n.AgentID, "from", n.From.String(), "to", n.To.String(), "reason", n.Reason)
	}
}
