package call

import (
	"context"
	"time"

	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/config"
	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/store"
)

// Callbacks keep the caller's place: the waiting caller presses the queue's
// callback key, hears a confirmation and hangs up; the ACD keeps the ticket
// in line and, at its turn, reserves an agent and asks for the dial-out
// (DialCallback), which rings the agent and then the customer's number
// through the queue's callback trunk.

func (sw *Switch) queueConfig(name string) *config.Queue {
	cfg := sw.cfg()
	for i := range cfg.Queues {
		if cfg.Queues[i].Name == name {
			return &cfg.Queues[i]
		}
	}
	return nil
}

// requestCallback turns the waiting caller into a callback ticket.
func (c *Call) requestCallback() {
	c.sw.acd.post(acd.CallbackRequested{CallID: c.id, Number: c.in.ANI})
	c.cancelOffers("callback")
	c.log.Info("callback requested", "number", c.in.ANI, "queue", c.queue)
	c.phase = phaseSurvey // from here the caller only hears the confirmation
	c.ivr = nil
	c.announcing = false
	c.playOnCaller(c.sw.promptWAVs(announcementRefs(c.lang, "callback_prompt", "goodbye")), false)
	c.callbackBye = true
}

// callback places a DialCallback: agent first, then the customer.
func (sw *Switch) callback(d acd.DialCallback) {
	q := sw.queueConfig(d.Queue)
	var trunk *config.Trunk
	if q != nil {
		for i, t := range sw.cfg().Trunks {
			if t.Name == q.CallbackTrunk && t.Outbound != nil {
				trunk = &sw.cfg().Trunks[i]
			}
		}
	}
	if trunk == nil {
		sw.acd.post(acd.OfferFailed{OfferID: d.OfferID, Reason: "no_callback_trunk"})
		return
	}
	o := &outCall{sw: sw, id: newCallID(), agent: d.AgentID, num: d.Number, trunk: *trunk, offerID: d.OfferID,
		ticket: d.CallID, inbox: make(chan any, 64)}
	o.log = sw.log.With("call", o.id, "direction", "callback")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	err := sw.store.CreateCall(ctx, store.Call{ID: o.id, ANI: trunk.Outbound.CallerID, DNIS: d.Number, Trunk: trunk.Name,
		Flow: "callback", Queue: d.Queue, AgentID: d.AgentID, ArrivedAt: sw.now(),
		Data: map[string]string{"direction": "outbound", "callback_for": d.CallID}})
	cancel()
	if err != nil {
		sw.acd.post(acd.OfferFailed{OfferID: d.OfferID, Reason: "store"})
		return
	}
	sw.mu.Lock()
	sw.wg.Add(1)
	sw.outs[o.id] = o
	sw.mu.Unlock()
	sw.publish(cti.Event{Kind: "call.originated", CallID: o.id, AgentID: d.AgentID, DNIS: d.Number, Queue: d.Queue,
		Trunk: trunk.Name, Reason: "callback"})
	o.log.Info("calling back", "agent", d.AgentID, "number", d.Number, "queue", d.Queue)
	go o.run()
}
