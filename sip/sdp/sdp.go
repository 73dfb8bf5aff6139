// Package sdp is Hotline's SDP offer/answer for G.711 audio legs (RFC 3264):
// it reads the first audio stream of an offer or answer and writes the
// answers and offers a B2BUA needs. It knows nothing of SIP or RTP sockets.
package sdp

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Codec is one RTP payload format.
type Codec struct {
	PT   uint8
	Name string // PCMU, PCMA, telephone-event…
	Rate int
}

// Direction is the stream's a=sendrecv|sendonly|recvonly|inactive.
type Direction int

const (
	SendRecv Direction = iota
	SendOnly
	RecvOnly
	Inactive
)

var dirNames = [...]string{"sendrecv", "sendonly", "recvonly", "inactive"}

func (d Direction) String() string {
	if d >= 0 && int(d) < len(dirNames) {
		return dirNames[d]
	}
	return "unknown"
}

// Media is the audio stream of a session description.
type Media struct {
	Addr   netip.AddrPort // where to send RTP; the address may be 0.0.0.0 (old-style hold)
	Codecs []Codec        // audio formats in the order offered
	DTMF   *Codec         // telephone-event, when offered
	Dir    Direction
	Ptime  int      // ms; 0 when absent
	Proto  string   // RTP/AVP, RTP/SAVP, UDP/TLS/RTP/SAVPF…
	Crypto []Crypto // SDES keys offered or answered (a=crypto, RFC 4568)

	// From o=: a re-INVITE whose version did not change is a session
	// refresh, not a new offer.
	SessionID, SessionVersion uint64
}

var (
	// ErrBadSDP: the body is not a usable session description.
	ErrBadSDP = errors.New("sdp: malformed session description")
	// ErrNoAudio: no audio stream, or its port is 0 (declined).
	ErrNoAudio = errors.New("sdp: no audio stream")
	// ErrNoCodec: no audio format in common.
	ErrNoCodec = errors.New("sdp: no common codec")
	// ErrTransport: the stream wants SRTP or DTLS, which SIP legs do not speak.
	ErrTransport = errors.New("sdp: unsupported media transport")
)

// Error carries the SIP status an SDP failure should be answered with.
type Error struct{ Err error }

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Status is 488 Not Acceptable Here for every SDP failure.
func (e *Error) Status() int { return 488 }

func fail(err error, format string, a ...any) error {
	if format == "" {
		return &Error{Err: err}
	}
	return &Error{Err: fmt.Errorf("%w: "+format, append([]any{err}, a...)...)}
}

var staticCodecs = map[uint8]Codec{0: {0, "PCMU", 8000}, 8: {8, "PCMA", 8000}, 9: {9, "G722", 8000}, 18: {18, "G729", 8000}}

