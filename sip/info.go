package sip

import (
	"errors"
	"strings"
)

// ErrBadInfo: a DTMF INFO body that names no valid digit.
var ErrBadInfo = errors.New("sip: malformed DTMF INFO body")

// ParseInfoDTMF reads a digit from a SIP INFO body. It knows the two bodies
// carriers and phones send: application/dtmf-relay ("Signal=5\r\nDuration=160")
// and application/dtmf ("5"). ok is false for other content types.
func ParseInfoDTMF(contentType string, body []byte) (digit rune, ok bool, err error) {
	ct := strings.ToLower(strings.TrimSpace(contentType))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	switch ct {
	case "application/dtmf-relay":
		for _, line := range strings.Split(string(body), "\n") {
			k, v, found := strings.Cut(strings.TrimSpace(line), "=")
			if found && strings.EqualFold(strings.TrimSpace(k), "signal") {
				d, err := dtmfDigit(strings.TrimSpace(v))
				return d, err == nil, err
			}
		}
		return 0, false, ErrBadInfo
	case "application/dtmf":
		d, err := dtmfDigit(strings.TrimSpace(string(body)))
		return d, err == nil, err
	}
	return 0, false, nil
}

func dtmfDigit(s string) (rune, error) {
	switch {
	case len(s) == 1 && strings.ContainsRune("0123456789*#ABCDabcd", rune(s[0])):
		return rune(strings.ToUpper(s)[0]), nil
	case s == "10":
		return '*', nil // some gateways send the RFC 4733 event code
	case s == "11":
		return '#', nil
	}
	return 0, ErrBadInfo
}

var reasons = map[int]string{
	200: "OK", 202: "Accepted", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 415: "Unsupported Media Type",
	480: "Temporarily Unavailable", 481: "Call/Transaction Does Not Exist", 486: "Busy Here",
	487: "Request Terminated", 488: "Not Acceptable Here", 491: "Request Pending", 500: "Server Internal Error",
	503: "Service Unavailable", 603: "Decline",
}

func reasonPhrase(code int) string {
	if r, ok := reasons[code]; ok {
		return r
	}
	return "Unknown"
}
