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
	gone   Stats // counters of closed legs, so totals only grow

	stopReporter, reporterDone chan struct{}
}

// NewPortPool manages even ports in [min, max] on ip.
func NewPortPool(ip string, min, max int) (*PortPool, error) {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return nil, fmt.Errorf("%w: address %q", ErrBadRange, ip)
	}
	p := &PortPool{ip: addr, legs: map[int]*Leg{}}
	if min != 0 || max != 0 {
		if min%2 == 1 {
			min++
		}
		if min <= 0 || max > 65535 || min > max {
			return nil, fmt.Errorf("%w: ports %d-%d", ErrBadRange, min, max)
		}
		p.min, p.max, p.next = min, max, min
	}
	p.stopReporter, p.reporterDone = make(chan struct{}), make(chan struct{})
	go p.reporter()
	return p, nil
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
	if !p.closed {
		close(p.stopReporter)
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
	<-p.reporterDone
	return nil
}

func (p *PortPool) release(l *Leg) {
	s := l.Stats()
	p.mu.Lock()
	if p.legs[int(l.local.Port())] == l {
		delete(p.legs, int(l.local.Port()))
		p.gone.add(s)
	}
	p.mu.Unlock()
}

func (s *Stats) add(o Stats) {
	s.RxPackets += o.RxPackets
	s.RxBytes += o.RxBytes
	s.RxLost += o.RxLost
	s.RxDropped += o.RxDropped
	s.TxPackets += o.TxPackets
	s.TxBytes += o.TxBytes
	s.RTCPSent += o.RTCPSent
	s.RTCPReceived += o.RTCPReceived
}

// PoolStats is the media layer's health for monitoring: counters over every
// leg the pool ever had, and the live legs' current quality.
type PoolStats struct {
	Totals                    Stats // counters only
	Live                      int
	MeanJitter, MaxJitter     time.Duration // ours, of what we receive
	MeanRTT, MaxRTT           time.Duration // legs whose RTT is known
	MeanPeerLoss, MaxPeerLoss float64       // what far ends report of our streams
}

// Stats sums the pool's legs.
func (p *PortPool) Stats() PoolStats {
	p.mu.Lock()
	ps := PoolStats{Totals: p.gone}
	legs := make([]*Leg, 0, len(p.legs))
	for _, l := range p.legs {
		legs = append(legs, l)
	}
	p.mu.Unlock()
	var rtts int
	for _, l := range legs {
		s := l.Stats()
		ps.Totals.add(s)
		ps.Live++
		ps.MeanJitter += s.Jitter
		ps.MaxJitter = max(ps.MaxJitter, s.Jitter)
		ps.MeanPeerLoss += s.PeerFractionLost
		ps.MaxPeerLoss = max(ps.MaxPeerLoss, s.PeerFractionLost)
		if s.RTT > 0 {
			rtts++
			ps.MeanRTT += s.RTT
			ps.MaxRTT = max(ps.MaxRTT, s.RTT)
		}
	}
	if ps.Live > 0 {
		ps.MeanJitter /= time.Duration(ps.Live)
		ps.MeanPeerLoss /= float64(ps.Live)
	}
	if rtts > 0 {
		ps.MeanRTT /= time.Duration(rtts)
	}
	return ps
}
