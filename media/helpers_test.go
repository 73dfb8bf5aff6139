package media

import (
	"encoding/binary"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// checkGoroutines fails the test if goroutines it started outlive it.
// Register it first: cleanups run last-in first-out.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				t.Errorf("goroutines leaked: %d > %d\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

// testPool is a pool of kernel-chosen ports on 127.0.0.1, closed at cleanup.
func testPool(t *testing.T) *PortPool {
	t.Helper()
	checkGoroutines(t)
	p, err := NewPortPool("127.0.0.1", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func newLegT(t testing.TB, p *PortPool) *Leg {
	t.Helper()
	l, err := p.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// connect points two legs at each other.
func connect(a, b *Leg, ca, cb Codec, dtmfA, dtmfB int) {
	a.SetRemote(b.LocalAddr(), ca, dtmfA)
	b.SetRemote(a.LocalAddr(), cb, dtmfB)
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// recorder is a Sink keeping what a leg received, decoded.
type recorder struct {
	mu     sync.Mutex
	pcm    []int16
	events int
}

func (r *recorder) WriteFrame(f *Frame) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f.Event {
		r.events++
		return
	}
	s := make([]int16, len(f.Payload))
	Decode(s, f.Payload, f.Codec)
	r.pcm = append(r.pcm, s...)
}

func (r *recorder) samples() []int16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int16(nil), r.pcm...)
}

// phone is a raw UDP socket standing in for a far-end device, recording
// every RTP packet it receives.
type phone struct {
	conn *net.UDPConn
	mu   sync.Mutex
	pkts []rawPacket
	wg   sync.WaitGroup
}

type rawPacket struct {
	pt      uint8
	marker  bool
	seq     uint16
	ts      uint32
	ssrc    uint32
	payload []byte
}

func newPhone(t *testing.T) *phone {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	ph := &phone{conn: c}
	ph.wg.Add(1)
	go func() {
		defer ph.wg.Done()
		buf := make([]byte, 1500)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			if n < 12 {
				continue
			}
			ph.mu.Lock()
			ph.pkts = append(ph.pkts, rawPacket{
				pt: buf[1] & 0x7f, marker: buf[1]&0x80 != 0,
				seq: binary.BigEndian.Uint16(buf[2:]), ts: binary.BigEndian.Uint32(buf[4:]),
				ssrc: binary.BigEndian.Uint32(buf[8:]), payload: append([]byte(nil), buf[12:n]...),
			})
			ph.mu.Unlock()
		}
	}()
	t.Cleanup(func() { c.Close(); ph.wg.Wait() })
	return ph
}

func (ph *phone) addr() netip.AddrPort { return ph.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func (ph *phone) packets() []rawPacket {
	ph.mu.Lock()
	defer ph.mu.Unlock()
	return append([]rawPacket(nil), ph.pkts...)
}

// audio decodes the packets of payload type pt.
func (ph *phone) audio(c Codec) []int16 {
	var out []int16
	for _, p := range ph.packets() {
		if p.pt == c.PT() {
			s := make([]int16, len(p.payload))
			Decode(s, p.payload, c)
			out = append(out, s...)
		}
	}
	return out
}

// send writes one RTP packet to a leg.
func (ph *phone) send(t *testing.T, to netip.AddrPort, pt uint8, marker bool, seq uint16, ts uint32, payload []byte) {
	t.Helper()
	b := make([]byte, 12+len(payload))
	b[0], b[1] = 0x80, pt
	if marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], 0x11223344)
	copy(b[12:], payload)
	if _, err := ph.conn.WriteToUDPAddrPort(b, to); err != nil {
		t.Fatal(err)
	}
}

func near(got, want, tol float64) bool { return got >= want-tol && got <= want+tol }
