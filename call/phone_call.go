package call

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/config"
	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/media"
	hsip "github.com/hotline/hotline/sip"
	"github.com/hotline/hotline/sip/sdp"
	"github.com/hotline/hotline/store"
)

// phoneCall is a call an agent dials from their own phone: to an extension,
// or to an outside number where a dial rule lets that agent call it (the
// toll-fraud guard). Like a click-to-call, the agent is kept out of queue
// routing while it lasts. One goroutine (run) owns it.
type phoneCall struct {
	sw      *Switch
	log     *slog.Logger
	id      string
	agent   string
	num     string
	trunk   string
	in      *hsip.InboundLeg // the agent's INVITE
	answer  []byte           // our SDP answer to it, sent when the far end answers
	inMedia *media.Leg
	out     *hsip.OutboundLeg
	outMed  *media.Leg
	outKey  *sdp.Crypto // our SRTP key towards a carrier over TLS
	bridge  *media.BridgeHandle
	release func()
	prev    acd.AgentSnapshot
	inbox   chan any

	answered, ended bool
}

// agentDial admits an INVITE from an agent's phone.
func (sw *Switch) agentDial(leg *hsip.InboundLeg) {
	cfg := sw.cfg()
	agent, num := leg.Agent, leg.DNIS
	internal := slices.ContainsFunc(cfg.Extensions, func(e config.Extension) bool { return e.Number == num })
	release := func() {}
	var trunk config.Trunk
	if !internal {
		var err error
		release, trunk, err = sw.allowDial(cfg, agent, "", num)
		if err != nil {
			sw.log.Warn("outbound call refused", "agent", agent, "number", num, "reason", err.Error(), "from", "phone")
			sw.publish(cti.Event{Kind: cti.KindSecurityDenied, AgentID: agent, DNIS: num, Reason: err.Error()})
			leg.Reject(403, "Forbidden")
			return
		}
	}
	prev := sw.agentSnapshot(agent)
	if prev.State != acd.Ready && prev.State != acd.NotReady {
		release()
		leg.Reject(486, "Busy Here")
		return
	}
	answer, ml, err := sw.answerCaller(leg.Offer, leg.Secure())
	if err != nil {
		release()
		leg.Reject(hsip.StatusOf(err), "Not Acceptable Here")
		return
	}
	p := &phoneCall{sw: sw, id: newCallID(), agent: agent, num: num, trunk: trunk.Name, in: leg, answer: answer,
		inMedia: ml, release: release, prev: prev, inbox: make(chan any, 64)}
	p.log = sw.log.With("call", p.id, "direction", "outbound", "agent", agent)
	ani := agent
	if trunk.Outbound != nil {
		ani = trunk.Outbound.CallerID
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	err = sw.store.CreateCall(ctx, store.Call{ID: p.id, SIPCallID: leg.SIPCallID, ANI: ani, DNIS: num, Trunk: trunk.Name,
		Flow: "phone", AgentID: agent, ArrivedAt: sw.now(), Data: map[string]string{"direction": "outbound"}})
	cancel()
	if err != nil {
		ml.Close()
		release()
		leg.Reject(503, "Service Unavailable")
		return
	}
	sw.acd.post(acd.AgentNotReady{AgentID: agent, Reason: "outbound"})
	leg.SetEvents(func(ev any) { p.post(legEvent{agent: true, ev: ev}) })
	sw.mu.Lock()
	sw.wg.Add(1)
	sw.phones[p.id] = p
	sw.mu.Unlock()
	sw.publish(cti.Event{Kind: "call.originated", CallID: p.id, AgentID: agent, DNIS: num, Trunk: trunk.Name, Reason: "phone"})
	p.log.Info("agent dialling", "number", num, "trunk", trunk.Name, "internal", internal)
	go p.run(trunk, internal)
}

func (sw *Switch) agentSnapshot(id string) acd.AgentSnapshot {
	for _, ag := range sw.acd.snapshot().Agents {
		if ag.ID == id {
			return ag
		}
	}
	return acd.AgentSnapshot{}
}

func (p *phoneCall) post(ev any) {
	select {
	case p.inbox <- ev:
	default:
		p.log.Error("call inbox full, event dropped", "event", ev)
	}
}

func (p *phoneCall) run(trunk config.Trunk, internal bool) {
	defer func() {
		p.sw.mu.Lock()
		delete(p.sw.phones, p.id)
		p.sw.mu.Unlock()
		p.sw.wg.Done()
	}()
	ml, err := p.sw.newMediaLeg()
	if err != nil {
		p.end("switch", "no_media", 503)
		return
	}
	p.outMed = ml
	events := func(ev any) { p.post(legEvent{ev: ev}) }
	if internal {
		p.out, err = p.sw.sip.Dial(hsip.DialRequest{AgentID: p.num, FromUser: p.agent, SDP: p.sw.offerSDP(ml)}, events)
	} else {
		o := trunk.Outbound
		var offer []byte
		if offer, p.outKey, err = p.sw.trunkOffer(ml, o.Transport); err == nil {
			p.out, err = p.sw.sip.DialTrunk(hsip.TrunkDial{Addr: o.Addr, Transport: o.Transport, Number: p.num,
				CallerID: o.CallerID, SDP: offer}, events)
		}
	}
	if err != nil {
		p.end("switch", "unreachable", 480)
		return
	}
	for !p.ended {
		switch e := (<-p.inbox).(type) {
		case legEvent:
			p.onLeg(e.agent, e.ev)
		case shutdownEvent:
			p.end("switch", e.cause, 503)
		}
	}
}

func (p *phoneCall) onLeg(agent bool, ev any) {
	switch e := ev.(type) {
	case hsip.EvRinging:
		_ = p.in.Ringing()
	case hsip.EvAnswered:
		if err := p.sw.trunkAnswered(p.outMed, e.SDP, p.outKey); err != nil {
			p.end("switch", "bad_sdp", 488)
			return
		}
		if err := p.in.Answer(p.answer); err != nil {
			p.end("agent", "agent_cancel", 0)
			return
		}
		p.bridge = media.Bridge(p.inMedia, p.outMed)
		p.answered = true
		now := p.sw.now()
		p.updateRecord(store.CallUpdate{AnsweredAt: &now})
		p.sw.publish(cti.Event{Kind: "call.connected", CallID: p.id, AgentID: p.agent, DNIS: p.num, Trunk: p.trunk})
		p.log.Info("far end answered", "number", p.num)
	case hsip.EvFailed:
		// The far end's refusal goes back to the agent's phone as is.
		p.end("caller", fmt.Sprintf("customer_%d", e.Status), e.Status)
	case hsip.EvCancelled:
		p.end("agent", "agent_cancel", 0)
	case hsip.EvBye:
		p.end(map[bool]string{true: "agent", false: "caller"}[agent], "normal_clearing", 0)
	case hsip.EvAckTimeout:
		p.end("switch", "no_ack", 0)
	case hsip.EvReInvite:
		l := p.outMed
		if agent {
			l = p.inMedia
		}
		p.sw.answerReInvite(e.ReInvite, l)
	}
}

func (p *phoneCall) updateRecord(u store.CallUpdate) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.sw.store.UpdateCall(ctx, p.id, u); err != nil {
		p.log.Error("updating call record failed", "error", err)
	}
}

