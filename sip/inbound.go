package sip

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Events a leg reports to its owner (the call actor). They arrive on the
// function given to SetEvents, from SIP goroutines: the owner must only
// post them to its inbox.
type (
	// EvCancelled: the caller sent CANCEL before we answered.
	EvCancelled struct{}
	// EvBye: the far end hung up.
	EvBye struct{}
	// EvAckTimeout: our 200 OK was never acknowledged; the leg is dead.
	EvAckTimeout struct{}
	// EvSessionExpired: the session timer ran out without a refresh; the
	// leg has already sent BYE.
	EvSessionExpired struct{}
	// EvReInvite: a re-INVITE or UPDATE with SDP; the owner must call
	// Accept or Reject exactly once.
	EvReInvite struct{ *ReInvite }
	// EvDTMF: a digit from SIP INFO.
	EvDTMF struct{ Digit rune }
	// EvRinging: the agent's phone rings (180/183).
	EvRinging struct{}
	// EvAnswered: the agent answered; SDP is its answer.
	EvAnswered struct{ SDP []byte }
	// EvOfferAnswered: the far end answered Hotline's own in-dialog offer
	// (a session refresh by re-INVITE); SDP is its media, perhaps moved.
	EvOfferAnswered struct{ SDP []byte }
	// EvFailed: the outbound INVITE failed (busy, declined, unreachable,
	// timeout); Status is the SIP status or 408/503 for transport failures.
	EvFailed struct {
		Status int
		Reason string
	}
)

// ReInvite is a pending in-dialog offer the owner answers.
type ReInvite struct {
	SDP   []byte
	reply chan reinviteReply
}

type reinviteReply struct {
	code int
	sdp  []byte
}

// Accept answers the offer with 200 OK and an SDP answer.
func (r *ReInvite) Accept(sdp []byte) { r.send(reinviteReply{200, sdp}) }

// Reject answers with an error status (488 for an unacceptable offer).
func (r *ReInvite) Reject(code int) { r.send(reinviteReply{code, nil}) }

func (r *ReInvite) send(v reinviteReply) {
	select {
	case r.reply <- v:
	default: // already answered or timed out
	}
}

// emitter queues events until the owner installs its function.
type emitter struct {
	mu      sync.Mutex
	fn      func(any)
	pending []any
}

func (e *emitter) SetEvents(fn func(any)) {
	e.mu.Lock()
	p := e.pending
	e.fn, e.pending = fn, nil
	e.mu.Unlock()
	for _, ev := range p {
		fn(ev)
	}
}

func (e *emitter) emit(ev any) {
	e.mu.Lock()
	fn := e.fn
	if fn == nil {
		e.pending = append(e.pending, ev)
	}
	e.mu.Unlock()
	if fn != nil {
		fn(ev)
	}
}

// InboundLeg is the caller's side of a call: a trunk INVITE we answer.
type InboundLeg struct {
	emitter
	s  *Server
	ds *sipgo.DialogServerSession
	tx sip.ServerTransaction

	Trunk string
	// Agent is set when an agent's own phone placed the call (authenticated
	// as that agent); Trunk is then empty.
	Agent     string
	ANI       string // calling number (From user)
	DNIS      string // dialled number (Request-URI user)
	SIPCallID string
	Offer     []byte // the INVITE's SDP
	Source    string // ip:port the INVITE came from
	Transport string

	st        *sessionTimer // nil: no session timer on this call
	refreshCh chan struct{}
	updateOK  bool // the INVITE's Allow lists UPDATE: refresh by UPDATE, else re-INVITE
	offers    offerState

	mu       sync.Mutex
	final    bool // a final response was sent
	answered bool
	ended    bool
	txDone   chan struct{}
	txOnce   sync.Once
	acked    chan struct{} // closed by the ACK of our 200
	ackOnce  sync.Once
	lostOnce sync.Once // EvAckTimeout is reported once
}

