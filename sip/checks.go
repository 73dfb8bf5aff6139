package sip

import (
	"strings"

	"github.com/emiago/sipgo/sip"
)

// supportedExtensions are the option tags Hotline implements; a request
// that Requires any other is refused with 420 (RFC 3261 §8.2.2.3). Add a
// tag here only together with the extension itself.
var supportedExtensions = map[string]bool{
	"timer":    true, // session timers (RFC 4028)
	"replaces": true, // attended transfer (RFC 3891)
}

// knownMethods are SIP methods Hotline recognises even where it does not
// serve them: those get 405 with Allow, anything else 501 (RFC 3261 §8.2.1,
// §21.5.2).
var knownMethods = map[string]bool{
	"INVITE": true, "ACK": true, "CANCEL": true, "BYE": true, "OPTIONS": true, "REGISTER": true,
	"INFO": true, "UPDATE": true, "REFER": true, "PRACK": true, "SUBSCRIBE": true, "NOTIFY": true,
	"MESSAGE": true, "PUBLISH": true,
}

// unservedStatus is the answer to a request no handler serves.
func unservedStatus(method string) (int, string) {
	if knownMethods[method] {
		return 405, "Method Not Allowed"
	}
	return 501, "Not Implemented"
}

// refusal is the answer a well-formed request still gets before any
// processing: an extension it requires that Hotline lacks (420), an INVITE
// out of hops (483: a B2BUA forwards the call, so it must stop loops) or
// one whose Accept rules out an SDP answer (406), a registration whose
// address of record is not a SIP URI (400). code 0: go on.
func refusal(req *sip.Request) (code int, reason string, hdrs []sip.Header) {
	if req.Method != sip.ACK && req.Method != sip.CANCEL {
		if bad := unsupported(req.GetHeaders("Require")); len(bad) > 0 {
			return 420, "Bad Extension", []sip.Header{sip.NewHeader("Unsupported", strings.Join(bad, ", "))}
		}
	}
	switch req.Method {
	case sip.INVITE:
		if mf := req.MaxForwards(); mf != nil && mf.Val() == 0 {
			return 483, "Too Many Hops", nil
		}
		if a := req.GetHeaders("Accept"); len(a) > 0 && !acceptsSDP(a) {
			return 406, "Not Acceptable", []sip.Header{sip.NewHeader("Accept", "application/sdp")}
		}
	case sip.REGISTER:
		if to := req.To(); to == nil || !isSIPScheme(to.Address.Scheme) {
			return 400, "Bad Request (To is not a SIP URI)", nil
		}
	}
	return 0, "", nil
}

// unsupported lists the required option tags Hotline does not implement.
func unsupported(require []sip.Header) []string {
	var bad []string
	for _, h := range require {
		for _, tag := range strings.Split(h.Value(), ",") {
			tag = strings.TrimSpace(tag)
			if tag != "" && !supportedExtensions[strings.ToLower(tag)] {
				bad = append(bad, tag)
			}
		}
	}
	return bad
}

// acceptsSDP reports whether Accept headers allow an application/sdp body.
func acceptsSDP(accept []sip.Header) bool {
	for _, h := range accept {
		if strings.TrimSpace(h.Value()) == "" {
			continue // an empty Accept
		}
		for _, t := range strings.Split(h.Value(), ",") {
			t, _, _ = strings.Cut(t, ";")
			switch strings.ToLower(strings.TrimSpace(t)) {
			case "application/sdp", "application/*", "*/*":
				return true
			}
		}
	}
	return false
}

func isSIPScheme(s string) bool { return strings.EqualFold(s, "sip") || strings.EqualFold(s, "sips") }

// refuse answers a request that refusal rejects; it reports whether it did.
func (s *Server) refuse(req *sip.Request, tx sip.ServerTransaction) bool {
	code, reason, hdrs := refusal(req)
	if code == 0 {
		return false
	}
	s.log.Info("request refused", "method", req.Method.String(), "source", req.Source(), "status", code, "reason", reason)
	s.respond(req, tx, code, reason, nil, hdrs...)
	return true
}

func init() {
	// The transport refuses to send any UDP message over 1300 bytes, yet a
	// response must go back the way its request came (RFC 3261 §18.2.2):
	// a long request (many Vias, long names) would otherwise get no answer
	// at all and its transaction would die. Let IP fragment instead.
	sip.UDPMTUSize = 65535
}
