package sip

import (
	"net"
	"sync/atomic"
)

// responseCounts counts the SIP responses Hotline sends, by status code,
// for /metrics. It counts at the socket, so every response is seen whatever
// path sent it (transaction, dialog, malformed-request filter).
type responseCounts struct {
	byCode [700]atomic.Uint64
}

// note inspects one outgoing message ("SIP/2.0 NNN …" for a response).
func (r *responseCounts) note(b []byte) {
	if len(b) < 12 || string(b[:8]) != "SIP/2.0 " {
		return
	}
	c0, c1, c2 := b[8]-'0', b[9]-'0', b[10]-'0'
	if c0 < 1 || c0 > 6 || c1 > 9 || c2 > 9 {
		return
	}
	r.byCode[int(c0)*100+int(c1)*10+int(c2)].Add(1)
}

// ResponseCounts returns how many responses were sent per status code.
func (s *Server) ResponseCounts() map[int]uint64 {
	out := map[int]uint64{}
	for code := 100; code < len(s.sent.byCode); code++ {
		if n := s.sent.byCode[code].Load(); n > 0 {
			out[code] = n
		}
	}
	return out
}

type countingPacketConn struct {
	net.PacketConn
	r *responseCounts
}

func (c countingPacketConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	c.r.note(b)
	return c.PacketConn.WriteTo(b, addr)
}

type countingListener struct {
	net.Listener
	r *responseCounts
}

func (l countingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, r: l.r}, nil
}

// countingConn sees whole messages: the SIP stack writes each message with
// one Write.
type countingConn struct {
	net.Conn
	r *responseCounts
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.r.note(b)
	return c.Conn.Write(b)
}