// Parse reads the first audio stream; c= may be at session or media level.
func Parse(b []byte) (*Media, error) {
	if len(b) == 0 {
		return nil, fail(ErrBadSDP, "empty body")
	}
	var (
		sessAddr, mediaAddr string
		sessDir             = -1
		m                   *Media
		port                int
		pts                 []uint8
		rtpmap              = map[uint8]Codec{}
		inAudio, done       bool
		sawV                bool
		mediaDir            bool // the audio stream states its own direction
		sessID, sessVer     uint64
	)
	for _, raw := range bytes.Split(b, []byte("\n")) {
		line := strings.TrimRight(string(raw), "\r")
		if line == "" {
			continue
		}
		if len(line) < 2 || line[1] != '=' {
			return nil, fail(ErrBadSDP, "line %q", line)
		}
		k, v := line[0], line[2:]
		switch k {
		case 'v':
			sawV = v == "0"
		case 'o':
			if f := strings.Fields(v); len(f) == 6 {
				sessID, _ = strconv.ParseUint(f[1], 10, 64)
				sessVer, _ = strconv.ParseUint(f[2], 10, 64)
			}
		case 'c':
			f := strings.Fields(v)
			if len(f) != 3 || f[0] != "IN" || (f[1] != "IP4" && f[1] != "IP6") {
				return nil, fail(ErrBadSDP, "connection %q", v)
			}
			addr := strings.SplitN(f[2], "/", 2)[0]
			switch {
			case m == nil:
				sessAddr = addr
			case inAudio:
				mediaAddr = addr
			}
		case 'm':
			if m != nil {
				done = true // only the first audio stream matters
				inAudio = false
				continue
			}
			f := strings.Fields(v)
			if len(f) < 4 {
				return nil, fail(ErrBadSDP, "media %q", v)
			}
			if f[0] != "audio" || done {
				inAudio = false
				continue
			}
			p, err := strconv.Atoi(strings.SplitN(f[1], "/", 2)[0])
			if err != nil || p < 0 || p > 65535 {
				return nil, fail(ErrBadSDP, "port %q", f[1])
			}
			port = p
			for _, s := range f[3:] {
				n, err := strconv.Atoi(s)
				if err != nil || n < 0 || n > 127 {
					return nil, fail(ErrBadSDP, "payload type %q", s)
				}
				pts = append(pts, uint8(n))
			}
			m = &Media{Dir: SendRecv, Proto: f[2]}
			inAudio = true
		case 'a':
			name, val, _ := strings.Cut(v, ":")
			if d := dirIndex(name); d >= 0 {
				if m == nil {
					sessDir = d
				} else if inAudio {
					m.Dir, mediaDir = Direction(d), true
				}
				continue
			}
			if !inAudio {
				continue
			}
			switch name {
			case "rtpmap":
				ptS, enc, ok := strings.Cut(val, " ")
				n, err := strconv.Atoi(ptS)
				if !ok || err != nil || n < 0 || n > 127 {
					return nil, fail(ErrBadSDP, "rtpmap %q", val)
				}
				parts := strings.Split(enc, "/")
				rate := 8000
				if len(parts) > 1 {
					if r, err := strconv.Atoi(parts[1]); err == nil {
						rate = r
					}
				}
				rtpmap[uint8(n)] = Codec{PT: uint8(n), Name: parts[0], Rate: rate}
			case "ptime":
				if p, err := strconv.Atoi(strings.TrimSpace(val)); err == nil && p > 0 && p <= 1000 {
					m.Ptime = p
				}
			case "crypto":
				// Suites and key forms Hotline cannot use are skipped, so
				// an offer listing several still finds the one it can.
				if c, ok := parseCrypto(val); ok {
					m.Crypto = append(m.Crypto, c)
				}
			}
		}
	}
	if !sawV {
		return nil, fail(ErrBadSDP, "missing v=0")
	}
	if m == nil || port == 0 {
		return nil, fail(ErrNoAudio, "")
	}
	if sessDir >= 0 && !mediaDir {
		m.Dir = Direction(sessDir)
	}
	m.SessionID, m.SessionVersion = sessID, sessVer
	addr := mediaAddr
	if addr == "" {
		addr = sessAddr
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return nil, fail(ErrBadSDP, "connection address %q", addr)
	}
	m.Addr = netip.AddrPortFrom(ip, uint16(port))
	if ip.IsUnspecified() {
		// RFC 2543 hold: c=0.0.0.0 means "send me nothing".
		switch m.Dir {
		case SendRecv:
			m.Dir = SendOnly
		case RecvOnly:
			m.Dir = Inactive
		}
	}
	for _, pt := range pts {
		c, ok := rtpmap[pt]
		if !ok {
			c, ok = staticCodecs[pt]
		}
		if !ok {
			continue
		}
		if strings.EqualFold(c.Name, "telephone-event") {
			if m.DTMF == nil && c.Rate == 8000 {
				d := c
				d.Name = "telephone-event"
				m.DTMF = &d
			}
			continue
		}
		c.Name = strings.ToUpper(c.Name)
		m.Codecs = append(m.Codecs, c)
	}
	return m, nil
}

