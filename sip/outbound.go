package sip

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// DialRequest describes an outbound INVITE to an agent's phone.
type DialRequest struct {
	AgentID  string
	FromUser string // caller's number, shown on the agent's phone
	FromName string
	SDP      []byte
	Headers  map[string]string // e.g. X-Hotline-Queue for phones that display it
}

// OutboundLeg is the agent's side of a call: an INVITE we send.
type OutboundLeg struct {
	emitter
	s      *Server
	dc     *sipgo.DialogClientSession
	ctx    context.Context
	cancel context.CancelFunc

	AgentID string
	bound   Binding // the registration rung; zero for trunk calls
	offers  offerState

	mu       sync.Mutex
	answered bool
	ended    bool
}

// Dial rings an agent's registered phone. Progress arrives on events as
// EvRinging, then EvAnswered or EvFailed; later EvBye, EvReInvite, EvDTMF.
func (s *Server) Dial(r DialRequest, events func(any)) (*OutboundLeg, error) {
	b, ok := s.Lookup(r.AgentID)
	if !ok {
		return nil, ErrNotRegistered
	}
	target := *b.Contact.Clone()
	// Send to where the REGISTER came from: the Contact may be a private
	// address behind NAT; the source is what reaches the phone.
	return s.dial(target, b.Source, b, r, events)
}

// TrunkDial is an outbound call to a number through a carrier trunk.
type TrunkDial struct {
	Addr      string // the carrier's signalling address, host:port
	Transport string // udp (default) or tcp
	Number    string // dialled number (Request-URI user)
	CallerID  string // our number shown to the customer (From user)
	SDP       []byte
}

// DialTrunk sends an INVITE for a number to a carrier. The caller has
// checked the dial rules: the SIP layer only carries the call.
func (s *Server) DialTrunk(d TrunkDial, events func(any)) (*OutboundLeg, error) {
	host, port, err := sip.ParseAddr(d.Addr)
	if err != nil {
		return nil, &Error{Status: 500, Reason: "Server Internal Error", Err: err}
	}
	target := sip.Uri{Scheme: "sip", User: d.Number, Host: host, Port: port}
	if d.Transport != "" && !strings.EqualFold(d.Transport, "udp") {
		target.UriParams = sip.NewParams()
		target.UriParams.Add("transport", strings.ToLower(d.Transport))
	}
	return s.dial(target, d.Addr, Binding{}, DialRequest{FromUser: d.CallerID, SDP: d.SDP}, events)
}

func (s *Server) dial(target sip.Uri, destination string, bound Binding, r DialRequest, events func(any)) (*OutboundLeg, error) {
	agentID := bound.AgentID
	transport := "UDP"
	if target.UriParams != nil {
		if t, ok := target.UriParams.Get("transport"); ok && t != "" {
			transport = strings.ToUpper(t)
		}
	}
	req := sip.NewRequest(sip.INVITE, target)
	req.SetTransport(transport)
	req.SetDestination(destination)
	s.mu.RLock()
	if transport == "UDP" && s.udpAddr != nil {
		req.Laddr = sip.Addr{IP: s.udpAddr.IP, Port: s.udpAddr.Port}
	}
	host := s.cfg.PublicIP
	s.mu.RUnlock()
	from := &sip.FromHeader{DisplayName: r.FromName, Address: sip.Uri{Scheme: "sip", User: r.FromUser, Host: host}}
	from.Params = sip.NewParams()
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	toUser := target.User
	if agentID != "" {
		toUser = agentID
	}
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: toUser, Host: target.Host}})
	for k, v := range r.Headers {
		req.AppendHeader(sip.NewHeader(k, v))
	}
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(r.SDP)
	c := s.contact(transport)
	req.AppendHeader(&c)

	ctx, cancel := context.WithCancel(context.Background())
	l := &OutboundLeg{s: s, AgentID: agentID, bound: bound, ctx: ctx, cancel: cancel}
	l.SetEvents(events)
	// A browser's Contact host is a made-up .invalid name (RFC 7118): its
	// in-dialog requests go back down the WebSocket the 200 OK came on.
	ws := strings.HasPrefix(transport, "WS")
	dua := &sipgo.DialogUA{Client: s.client, ContactHDR: c, RewriteContact: ws}
	dc, err := dua.WriteInvite(ctx, req)
	if err != nil {
		cancel()
		return nil, &Error{Status: 503, Reason: "Service Unavailable", Err: err}
	}
	l.dc = dc
	go l.wait()
	return l, nil
}

