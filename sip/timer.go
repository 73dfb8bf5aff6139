package sip

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Session timers (RFC 4028) end calls whose far end died without a BYE: one
// side refreshes the session (re-INVITE or UPDATE) every interval, and the
// other hangs up when the refreshes stop. Hotline takes the interval the
// caller asks for (refusing one below Min-SE with 422) and, when the caller
// supports timers but asked for none, proposes its own.

// TimerConfig is the switch's session-timer policy.
type TimerConfig struct {
	Expires time.Duration // interval proposed to callers that support timers; 0 = never propose
	MinSE   time.Duration // shortest interval accepted (RFC 4028: at least 90 s)
}

// sessionTimer is what was agreed for one call.
type sessionTimer struct {
	interval  time.Duration
	refresher string // "uac": the caller refreshes; "uas": Hotline does
	require   bool   // the caller supports timers: the 200 says Require: timer
}

// timerOffer is what an INVITE says about session timers.
type timerOffer struct {
	expires   time.Duration // Session-Expires, 0 when absent
	refresher string        // its refresher parameter, "" when absent
	minSE     time.Duration // Min-SE, 0 when absent
	supported bool          // "timer" in Supported or Require
	bad       bool          // Session-Expires present but unreadable
}

// negotiateTimer decides the session timer of a call; reject is the Min-SE
// to send back with 422 when the caller's interval is too short.
func negotiateTimer(o timerOffer, cfg TimerConfig) (st *sessionTimer, reject time.Duration) {
	minSE := max(cfg.MinSE, o.minSE)
	switch {
	case o.expires > 0 && o.expires < cfg.MinSE:
		return nil, cfg.MinSE
	case o.expires > 0:
		st = &sessionTimer{interval: o.expires, refresher: o.refresher, require: o.supported}
	case o.supported && cfg.Expires > 0:
		st = &sessionTimer{interval: max(cfg.Expires, minSE), refresher: "uac", require: true}
	default:
		return nil, 0
	}
	if st.refresher == "" {
		// The caller did not say: it refreshes if it can, else Hotline does.
		st.refresher = "uas"
		if o.supported {
			st.refresher = "uac"
		}
	}
	return st, 0
}

// readTimerOffer reads the timer headers of an INVITE (long or compact
// forms).
func readTimerOffer(req *sip.Request) timerOffer {
	var o timerOffer
	se := header(req, "Session-Expires", "x")
	if se != "" {
		val, params, _ := strings.Cut(se, ";")
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil || n <= 0 {
			o.bad = true
		} else {
			o.expires = time.Duration(n) * time.Second
		}
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "refresher") {
				o.refresher = strings.ToLower(strings.TrimSpace(v))
			}
		}
		if o.refresher != "" && o.refresher != "uac" && o.refresher != "uas" {
			o.bad = true
		}
	}
	if v := header(req, "Min-SE", ""); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(v, ";", 2)[0])); err == nil && n > 0 {
			o.minSE = time.Duration(n) * time.Second
		}
	}
	o.supported = listsToken(headers(req, "Supported", "k"), "timer") || listsToken(headers(req, "Require", ""), "timer")
	return o
}

func header(req *sip.Request, long, compact string) string {
	if h := req.GetHeader(long); h != nil {
		return h.Value()
	}
	if compact != "" {
		if h := req.GetHeader(compact); h != nil {
			return h.Value()
		}
	}
	return ""
}

func headers(req *sip.Request, long, compact string) []string {
	var out []string
	for _, h := range req.GetHeaders(long) {
		out = append(out, h.Value())
	}
	if compact != "" {
		for _, h := range req.GetHeaders(compact) {
			out = append(out, h.Value())
		}
	}
	return out
}

// responseHeaders are the timer headers of a 2xx to the INVITE or to a
// refresh.
func (st *sessionTimer) responseHeaders() []sip.Header {
	hs := []sip.Header{sip.NewHeader("Session-Expires",
		strconv.Itoa(int(st.interval/time.Second))+";refresher="+st.refresher)}
	if st.require {
		hs = append(hs, sip.NewHeader("Require", "timer"))
	}
	return hs
}

// deadline is how long after the last refresh the session is dead: the
// interval less min(32 s, a third of it) (RFC 4028 section 10), so Hotline's
// BYE goes out before the caller's own timer fires.
func (st *sessionTimer) deadline() time.Duration {
	return st.interval - min(32*time.Second, st.interval/3)
}

// sessionTimer reads an INVITE's timer headers under the current policy; it
// answers 400 or 422 itself and reports false when the INVITE is refused.
func (s *Server) sessionTimer(req *sip.Request, tx sip.ServerTransaction) (*sessionTimer, bool) {
	o := readTimerOffer(req)
	if o.bad {
		s.respond(req, tx, 400, "Bad Request (Session-Expires)", nil)
		return nil, false
	}
	s.mu.RLock()
	cfg := s.cfg.Timers
	s.mu.RUnlock()
	st, reject := negotiateTimer(o, cfg)
	if reject > 0 {
		s.respond(req, tx, 422, "Session Interval Too Small", nil,
			sip.NewHeader("Min-SE", strconv.Itoa(int(reject/time.Second))))
		return nil, false
	}
	return st, true
}

