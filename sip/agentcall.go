package sip

import (
	"net/url"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// Calls placed by agents' phones (a consultation dialled from the phone
// before an attended transfer): an INVITE whose From is an agent with a
// live registration from the same source address is the agent's, not a
// carrier's. It must carry the agent's digest credentials like REGISTER.
// The handler gets it as an InboundLeg with Agent set.

// agentCaller reports the agent whose registered phone sent req.
func (s *Server) agentCaller(req *sip.Request) (string, bool) {
	f := req.From()
	if f == nil || f.Address.User == "" {
		return "", false
	}
	b, ok := s.Lookup(f.Address.User)
	if !ok || b.Source != req.Source() {
		return "", false
	}
	return f.Address.User, true
}

// authAgent checks an INVITE's digest against the agents' passwords and
// answers it itself (ban, challenge, 403) when it fails; want, when set, is
// the only agent the credentials may be for.
func (s *Server) authAgent(req *sip.Request, tx sip.ServerTransaction, want string) (string, bool) {
	if s.guard.banned(req.Source(), s.now()) {
		s.respond(req, tx, 403, "Forbidden", nil)
		return "", false
	}
	user, err := s.digest.verify(authorization(req), "INVITE", s.agentPassword)
	if err != nil {
		s.challenge(req, tx, err, user)
		return "", false
	}
	if want != "" && user != want {
		s.respond(req, tx, 403, "Forbidden", nil)
		return "", false
	}
	return user, true
}

// InboundByDialog returns the inbound leg of a dialog named as in a
// Replaces header (RFC 3891): the dialog's Call-ID, our tag (to-tag) and
// the phone's (from-tag).
func (s *Server) InboundByDialog(r Replaces) (*InboundLeg, bool) {
	v, ok := s.legs.Load(sip.DialogIDMake(r.CallID, r.ToTag, r.FromTag))
	if !ok {
		return nil, false
	}
	l, ok := v.(*InboundLeg)
	return l, ok
}

// Replaces names a dialog to take over (RFC 3891).
type Replaces struct {
	CallID, ToTag, FromTag string
}

// parseReplaces reads the Replaces header embedded in a Refer-To URI
// (…?Replaces=callid%3Bto-tag%3Dx%3Bfrom-tag%3Dy); ok is false when there
// is none or it lacks a tag.
func parseReplaces(u sip.Uri) (Replaces, bool) {
	if u.Headers == nil {
		return Replaces{}, false
	}
	var raw string
	for _, k := range []string{"Replaces", "replaces"} {
		if v, ok := u.Headers.Get(k); ok {
			raw = v
		}
	}
	if raw == "" {
		return Replaces{}, false
	}
	if v, err := url.PathUnescape(raw); err == nil {
		raw = v
	}
	parts := strings.Split(raw, ";")
	r := Replaces{CallID: strings.TrimSpace(parts[0])}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch strings.ToLower(k) {
		case "to-tag":
			r.ToTag = v
		case "from-tag":
			r.FromTag = v
		}
	}
	return r, r.CallID != "" && r.ToTag != "" && r.FromTag != ""
}