func dirIndex(s string) int {
	for i, n := range dirNames {
		if s == n {
			return i
		}
	}
	return -1
}

// Answer picks the first codec of prefs the offer has (our preference, so
// the B2BUA avoids transcoding where it can) and writes our answer under a
// fresh o= session; within a dialog use Session.Answer, which keeps it.
// chosen holds the offerer's address and direction, the codec and its
// telephone-event. dir is what we want; it is narrowed to what the offer
// allows (a sendonly offer gets recvonly or inactive, RFC 3264 §6.1).
func Answer(offer *Media, local netip.AddrPort, prefs []string, dir Direction) ([]byte, Media, error) {
	id := sessionIDs.next()
	return answer(offer, local, prefs, dir, id, id)
}

func answer(offer *Media, local netip.AddrPort, prefs []string, dir Direction, id, ver uint64) ([]byte, Media, error) {
	if !plainRTP(offer.Proto) {
		return nil, Media{}, fail(ErrTransport, "%s", offer.Proto)
	}
	return answerAs(offer, local, prefs, dir, id, ver, "RTP/AVP", nil)
}

// answerAs writes the answer with proto on the m= line and, for SRTP, our
// a=crypto line.
func answerAs(offer *Media, local netip.AddrPort, prefs []string, dir Direction, id, ver uint64, proto string, crypto *Crypto) ([]byte, Media, error) {
	var pick *Codec
	for _, p := range prefs {
		for i := range offer.Codecs {
			c := offer.Codecs[i]
			if strings.EqualFold(c.Name, p) && c.Rate == 8000 {
				pick = &c
				break
			}
		}
		if pick != nil {
			break
		}
	}
	if pick == nil {
		return nil, Media{}, fail(ErrNoCodec, "offer has %s, Hotline speaks %s", names(offer.Codecs), strings.Join(prefs, ", "))
	}
	chosen := Media{Addr: offer.Addr, Codecs: []Codec{*pick}, DTMF: offer.DTMF, Dir: offer.Dir, Ptime: offer.Ptime,
		Proto: offer.Proto, SessionID: offer.SessionID, SessionVersion: offer.SessionVersion}
	return describe(local, chosen.Codecs, offer.DTMF, AnswerDir(offer.Dir, dir), id, ver, proto, crypto), chosen, nil
}

// AnswerDir narrows the direction we want to what an offer in direction
// offered allows.
func AnswerDir(offered, want Direction) Direction {
	send := want == SendRecv || want == SendOnly
	recv := want == SendRecv || want == RecvOnly
	send = send && (offered == SendRecv || offered == RecvOnly)
	recv = recv && (offered == SendRecv || offered == SendOnly)
	switch {
	case send && recv:
		return SendRecv
	case send:
		return SendOnly
	case recv:
		return RecvOnly
	}
	return Inactive
}

// plainRTP: SIP legs speak RTP/AVP (and accept AVPF's feedback-free
// subset); an SRTP or DTLS offer answered with plain RTP would be silent.
func plainRTP(proto string) bool {
	return proto == "" || strings.EqualFold(proto, "RTP/AVP") || strings.EqualFold(proto, "RTP/AVPF")
}

func names(cs []Codec) string {
	if len(cs) == 0 {
		return "no audio codec"
	}
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.Name
	}
	return strings.Join(s, ", ")
}

// Offer writes a session description for one audio stream.
func Offer(local netip.AddrPort, codecs []Codec, dtmf *Codec, dir Direction, sessID, version uint64) []byte {
	return describe(local, codecs, dtmf, dir, sessID, version, "RTP/AVP", nil)
}

