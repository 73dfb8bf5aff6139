package call

import (
	"errors"
	"fmt"
	"time"

	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/media"
	"github.com/hotline/hotline/rtc"
	hsip "github.com/hotline/hotline/sip"
	"github.com/hotline/hotline/sip/sdp"
)

// Side legs are the parties the switch dials into a connected call beyond
// the caller and the agent: a supervisor's phone, a consulted colleague or
// external number, a conference member. While there are any, the call's
// audio runs through a mixer (media.Mixer) whose hearing masks come from
// mixPlan; when the call is back to caller and agent it returns to a plain
// bridge.

// sideLeg is one party dialled into the call.
type sideLeg struct {
	id       uint64
	role     role
	agentID  string // the agent whose phone was dialled ("" for a number)
	number   string // the external number dialled through a trunk
	leg      *hsip.OutboundLeg
	media    *media.Leg
	answered bool
	reserved string      // the not_ready reason we set on the agent while on this call
	release  func()      // gives back the dial rule's and outbound limits' slots (nil: none held)
	key      *sdp.Crypto // our SRTP key towards a carrier over TLS
	rtc      *rtc.Peer   // the agent desktop's WebRTC session (nil for a SIP phone or a number)
	wsLost   bool        // that desktop's WebSocket closed while on the call
}

// who names the party for events and logs.
func (s *sideLeg) who() string {
	if s.agentID != "" {
		return s.agentID
	}
	return s.number
}

// sideLegEvent is a side leg's SIP event, posted to the call's inbox.
type sideLegEvent struct {
	id uint64
	ev any
}

// sideRingTimeout: the party did not answer in time.
type sideRingTimeout struct{}

// sideRingTime is how long a side party rings: the queue's ring timeout
// (15 s without a queue).
func (c *Call) sideRingTime() time.Duration {
	if q := c.sw.queueConfig(c.queue); q != nil && q.RingTimeout.D() > 0 {
		return q.RingTimeout.D()
	}
	return 15 * time.Second
}

// sides is a call's extra parties and mixer; the call actor owns it.
type sides struct {
	plan     mixPlan
	sup      *sideLeg
	third    *sideLeg
	promoted []*sideLeg // consulted agents who took the call over
	seq      uint64

	mix     *media.Mixer
	members []member
}

type member struct {
	party *media.Party
	role  role
	leg   *media.Leg
}

// sideIDBase keeps side leg ids apart from ACD offer ids.
const sideIDBase = 1 << 62

// dialSide rings a party for the call: an agent's registered phone by id,
// or (for a third party) a number through a trunk where a dial rule lets
// the call's agent dial it. An agent who is ready is made not ready with
// reason while on the call, so the ACD offers them nothing meanwhile.
func (c *Call) dialSide(r role, target, reason string) (*sideLeg, error) {
	c.side.seq++
	s := &sideLeg{id: sideIDBase + c.side.seq, role: r}
	id := s.id
	events := func(ev any) { c.post(sideLegEvent{id: id, ev: ev}) }
	if c.sw.knownAgent(target) == nil {
		if err := c.dialAgentSide(s, target, reason, events); err != nil {
			return nil, err
		}
	} else if r != roleThird {
		return nil, errNotFound("agent " + target)
	} else if err := c.dialNumberSide(s, target, events); err != nil {
		return nil, err
	}
	// A phone nobody answers must not keep the caller waiting: the timer's
	// event is ignored once the party answered or left.
	time.AfterFunc(c.sideRingTime(), func() { events(sideRingTimeout{}) })
	return s, nil
}

// dialAgentSide rings an agent's registered phone: a SIP phone with plain
// RTP, a browser (the agent desktop) with a WebRTC offer.
func (c *Call) dialAgentSide(s *sideLeg, target, reason string, events func(any)) error {
	if target == c.agent.agentID {
		return cti.NewError("invalid_state", "agent "+target+" is already on the call")
	}
	var st acd.AgentSnapshot
	for _, a := range c.sw.acd.snapshot().Agents {
		if a.ID == target {
			st = a
		}
	}
	switch {
	case st.State == acd.Ready:
		s.reserved = reason
	case st.State == acd.LoggedOut, st.State == acd.NotReady && !busyReason(st.Reason):
	default:
		return cti.NewError("invalid_state", fmt.Sprintf("agent %s is %s", target, describe(st)))
	}
	ml, peer, offer, err := c.sw.agentMedia(target, func(why string) { events(agentLost{why}) })
	if err != nil {
		return cti.NewError("unavailable", "no media for the call: "+err.Error())
	}
	s.agentID, s.media, s.rtc = target, ml, peer
	s.leg, err = c.sw.sip.Dial(hsip.DialRequest{AgentID: target, FromUser: c.in.ANI, SDP: offer,
		Headers: map[string]string{"X-Hotline-Call": c.id, "X-Hotline-Role": s.role.String()}}, events)
	if err != nil {
		ml.Close()
		if errors.Is(err, hsip.ErrNotRegistered) {
			return cti.NewError("not_found", "agent "+target+" has no registered phone")
		}
		return cti.NewError("unavailable", err.Error())
	}
	if s.reserved != "" {
		c.sw.acd.post(acd.AgentNotReady{AgentID: target, Reason: reason})
	}
	return nil
}

