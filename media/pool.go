package media

import (
	"errors"
	"fmt"
	"net"
	"sync"
)

// ErrNoPorts: every RTP port of the range is in use.
var ErrNoPorts = errors.New("media: no free RTP port")

// PortPool hands out even RTP ports (RTCP would take the odd one above).
type PortPool struct {
	ip       net.IP
	min, max int

	mu    sync.Mutex
	next  int
	inUse map[int]bool
}

// NewPortPool manages even ports in [min, max] on ip.
func NewPortPool(ip string, min, max int) (*PortPool, error) {
	addr := net.ParseIP(ip)
	if addr == nil {
		return nil, fmt.Errorf("media: bad RTP address %q", ip)
	}
	if min%2 == 1 {
		min++
	}
	if min <= 0 || max > 65535 || min >= max {
		return nil, fmt.Errorf("media: bad RTP port range %d-%d", min, max)
	}
	return &PortPool{ip: addr, min: min, max: max, next: min, inUse: map[int]bool{}}, nil
}

// NewLeg binds the next free even port and starts its reader. Ports are
// taken round-robin so a just-released port is not reused at once (late
// packets of the old call would land in the new one).
func (p *PortPool) NewLeg() (*Leg, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	span := (p.max-p.min)/2 + 1
	for i := 0; i < span; i++ {
		port := p.next
		p.next += 2
		if p.next > p.max {
			p.next = p.min
		}
		if p.inUse[port] {
			continue
		}
		conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: p.ip, Port: port})
		if err != nil {
			continue // taken by another program: try the next
		}
		_ = conn.SetReadBuffer(256 << 10)
		p.inUse[port] = true
		return newLeg(conn, p, port), nil
	}
	return nil, ErrNoPorts
}

// InUse is the number of ports held by live legs.
func (p *PortPool) InUse() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.inUse)
}

func (p *PortPool) release(port int) {
	p.mu.Lock()
	delete(p.inUse, port)
	p.mu.Unlock()
}
