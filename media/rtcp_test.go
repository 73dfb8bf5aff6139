package media

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// The jitter estimate follows RFC 3550 A.8: steady 20 ms packets give none;
// packets alternately 10 ms early and late converge on the 10 ms spread.
func TestObserveJitter(t *testing.T) {
	var l Leg
	t0 := time.Unix(1_700_000_000, 0)
	for i := range 200 {
		l.observeJitter(uint32(i*160), t0.Add(time.Duration(i)*20*time.Millisecond))
	}
	if j := l.Stats().Jitter; j != 0 {
		t.Errorf("steady stream jitter %d, want 0", j)
	}
	var m Leg
	for i := range 400 {
		off := 5 * time.Millisecond
		if i%2 == 1 {
			off = -5 * time.Millisecond
		}
		m.observeJitter(uint32(i*160), t0.Add(time.Duration(i)*20*time.Millisecond+off))
	}
	// |D| is 10 ms = 80 units every packet, so J tends to 80.
	if j := m.Stats().Jitter; j < 75 || j > 80 {
		t.Errorf("alternating ±5 ms jitter %d units, want about 80", j)
	}
	if d := m.Stats().JitterDuration(); d < 9*time.Millisecond || d > 10*time.Millisecond {
		t.Errorf("jitter duration %v", d)
	}
}

// A leg on a pool port pair reports over RTCP from its odd port: a sender
// report with its own counts and a reception report of the far end's
// stream, losses included.
func TestRTCPSenderReports(t *testing.T) {
	p, err := NewPortPool("127.0.0.1", 41200, 41299)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.rtcpEvery = 100 * time.Millisecond
	l, err := p.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	// The far end: RTP on an even port, RTCP listened for on the odd one.
	farRTP, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 41400})
	if err != nil {
		t.Fatal(err)
	}
	defer farRTP.Close()
	farRTCP, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 41401})
	if err != nil {
		t.Fatal(err)
	}
	defer farRTCP.Close()
	l.SetRemote(netip.MustParseAddrPort("127.0.0.1:41400"), PCMU, -1)
	payload := make([]byte, 160)
	for i := range 10 {
		if err := l.WriteAudio(payload, 160, false); err != nil {
			t.Fatal(err)
		}
		if i == 3 || i == 4 {
			continue // two of the far end's packets never arrive
		}
		pkt := make([]byte, 12+160)
		pkt[0], pkt[1] = 0x80, 0
		pkt[2], pkt[3] = 0, byte(i)
		pkt[7] = byte(i * 160 % 256)
		pkt[8], pkt[11] = 0xca, 0xfe
		if _, err := farRTP.WriteToUDPAddrPort(pkt, l.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "packets counted", func() bool { return l.Stats().RxPackets == 8 })
	buf := make([]byte, 1500)
	_ = farRTCP.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, from, err := farRTCP.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatalf("no RTCP: %v", err)
	}
	if from.Port() != l.LocalAddr().Port()+1 {
		t.Errorf("RTCP from port %d, want the odd port %d", from.Port(), l.LocalAddr().Port()+1)
	}
	pkts, err := rtcp.Unmarshal(buf[:n])
	if err != nil || len(pkts) != 1 {
		t.Fatalf("RTCP %v %v", pkts, err)
	}
	sr, ok := pkts[0].(*rtcp.SenderReport)
	if !ok {
		t.Fatalf("got %T, want a sender report", pkts[0])
	}
	if sr.SSRC != l.SSRC() || sr.PacketCount != 10 || sr.OctetCount < 1600 || len(sr.Reports) != 1 {
		t.Fatalf("sender report %+v", sr)
	}
	rr := sr.Reports[0]
	if rr.SSRC != 0xca0000fe || rr.TotalLost != 2 || rr.LastSequenceNumber != 9 || rr.FractionLost == 0 {
		t.Errorf("reception report %+v, want 2 lost of ssrc 0xca0000fe up to seq 9", rr)
	}
	l.Close()
	if tot := p.Totals(); tot.TxPackets != 10 || tot.RxPackets != 8 || tot.RxLost != 2 {
		t.Errorf("pool totals after close %+v", tot)
	}
}
