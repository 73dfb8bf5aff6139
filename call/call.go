package call

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/ivr"
	"github.com/hotline/hotline/media"
	"github.com/hotline/hotline/rtc"
	hsip "github.com/hotline/hotline/sip"
	"github.com/hotline/hotline/sip/sdp"
	"github.com/hotline/hotline/store"
)

// phase is where a call is in its life; it decides what each input means.
type phase int

const (
	phaseIVR phase = iota
	phaseQueued
	phaseConnected
	phaseSurvey
	phaseEnded
)

var phaseNames = [...]string{"ivr", "queued", "connected", "survey", "ended"}

func (p phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "unknown"
}

// Inputs posted to a call's inbox by SIP, media, the ACD actor and timers.
type (
	legEvent struct {
		agent bool // from the agent leg (else the caller leg)
		offer uint64
		ev    any
	}
	digitEvent    struct{ d rune }
	playbackDone  struct{ gen int }
	acdAction     struct{ a any }
	shutdownEvent struct{ cause string }
	httpDone      struct{ res ivr.HTTPResult }
	ctlEvent      struct{ fn func() } // a CTI command run on the actor
)

// offer is an agent's phone being rung for this call.
type offer struct {
	id      uint64
	agentID string
	queue   string
	leg     *hsip.OutboundLeg
	media   *media.Leg
	// target is set for an IVR transfer to an extension or an outside
	// number: a direct call outside the ACD (agentID stays empty, so the
	// ACD ignores what the call tells it about this leg).
	target string
	key    *sdp.Crypto // our SRTP key when the target is a carrier over TLS
	rtc    *rtc.Peer   // a browser agent's session (nil for a SIP phone)
	wsLost bool        // the browser's WebSocket closed during the call
}

// Call is one caller's call; its goroutine (run) owns every field.
type Call struct {
	sw  *Switch
	log *slog.Logger

	id     string
	in     *hsip.InboundLeg
	caller *media.Leg
	inbox  chan any

	phase   phase
	ivr     *ivr.Session
	flow    string
	lang    string
	digits  strings.Builder
	vars    map[string]string
	queue   string
	prio    int
	offers  map[uint64]*offer
	agent   *offer // the connected agent
	bridge  *media.BridgeHandle
	play    *media.Playback
	playGen int
	timer   *time.Timer
	ended   bool

	announcing  bool // a position announcement interrupts the music
	callbackBye bool // the callback confirmation plays, then the call ends
	held        bool
	rec         *media.Recorder
	holdPlay    *media.Playback // music to the party on hold
	vm          *voicemail      // a message being left in an IVR voicemail node
	directSeq   uint64
	cleanups    []func() // run once when the call ends (dial-rule slots)
	side        sides    // supervisor, consulted or conferenced parties and their mixer

	arrived, queuedAt, answeredAt time.Time

	// shared is a copy of the call's context for other goroutines (the ACD
	// actor enriching its events); the actor replaces it, never mutates it.
	shared atomic.Pointer[callContext]
}

type callContext struct {
	ANI, DNIS, Trunk, Digits string
	Data                     map[string]string
}

// refreshContext publishes the call's current context to other goroutines.
func (c *Call) refreshContext() {
	cc := &callContext{ANI: c.in.ANI, DNIS: c.in.DNIS, Trunk: c.in.Trunk, Digits: c.digits.String()}
	if len(c.vars) > 0 {
		cc.Data = make(map[string]string, len(c.vars))
		for k, v := range c.vars {
			cc.Data[k] = v
		}
	}
	c.shared.Store(cc)
}

func (c *Call) snapshotContext() callContext {
	if p := c.shared.Load(); p != nil {
		return *p
	}
	return callContext{}
}

func (c *Call) post(ev any) {
	select {
	case c.inbox <- ev:
	default:
		// A full inbox means the actor is wedged; never block SIP or
		// media goroutines on it, log loudly instead.
		c.log.Error("call inbox full, event dropped", "event", ev)
	}
}

