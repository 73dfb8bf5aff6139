package sip

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// The SIP parser underneath drops a request it cannot read and lets some
// broken requests through (duplicate Call-ID, CSeq method mismatch, a body
// shorter than its Content-Length, an unknown SIP version). Hotline checks
// each datagram first and answers a broken request statelessly with the
// status RFC 3261 and the RFC 4475 torture tests call for (400 naming the
// fault, 416, 505), so the sender learns why and the switch goes on serving.

// fault is how a broken request is answered; code 0 means no fault.
type fault struct {
	code   int
	reason string // "Bad Request (bad CSeq)"
}

func badReq(what string) fault { return fault{400, "Bad Request (" + what + ")"} }

// singleValued headers may appear once (RFC 3261 §7.3.1, RFC 4475 multi01, mcl01).
var singleValued = []string{"From", "To", "Call-ID", "CSeq", "Max-Forwards", "Content-Length"}

// requestFault inspects a datagram. It returns method "" for a response or
// anything that is not a SIP request (left to the parser, which drops it);
// otherwise the request's method, its fault (code 0 when well formed) and
// its header lines by canonical name, unfolded, for the stateless answer.
func requestFault(data []byte) (method string, f fault, lines map[string]string) {
	head, body, blank := data, []byte(nil), false
	if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 {
		head, body, blank = data[:i], data[i+4:], true
	}
	all := strings.Split(string(head), "\r\n")
	start := all[0]
	parts := strings.Fields(start)
	if len(parts) < 2 || strings.HasPrefix(start, "SIP/") || !isToken(parts[0]) ||
		!strings.HasPrefix(strings.ToUpper(parts[len(parts)-1]), "SIP/") {
		return "", fault{}, nil
	}
	method = parts[0]
	lines = map[string]string{}
	counts := map[string]int{}
	var first fault // the first header fault found; later lines are still read for the answer
	var cur string  // header being unfolded
	flush := func() {
		if cur == "" {
			return
		}
		name, val, _ := strings.Cut(cur, ":")
		key := canonical(strings.TrimSpace(name))
		cur = ""
		if key == "" {
			return
		}
		counts[key]++
		if _, dup := lines[key]; !dup {
			lines[key] = strings.TrimSpace(name) + ": " + strings.TrimSpace(val)
		}
	}
	for _, l := range all[1:] {
		if l != "" && (l[0] == ' ' || l[0] == '\t') && cur != "" {
			cur += " " + strings.TrimSpace(l) // folded continuation (RFC 3261 §7.3.1)
			continue
		}
		flush()
		if l == "" {
			continue // the end of a datagram without the blank line
		}
		if _, _, ok := strings.Cut(l, ":"); !ok {
			if first.code == 0 {
				first = badReq("malformed header line")
			}
			continue
		}
		cur = l
	}
	flush()
	if _, hasVia := lines["Via"]; !hasVia {
		return method, badReq("missing Via"), lines
	}
	if v := parts[len(parts)-1]; v != "SIP/2.0" {
		return method, fault{505, "Version Not Supported"}, lines
	}
	if len(parts) != 3 || start != strings.Join(parts, " ") {
		return method, badReq("malformed Request-Line"), lines
	}
	if f := uriFault(parts[1]); f.code != 0 {
		return method, f, lines
	}
	if first.code != 0 {
		return method, first, lines
	}
	for _, h := range []string{"From", "To", "Call-ID", "CSeq"} {
		if _, ok := lines[h]; !ok {
			return method, badReq("missing " + h), lines
		}
	}
	for _, h := range singleValued {
		if counts[h] > 1 {
			return method, badReq("duplicate " + h), lines
		}
	}
	if f := valueFaults(method, lines, len(body)); f.code != 0 {
		return method, f, lines
	}
	if !blank {
		return method, badReq("no blank line after headers"), lines
	}
	// Whatever else the parser refuses would be dropped without a word.
	if _, err := sip.ParseMessage(data); err != nil {
		return method, badReq("unparsable: " + printable(err.Error(), 60)), lines
	}
	return method, fault{}, lines
}

// uriFault checks a Request-URI: no <>, a valid scheme, SIP or SIPS only,
// no escaped headers (RFC 4475 ltgtruri, unkscm, novelsc, escruri).
func uriFault(uri string) fault {
	scheme, rest, ok := strings.Cut(uri, ":")
	if !ok || strings.ContainsAny(uri, "<>") || !isScheme(scheme) {
		return badReq("malformed Request-URI")
	}
	switch strings.ToLower(scheme) {
	case "sip", "sips":
	default:
		return fault{416, "Unsupported URI Scheme"}
	}
	host := rest[strings.LastIndex(rest, "@")+1:]
	if strings.Contains(host, "?") {
		return badReq("headers in Request-URI")
	}
	return fault{}
}