func newInboundLeg(s *Server, trunk string, req *sip.Request, tx sip.ServerTransaction, ds *sipgo.DialogServerSession) *InboundLeg {
	l := &InboundLeg{
		s: s, ds: ds, tx: tx, Trunk: trunk,
		DNIS: req.Recipient.User, SIPCallID: req.CallID().Value(),
		Offer: req.Body(), Source: req.Source(), Transport: req.Transport(),
		txDone: make(chan struct{}), refreshCh: make(chan struct{}, 1), acked: make(chan struct{}),
	}
	if f := req.From(); f != nil {
		l.ANI = f.Address.User
	}
	l.updateOK = allows(req, sip.UPDATE)
	tx.OnCancel(func(*sip.Request) {
		l.mu.Lock()
		l.final, l.ended = true, true
		l.mu.Unlock()
		l.emit(EvCancelled{})
	})
	go func() {
		<-tx.Done()
		l.mu.Lock()
		answered := l.answered
		l.mu.Unlock()
		if !answered {
			l.endTx()
			s.forget(ds.ID)
		}
	}()
	return l
}

// Secure reports whether the INVITE came over an encrypted transport (SIP
// over TLS), where SDP may carry SRTP keys.
func (l *InboundLeg) Secure() bool {
	return strings.EqualFold(l.Transport, "tls") || strings.EqualFold(l.Transport, "wss")
}

func (l *InboundLeg) endTx() { l.txOnce.Do(func() { close(l.txDone) }) }

// Ringing sends 180.
func (l *InboundLeg) Ringing() error {
	return l.ds.Respond(180, "Ringing", nil)
}

// Answer sends 200 OK with our SDP; the ACK wait happens in the background
// and a missing ACK is reported as EvAckTimeout.
func (l *InboundLeg) Answer(sdp []byte) error {
	l.mu.Lock()
	if l.final {
		l.mu.Unlock()
		return ErrLegEnded
	}
	l.final, l.answered = true, true
	l.mu.Unlock()
	l.offers.setLocal(sdp)
	go func() {
		defer l.endTx()
		res := sip.NewSDPResponseFromRequest(l.ds.InviteRequest, sdp)
		if l.st != nil {
			for _, h := range l.st.responseHeaders() {
				res.AppendHeader(h)
			}
		}
		if err := l.ds.WriteResponse(res); err != nil {
			l.ackLost(err.Error())
			return
		}
		if l.st != nil {
			go l.watchSession()
		}
	}()
	// The stack retransmits the 200 but never gives up on a missing ACK by
	// itself (RFC 3261 §13.3.1.4: after 64*T1 the session must be ended).
	go func() {
		t := time.NewTimer(64 * sip.T1)
		defer t.Stop()
		select {
		case <-l.acked:
		case <-t.C:
			l.ackLost("no ACK within 64*T1")
		}
	}()
	return nil
}

// ackLost reports (once) that the caller never acknowledged our answer,
// unless the leg ended otherwise meanwhile (a BYE ends the wait too).
func (l *InboundLeg) ackLost(why string) {
	select {
	case <-l.acked:
		return
	default:
	}
	l.mu.Lock()
	ended := l.ended
	l.mu.Unlock()
	if ended {
		return
	}
	l.lostOnce.Do(func() {
		l.s.log.Warn("answer not acknowledged", "call_id", l.SIPCallID, "error", why)
		l.emit(EvAckTimeout{})
	})
}

// Reject sends a final error response to an unanswered INVITE.
func (l *InboundLeg) Reject(code int, reason string) { l.reject(code, reason) }

// RejectRetryAfter refuses with a Retry-After: the caller's side may try
// again after that many seconds (503 under overload).
func (l *InboundLeg) RejectRetryAfter(code int, reason string, seconds int) {
	l.reject(code, reason, sip.NewHeader("Retry-After", strconv.Itoa(seconds)))
}

func (l *InboundLeg) reject(code int, reason string, headers ...sip.Header) {
	l.mu.Lock()
	if l.final {
		l.mu.Unlock()
		return
	}
	l.final, l.ended = true, true
	l.mu.Unlock()
	go func() {
		defer l.endTx()
		_ = l.ds.Respond(code, reason, nil, headers...)
		l.s.forget(l.ds.ID)
	}()
}

