package call

import (
	"context"

	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/media"
	"github.com/hotline/hotline/store"
)

// Attended transfer and conference from the CTI: the agent consults a
// colleague (an agent id) or an external number (only where a dial rule
// lets that agent dial it) while the caller waits with music; then
// completes (the caller talks to the consulted party, the agent goes to
// wrap-up), cancels (back to the caller) or makes it a conference (all
// three talk). In a conference parties may leave one by one: the third
// party hanging up leaves caller and agent; the agent hanging up hands the
// call to the third party. The agent hanging up during an answered
// consultation completes the transfer, as on a desk phone.

// AttendedTransfer starts a consultation with target.
func (sw *Switch) AttendedTransfer(ctx context.Context, a cti.TransferArgs) (any, error) {
	return sw.withCall(ctx, a.Call, func(c *Call) (any, error) {
		if err := c.canAddThird(); err != nil {
			return nil, err
		}
		s, err := c.dialSide(roleThird, a.Target, reasonConsult)
		if err != nil {
			return nil, err
		}
		c.side.third = s
		c.side.plan.consulting = true
		// Park the caller on the mixer, with music, before the consulted
		// party can answer: they must never hear the consultation.
		if err := c.ensureMix(); err != nil {
			c.side.third = nil
			c.side.plan.consulting = false
			c.releaseSide(s)
			return nil, err
		}
		if !c.held {
			c.setHold(true, true)
		}
		c.log.Info("consulting", "agent", c.agent.agentID, "target", s.who())
		c.publishThird(cti.KindCallConsult, s, "ringing")
		return map[string]string{"call": a.Call, "target": s.who(), "state": "ringing"}, nil
	})
}

// TransferComplete hands the caller to the consulted party.
func (sw *Switch) TransferComplete(ctx context.Context, a cti.CallArgs) (any, error) {
	return sw.withCall(ctx, a.Call, func(c *Call) (any, error) {
		s := c.side.third
		if s == nil || !c.side.plan.consulting || c.agent == nil {
			return nil, cti.NewError("invalid_state", "no consultation in progress")
		}
		if !s.answered {
			return nil, cti.NewError("invalid_state", "the consulted party has not answered")
		}
		from := c.agent.agentID
		c.handOver()
		return map[string]string{"call": a.Call, "from": from, "to": s.who()}, nil
	})
}

// TransferCancel hangs up the consulted party and takes the caller back.
func (sw *Switch) TransferCancel(ctx context.Context, a cti.CallArgs) (any, error) {
	return sw.withCall(ctx, a.Call, func(c *Call) (any, error) {
		s := c.side.third
		if s == nil || !c.side.plan.consulting {
			return nil, cti.NewError("invalid_state", "no consultation in progress")
		}
		c.sideGone(s, "cancelled")
		return map[string]string{"call": a.Call, "state": "cancelled"}, nil
	})
}

// Conference joins the consulted party with the caller and the agent; with
// no consultation in progress it dials target straight into the call.
func (sw *Switch) Conference(ctx context.Context, a cti.TransferArgs) (any, error) {
	return sw.withCall(ctx, a.Call, func(c *Call) (any, error) {
		if s := c.side.third; s != nil && c.side.plan.consulting {
			if !s.answered {
				return nil, cti.NewError("invalid_state", "the consulted party has not answered")
			}
			c.side.plan.consulting, c.side.plan.conference = false, true
			c.applyMix()
			if c.held {
				c.setHold(true, false)
			}
			c.log.Info("conference", "agent", c.agent.agentID, "third", s.who())
			c.publishThird(cti.KindCallConference, s, "joined")
			return map[string]string{"call": a.Call, "third": s.who(), "state": "joined"}, nil
		}
		if err := c.canAddThird(); err != nil {
			return nil, err
		}
		s, err := c.dialSide(roleThird, a.Target, reasonConsult)
		if err != nil {
			return nil, err
		}
		c.side.third = s
		c.side.plan.conference = true
		c.publishThird(cti.KindCallConference, s, "ringing")
		return map[string]string{"call": a.Call, "third": s.who(), "state": "ringing"}, nil
	})
}

func (c *Call) canAddThird() error {
	if c.phase != phaseConnected || c.agent == nil {
		return cti.NewError("invalid_state", "call is not connected to an agent")
	}
	if c.side.third != nil {
		return cti.NewError("invalid_state", "a third party is already on the call")
	}
	return nil
}

func (c *Call) thirdAnswered() {
	s := c.side.third
	if c.side.plan.conference {
		c.log.Info("conference", "agent", c.agent.agentID, "third", s.who())
		c.publishThird(cti.KindCallConference, s, "joined")
		return
	}
	c.log.Info("consultation answered", "agent", c.agent.agentID, "target", s.who())
	c.publishThird(cti.KindCallConsult, s, "answered")
}

func (c *Call) thirdEnded(s *sideLeg, why string) {
	kind := cti.KindCallConsult
	if c.side.plan.conference {
		kind = cti.KindCallConference
	}
	c.side.plan.consulting, c.side.plan.conference = false, false
	if c.held && c.phase == phaseConnected {
		c.setHold(true, false) // back to the agent
	}
	c.log.Info("third party left", "third", s.who(), "why", why)
	state := "failed:" + why
	switch why {
	case "cancelled":
		state = "cancelled"
	case "hangup":
		state = "left"
	case "call_ended":
		state = "ended" // the caller hung up, or the switch ended the call
	}
	c.publishThird(kind, s, state)
}

// handOver completes a transfer: the third party becomes the call's agent,
// the agent is released to wrap-up. It reports false when there is nobody
// to hand over to.
func (c *Call) handOver() bool {
	s := c.side.third
	if s == nil || !s.answered || c.agent == nil {
		return false
	}
	old := c.agent
	if c.held {
		c.setHold(true, false)
	}
	c.side.plan.consulting, c.side.plan.conference = false, false
	c.side.third = nil
	if c.rec != nil {
		old.media.SetTap(nil)
		s.media.SetTap(c.rec.Channel(1))
	}
	if c.bridge != nil {
		c.bridge.Unbridge()
		c.bridge = nil
	}
	c.removeMember(old.media)
	c.sw.acd.post(acd.CallEnded{AgentID: old.agentID, CallID: c.id})
	old.leg.Hangup()
	old.media.Close()
	c.agent = &offer{id: s.id, agentID: s.agentID, queue: c.queue, leg: s.leg, media: s.media, rtc: s.rtc}
	c.side.promoted = append(c.side.promoted, s)
	c.setRole(s.media, roleAgent)
	to := s.who()
	if s.agentID != "" {
		c.updateRecord(store.CallUpdate{AgentID: &to})
	} else {
		// An external number is no agent: the record keeps the agent who
		// transferred, and notes where the call went.
		c.mergeVars(map[string]string{"transferred_to": to})
		c.updateRecord(storeUpdateData(c.vars))
	}
	c.sw.publish(c.event(cti.KindCallTransferred, func(e *cti.Event) {
		e.Reason, e.Side = "attended", "from:"+old.agentID
	}))
	c.log.Info("transferred", "from_agent", old.agentID, "to", to, "how", "attended")
	if c.side.mix == nil {
		c.bridge = media.Bridge(c.caller, c.agent.media)
	}
	c.applyMix()
	c.settleMix()
	return true
}

func (c *Call) publishThird(kind string, s *sideLeg, state string) {
	c.sw.publish(c.event(kind, func(e *cti.Event) { e.State, e.Reason = state, s.who() }))
}
