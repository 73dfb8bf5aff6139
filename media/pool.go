package media

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"
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
	done   chan struct{} // stops the RTCP sender
	gone   Stats         // totals of closed legs, for monitoring

	rtcpEvery time.Duration // report interval; set before the first Allocate
	rtcpOnce  sync.Once
}

// NewPortPool manages even ports in [min, max] on ip.
func NewPortPool(ip string, min, max int) (*PortPool, error) {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return nil, fmt.Errorf("%w: address %q", ErrBadRange, ip)
	}
	if min == 0 && max == 0 {
		return &PortPool{ip: addr, legs: map[int]*Leg{}, done: make(chan struct{})}, nil
	}
	if min%2 == 1 {
		min++
	}
	if min <= 0 || max > 65535 || min > max {
		return nil, fmt.Errorf("%w: ports %d-%d", ErrBadRange, min, max)
	}
	return &PortPool{ip: addr, min: min, max: max, next: min, legs: map[int]*Leg{}, done: make(chan struct{}),
		rtcpEvery: rtcpInterval}, nil
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
		l := p.startLocked(conn, port)
		l.rtcpConn = bindRTCP(p.ip, port)
		p.rtcpOnce.Do(func() { go p.rtcpLoop(p.done, p.rtcpEvery) })
		return l, nil
	}
	return nil, ErrNoPorts
}

func (p *PortPool) startLocked(conn *net.UDPConn, port int) *Leg {
	_ = conn.SetReadBuffer(256 << 10)
	l := newLeg(conn, p, netip.AddrPortFrom(p.ip, uint16(port)))
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
	if !p.closed {
		close(p.done)
	}
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
	st := l.Stats()
	p.mu.Lock()
	if p.legs[int(l.local.Port())] == l {
		delete(p.legs, int(l.local.Port()))
	}
	p.gone.RxPackets += st.RxPackets
	p.gone.RxBytes += st.RxBytes
	p.gone.RxLost += st.RxLost
	p.gone.RxDropped += st.RxDropped
	p.gone.TxPackets += st.TxPackets
	p.gone.TxBytes += st.TxBytes
	p.mu.Unlock()
}

// Totals are the packet counters of every leg the pool has run, live or
// closed (Jitter: the largest among live legs), for /metrics.
func (p *PortPool) Totals() Stats {
	p.mu.Lock()
	t := p.gone
	legs := make([]*Leg, 0, len(p.legs))
	for _, l := range p.legs {
		legs = append(legs, l)
	}
	p.mu.Unlock()
	for _, l := range legs {
		st := l.Stats()
		t.RxPackets += st.RxPackets
		t.RxBytes += st.RxBytes
		t.RxLost += st.RxLost
		t.RxDropped += st.RxDropped
		t.TxPackets += st.TxPackets
		t.TxBytes += st.TxBytes
		t.Jitter = max(t.Jitter, st.Jitter)
	}
	return t
}
