package media

import (
	"errors"
	"net"
	"testing"
)

// evenBusyPort binds an even port (kept busy for the test) so a pool over
// [port, port+4] must skip it.
func evenBusyPort(t *testing.T) int {
	t.Helper()
	for range 100 {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		port := c.LocalAddr().(*net.UDPAddr).Port
		if port%2 == 0 && port+4 <= 65535 {
			t.Cleanup(func() { c.Close() })
			return port
		}
		c.Close()
	}
	t.Skip("no even ephemeral port found")
	return 0
}

func TestPortPool(t *testing.T) {
	checkGoroutines(t)
	busy := evenBusyPort(t)
	p, err := NewPortPool("127.0.0.1", busy, busy+4)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var legs []*Leg
	for {
		l, err := p.Allocate()
		if errors.Is(err, ErrNoPorts) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if l.LocalPort()%2 != 0 || l.LocalPort() == busy || l.LocalPort() < busy || l.LocalPort() > busy+4 {
			t.Fatalf("allocated port %d of [%d,%d] with %d busy", l.LocalPort(), busy, busy+4, busy)
		}
		legs = append(legs, l)
	}
	if len(legs) == 0 || len(legs) > 2 || p.InUse() != len(legs) {
		t.Fatalf("%d legs, %d in use", len(legs), p.InUse())
	}
	p.Release(legs[0])
	legs[0].Close()
	if p.InUse() != len(legs)-1 {
		t.Fatalf("in use %d after release", p.InUse())
	}
	again, err := p.Allocate()
	if err != nil || again.LocalPort() != legs[0].LocalPort() {
		t.Fatalf("reallocate: %v", err)
	}
	p.Close()
	if p.InUse() != 0 {
		t.Fatalf("in use %d after pool Close", p.InUse())
	}
	if _, err := p.Allocate(); !errors.Is(err, ErrClosed) {
		t.Fatalf("allocate after close: %v", err)
	}
	// The ports are free again.
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: again.LocalPort()})
	if err != nil {
		t.Fatalf("port leaked: %v", err)
	}
	c.Close()
}

func TestNewPortPoolErrors(t *testing.T) {
	for _, c := range []struct {
		ip       string
		min, max int
	}{{"nope", 1000, 2000}, {"127.0.0.1", 2000, 1000}, {"127.0.0.1", -2, 10}, {"127.0.0.1", 1000, 70000}, {"127.0.0.1", 0, 100}} {
		if _, err := NewPortPool(c.ip, c.min, c.max); !errors.Is(err, ErrBadRange) {
			t.Errorf("%v: %v", c, err)
		}
	}
}

func TestPortPoolTotalsKeepReleasedLegs(t *testing.T) {
	checkGoroutines(t)
	p, err := NewPortPool("127.0.0.1", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	a, _ := p.Allocate()
	b, _ := p.Allocate()
	a.SetRemote(b.LocalAddr(), PCMU, -1)
	b.SetRemote(a.LocalAddr(), PCMU, -1)
	for range 3 {
		if err := a.WriteAudio(make([]byte, 160), 160, false); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "3 packets received", func() bool { return b.Stats().RxPackets == 3 })
	if got := p.Stats().Totals; got.TxPackets != 3 || got.RxPackets != 3 {
		t.Fatalf("live totals %+v", got)
	}
	p.Release(a)
	p.Release(b)
	if got := p.Stats().Totals; got.TxPackets != 3 || got.RxPackets != 3 || got.RxLost != 0 {
		t.Fatalf("totals after release %+v", got)
	}
}