// end closes both legs (status is what an unanswered agent INVITE is
// refused with), the record, the dial rule's slot, and gives the agent back
// their previous state.
func (p *phoneCall) end(side, cause string, status int) {
	if p.ended {
		return
	}
	p.ended = true
	if p.bridge != nil {
		p.bridge.Unbridge()
	}
	if p.out != nil {
		p.out.Hangup()
	}
	if status >= 300 {
		p.in.Reject(status, reasonFor(status))
	} else {
		p.in.Hangup()
	}
	for _, m := range []*media.Leg{p.inMedia, p.outMed} {
		if m != nil {
			m.Close()
		}
	}
	p.release()
	disposition := map[bool]string{true: "answered", false: "abandoned"}[p.answered]
	if !p.answered && side != "agent" {
		disposition = "failed"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.sw.store.EndCall(ctx, p.id, p.sw.now(), side, cause, disposition); err != nil {
		p.log.Error("closing call record failed", "error", err)
	}
	p.sw.restoreAgent(p.agent, p.prev)
	p.sw.publish(cti.Event{Kind: "call.ended", CallID: p.id, AgentID: p.agent, DNIS: p.num, Trunk: p.trunk,
		Side: side, Cause: cause, Reason: disposition})
	p.log.Info("call ended", "side", side, "cause", cause, "disposition", disposition)
}

// restoreAgent gives an agent back the state they had before an outbound
// call: not ready with their own reason, else ready.
func (sw *Switch) restoreAgent(agent string, prev acd.AgentSnapshot) {
	if prev.State == acd.NotReady && prev.Reason != "outbound" {
		sw.acd.post(acd.AgentNotReady{AgentID: agent, Reason: prev.Reason})
		return
	}
	sw.acd.post(acd.AgentReady{AgentID: agent})
}

func reasonFor(status int) string {
	switch status {
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 480:
		return "Temporarily Unavailable"
	case 486:
		return "Busy Here"
	case 488:
		return "Not Acceptable Here"
	case 503:
		return "Service Unavailable"
	case 603:
		return "Decline"
	}
	return "Call Failed"
}
