package call

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hotline/hotline/config"
	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/ivr"
	"github.com/hotline/hotline/media"
	hsip "github.com/hotline/hotline/sip"
	"github.com/hotline/hotline/store"
)

// directOfferBase keeps the ids of direct legs (IVR transfers to an
// extension or an outside number) clear of the ACD's offer ids.
const directOfferBase = 1 << 62

// ivrTransfer executes an IVR transfer node: to a person (through the ACD,
// so their state stays right), a queue, an extension or an outside number
// (only where a dial rule lets the flow dial it).
func (c *Call) ivrTransfer(t ivr.Transfer) {
	flow := c.ivr.Flow()
	c.mergeVars(c.ivr.Vars())
	c.ivr = nil
	c.updateRecord(storeUpdateFlow(c.flow, c.digits.String()))
	if len(c.vars) > 0 {
		c.updateRecord(storeUpdateData(c.vars))
	}
	kind, val, _ := strings.Cut(t.Target, ":")
	cfg := c.sw.cfg()
	c.log.Info("ivr transfer", "target", t.Target, "flow", flow)
	switch kind {
	case "queue":
		if c.sw.queueConfig(val) == nil {
			c.transferFailed(t.Target, "no such queue")
			return
		}
		c.enqueue(val, c.ivrPriority(), nil)
	case "agent":
		q := t.Queue
		if q == "" {
			q = c.sw.agentQueue(val)
		}
		if q == "" {
			c.transferFailed(t.Target, "agent takes no queue calls")
			return
		}
		c.enqueueFor(q, val, c.ivrPriority(), nil)
	case "ext":
		if !slices.ContainsFunc(cfg.Extensions, func(e config.Extension) bool { return e.Number == val }) {
			c.transferFailed(t.Target, "no such extension")
			return
		}
		c.dialDirect(t.Target, "", func(offer []byte, events func(any)) (*hsip.OutboundLeg, error) {
			return c.sw.sip.Dial(hsip.DialRequest{AgentID: val, FromUser: c.in.ANI, SDP: offer,
				Headers: map[string]string{"X-Hotline-Call": c.id}}, events)
		})
	case "external":
		release, trunk, err := c.sw.allowDial(cfg, "", flow, val)
		if err != nil {
			// Toll-fraud guard: refused attempts are logged and published.
			c.sw.publish(c.event(cti.KindSecurityDenied, func(e *cti.Event) { e.DNIS, e.Reason = val, err.Error() }))
			c.transferFailed(t.Target, err.Error())
			return
		}
		c.cleanups = append(c.cleanups, release)
		out := trunk.Outbound
		c.dialDirect(t.Target, out.Transport, func(offer []byte, events func(any)) (*hsip.OutboundLeg, error) {
			return c.sw.sip.DialTrunk(hsip.TrunkDial{Addr: out.Addr, Transport: out.Transport, Number: val,
				CallerID: out.CallerID, SDP: offer}, events)
		})
	default:
		c.transferFailed(t.Target, "unknown target kind")
	}
}

// ivrPriority is the priority the IVR's variables ask for (0 when none).
func (c *Call) ivrPriority() int {
	var p int
	_, _ = fmt.Sscan(c.vars["priority"], &p)
	return p
}

func (c *Call) transferFailed(target, why string) {
	c.log.Warn("ivr transfer failed", "target", target, "reason", why)
	c.end("switch", "transfer_failed", "failed")
}

// dialDirect rings a transfer target outside the ACD; the caller hears
// music until it answers.
func (c *Call) dialDirect(target, transport string, dial func(offer []byte, events func(any)) (*hsip.OutboundLeg, error)) {
	ml, err := c.sw.newMediaLeg()
	if err != nil {
		c.transferFailed(target, "no media port")
		return
	}
	sdpOffer, key, err := c.sw.trunkOffer(ml, transport)
	if err != nil {
		ml.Close()
		c.transferFailed(target, err.Error())
		return
	}
	c.directSeq++
	id := uint64(directOfferBase) + c.directSeq
	o := &offer{id: id, media: ml, target: target, key: key}
	leg, err := dial(sdpOffer, func(ev any) { c.post(legEvent{agent: true, offer: id, ev: ev}) })
	if err != nil {
		ml.Close()
		c.transferFailed(target, err.Error())
		return
	}
	o.leg = leg
	c.offers[id] = o
	// Queued is the phase whose rules fit a caller waiting for someone to
	// answer: hanging up abandons, the ringing leg is cancelled.
	c.phase = phaseQueued
	c.queuedAt = c.sw.now()
	c.playOnCaller(c.sw.promptWAVs(announcementRefs(c.lang, "hold")), true)
	c.sw.publish(c.event("call.transferred", func(e *cti.Event) { e.Reason = target }))
}

// onDirectLeg follows a direct transfer leg until it answers or fails.
func (c *Call) onDirectLeg(o *offer, ev any) {
	switch e := ev.(type) {
	case hsip.EvFailed:
		delete(c.offers, o.id)
		o.media.Close()
		c.log.Info("transfer target did not answer", "target", o.target, "status", e.Status)
		c.end("switch", fmt.Sprintf("transfer_%d", e.Status), "failed")
	case hsip.EvAnswered:
		delete(c.offers, o.id)
		if err := c.sw.trunkAnswered(o.media, e.SDP, o.key); err != nil || c.phase != phaseQueued {
			o.leg.Hangup()
			o.media.Close()
			c.end("switch", "transfer_bad_sdp", "failed")
			return
		}
		c.stopPlayback()
		c.agent = o
		c.phase = phaseConnected
		c.bridge = media.Bridge(c.caller, o.media)
		now := c.sw.now()
		c.answeredAt = now
		c.mergeVars(map[string]string{"transferred_to": o.target})
		c.updateRecord(store.CallUpdate{AnsweredAt: &now, Data: c.vars})
		c.sw.publish(c.event("call.connected", func(e *cti.Event) { e.Reason = o.target }))
		c.log.Info("connected", "target", o.target)
	}
}

// agentQueue is the first queue (by name) whose skills agent id has: where
// a call asked for that person waits and is counted.
func (sw *Switch) agentQueue(id string) string {
	cfg := sw.cfg()
	var skills map[string]int
	for _, a := range cfg.Agents {
		if a.ID == id {
			skills = a.Skills
		}
	}
	if skills == nil {
		return ""
	}
	best := ""
	for _, q := range cfg.Queues {
		ok := true
		for s, lvl := range q.Skills {
			if skills[s] < lvl {
				ok = false
			}
		}
		if ok && (best == "" || q.Name < best) {
			best = q.Name
		}
	}
	return best
}
