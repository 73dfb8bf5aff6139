package media

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
)

// PortPool hands out legs on even RTP ports of [min, max] (RTCP, when a
// peer insists on it, takes the odd port above). min = max = 0 lets the
// kernel pick any port, which is what tests want.
type PortPool struct {
	ip       netip.Addr
	min, max int

	mu     sync.Mutex
	next   int
	legs   map[int]*Leg
	closed bool
}

// NewPortPool manages even ports in [min, max] on ip.
func NewPortPool(ip string, min, max int) (*PortPool, error) {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return nil, fmt.Errorf("%w: address %q", ErrBadRange, ip)
	}
	if min == 0 && max == 0 {
		return &PortPool{ip: addr, legs: map[int]*Leg{}}, nil
	}
	if min%2 == 1 {
		min++
	}
	if min <= 0 || max > 65535 || min > max {
		return nil, fmt.Errorf("%w: ports %d-%d", ErrBadRange, min, max)
	}
	return &PortPool{ip: addr, min: min, max: max, next: min, legs: map[int]*Leg{}}, nil
}

// Allocate binds the next free even port and starts a leg on it. Ports go
// round-robin so a just-released port is not reused at once (late packets
// of the old call would land in the new one); a port another program holds
// is skipped.
func (p *PortPool) Allocate() (*Leg, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	if p.max == 0 {
		conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.ip, 0)))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNoPorts, err)
		}
		return p.startLocked(conn, conn.LocalAddr().(*net.UDPAddr).Port), nil
	}
	span := (p.max-p.min)/2 + 1
	for range span {
		port := p.next
		p.next += 2
		if p.next > p.max {
			p.next = p.min
		}
		if p.legs[port] != nil {
			continue
		}
		conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.ip, uint16(port))))
		if err != nil {
			continue
		}
		return p.startLocked(conn, port), nil
	}
	return nil, ErrNoPorts
}

func (p *PortPool) startLocked(conn *net.UDPConn, port int) *Leg {
	_ = conn.SetReadBuffer(256 << 10)
	l := newLeg(&udpTransport{conn}, p, netip.AddrPortFrom(p.ip, uint16(port)))
	p.legs[port] = l
	return l
}

// NewLeg is Allocate.
func (p *PortPool) NewLeg() (*Leg, error) { return p.Allocate() }

// Release closes the leg, which returns its port to the pool.
func (p *PortPool) Release(l *Leg) {
	if l != nil {
		l.Close()
	}
}

// InUse is the number of ports held by live legs.
func (p *PortPool) InUse() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.legs)
}

// Close closes every live leg and refuses further allocations.
func (p *PortPool) Close() error {
	p.mu.Lock()
	p.closed = true
	legs := make([]*Leg, 0, len(p.legs))
	for _, l := range p.legs {
		legs = append(legs, l)
	}
	p.mu.Unlock()
	for _, l := range legs {
		l.Close()
	}
	return nil
}

func (p *PortPool) release(l *Leg) {
	p.mu.Lock()
	if p.legs[int(l.local.Port())] == l {
		delete(p.legs, int(l.local.Port()))
	}
	p.mu.Unlock()
}
