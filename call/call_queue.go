package call

import (
	"context"

	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/media"
	hsip "github.com/hotline/hotline/sip"
	"github.com/hotline/hotline/store"
)

// enqueue hands the caller to the ACD and starts music on hold.
func (c *Call) enqueue(queue string, prio int, skills map[string]int) {
	c.enqueueFor(queue, "", prio, skills)
}

// enqueueFor is enqueue for a call only agent may take ("" for anyone).
func (c *Call) enqueueFor(queue, agent string, prio int, skills map[string]int) {
	c.phase = phaseQueued
	c.queue = queue
	c.prio = prio
	c.queuedAt = c.sw.now()
	// Routing first: the ACD's offer must not wait for the record write,
	// which this actor does before it reads the offer from its inbox.
	c.sw.acd.post(acd.CallerJoined{
		CallID: c.id, Queue: queue, ANI: c.in.ANI, Priority: prio, Skills: skills,
		Data: c.vars, JoinedAt: c.queuedAt, Agent: agent,
	})
	c.playOnCaller(c.sw.mohWAVs(queue), true)
	c.updateRecord(store.CallUpdate{Queue: &c.queue, QueuedAt: &c.queuedAt})
	c.log.Info("queued", "queue", queue, "ani", c.in.ANI, "priority", prio)
}

// onACD executes an ACD decision about this call.
func (c *Call) onACD(a any) {
	switch a := a.(type) {
	case acd.Offer:
		c.ringAgent(a)
	case acd.CancelOffer:
		c.cancelOffer(a.OfferID, a.Reason)
	case acd.Release:
		if c.phase != phaseQueued {
			return
		}
		c.cancelOffers(a.Reason)
		c.stopPlayback()
		disp := "timeout"
		switch a.Reason {
		case acd.ExitNoAgents:
			disp = "no_agents"
		case acd.ExitFull:
			disp = "rejected"
		case acd.ExitKeyPressed:
			if a.Flow != "" {
				c.startFlow(a.Flow)
				return
			}
		}
		c.end("switch", a.Reason, disp)
	case acd.Announce:
		c.announce(a)
	case acd.Overflow:
		if a.ToFlow != "" {
			c.cancelOffers("overflow")
			c.startFlow(a.ToFlow)
		} else if a.ToQueue != "" {
			c.queue = a.ToQueue
		}
	}
}

// ringAgent places the INVITE to the offered agent's phone with our own
// media endpoint, so the agent never sees the carrier's address.
func (c *Call) ringAgent(a acd.Offer) {
	if c.phase != phaseQueued {
		c.sw.acd.post(acd.OfferRejected{OfferID: a.OfferID, Reason: "caller_gone"})
		return
	}
	id := a.OfferID
	ml, peer, offerSDP, err := c.sw.agentMedia(a.AgentID, func(reason string) {
		c.post(legEvent{agent: true, offer: id, ev: agentLost{reason}})
	})
	if err != nil {
		c.log.Error("no media for agent leg", "error", err)
		c.sw.acd.post(acd.OfferRejected{OfferID: a.OfferID, Reason: "no_media"})
		return
	}
	o := &offer{id: a.OfferID, agentID: a.AgentID, queue: a.Queue, media: ml, rtc: peer}
	leg, err := c.sw.sip.Dial(hsip.DialRequest{
		AgentID: a.AgentID, FromUser: c.in.ANI, SDP: offerSDP,
		Headers: map[string]string{"X-Hotline-Call": c.id, "X-Hotline-Queue": a.Queue},
	}, func(ev any) { c.post(legEvent{agent: true, offer: id, ev: ev}) })
	if err != nil {
		ml.Close()
		c.log.Warn("dialling agent failed", "agent", a.AgentID, "error", err)
		c.sw.acd.post(acd.OfferRejected{OfferID: a.OfferID, Reason: "unreachable"})
		return
	}
	o.leg = leg
	c.offers[a.OfferID] = o
	now := c.sw.now()
	c.updateRecord(store.CallUpdate{OfferedAt: &now})
}

func (c *Call) onAgentLeg(offerID uint64, ev any) {
	if c.agent != nil && c.agent.id == offerID {
		switch e := ev.(type) {
		case hsip.EvBye:
			c.agentGone()
		case hsip.EvDTMF:
			_ = e // agent-side digits are not routed to the caller's IVR
		case hsip.EvReInvite:
			answer := c.sw.answerReInvite
			if p := c.agent.rtc; p != nil {
				answer = func(ri *hsip.ReInvite, _ *media.Leg) (bool, bool) { return c.sw.answerBrowserReInvite(ri, p) }
			}
			if hold, ok := answer(e.ReInvite, c.agent.media); ok {
				c.setHold(true, hold)
			}
		case agentLost:
			c.onBrowserMedia(e.reason)
		case hsip.EvRefer:
			c.blindTransfer(e)
		}
		return
	}
	o, ok := c.offers[offerID]
	if !ok {
		return
	}
	if o.target != "" {
		c.onDirectLeg(o, ev)
		return
	}
	switch e := ev.(type) {
	case hsip.EvRinging:
	case hsip.EvFailed:
		delete(c.offers, offerID)
		o.media.Close()
		c.sw.acd.post(acd.OfferRejected{OfferID: offerID, Reason: failReason(e.Status)})
	case hsip.EvAnswered:
		c.connect(o, e.SDP)
	}
}

