package call

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
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
	sw      *Switch
	log     *slog.Logger
	id      string
	agent   string
	num     string
	trunk   config.Trunk
	release func()            // gives back the dial rule's and the outbound limits' slots
	prev    acd.AgentSnapshot // the agent's state before, restored after
	inbox   chan any

	agentLeg, custLeg     *hsip.OutboundLeg
	agentMedia, custMedia *media.Leg
	custKey               *sdp.Crypto // our SRTP key towards a carrier over TLS
	agentRTC              *rtc.Peer   // a browser agent's session
	bridge                *media.BridgeHandle
	answered              bool
	ended                 bool

	// A callback placed for the ACD: its offer and the ticket's call id.
	offerID uint64
	ticket  string
}

// allowDial finds the dial rule letting agent (or, with agent "", IVR flow)
// call number and takes one of its slots and one under the outbound limits;
// release gives them back when the call ends. The error says why not.
func (sw *Switch) allowDial(cfg *config.Config, agent, flow, number string) (release func(), trunk config.Trunk, err error) {
	dialler := "agent " + agent
	if agent == "" {
		dialler = "flow " + flow
	}
	for i, r := range cfg.DialRules {
		if !r.AllowsDial(agent, flow, number) {
			continue
		}
		for _, t := range cfg.Trunks {
			if t.Name != r.Trunk || t.Outbound == nil {
				continue
			}
			ol := cfg.OutboundLimits
			lim := outLimits{MaxConcurrent: ol.MaxConcurrent, PerMinute: ol.PerMinute,
				DiallerMaxConcurrent: ol.AgentMaxConcurrent, DiallerPerMin: ol.AgentPerMinute}
			freeLimit, err := sw.outLimit.take(lim, dialler, sw.now())
			if err != nil {
				return nil, t, err
			}
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
				freeLimit()
				return nil, t, fmt.Errorf("dial rule %d allows %d calls at once", i, max)
			}
			var once sync.Once
			return func() {
				once.Do(func() {
					freeLimit()
					sw.mu.Lock()
					sw.ruleCalls[i]--
					sw.mu.Unlock()
				})
			}, t, nil
		}
	}
	return nil, config.Trunk{}, fmt.Errorf("no dial rule lets %s call %s", dialler, number)
}

func (sw *Switch) Originate(ctx context.Context, a cti.OriginateArgs) (any, error) {
	if err := sw.knownAgent(a.Agent); err != nil {
		return nil, err
	}
	cfg := sw.cfg()
	release, trunk, err := sw.allowDial(cfg, a.Agent, "", a.Number)
	if err != nil {
		sw.log.Warn("outbound call refused", "agent", a.Agent, "number", a.Number, "reason", err.Error())
		sw.publish(cti.Event{Kind: cti.KindSecurityDenied, AgentID: a.Agent, DNIS: a.Number, Reason: err.Error()})
		return nil, cti.NewError("forbidden", err.Error())
	}
	prev := sw.agentSnapshot(a.Agent)
	if prev.State != acd.Ready && prev.State != acd.NotReady {
		release()
		return nil, cti.NewError("invalid_state", fmt.Sprintf("agent %s is %s", a.Agent, prev.State))
	}
	o := &outCall{sw: sw, id: newCallID(), agent: a.Agent, num: a.Number, trunk: trunk, release: release, prev: prev,
		inbox: make(chan any, 64)}
	o.log = sw.log.With("call", o.id, "direction", "outbound")
	now := sw.now()
	if err := sw.store.CreateCall(ctx, store.Call{ID: o.id, ANI: trunk.Outbound.CallerID, DNIS: a.Number,
		Trunk: trunk.Name, Flow: "originate", AgentID: a.Agent, ArrivedAt: now,
		Data: map[string]string{"direction": "outbound"}}); err != nil {
		release()
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
		if agent {
			m, err := sdp.Parse(e.SDP)
			if err != nil {
				o.end("switch", "bad_sdp", "failed")
				return
			}
			o.sw.applyRemote(o.agentMedia, m)
			o.dialCustomer()
			return
		}
		if err := o.sw.trunkAnswered(o.custMedia, e.SDP, o.custKey); err != nil {
			o.log.Warn("customer's answer unusable", "error", err)
			o.end("switch", "bad_sdp", "failed")
			return
		}
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
	offer, key, err := o.sw.trunkOffer(ml, out.Transport)
	if err != nil {
		o.end("switch", "no_media", "failed")
		return
	}
	o.custKey = key
	o.custLeg, err = o.sw.sip.DialTrunk(hsip.TrunkDial{Addr: out.Addr, Transport: out.Transport, Number: o.num,
		CallerID: out.CallerID, SDP: offer}, func(ev any) { o.post(legEvent{ev: ev}) })
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
		o.sw.callbackFinished(o.ticket, true, cause)
	case o.offerID != 0:
		o.sw.acd.post(acd.OfferFailed{OfferID: o.offerID, Reason: cause})
	default:
		o.sw.restoreAgent(o.agent, o.prev)
		o.release()
	}
	o.sw.publish(cti.Event{Kind: "call.ended", CallID: o.id, AgentID: o.agent, DNIS: o.num, Trunk: o.trunk.Name,
		Side: side, Cause: cause, Reason: disposition})
	o.log.Info("call ended", "side", side, "cause", cause, "disposition", disposition)
}