func describe(local netip.AddrPort, codecs []Codec, dtmf *Codec, dir Direction, sessID, version uint64, proto string, crypto *Crypto) []byte {
	ipv := "IP4"
	if local.Addr().Is6() {
		ipv = "IP6"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=hotline %d %d IN %s %s\r\ns=Hotline\r\nc=IN %s %s\r\nt=0 0\r\n",
		sessID, version, ipv, local.Addr(), ipv, local.Addr())
	fmt.Fprintf(&b, "m=audio %d %s", local.Port(), proto)
	for _, c := range codecs {
		fmt.Fprintf(&b, " %d", c.PT)
	}
	if dtmf != nil {
		fmt.Fprintf(&b, " %d", dtmf.PT)
	}
	b.WriteString("\r\n")
	for _, c := range codecs {
		fmt.Fprintf(&b, "a=rtpmap:%d %s/%d\r\n", c.PT, c.Name, c.Rate)
	}
	if dtmf != nil {
		fmt.Fprintf(&b, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\n", dtmf.PT, dtmf.PT)
	}
	fmt.Fprintf(&b, "a=ptime:20\r\na=%s\r\n", dir)
	if crypto != nil {
		fmt.Fprintf(&b, "a=crypto:%s\r\n", crypto)
	}
	return []byte(b.String())
}

// Negotiate reads the answer to our offer: the far end's address and the
// codec it chose (the first of its formats that we offered).
func Negotiate(offer, answer *Media) (Media, error) {
	if !plainRTP(answer.Proto) {
		return Media{}, fail(ErrTransport, "%s", answer.Proto)
	}
	for _, a := range answer.Codecs {
		for _, o := range offer.Codecs {
			if strings.EqualFold(a.Name, o.Name) && a.Rate == o.Rate {
				out := *answer
				out.Codecs = []Codec{a}
				if offer.DTMF == nil {
					out.DTMF = nil
				}
				return out, nil
			}
		}
	}
	return Media{}, fail(ErrNoCodec, "answer has %s", names(answer.Codecs))
}

// Session is our side of one dialog's SDP: RFC 3264 §8 wants every offer
// and answer we send in it under the same o= session id, its version
// going up by one each time the description changes.
type Session struct {
	mu      sync.Mutex
	id, ver uint64
	last    []byte
}

// NewSession starts a session with a fresh id.
func NewSession() *Session {
	id := sessionIDs.next()
	return &Session{id: id, ver: id - 1}
}

// Answer is the package's Answer within this session.
func (s *Session) Answer(offer *Media, local netip.AddrPort, prefs []string, dir Direction) ([]byte, Media, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, chosen, err := answer(offer, local, prefs, dir, s.id, s.ver+1)
	if err != nil {
		return nil, Media{}, err
	}
	return s.settle(b), chosen, nil
}

// Offer is the package's Offer within this session.
func (s *Session) Offer(local netip.AddrPort, codecs []Codec, dtmf *Codec, dir Direction) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settle(Offer(local, codecs, dtmf, dir, s.id, s.ver+1))
}

// settle keeps the version when the description is unchanged (a session
// refresh), and moves to the new one otherwise.
func (s *Session) settle(b []byte) []byte {
	if s.last != nil && bytes.Equal(withoutOrigin(b), withoutOrigin(s.last)) {
		return s.last
	}
	s.ver++
	s.last = b
	return b
}

func withoutOrigin(b []byte) []byte {
	i := bytes.Index(b, []byte("\r\no="))
	if i < 0 {
		return b
	}
	j := bytes.Index(b[i+2:], []byte("\r\n"))
	if j < 0 {
		return b
	}
	return append(append([]byte(nil), b[:i]...), b[i+2+j:]...)
}

type counter struct{ n atomic.Uint64 }

// next returns a session id/version that only grows, as RFC 4566 asks of o=.
func (c *counter) next() uint64 { return c.n.Add(1) + uint64(startID) }

var (
	sessionIDs counter
	startID    = time.Now().Unix()
)
