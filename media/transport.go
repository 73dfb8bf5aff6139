package media

import (
	"net"
	"net/netip"
)

// Transport carries a leg's RTP packets. A plain RTP leg has a UDP socket
// of the port pool; a browser leg has a WebRTC peer connection whose
// ICE/DTLS-SRTP hides the network behind the same packet interface, so
// playback, bridging, recording and DTMF detection work on either.
type Transport interface {
	// ReadPacket blocks for the next inbound RTP packet, returning its
	// length and where it came from. An error after Close ends the reader.
	ReadPacket(b []byte) (int, netip.AddrPort, error)
	// WritePacket sends one RTP packet (the leg's own stream) to dst.
	WritePacket(b []byte, dst netip.AddrPort) error
	Close() error
}

// udpTransport is a pool socket; the pointer keeps the interface calls
// allocation-free.
type udpTransport struct{ c *net.UDPConn }

func (u *udpTransport) ReadPacket(b []byte) (int, netip.AddrPort, error) {
	return u.c.ReadFromUDPAddrPort(b)
}

func (u *udpTransport) WritePacket(b []byte, dst netip.AddrPort) error {
	_, err := u.c.WriteToUDPAddrPort(b, dst)
	return err
}

func (u *udpTransport) Close() error { return u.c.Close() }

// NewLeg starts a leg on another transport (a WebRTC peer); local is what
// the leg reports as its address. Close closes the transport.
func NewLeg(t Transport, local netip.AddrPort) *Leg { return newLeg(t, nil, local) }
