package call

import (
	"log/slog"
	"time"

	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/media"
	hsip "github.com/hotline/hotline/sip"
	"github.com/hotline/hotline/sip/sdp"
)

// Agent-to-agent calls: an agent's phone dials a colleague's id (the
// consultation before an attended transfer from the phone). The switch
// rings the colleague and bridges the two. When the phone then transfers
// its customer call with REFER + Replaces naming this call, the colleague's
// leg is handed over to the customer call and this call ends.

// agentCall is one agent-to-agent call; its goroutine owns every field.
type agentCall struct {
	sw     *Switch
	log    *slog.Logger
	id     string
	from   string // the calling agent
	to     string // the called agent
	in     *hsip.InboundLeg
	inMed  *media.Leg
	answer []byte // our SDP answer to the caller, sent once the colleague answers

	out            *hsip.OutboundLeg
	outMed         *media.Leg
	reserved       string // not_ready reason set on the colleague while on this call
	callerReserved bool   // the calling agent was ready: kept from queue calls meanwhile
	bridge         *media.BridgeHandle
	answered       bool
	ended          bool
	inbox          chan any
}

// handOff asks an agent call for its colleague's answered leg.
type handOff struct{ reply chan *sideLeg }

const reasonInternal = "internal"

// newAgentCall admits an INVITE from an agent's phone.
func (sw *Switch) newAgentCall(leg *hsip.InboundLeg) {
	to := leg.DNIS
	if sw.knownAgent(to) != nil || to == leg.Agent {
		leg.Reject(404, "Not Found")
		return
	}
	var st, caller acd.AgentSnapshot
	for _, a := range sw.acd.snapshot().Agents {
		switch a.ID {
		case to:
			st = a
		case leg.Agent:
			caller = a
		}
	}
	reserved := ""
	switch {
	case st.State == acd.Ready:
		reserved = reasonInternal
	case st.State == acd.LoggedOut, st.State == acd.NotReady && !busyReason(st.Reason):
	default:
		leg.Reject(486, "Busy Here")
		return
	}
	answer, ml, err := sw.answerCaller(leg.Offer, leg.Secure())
	if err != nil {
		leg.Reject(hsip.StatusOf(err), "Not Acceptable Here")
		return
	}
	ml.EnableInbandDTMF(false)
	a := &agentCall{sw: sw, id: newCallID(), from: leg.Agent, to: to, in: leg, inMed: ml, answer: answer,
		reserved: reserved, inbox: make(chan any, 64)}
	a.log = sw.log.With("agent_call", a.id)
	out, err := sw.newMediaLeg()
	if err != nil {
		ml.Close()
		leg.Reject(503, "Service Unavailable")
		return
	}
	a.outMed = out
	a.out, err = sw.sip.Dial(hsip.DialRequest{AgentID: to, FromUser: leg.Agent, SDP: sw.offerSDP(out),
		Headers: map[string]string{"X-Hotline-Role": "agent_call"}}, func(ev any) { a.post(legEvent{agent: true, ev: ev}) })
	if err != nil {
		ml.Close()
		out.Close()
		leg.Reject(480, "Temporarily Unavailable")
		return
	}
	if reserved != "" {
		sw.acd.post(acd.AgentNotReady{AgentID: to, Reason: reserved})
	}
	if caller.State == acd.Ready {
		a.callerReserved = true
		sw.acd.post(acd.AgentNotReady{AgentID: leg.Agent, Reason: reasonInternal})
	}
	leg.SetEvents(func(ev any) { a.post(legEvent{ev: ev}) })
	_ = leg.Ringing()
	sw.mu.Lock()
	sw.agentCalls[leg] = a
	sw.wg.Add(1)
	sw.mu.Unlock()
	a.log.Info("agent call", "from", a.from, "to", to)
	go a.run()
}

func (a *agentCall) post(ev any) {
	select {
	case a.inbox <- ev:
	default:
		a.log.Error("call inbox full, event dropped", "event", ev)
	}
}

func (a *agentCall) run() {
	defer func() {
		a.sw.mu.Lock()
		delete(a.sw.agentCalls, a.in)
		a.sw.mu.Unlock()
		a.sw.wg.Done()
	}()
	for !a.ended {
		switch e := (<-a.inbox).(type) {
		case legEvent:
			if e.agent {
				a.onOut(e.ev)
			} else {
				a.onIn(e.ev)
			}
		case handOff:
			e.reply <- a.handOff()
		case shutdownEvent:
			a.end(e.cause)
		}
	}
}

