package call

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"time"

	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/config"
	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/media"
	"github.com/hotline/hotline/rtc"
	hsip "github.com/hotline/hotline/sip"
	"github.com/hotline/hotline/sip/sdp"
	"github.com/hotline/hotline/store"
)

// Click-to-call: the CRM asks the switch to ring the agent's phone and,
// once the agent answers, to dial the customer through a trunk. No call
// leaves through a trunk unless a dial rule allows that agent that number
// (the toll-fraud guard); a refusal is logged and published.

// outCall is one originated call; its goroutine owns every field.
type outCall struct {
	sw    *Switch
	log   *slog.Logger
	id    string
	agent string
	num   string
	trunk config.Trunk
	rule  int
	prev  acd.AgentSnapshot // the agent's state before, restored after
	inbox chan any

	agentLeg, custLeg     *hsip.OutboundLeg
	agentMedia, custMedia *media.Leg
	agentRTC              *rtc.Peer // a browser agent's session
	bridge                *media.BridgeHandle
	answered              bool
	ended                 bool

	// A callback placed for the ACD: its offer and the ticket's call id.
	offerID uint64
	ticket  string
}

// allowDial finds the dial rule letting agent call number; it returns the
// rule's index and trunk, or an error saying why not.
func (sw *Switch) allowDial(cfg *config.Config, agent, number string) (int, config.Trunk, error) {
	for i, r := range cfg.DialRules {
		if !slices.Contains(r.Agents, "*") && !slices.Contains(r.Agents, agent) {
			continue
		}
		re, err := regexp.Compile("^(?:" + r.Pattern + ")$")
		if err != nil || !re.MatchString(number) {
			continue
		}
		for _, t := range cfg.Trunks {
			if t.Name == r.Trunk && t.Outbound != nil {
				max := r.MaxConcurrent
				if max == 0 {
					max = 10
				}
				sw.mu.Lock()
				n := sw.ruleCalls[i]
				if n < max {
					sw.ruleCalls[i]++
				}
				sw.mu.Unlock()
				if n >= max {
					return 0, t, fmt.Errorf("dial rule %d allows %d calls at once", i, max)
				}
				return i, t, nil
			}
		}
	}
	return 0, config.Trunk{}, fmt.Errorf("no dial rule lets agent %s call %s", agent, number)
}

// Originate rings the agent, then dials the customer (cti.Controller).
func (sw *Switch) Originate(ctx context.Context, a cti.OriginateArgs) (any, error) {
	if err := sw.knownAgent(a.Agent); err != nil {
		return nil, err
	}
	cfg := sw.cfg()
	rule, trunk, err := sw.allowDial(cfg, a.Agent, a.Number)
	if err != nil {
		sw.log.Warn("outbound call refused", "agent", a.Agent, "number", a.Number, "reason", err.Error())
		sw.publish(cti.Event{Kind: cti.KindSecurityDenied, AgentID: a.Agent, DNIS: a.Number, Reason: err.Error()})
		return nil, cti.NewError("forbidden", err.Error())
	}
	var prev acd.AgentSnapshot
	for _, ag := range sw.acd.snapshot().Agents {
		if ag.ID == a.Agent {
			prev = ag
		}
	}
	if prev.State != acd.Ready && prev.State != acd.NotReady {
		sw.releaseRule(rule)
		return nil, cti.NewError("invalid_state", fmt.Sprintf("agent %s is %s", a.Agent, prev.State))
	}
	o := &outCall{sw: sw, id: newCallID(), agent: a.Agent, num: a.Number, trunk: trunk, rule: rule, prev: prev,
		inbox: make(chan any, 64)}
	o.log = sw.log.With("call", o.id, "direction", "outbound")
	now := sw.now()
	if err := sw.store.CreateCall(ctx, store.Call{ID: o.id, ANI: trunk.Outbound.CallerID, DNIS: a.Number,
		Trunk: trunk.Name, Flow: "originate", AgentID: a.Agent, ArrivedAt: now,
		Data: map[string]string{"direction": "outbound"}}); err != nil {
		sw.releaseRule(rule)
		return nil, err
	}
	// Keep the ACD from offering the agent a queue call meanwhile.
	sw.acd.post(acd.AgentNotReady{AgentID: a.Agent, Reason: "outbound"})
	sw.mu.Lock()
	sw.wg.Add(1)
	sw.outs[o.id] = o
	sw.mu.Unlock()
	sw.publish(cti.Event{Kind: "call.originated", CallID: o.id, AgentID: a.Agent, DNIS: a.Number, Trunk: trunk.Name})
	o.log.Info("originating", "agent", a.Agent, "number", a.Number, "trunk", trunk.Name)
	go o.run()
	return map[string]string{"call": o.id}, nil
}

func (sw *Switch) releaseRule(i int) {
	sw.mu.Lock()
	sw.ruleCalls[i]--
	sw.mu.Unlock()
}

func (o *outCall) post(ev any) {
	select {
	case o.inbox <- ev:
	default:
		o.log.Error("call inbox full, event dropped", "event", ev)
	}
}