// Hangup ends the leg from our side: BYE when answered, 480 before.
func (l *InboundLeg) Hangup() {
	l.mu.Lock()
	if !l.answered {
		l.mu.Unlock()
		l.Reject(480, "Temporarily Unavailable")
		return
	}
	if l.ended {
		l.mu.Unlock()
		return
	}
	l.ended = true
	l.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := l.ds.Bye(ctx); err != nil {
			// The call is already ended and recorded: a BYE that gets no
			// answer changes nothing but the log.
			l.s.log.Info("bye unanswered", "call_id", l.SIPCallID, "error", err)
		}
		l.s.forget(l.ds.ID)
	}()
}

func (l *InboundLeg) onAck(req *sip.Request, tx sip.ServerTransaction) {
	if l.ds.ReadAck(req, tx) == nil {
		l.ackOnce.Do(func() { close(l.acked) })
	}
}

func (l *InboundLeg) onBye(req *sip.Request, tx sip.ServerTransaction) {
	l.mu.Lock()
	already := l.ended
	l.ended = true
	l.mu.Unlock()
	if err := l.ds.ReadBye(req, tx); err != nil {
		l.s.respond(req, tx, 200, "OK", nil)
	}
	l.s.forget(l.ds.ID)
	if !already {
		l.emit(EvBye{})
	}
}

func (l *InboundLeg) onReInvite(req *sip.Request, tx sip.ServerTransaction) {
	handleReInvite(l.s, &l.emitter, &l.offers, req, tx, l.refreshed)
}

func (l *InboundLeg) onInfo(req *sip.Request, tx sip.ServerTransaction) {
	handleInfo(l.s, &l.emitter, req, tx)
}

// handleReInvite hands an in-dialog offer to the owner and waits (bounded)
// for its answer, since the transaction must be answered from this handler.
// refreshed, when set, is told of an accepted offer (a session refresh) and
// gives the headers the 200 must carry.
func handleReInvite(s *Server, e *emitter, offers *offerState, req *sip.Request, tx sip.ServerTransaction, refreshed func() []sip.Header) {
	if code := offers.admit(req.Method); code != 0 {
		// Offers crossed (491) or this one overlaps one we are still
		// answering (500): the far end retries after a random wait.
		s.log.Info("in-dialog offer refused", "method", req.Method.String(), "status", code, "call_id", req.CallID().Value())
		if code == 491 {
			s.respond(req, tx, 491, "Request Pending", nil)
		} else {
			s.respond(req, tx, 500, "Server Internal Error", nil, sip.NewHeader("Retry-After", "1"))
		}
		return
	}
	var gave []byte
	defer func() { offers.answered(gave) }()
	ri := &ReInvite{SDP: req.Body(), reply: make(chan reinviteReply, 1)}
	if len(ri.SDP) == 0 {
		// An offerless re-INVITE (session refresh) needs our offer in the
		// 200; the owner gives it like any answer.
		ri.SDP = nil
	}
	e.emit(EvReInvite{ri})
	select {
	case r := <-ri.reply:
		if r.code == 200 {
			gave = r.sdp
			res := sip.NewSDPResponseFromRequest(req, r.sdp)
			if req.Method == sip.INVITE {
				res.AppendHeader(&sip.ContactHeader{Address: s.contact(req.Transport()).Address})
			}
			if refreshed != nil {
				for _, h := range refreshed() {
					res.AppendHeader(h)
				}
			}
			_ = tx.Respond(res)
			return
		}
		s.respond(req, tx, r.code, reasonPhrase(r.code), nil)
	case <-time.After(5 * time.Second):
		ri.send(reinviteReply{}) // mark answered so a late reply is dropped
		s.respond(req, tx, 500, "Server Internal Error", nil, sip.NewHeader("Retry-After", "1"))
	}
}

func handleInfo(s *Server, e *emitter, req *sip.Request, tx sip.ServerTransaction) {
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	d, ok, err := ParseInfoDTMF(ct, req.Body())
	switch {
	case err != nil:
		s.respond(req, tx, 400, "Bad Request", nil)
	case !ok:
		// Not DTMF: media control or an unknown package; decline politely.
		s.respond(req, tx, 415, "Unsupported Media Type", nil,
			sip.NewHeader("Accept", "application/dtmf-relay, application/dtmf"))
	default:
		s.respond(req, tx, 200, "OK", nil)
		e.emit(EvDTMF{Digit: d})
	}
}
