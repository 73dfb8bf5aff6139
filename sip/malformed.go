package sip

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// The SIP parser underneath drops a request it cannot read and lets some
// requests through without the headers a transaction needs. Hotline checks
// each datagram's header section first (a cheap scan, not a second parse)
// and answers a broken request with 400 naming the fault, so the sender
// learns why and the switch goes on serving.

// requestFault returns what is wrong with a request's headers, or "" when
// the message is a response, not SIP at all (left to the parser, which
// drops it), or a well-formed request.
func requestFault(data []byte) (method string, fault string, lines map[string]string) {
	head := data
	if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 {
		head = data[:i]
	}
	all := strings.Split(string(head), "\r\n")
	start := strings.Fields(all[0])
	if len(start) != 3 || start[2] != "SIP/2.0" || strings.HasPrefix(all[0], "SIP/") {
		return "", "", nil
	}
	method = start[0]
	lines = map[string]string{}
	for _, l := range all[1:] {
		name, val, ok := strings.Cut(l, ":")
		if !ok {
			if strings.TrimSpace(l) == "" || l[0] == ' ' || l[0] == '\t' {
				continue // folded continuation
			}
			return method, "malformed header line", lines
		}
		key := canonical(strings.TrimSpace(name))
		if key == "" {
			continue
		}
		if _, dup := lines[key]; !dup {
			lines[key] = l
		}
		val = strings.TrimSpace(val)
		switch key {
		case "CSeq":
			n, m, ok := strings.Cut(val, " ")
			if _, err := strconv.ParseUint(n, 10, 32); err != nil || !ok || strings.TrimSpace(m) != method {
				return method, "bad CSeq", lines
			}
		case "Content-Length":
			if _, err := strconv.ParseUint(val, 10, 31); err != nil {
				return method, "bad Content-Length", lines
			}
		}
	}
	for _, h := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
		if _, ok := lines[h]; !ok {
			return method, "missing " + h, lines
		}
	}
	return method, "", lines
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
	}
	return ""
}

// badRequest builds a stateless 400 from the raw header lines it can echo.
func badRequest(fault string, lines map[string]string) []byte {
	var b strings.Builder
	b.WriteString("SIP/2.0 400 Bad Request (" + fault + ")\r\n")
	for _, h := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
		l, ok := lines[h]
		if !ok {
			continue
		}
		if h == "To" && !strings.Contains(l, "tag=") {
			l += ";tag=hotline-400"
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
	method, fault, lines := requestFault(data)
	if fault == "" {
		return data, nil
	}
	s.log.Warn("malformed request", "method", method, "source", p.RemoteAddr.String(), "fault", fault)
	if _, hasVia := lines["Via"]; !hasVia || method == "ACK" {
		return nil, nil // nowhere to answer (no Via), or ACK which is never answered
	}
	s.mu.RLock()
	pc := s.udpConns[p.LocalAddr.String()]
	s.mu.RUnlock()
	if pc != nil {
		_, _ = pc.WriteTo(badRequest(fault, lines), p.RemoteAddr)
	}
	return nil, nil
}