func (l *OutboundLeg) wait() {
	err := l.dc.WaitAnswer(l.ctx, sipgo.AnswerOptions{
		OnResponse: func(res *sip.Response) error {
			if res.StatusCode == 180 || res.StatusCode == 183 {
				l.emit(EvRinging{})
			}
			return nil
		},
	})
	if err != nil {
		l.mu.Lock()
		l.ended = true
		l.mu.Unlock()
		var de *sipgo.ErrDialogResponse
		switch {
		case errors.As(err, &de):
			l.emit(EvFailed{Status: de.Res.StatusCode, Reason: de.Res.Reason})
		case l.ctx.Err() != nil:
			l.emit(EvFailed{Status: 487, Reason: "Request Terminated"})
		default:
			l.emit(EvFailed{Status: 408, Reason: err.Error()})
		}
		return
	}
	l.mu.Lock()
	cancelled := l.ended
	l.answered = true
	l.mu.Unlock()
	l.s.legs.Store(l.dc.ID, l)
	if err := l.dc.Ack(context.Background()); err != nil {
		l.s.log.Warn("ack to agent failed", "agent", l.AgentID, "error", err)
	}
	if cancelled {
		// CANCEL crossed the 200 OK: the call was answered anyway, so end
		// it properly with a BYE (RFC 3261 §9.1).
		l.bye()
		l.emit(EvFailed{Status: 487, Reason: "Request Terminated"})
		return
	}
	l.emit(EvAnswered{SDP: l.dc.InviteResponse.Body()})
}

// Hangup cancels a ringing leg or sends BYE to an answered one.
func (l *OutboundLeg) Hangup() {
	l.mu.Lock()
	if l.ended {
		l.mu.Unlock()
		return
	}
	l.ended = true
	answered := l.answered
	l.mu.Unlock()
	if !answered {
		l.cancel() // WaitAnswer sends CANCEL
		return
	}
	go l.bye()
}

func (l *OutboundLeg) bye() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.dc.Bye(ctx); err != nil {
		l.s.log.Info("bye unanswered", "agent", l.AgentID, "call_id", l.dc.InviteRequest.CallID().Value(), "error", err)
		if l.AgentID != "" && unanswered(err) {
			l.s.phoneUnreachable(l.bound, err)
		}
	}
	l.s.forget(l.dc.ID)
	l.cancel()
}

func (l *OutboundLeg) onAck(*sip.Request, sip.ServerTransaction) {}

func (l *OutboundLeg) onBye(req *sip.Request, tx sip.ServerTransaction) {
	l.mu.Lock()
	already := l.ended
	l.ended = true
	l.mu.Unlock()
	if err := l.dc.ReadBye(req, tx); err != nil {
		l.s.respond(req, tx, 200, "OK", nil)
	}
	l.s.forget(l.dc.ID)
	l.cancel()
	if !already {
		l.emit(EvBye{})
	}
}

func (l *OutboundLeg) onReInvite(req *sip.Request, tx sip.ServerTransaction) {
	handleReInvite(l.s, &l.emitter, &l.offers, req, tx, nil)
}

func (l *OutboundLeg) onInfo(req *sip.Request, tx sip.ServerTransaction) {
	handleInfo(l.s, &l.emitter, req, tx)
}