func (a *agentCall) onIn(ev any) {
	switch e := ev.(type) {
	case hsip.EvBye, hsip.EvCancelled:
		a.end("caller_hangup")
	case hsip.EvReInvite:
		a.sw.answerReInvite(e.ReInvite, a.inMed)
	}
}

func (a *agentCall) onOut(ev any) {
	switch e := ev.(type) {
	case hsip.EvFailed:
		a.in.Reject(e.Status, "Not Answered")
		a.out = nil
		a.end("failed")
	case hsip.EvAnswered:
		m, err := sdp.Parse(e.SDP)
		if err != nil {
			a.in.Reject(488, "Not Acceptable Here")
			a.end("bad_sdp")
			return
		}
		a.sw.applyRemote(a.outMed, m)
		if err := a.in.Answer(a.answer); err != nil {
			a.end("caller_gone")
			return
		}
		a.answered = true
		a.bridge = media.Bridge(a.inMed, a.outMed)
		a.log.Info("agent call answered", "from", a.from, "to", a.to)
	case hsip.EvBye:
		a.out = nil
		a.end("callee_hangup")
	case hsip.EvReInvite:
		a.sw.answerReInvite(e.ReInvite, a.outMed)
	}
}

// handOff gives the colleague's answered leg away (nil if not answered)
// and ends this call without touching it.
func (a *agentCall) handOff() *sideLeg {
	if !a.answered || a.out == nil {
		return nil
	}
	if a.bridge != nil {
		a.bridge.Unbridge()
		a.bridge = nil
	}
	s := &sideLeg{role: roleAgent, agentID: a.to, leg: a.out, media: a.outMed, answered: true,
		reserved: a.reserved}
	a.out, a.outMed, a.reserved = nil, nil, ""
	a.end("transferred")
	return s
}

// end hangs up what this call still holds and gives the colleague back.
func (a *agentCall) end(why string) {
	if a.ended {
		return
	}
	a.ended = true
	if a.bridge != nil {
		a.bridge.Unbridge()
	}
	if a.out != nil {
		a.out.Hangup()
	}
	if a.outMed != nil {
		a.outMed.Close()
	}
	a.in.Hangup()
	a.inMed.Close()
	for _, s := range a.sw.acd.snapshot().Agents {
		back := (s.ID == a.to && a.reserved != "") || (s.ID == a.from && a.callerReserved)
		if back && s.State == acd.NotReady && s.Reason == reasonInternal {
			a.sw.acd.post(acd.AgentReady{AgentID: s.ID})
		}
	}
	a.log.Info("agent call ended", "from", a.from, "to", a.to, "why", why)
}

// takeAgentCall finds the agent call a phone's REFER names in Replaces and
// takes its colleague's leg; nil when there is no such answered call of
// that agent.
func (sw *Switch) takeAgentCall(r hsip.Replaces, agent string) *sideLeg {
	leg, ok := sw.sip.InboundByDialog(r)
	if !ok {
		return nil
	}
	sw.mu.Lock()
	a := sw.agentCalls[leg]
	sw.mu.Unlock()
	if a == nil || a.from != agent {
		return nil
	}
	reply := make(chan *sideLeg, 1)
	a.post(handOff{reply})
	select {
	case s := <-reply:
		return s
	case <-time.After(2 * time.Second):
		return nil
	}
}

// attendedByRefer completes an attended transfer the agent's phone asked
// for: the colleague it consulted takes the customer over.
func (c *Call) attendedByRefer(r hsip.EvRefer) {
	if c.side.third != nil {
		r.Reject(491) // a CTI consultation is already running
		return
	}
	s := c.sw.takeAgentCall(*r.Replaces, c.agent.agentID)
	if s == nil {
		c.log.Warn("attended transfer refused: no such consultation", "call_id", r.Replaces.CallID)
		r.Reject(481)
		return
	}
	c.side.seq++
	s.id = sideIDBase + c.side.seq
	id := s.id
	s.leg.SetEvents(func(ev any) { c.post(sideLegEvent{id: id, ev: ev}) })
	s.role = roleThird
	c.side.third = s
	r.Accept()
	c.handOver()
}
