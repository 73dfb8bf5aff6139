package sip

import (
	"context"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Blind transfer (RFC 3515): an agent's phone sends REFER inside the call
// with the target in Refer-To. The owner decides; Accept answers 202 and
// reports the outcome to the phone with a NOTIFY carrying a sipfrag.

// EvRefer: the agent's phone asks to transfer the call to Target (the user
// part of Refer-To: a queue name, a number). Exactly one of Accept or
// Reject must be called.
type EvRefer struct {
	Target string
	// Replaces is set for an attended transfer (RFC 3891): the phone's
	// other call, whose far party should take this call over.
	Replaces *Replaces
	reply    chan int
}

// Accept answers 202 Accepted; the phone then hangs up its leg.
func (e EvRefer) Accept() { e.send(202) }

// Reject refuses the transfer (403, 404…).
func (e EvRefer) Reject(code int) { e.send(code) }

func (e EvRefer) send(code int) {
	select {
	case e.reply <- code:
	default:
	}
}

func (l *OutboundLeg) onRefer(req *sip.Request, tx sip.ServerTransaction) {
	rt := req.ReferTo()
	if rt == nil {
		l.s.respond(req, tx, 400, "Bad Request (missing Refer-To)", nil)
		return
	}
	ev := EvRefer{Target: rt.Address.User, reply: make(chan int, 1)}
	if r, ok := parseReplaces(rt.Address); ok {
		ev.Replaces = &r
	}
	l.emit(ev)
	var code int
	select {
	case code = <-ev.reply:
	case <-time.After(5 * time.Second):
		ev.send(0)
		code = 500
	}
	l.s.respond(req, tx, code, reasonPhrase(code), nil)
	if code != 202 {
		return
	}
	// Tell the phone the transfer went through (the caller is now the
	// switch's to place), so it releases its leg.
	go func() {
		n := sip.NewRequest(sip.NOTIFY, l.dc.InviteResponse.Contact().Address)
		n.AppendHeader(sip.NewHeader("Event", "refer"))
		n.AppendHeader(sip.NewHeader("Subscription-State", "terminated;reason=noresource"))
		n.AppendHeader(sip.NewHeader("Content-Type", "message/sipfrag;version=2.0"))
		n.SetBody([]byte("SIP/2.0 200 OK\r\n"))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := l.dc.Do(ctx, n); err != nil {
			l.s.log.Debug("refer notify failed", "agent", l.AgentID, "error", err)
		}
	}()
}

func (s *Server) handleRefer(req *sip.Request, tx sip.ServerTransaction) {
	if l, ok := s.lookupLeg(req).(*OutboundLeg); ok {
		l.onRefer(req, tx)
		return
	}
	s.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
}