// valueFaults checks the values Hotline relies on.
func valueFaults(method string, lines map[string]string, bodyLen int) fault {
	value := func(h string) string { _, v, _ := strings.Cut(lines[h], ":"); return strings.TrimSpace(v) }
	cseq := strings.Fields(value("CSeq"))
	if len(cseq) != 2 || cseq[1] != method {
		return badReq("bad CSeq")
	}
	if _, err := strconv.ParseUint(cseq[0], 10, 31); err != nil { // < 2**31, RFC 3261 §8.1.1.5
		return badReq("bad CSeq")
	}
	if _, ok := lines["Max-Forwards"]; ok {
		if _, err := strconv.ParseUint(value("Max-Forwards"), 10, 8); err != nil {
			return badReq("bad Max-Forwards")
		}
	}
	if _, ok := lines["Content-Length"]; ok {
		n, err := strconv.ParseUint(value("Content-Length"), 10, 31)
		if err != nil {
			return badReq("bad Content-Length")
		}
		if int(n) > bodyLen {
			// RFC 3261 §18.3: a datagram shorter than its Content-Length is
			// discarded by a proxy; a UAS answers 400 (RFC 4475 clerr).
			return badReq("Content-Length larger than body")
		}
	}
	for _, h := range []string{"From", "To", "Contact"} {
		v := value(h)
		// A URI with headers or parameters of its own must be in <>
		// (RFC 3261 §20, RFC 4475 regbadct).
		if v != "" && !strings.Contains(v, "<") && strings.Contains(v, "?") {
			return badReq(h + " URI with headers not in <>")
		}
	}
	return fault{}
}

// canonical maps full and compact header names to the ones checked here.
func canonical(name string) string {
	switch strings.ToLower(name) {
	case "via", "v":
		return "Via"
	case "from", "f":
		return "From"
	case "to", "t":
		return "To"
	case "call-id", "i":
		return "Call-ID"
	case "cseq":
		return "CSeq"
	case "content-length", "l":
		return "Content-Length"
	case "max-forwards":
		return "Max-Forwards"
	case "contact", "m":
		return "Contact"
	}
	return ""
}

// isToken reports whether s is an RFC 3261 token (a method name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-.!%*_+`'~", r)) {
			return false
		}
	}
	return true
}

// isScheme reports whether s is an RFC 3986 scheme.
func isScheme(s string) bool {
	for i, r := range s {
		alpha := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !alpha && (i == 0 || !(r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return false
		}
	}
	return s != ""
}

// printable keeps a reason phrase to printable ASCII of bounded length.
func printable(s string, max int) string {
	b := []byte(s)
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c >= 0x20 && c < 0x7f {
			out = append(out, c)
		}
		if len(out) == max {
			break
		}
	}
	return string(out)
}

// faultResponse builds a stateless answer from the raw header lines it can echo.
func faultResponse(f fault, lines map[string]string) []byte {
	var b strings.Builder
	b.WriteString("SIP/2.0 " + strconv.Itoa(f.code) + " " + f.reason + "\r\n")
	for _, h := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
		l, ok := lines[h]
		if !ok || strings.ContainsAny(l, "\r\n") {
			continue // a bare CR or LF echoed could be read as a header of ours
		}
		if h == "To" && !strings.Contains(l, "tag=") {
			l += ";tag=hotline-" + strconv.Itoa(f.code)
		}
		b.WriteString(l + "\r\n")
	}
	b.WriteString("Server: Hotline\r\nContent-Length: 0\r\n\r\n")
	return []byte(b.String())
}

// readFilter is installed in the transport layer: broken requests are
// answered here and not handed on.
func (s *Server) readFilter(p sip.TransportReadProps, data []byte) ([]byte, error) {
	if !strings.EqualFold(p.Transport, "udp") {
		return data, nil // a stream read may hold part of a message: only datagrams are whole
	}
	method, f, lines := requestFault(data)
	if f.code == 0 {
		return relaxLWS(data), nil
	}
	s.log.Warn("malformed request", "method", printable(method, 32), "source", p.RemoteAddr.String(), "status", f.code, "fault", f.reason)
	if _, hasVia := lines["Via"]; !hasVia || method == "ACK" {
		return nil, nil // nowhere to answer (no Via), or ACK which is never answered
	}
	s.mu.RLock()
	pc := s.udpConns[p.LocalAddr.String()]
	s.mu.RUnlock()
	if pc != nil {
		_, _ = pc.WriteTo(faultResponse(f, lines), p.RemoteAddr)
	}
	return nil, nil
}