func (o *outCall) run() {
	defer func() {
		o.sw.mu.Lock()
		delete(o.sw.outs, o.id)
		o.sw.mu.Unlock()
		o.sw.wg.Done()
	}()
	ml, peer, offer, err := o.sw.agentMedia(o.agent, func(reason string) { o.post(legEvent{agent: true, ev: agentLost{reason}}) })
	if err != nil {
		o.end("switch", "no_media", "failed")
		return
	}
	o.agentMedia, o.agentRTC = ml, peer
	o.agentLeg, err = o.sw.sip.Dial(hsip.DialRequest{AgentID: o.agent, FromUser: o.num, FromName: "Hotline call", SDP: offer},
		func(ev any) { o.post(legEvent{agent: true, ev: ev}) })
	if err != nil {
		o.end("switch", "agent_unreachable", "failed")
		return
	}
	for !o.ended {
		switch e := (<-o.inbox).(type) {
		case legEvent:
			o.onLeg(e.agent, e.ev)
		case shutdownEvent:
			o.end("switch", e.cause, "")
		}
	}
}

func (o *outCall) onLeg(agent bool, ev any) {
	switch e := ev.(type) {
	case hsip.EvAnswered:
		if agent && o.agentRTC != nil {
			if err := o.agentRTC.Accept(e.SDP); err != nil {
				o.end("switch", "bad_sdp", "failed")
				return
			}
			o.dialCustomer()
			return
		}
		m, err := sdp.Parse(e.SDP)
		if err != nil {
			o.end("switch", "bad_sdp", "failed")
			return
		}
		if agent {
			o.sw.applyRemote(o.agentMedia, m)
			o.dialCustomer()
			return
		}
		o.sw.applyRemote(o.custMedia, m)
		o.bridge = media.Bridge(o.agentMedia, o.custMedia)
		o.answered = true
		if o.offerID != 0 {
			o.sw.acd.post(acd.OfferAnswered{OfferID: o.offerID})
		}
		now := o.sw.now()
		o.updateRecord(store.CallUpdate{AnsweredAt: &now})
		o.sw.publish(cti.Event{Kind: "call.connected", CallID: o.id, AgentID: o.agent, DNIS: o.num, Trunk: o.trunk.Name})
		o.log.Info("customer answered", "number", o.num)
	case hsip.EvFailed:
		// The customer is the record's "caller" side: the party outside.
		side := map[bool]string{true: "agent", false: "caller"}[agent]
		who := map[bool]string{true: "agent", false: "customer"}[agent]
		o.end(side, fmt.Sprintf("%s_%d", who, e.Status), "failed")
	case hsip.EvBye:
		o.end(map[bool]string{true: "agent", false: "caller"}[agent], "normal_clearing", "")
	case hsip.EvReInvite:
		l := o.custMedia
		if agent {
			l = o.agentMedia
		}
		if agent && o.agentRTC != nil {
			o.sw.answerBrowserReInvite(e.ReInvite, o.agentRTC)
			return
		}
		o.sw.answerReInvite(e.ReInvite, l)
	case agentLost:
		if e.reason != "ice_disconnected" {
			o.end("agent", "agent_connection_lost", "")
		}
	}
}

func (o *outCall) dialCustomer() {
	ml, err := o.sw.newMediaLeg()
	if err != nil {
		o.end("switch", "no_media", "failed")
		return
	}
	o.custMedia = ml
	out := o.trunk.Outbound
	o.custLeg, err = o.sw.sip.DialTrunk(hsip.TrunkDial{Addr: out.Addr, Transport: out.Transport, Number: o.num,
		CallerID: out.CallerID, SDP: o.sw.offerSDP(ml)}, func(ev any) { o.post(legEvent{ev: ev}) })
	if err != nil {
		o.end("switch", "trunk_unreachable", "failed")
	}
}

func (o *outCall) updateRecord(u store.CallUpdate) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.sw.store.UpdateCall(ctx, o.id, u); err != nil {
		o.log.Error("updating call record failed", "error", err)
	}
}

// end releases both legs, closes the record, gives the agent back their
// previous state and frees the dial rule's slot.
func (o *outCall) end(side, cause, disposition string) {
	if o.ended {
		return
	}
	o.ended = true
	if o.bridge != nil {
		o.bridge.Unbridge()
	}
	for _, l := range []*hsip.OutboundLeg{o.agentLeg, o.custLeg} {
		if l != nil {
			l.Hangup()
		}
	}
	for _, m := range []*media.Leg{o.agentMedia, o.custMedia} {
		if m != nil {
			m.Close()
		}
	}
	if disposition == "" {
		disposition = map[bool]string{true: "answered", false: "abandoned"}[o.answered]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.sw.store.EndCall(ctx, o.id, o.sw.now(), side, cause, disposition); err != nil {
		o.log.Error("closing call record failed", "error", err)
	}
	switch {
	case o.offerID != 0 && o.answered: // a callback: the ACD owns the agent
		o.sw.acd.post(acd.CallEnded{AgentID: o.agent, CallID: o.ticket})
	case o.offerID != 0:
		o.sw.acd.post(acd.OfferFailed{OfferID: o.offerID, Reason: cause})
	case o.prev.State == acd.NotReady && o.prev.Reason != "outbound":
		o.sw.acd.post(acd.AgentNotReady{AgentID: o.agent, Reason: o.prev.Reason})
		o.sw.releaseRule(o.rule)
	default:
		o.sw.acd.post(acd.AgentReady{AgentID: o.agent})
		o.sw.releaseRule(o.rule)
	}
	o.sw.publish(cti.Event{Kind: "call.ended", CallID: o.id, AgentID: o.agent, DNIS: o.num, Trunk: o.trunk.Name,
		Side: side, Cause: cause, Reason: disposition})
	o.log.Info("call ended", "side", side, "cause", cause, "disposition", disposition)
}
