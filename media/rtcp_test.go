package media

import (
	"net"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// rtcpLeg allocates a leg that got its RTCP socket (port + 1 may be taken
// when the kernel picks ports).
func rtcpLeg(t *testing.T, p *PortPool) *Leg {
	t.Helper()
	for range 20 {
		l := newLegT(t, p)
		if l.rtcpConn != nil {
			return l
		}
		l.Close()
	}
	t.Fatal("no leg with an RTCP port")
	return nil
}

// Two legs talking: A's sender report reaches B, B's reception block
// echoes it back, and each side knows what the other reported.
func TestRTCPReportsBetweenLegs(t *testing.T) {
	p := testPool(t)
	a, b := rtcpLeg(t, p), rtcpLeg(t, p)
	connect(a, b, PCMU, PCMU, -1, -1)
	frame := make([]byte, samplesPerFrame)
	for range 20 {
		if err := a.WriteAudio(frame, samplesPerFrame, false); err != nil {
			t.Fatal(err)
		}
		if err := b.WriteAudio(frame, samplesPerFrame, false); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	eventually(t, "b to receive a's audio", func() bool { return b.Stats().RxPackets == 20 })
	a.sendReport(time.Now())
	eventually(t, "b to receive a's SR", func() bool { return b.Stats().RTCPReceived == 1 })
	time.Sleep(5 * time.Millisecond)
	b.sendReport(time.Now())
	eventually(t, "a to receive b's report", func() bool { return a.Stats().RTCPReceived == 1 })
	sa, sb := a.Stats(), b.Stats()
	if sa.RTCPSent != 1 || sb.RTCPSent != 1 {
		t.Errorf("sent: a %d b %d", sa.RTCPSent, sb.RTCPSent)
	}
	if sa.PeerFractionLost != 0 {
		t.Errorf("b reports %.2f loss of a's lossless stream", sa.PeerFractionLost)
	}
	if sa.RTT <= 0 || sa.RTT > time.Second {
		t.Errorf("a's RTT from b's echo of its SR: %v", sa.RTT)
	}
	b.rc.mu.Lock()
	lsr := b.rc.lsr
	b.rc.mu.Unlock()
	if lsr == 0 {
		t.Error("b kept no LSR from a's sender report")
	}
}

// Loss and jitter as RFC 3550 appendix A computes them, on a synthetic
// stream: every tenth packet lost, then arrivals alternating 10 and 30 ms
// apart for packets sent every 20 ms.
func TestRTCPReceptionBlock(t *testing.T) {
	var c rtcpState
	t0 := time.Unix(1700000000, 0)
	for i := range 100 {
		if i%10 == 9 {
			continue
		}
		c.onRTP(7, uint16(65500+i), uint32(i*160), t0.Add(time.Duration(i)*20*time.Millisecond), true)
	}
	r := c.block(t0.Add(2 * time.Second))
	if len(r) != 1 {
		t.Fatalf("blocks: %v", r)
	}
	// 99 expected up to the highest (seq 65500+98, across the wrap), 90 received.
	if r[0].TotalLost != 9 || r[0].FractionLost != 9*256/99 || r[0].LastSequenceNumber != 1<<16+62 {
		t.Errorf("block %+v", r[0])
	}
	if r[0].Jitter > 1 {
		t.Errorf("steady arrivals gave jitter %d", r[0].Jitter)
	}
	// The next interval has no loss.
	if r := c.block(t0.Add(3 * time.Second)); r[0].FractionLost != 0 || r[0].TotalLost != 9 {
		t.Errorf("second block %+v", r[0])
	}
	var j rtcpState
	at := t0
	for i := range 400 {
		at = at.Add(map[bool]time.Duration{true: 10 * time.Millisecond, false: 30 * time.Millisecond}[i%2 == 0])
		j.onRTP(9, uint16(i), uint32(i*160), at, true)
	}
	// |D| is 10 ms = 80 timestamp units every packet: the estimate converges there.
	if got := j.block(at)[0].Jitter; got < 75 || got > 80 {
		t.Errorf("jitter %d, want about 80", got)
	}
}

// The report is a compound SR + SDES while we send, RR + SDES while we
// only listen; a far end that multiplexes gets it on its RTP address.
func TestRTCPSenderOrReceiverReport(t *testing.T) {
	p := testPool(t)
	a := rtcpLeg(t, p)
	far, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer far.Close()
	addr := far.LocalAddr().(*net.UDPAddr).AddrPort()
	a.SetRemote(addr, PCMU, -1)
	// The far end multiplexes: its RR arrives on a's RTP port from its RTP address.
	rr, _ := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 99}, rtcp.NewCNAMESourceDescription(99, "far")})
	if _, err := far.WriteToUDPAddrPort(rr, a.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a to take the far end's report", func() bool { return a.Stats().RTCPReceived == 1 })
	read := func() rtcp.Packet {
		t.Helper()
		buf := make([]byte, 1500)
		_ = far.SetReadDeadline(time.Now().Add(2 * time.Second))
		for {
			n, err := far.Read(buf)
			if err != nil {
				t.Fatalf("no report: %v", err)
			}
			if pt := buf[1]; pt < 200 || pt > 204 {
				continue // RTP
			}
			pkts, err := rtcp.Unmarshal(buf[:n])
			if err != nil || len(pkts) != 2 {
				t.Fatalf("report %x: %v", buf[:n], err)
			}
			if _, ok := pkts[1].(*rtcp.SourceDescription); !ok {
				t.Errorf("second packet %T, want SDES", pkts[1])
			}
			return pkts[0]
		}
	}
	a.sendReport(time.Now())
	if p, ok := read().(*rtcp.ReceiverReport); !ok || p.SSRC != a.SSRC() {
		t.Errorf("listening leg sent %T %+v, want a receiver report", p, p)
	}
	_ = a.WriteAudio(make([]byte, 160), 160, false)
	a.sendReport(time.Now())
	if p, ok := read().(*rtcp.SenderReport); !ok || p.PacketCount != 1 || p.SSRC != a.SSRC() {
		t.Errorf("sending leg sent %T %+v, want a sender report of 1 packet", p, p)
	}
	// A report from anywhere else is not taken.
	stranger, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer stranger.Close()
	_, _ = stranger.WriteToUDPAddrPort(rr, a.LocalAddr())
	time.Sleep(50 * time.Millisecond)
	if n := a.Stats().RTCPReceived; n != 1 {
		t.Errorf("a took a stranger's report (%d)", n)
	}
}