// refreshable legs keep a session timer that in-dialog offers refresh.
type refreshable interface{ refreshed() []sip.Header }

// refreshed notes a session refresh and returns the headers of its 200.
func (l *InboundLeg) refreshed() []sip.Header {
	if l.st == nil {
		return nil
	}
	select {
	case l.refreshCh <- struct{}{}:
	default:
	}
	return l.st.responseHeaders()
}

// watchSession ends the call when the session is no longer refreshed: by
// the caller (refresher=uac), or by Hotline's own UPDATE going unanswered
// (refresher=uas).
func (l *InboundLeg) watchSession() {
	wait := l.st.deadline()
	if l.st.refresher == "uas" {
		wait = l.st.interval / 2
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-l.refreshCh:
		case <-t.C:
			if l.st.refresher == "uas" && l.refresh() {
				break
			}
			l.mu.Lock()
			gone := l.ended
			l.mu.Unlock()
			if !gone {
				l.s.log.Warn("session timer expired", "call_id", l.SIPCallID, "interval", l.st.interval, "refresher", l.st.refresher)
				l.Hangup()
				l.emit(EvSessionExpired{})
			}
			return
		case <-l.ds.Context().Done():
			return
		}
		l.mu.Lock()
		gone := l.ended
		l.mu.Unlock()
		if gone {
			return
		}
		t.Reset(wait)
	}
}

// requestHeaders are the timer headers of Hotline's own refresh request:
// Hotline is its UAC and stays the refresher (RFC 4028 §7.4).
func (st *sessionTimer) requestHeaders() []sip.Header {
	return []sip.Header{
		sip.NewHeader("Session-Expires", strconv.Itoa(int(st.interval/time.Second))+";refresher=uac"),
		sip.NewHeader("Supported", "timer"),
	}
}

// refresh sends Hotline's session refresh and reports whether it
// succeeded: UPDATE without a body where the caller allows UPDATE, else a
// re-INVITE repeating our session description (every UA takes that). A
// refresh whose offer crosses the caller's own (491) is retried after the
// random wait of RFC 3261 §14.1.
func (l *InboundLeg) refresh() bool {
	method := sip.INVITE
	if l.updateOK {
		method = sip.UPDATE
	}
	for try := 0; ; try++ {
		code, err := l.sendRefresh(method)
		if err != nil {
			l.s.log.Warn("session refresh failed", "call_id", l.SIPCallID, "method", method.String(), "error", err)
			return false
		}
		switch nextRefresh(method, code, try) {
		case refreshDone:
			return true
		case refreshAsInvite:
			method = sip.INVITE
		case refreshRetry:
			wait := glareWait(false, rand.IntN(201)) // the caller chose the Call-ID
			l.s.log.Info("session refresh crossed; retrying", "call_id", l.SIPCallID, "status", code, "after", wait)
			select {
			case <-time.After(wait):
			case <-l.ds.Context().Done():
				return false
			}
		default:
			l.s.log.Warn("session refresh refused", "call_id", l.SIPCallID, "method", method.String(), "status", code)
			return false
		}
	}
}

// sendRefresh sends one refresh request and returns the final status.
func (l *InboundLeg) sendRefresh(method sip.RequestMethod) (int, error) {
	inv := l.ds.InviteRequest
	target := inv.Recipient
	if c := inv.Contact(); c != nil {
		target = c.Address
	}
	req := sip.NewRequest(method, target)
	for _, h := range l.st.requestHeaders() {
		req.AppendHeader(h)
	}
	if method == sip.INVITE {
		offer, ok := l.offers.begin()
		if !ok {
			// The caller's own offer is being answered: that exchange
			// refreshes the session.
			return 200, nil
		}
		defer l.offers.end()
		req.AppendHeader(&sip.ContactHeader{Address: l.s.contact(l.Transport).Address})
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(offer)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 32*time.Second)
	defer cancel()
	res, err := l.ds.Do(ctx, req)
	if err != nil {
		return 0, err
	}
	if method == sip.INVITE && res.IsSuccess() {
		// A 2xx to an INVITE is acknowledged end to end, by us.
		ack := sip.NewRequest(sip.ACK, target)
		ack.AppendHeader(&sip.CSeqHeader{SeqNo: res.CSeq().SeqNo, MethodName: sip.ACK})
		if err := l.ds.WriteRequest(ack); err != nil {
			l.s.log.Warn("ack of session refresh failed", "call_id", l.SIPCallID, "error", err)
		}
		if len(res.Body()) > 0 {
			l.emit(EvOfferAnswered{SDP: res.Body()})
		}
	}
	return res.StatusCode, nil
}

// allows reports whether a request's Allow header lists method.
func allows(req *sip.Request, method sip.RequestMethod) bool {
	return listsToken(headers(req, "Allow", ""), method.String())
}

// listsToken reports whether comma-separated header values (Allow,
// Supported, Require) name token, case-insensitively.
func listsToken(values []string, token string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