// dialNumberSide calls an external number through a trunk, where a dial
// rule lets the call's agent dial it.
func (c *Call) dialNumberSide(s *sideLeg, target string, events func(any)) error {
	cfg := c.sw.cfg()
	release, trunk, err := c.sw.allowDial(cfg, c.agent.agentID, "", target)
	if err != nil {
		c.log.Warn("outbound call refused", "agent", c.agent.agentID, "number", target, "reason", err.Error())
		c.sw.publish(cti.Event{Kind: cti.KindSecurityDenied, CallID: c.id, AgentID: c.agent.agentID, DNIS: target, Reason: err.Error()})
		return cti.NewError("forbidden", err.Error())
	}
	ml, err := c.sw.newMediaLeg()
	if err != nil {
		release()
		return cti.NewError("unavailable", "no media port")
	}
	s.media, s.number, s.release = ml, target, release
	out := trunk.Outbound
	offer, key, err := c.sw.trunkOffer(ml, out.Transport)
	if err == nil {
		s.key = key
		s.leg, err = c.sw.sip.DialTrunk(hsip.TrunkDial{Addr: out.Addr, Transport: out.Transport, Number: target,
			CallerID: out.CallerID, SDP: offer}, events)
	}
	if err != nil {
		ml.Close()
		release()
		return cti.NewError("unavailable", err.Error())
	}
	return nil
}

// busyReason: not-ready reasons that mean the agent is already on a call
// the switch placed (supervising, consulted, calling out).
func busyReason(r string) bool {
	return r == reasonSupervising || r == reasonConsult || r == reasonInternal || r == "outbound"
}

const (
	reasonSupervising = "supervising"
	reasonConsult     = "consult"
)

func describe(st acd.AgentSnapshot) string {
	if st.ID == "" {
		return "unknown to the ACD"
	}
	if st.Reason != "" {
		return st.State.String() + " (" + st.Reason + ")"
	}
	return st.State.String()
}

// releaseSide hangs the party up (idempotent) and gives back what it held:
// the agent's readiness and the dial rule's slot.
func (c *Call) releaseSide(s *sideLeg) {
	if s == nil {
		return
	}
	s.leg.Hangup()
	s.media.Close()
	c.removeMember(s.media)
	if s.reserved != "" {
		for _, a := range c.sw.acd.snapshot().Agents {
			if a.ID == s.agentID && a.State == acd.NotReady && a.Reason == s.reserved {
				c.sw.acd.post(acd.AgentReady{AgentID: s.agentID})
			}
		}
		s.reserved = ""
	}
	if s.release != nil {
		s.release()
		s.release = nil
	}
}

// onSideLeg handles a side leg's SIP events; a consulted party who took the
// call over is the call's agent now, and is handled as one.
func (c *Call) onSideLeg(e sideLegEvent) {
	if c.agent != nil && c.agent.id == e.id {
		c.onAgentLeg(e.id, e.ev)
		return
	}
	var s *sideLeg
	switch {
	case c.side.sup != nil && c.side.sup.id == e.id:
		s = c.side.sup
	case c.side.third != nil && c.side.third.id == e.id:
		s = c.side.third
	default:
		return
	}
	switch ev := e.ev.(type) {
	case sideRingTimeout:
		if !s.answered {
			c.sideGone(s, "no_answer")
		}
	case hsip.EvAnswered:
		var err error
		if s.rtc != nil {
			err = s.rtc.Accept(ev.SDP)
		} else {
			err = c.sw.trunkAnswered(s.media, ev.SDP, s.key)
		}
		if err != nil || c.phase != phaseConnected || c.agent == nil {
			c.sideGone(s, "unusable")
			return
		}
		s.answered = true
		if err := c.joinMix(s.media, s.role); err != nil {
			c.log.Error("mixer refused a party", "error", err)
			c.sideGone(s, "mixer_full")
			return
		}
		if s.role == roleSupervisor {
			c.supAnswered()
		} else {
			c.thirdAnswered()
		}
	case hsip.EvFailed:
		c.sideGone(s, failReason(ev.Status))
	case hsip.EvBye:
		c.sideGone(s, "hangup")
	case hsip.EvReInvite:
		if s.rtc != nil {
			c.sw.answerBrowserReInvite(ev.ReInvite, s.rtc)
		} else {
			c.sw.answerReInvite(ev.ReInvite, s.media)
		}
	case agentLost:
		// A browser's tab closed or its ICE failed. A blip (disconnected)
		// may recover, and fails otherwise, unless the page's WebSocket is
		// gone too: then the tab was closed.
		if ev.reason != "ice_disconnected" || s.wsLost {
			c.sideGone(s, "connection_lost")
		}
	}
}