func (c *Call) run(start target) {
	defer c.sw.callDone(c)
	c.timer = time.NewTimer(time.Hour)
	c.timer.Stop()
	watch := time.NewTicker(time.Second)
	defer watch.Stop()
	if start.Flow != "" {
		c.startFlow(start.Flow)
	} else {
		c.enqueue(start.Queue, 0, nil)
	}
	for !c.ended {
		select {
		case ev := <-c.inbox:
			c.handle(ev)
		case <-c.timer.C:
			if c.ivr != nil {
				c.ivrInput(ivr.TimerFired{})
			}
		case <-watch.C:
			c.checkMedia()
		}
	}
}

// checkMedia hangs up a call whose caller, or connected agent, has gone
// silent at the RTP level for the configured timeout: a peer that vanished
// without a BYE must not hold a trunk channel or an agent.
func (c *Call) checkMedia() {
	timeout := c.sw.cfg().Server.RTP.Timeout.D()
	now := c.sw.now()
	silent := func(last, since time.Time) bool {
		if last.IsZero() || last.Before(since) {
			last = since
		}
		return now.Sub(last) > timeout
	}
	if silent(c.caller.LastRx(), c.arrived) {
		c.log.Warn("caller media timeout", "timeout", timeout)
		c.callerLeft("switch", "rtp_timeout") // gone without a BYE
		return
	}
	if c.agent != nil && silent(c.agent.media.LastRx(), c.answeredAt) {
		c.log.Warn("agent media timeout", "agent", c.agent.agentID, "timeout", timeout)
		c.hangupAgent()
		c.end("switch", "agent_rtp_timeout", "answered")
	}
}

func (c *Call) handle(ev any) {
	switch e := ev.(type) {
	case legEvent:
		if e.agent {
			c.onAgentLeg(e.offer, e.ev)
		} else {
			c.onCallerLeg(e.ev)
		}
	case digitEvent:
		c.onDigit(e.d)
	case playbackDone:
		if e.gen != c.playGen {
			return // a playback that was stopped or replaced
		}
		c.play = nil
		switch {
		case c.ivr != nil:
			c.ivrInput(ivr.PlaybackDone{})
		case c.callbackBye:
			c.end("switch", "callback_requested", "callback")
		case c.announcing:
			c.announcementDone()
		}
	case httpDone:
		if c.ivr != nil {
			c.ivrInput(e.res)
		}
	case acdAction:
		c.onACD(e.a)
	case ctlEvent:
		e.fn()
	case sideLegEvent:
		c.onSideLeg(e)
	case shutdownEvent:
		c.end("switch", e.cause, "")
	}
}

func (c *Call) onCallerLeg(ev any) {
	switch e := ev.(type) {
	case hsip.EvBye, hsip.EvCancelled:
		cause := "normal_clearing"
		if _, ok := ev.(hsip.EvCancelled); ok {
			cause = "caller_cancel"
		}
		c.callerGone(cause)
	case hsip.EvAckTimeout:
		// The caller never confirmed our answer: end the call like a hang-up
		// (queue slot and any agent freed), as the switch's doing, with BYE.
		c.callerLeft("switch", "no_ack")
	case hsip.EvSessionExpired:
		c.callerLeft("switch", "session_expired")
	case hsip.EvDTMF:
		c.onDigit(e.Digit)
	case hsip.EvReInvite:
		if hold, ok := c.sw.answerReInvite(e.ReInvite, c.caller); ok && c.phase == phaseConnected {
			c.setHold(false, hold)
		}
	case hsip.EvOfferAnswered:
		c.sw.applyAnswer(c.caller, e.SDP)
	}
}

// callerGone handles the caller hanging up in any phase.
func (c *Call) callerGone(cause string) { c.callerLeft("caller", cause) }