func failReason(status int) string {
	switch status {
	case 486, 600:
		return "busy"
	case 603:
		return "declined"
	case 487:
		return "cancelled"
	case 408, 480:
		return "no_answer"
	}
	return "unreachable"
}

// connect bridges the caller to the agent who answered.
func (c *Call) connect(o *offer, answer []byte) {
	delete(c.offers, o.id)
	if c.phase != phaseQueued || c.agent != nil {
		o.leg.Hangup()
		o.media.Close()
		return
	}
	if err := c.sw.applyAgentAnswer(o, answer); err != nil {
		c.log.Warn("agent answer SDP unusable", "agent", o.agentID, "error", err)
		o.leg.Hangup()
		o.media.Close()
		c.sw.acd.post(acd.OfferRejected{OfferID: o.id, Reason: "bad_sdp"})
		return
	}
	c.stopPlayback()
	c.cancelOffers("answered_elsewhere")
	c.agent = o
	c.phase = phaseConnected
	c.bridge = media.Bridge(c.caller, o.media)
	c.sw.acd.post(acd.OfferAnswered{OfferID: o.id})
	now := c.sw.now()
	c.answeredAt = now
	c.updateRecord(store.CallUpdate{AnsweredAt: &now, AgentID: &o.agentID})
	c.startRecording()
	c.log.Info("connected", "agent", o.agentID, "queue", c.queue)
}

// agentGone: the agent hung up; the caller is released (or sent to a
// survey flow when one is configured for the queue).
func (c *Call) agentGone() {
	if c.handOver() {
		return // a consulted or conferenced party takes the call over
	}
	c.dropSides("agent_left")
	agent := c.agent.agentID
	c.stopRecording()
	c.sw.acd.post(acd.CallEnded{AgentID: agent, CallID: c.id})
	if c.bridge != nil {
		c.bridge.Unbridge()
		c.bridge = nil
	}
	c.agent.media.Close()
	c.agent = nil
	if flow := c.surveyFlow(); flow != "" {
		c.mergeVars(map[string]string{"agent": agent, "queue": c.queue})
		c.startFlow(flow)
		c.phase = phaseSurvey
		return
	}
	c.end("agent", "normal_clearing", "answered")
}

// hangupAgent ends the connected agent's leg when the caller hangs up.
func (c *Call) hangupAgent() {
	if c.agent == nil {
		return
	}
	c.sw.acd.post(acd.CallEnded{AgentID: c.agent.agentID, CallID: c.id})
}

func (c *Call) cancelOffer(id uint64, reason string) {
	o, ok := c.offers[id]
	if !ok {
		if c.agent != nil && c.agent.id == id {
			// The ACD gave up on an offer the agent answered at the same
			// moment: the ACD is the authority, so put the caller back.
			c.log.Warn("offer cancelled after answer", "agent", c.agent.agentID, "reason", reason)
		}
		return
	}
	delete(c.offers, id)
	o.leg.Hangup()
	o.media.Close()
}

func (c *Call) cancelOffers(reason string) {
	for id := range c.offers {
		c.cancelOffer(id, reason)
	}
}

func mergeInto(dst, src map[string]string) map[string]string {
	if dst == nil {
		dst = map[string]string{}
	}
	for k, v := range src {
		dst[k] = v
	}
	return dst
}

// setHold puts the call on or off hold when one side's re-INVITE says so:
// the other side hears the queue's music, which takes over that leg's
// output; when it stops, the bridge carries the conversation again.
func (c *Call) setHold(byAgent, hold bool) {
	if hold == c.held || c.agent == nil {
		return
	}
	c.held = hold
	target := c.caller
	if !byAgent {
		target = c.agent.media
	}
	by := map[bool]string{true: "agent", false: "caller"}[byAgent]
	if hold {
		c.holdPlay = media.Play(context.Background(), target, c.sw.mohWAVs(c.queue), true)
		c.sw.acd.post(acd.CallHeld{AgentID: c.agent.agentID})
		c.sw.publish(c.event("call.held", func(e *cti.Event) { e.Side = by }))
		c.log.Info("call held", "by", by)
		return
	}
	if c.holdPlay != nil {
		c.holdPlay.Stop()
		c.holdPlay = nil
	}
	c.sw.acd.post(acd.CallUnheld{AgentID: c.agent.agentID})
	c.sw.publish(c.event("call.unheld", func(e *cti.Event) { e.Side = by }))
	c.log.Info("call unheld", "by", by)
}

// blindTransfer moves the caller, with their data, from the agent who sent
// REFER to the queue or IVR flow named by the target (a name, or a number
// routed to one); the agent is released to wrap-up as after any call.
func (c *Call) blindTransfer(r hsip.EvRefer) {
	if r.Replaces != nil {
		c.attendedByRefer(r)
		return
	}
	q := c.sw.transferQueue(r.Target)
	if q == "" {
		if f := c.sw.transferFlow(r.Target); f != "" {
			r.Accept()
			c.transferToFlow(f)
			return
		}
		c.log.Warn("transfer refused: unknown target", "target", r.Target)
		r.Reject(404)
		return
	}
	r.Accept()
	c.transferToQueue(q)
}

// transferToQueue releases the connected agent and queues the caller, with
// their data, in q (a new queue segment).
func (c *Call) transferToQueue(q string) {
	agent := c.releaseForTransfer("queue:" + q)
	c.log.Info("transferred", "from_agent", agent, "to_queue", q)
	c.enqueue(q, c.prio, nil)
}