// sideSignallingLost: an agent desktop's WebSocket closed. A side party on
// that desktop whose media is down too is gone (as for the call's agent).
func (c *Call) sideSignallingLost(agentID string) {
	for _, s := range []*sideLeg{c.side.sup, c.side.third} {
		if s == nil || s.rtc == nil || s.agentID != agentID {
			continue
		}
		s.wsLost = true
		if s.rtc.Disconnected() {
			c.sideGone(s, "connection_lost")
		}
	}
}

// sideGone: a side party hung up, failed or is dropped; the call goes on.
func (c *Call) sideGone(s *sideLeg, why string) {
	c.releaseSide(s)
	if s == c.side.sup {
		c.side.sup = nil
		c.supEnded(s, why)
	} else if s == c.side.third {
		c.side.third = nil
		c.thirdEnded(s, why)
	}
	c.applyMix()
	c.settleMix()
}

// dropSides ends every side party: the call is ending, or its agent is
// leaving it with nobody to take over.
func (c *Call) dropSides(why string) {
	if s := c.side.sup; s != nil {
		c.side.sup = nil
		c.releaseSide(s)
		c.supEnded(s, why)
	}
	if s := c.side.third; s != nil {
		c.side.third = nil
		c.releaseSide(s)
		c.thirdEnded(s, why)
	}
	for _, s := range c.side.promoted {
		c.releaseSide(s)
	}
	c.side.promoted = nil
	c.side.plan = mixPlan{}
	if c.side.mix != nil {
		c.side.mix.Close()
		c.side.mix, c.side.members = nil, nil
	}
}

// ensureMix moves the call from its bridge onto a mixer, caller and agent
// first.
func (c *Call) ensureMix() error {
	if c.side.mix != nil {
		return nil
	}
	if c.bridge != nil {
		c.bridge.Unbridge()
		c.bridge = nil
	}
	c.side.mix = media.NewMixer()
	for _, m := range []member{{role: roleCaller, leg: c.caller}, {role: roleAgent, leg: c.agent.media}} {
		p, err := c.side.mix.Join(m.leg)
		if err != nil {
			return err
		}
		m.party = p
		c.side.members = append(c.side.members, m)
	}
	c.applyMix()
	return nil
}

// joinMix adds a party in role r to the call's mixer.
func (c *Call) joinMix(l *media.Leg, r role) error {
	if err := c.ensureMix(); err != nil {
		return err
	}
	p, err := c.side.mix.Join(l)
	if err != nil {
		return err
	}
	c.side.members = append(c.side.members, member{party: p, role: r, leg: l})
	if r == roleThird && c.rec != nil {
		// A consulted or conferenced party is recorded with the agent's side.
		l.SetTap(c.rec.AddSource(1))
	}
	c.applyMix()
	return nil
}

func (c *Call) removeMember(l *media.Leg) {
	for i, m := range c.side.members {
		if m.leg == l {
			m.party.Remove()
			c.side.members = append(c.side.members[:i], c.side.members[i+1:]...)
			return
		}
	}
}

func (c *Call) setRole(l *media.Leg, r role) {
	for i := range c.side.members {
		if c.side.members[i].leg == l {
			c.side.members[i].role = r
		}
	}
}

// applyMix sets every pair's hearing from the plan.
func (c *Call) applyMix() {
	if c.side.mix == nil {
		return
	}
	for _, l := range c.side.members {
		for _, s := range c.side.members {
			if l.party != s.party {
				c.side.mix.SetHears(l.party, s.party, c.side.plan.hears(l.role, s.role))
			}
		}
	}
}

// settleMix returns a call that is down to caller and agent to a plain
// bridge (no mixing delay). A call on hold stays mixed: bridging would cut
// the music.
func (c *Call) settleMix() {
	if c.side.mix == nil || c.side.sup != nil || c.side.third != nil || c.held || c.agent == nil {
		return
	}
	c.side.mix.Close()
	c.side.mix, c.side.members = nil, nil
	c.side.plan = mixPlan{}
	c.bridge = media.Bridge(c.caller, c.agent.media)
}