// callerLeft ends the call in any phase when the caller's leg is gone,
// by their hang-up (side caller) or found dead by the switch.
func (c *Call) callerLeft(side, cause string) {
	switch c.phase {
	case phaseIVR:
		disp := "abandoned"
		if side != "caller" {
			disp = "failed"
		}
		if c.vm != nil {
			disp = "self_served" // hanging up is how a voicemail ends
		}
		if c.ivr != nil {
			c.runIVR(c.ivr.Input(c.sw.now(), ivr.Hangup{}))
		}
		c.end(side, cause, disp)
	case phaseQueued:
		c.sw.acd.post(acdCallerLeft(c.id))
		c.cancelOffers("caller_left")
		c.end(side, cause, "abandoned")
	case phaseConnected:
		c.hangupAgent()
		c.end(side, cause, "answered")
	case phaseSurvey:
		c.end(side, cause, "answered")
	default:
		c.end(side, cause, "")
	}
}

func (c *Call) onDigit(d rune) {
	c.sw.publish(c.event("dtmf", func(e *cti.Event) { e.Digits = string(d) }))
	switch c.phase {
	case phaseIVR, phaseSurvey:
		if c.ivr != nil {
			c.digits.WriteRune(d)
			c.refreshContext()
			c.ivrInput(ivr.Digit{D: d})
		}
	case phaseQueued:
		if q := c.sw.queueConfig(c.queue); q != nil && q.CallbackKey == string(d) {
			c.requestCallback()
			return
		}
		c.sw.acd.post(acdExitKey(c.id, d))
	}
}

// end is the one way a call finishes: it releases both legs and media,
// closes the call record and publishes call.ended.
func (c *Call) end(side, cause, disposition string) {
	if c.ended {
		return
	}
	c.ended = true
	c.phase = phaseEnded
	c.timer.Stop()
	c.stopPlayback()
	c.stopRecording()
	c.finishVoicemail()
	for _, f := range c.cleanups {
		f()
	}
	if c.holdPlay != nil {
		c.holdPlay.Stop()
	}
	c.dropSides("call_ended")
	if c.bridge != nil {
		c.bridge.Unbridge()
	}
	c.cancelOffers("call_ended")
	if c.agent != nil {
		c.agent.leg.Hangup()
		c.agent.media.Close()
	}
	if side != "caller" {
		c.in.Hangup()
	}
	c.caller.Close()
	now := c.sw.now()
	if disposition == "" {
		disposition = "failed"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.sw.store.EndCall(ctx, c.id, now, side, cause, disposition); err != nil {
		c.log.Error("closing call record failed", "error", err)
	}
	c.sw.publish(c.event("call.ended", func(e *cti.Event) {
		e.Side, e.Cause, e.Reason = side, cause, disposition
	}))
	c.log.Info("call ended", "side", side, "cause", cause, "disposition", disposition)
}

func (c *Call) updateRecord(u store.CallUpdate) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.sw.store.UpdateCall(ctx, c.id, u); err != nil {
		c.log.Error("updating call record failed", "error", err)
	}
}

// event builds a bus event carrying the call's full context, so a CRM's
// screen pop needs no second lookup.
func (c *Call) event(kind string, fill func(*cti.Event)) cti.Event {
	e := cti.Event{
		Kind: kind, CallID: c.id, ANI: c.in.ANI, DNIS: c.in.DNIS, Trunk: c.in.Trunk,
		Queue: c.queue, Digits: c.digits.String(),
	}
	if len(c.vars) > 0 {
		e.Data = make(map[string]string, len(c.vars))
		for k, v := range c.vars {
			e.Data[k] = v
		}
	}
	if c.agent != nil {
		e.AgentID = c.agent.agentID
	}
	if fill != nil {
		fill(&e)
	}
	return e
}

func (c *Call) stopPlayback() {
	if c.play != nil {
		c.play.Stop()
		c.play = nil
	}
	c.playGen++
}

// playOnCaller starts prompts (or looping music) to the caller; completion
// comes back to the inbox tagged with a generation so a stopped playback's
// late "done" is ignored.
func (c *Call) playOnCaller(wavs [][]byte, loop bool) {
	c.stopPlayback()
	gen := c.playGen
	if len(wavs) == 0 {
		if !loop {
			go c.post(playbackDone{gen}) // nothing to play is done at once
		}
		return
	}
	p := media.Play(context.Background(), c.caller, wavs, loop)
	c.play = p
	go func() {
		<-p.Done()
		c.post(playbackDone{gen})
	}()
}
