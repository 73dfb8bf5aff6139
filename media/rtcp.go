package media

import (
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/rtcp"
)

// RTCP (RFC 3550 §6): every leg sends a sender report (or a receiver report
// while it sends nothing) about every 5 s, with a reception report block on
// the far end's stream — loss and interarrival jitter as the RFC's
// appendix A computes them — and reads the far end's reports: the loss and
// jitter it sees of our stream, and the round-trip time from its echo of
// our last SR. RTCP goes to the RTP port + 1 (a second socket), or on the
// RTP port itself when the far end multiplexes (RFC 5761); replies go to
// wherever the far end's RTCP came from, as with symmetric RTP.

// ReportInterval is the mean time between a leg's RTCP reports.
const ReportInterval = 5 * time.Second

// rtcpState is a leg's reception statistics and what the far end reported.
type rtcpState struct {
	mu sync.Mutex

	seen bool
	rx   rxStats

	// The far end's last sender report, for LSR/DLSR.
	lsr   uint32
	lsrAt time.Time

	// What the far end reports about our stream.
	peerFraction uint8
	peerJitter   uint32
	rtt          time.Duration

	peer       netip.AddrPort // where its RTCP comes from
	muxed      bool           // it sends RTCP on the RTP port
	txAtReport uint64         // our RTP packet count at the last report
	next       time.Time      // when the next report is due
	sent, recv uint64
}

// rxStats is the far end's RTP stream as RFC 3550 appendix A counts it.
type rxStats struct {
	ssrc                         uint32
	baseSeq, maxSeq              uint16
	cycles                       uint32
	received                     uint32
	expectedPrior, receivedPrior uint32
	transit                      int64
	hasTransit                   bool
	jitter                       float64 // timestamp units
}

// onRTP updates the reception statistics for one accepted packet; audio
// packets also feed the jitter estimate (an event's timestamp is its
// start, not its sending time).
func (c *rtcpState) onRTP(ssrc uint32, seq uint16, ts uint32, now time.Time, audio bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := &c.rx
	if !c.seen || ssrc != r.ssrc {
		c.seen = true
		*r = rxStats{ssrc: ssrc, baseSeq: seq, maxSeq: seq, received: 1}
		r.noteTransit(ts, now, audio)
		return
	}
	switch d := seq - r.maxSeq; {
	case d == 0:
		return // duplicate
	case d < 3000:
		if seq < r.maxSeq {
			r.cycles += 1 << 16
		}
		r.maxSeq = seq
	case d > 0xffff-100:
		// late or reordered: counted as received below
	default:
		// A jump: the sender restarted its sequence; count afresh.
		*r = rxStats{ssrc: ssrc, baseSeq: seq, maxSeq: seq, jitter: r.jitter}
	}
	r.received++
	r.noteTransit(ts, now, audio)
}

func (r *rxStats) noteTransit(ts uint32, now time.Time, audio bool) {
	if !audio {
		return
	}
	arrival := now.UnixNano() / (int64(time.Second) / sampleRate)
	transit := arrival - int64(ts)
	if r.hasTransit {
		d := transit - r.transit
		if d < 0 {
			d = -d
		}
		r.jitter += (float64(d) - r.jitter) / 16
	}
	r.transit, r.hasTransit = transit, true
}

// block is the reception report on the far end's stream (nil before any
// packet) and advances the interval counters.
func (c *rtcpState) block(now time.Time) []rtcp.ReceptionReport {
	if !c.seen {
		return nil
	}
	r := &c.rx
	extMax := r.cycles + uint32(r.maxSeq)
	expected := extMax - uint32(r.baseSeq) + 1
	lost := max(0, min(int64(expected)-int64(r.received), 0x7fffff))
	expInt := expected - r.expectedPrior
	recInt := r.received - r.receivedPrior
	r.expectedPrior, r.receivedPrior = expected, r.received
	var fraction uint8
	if lostInt := int64(expInt) - int64(recInt); expInt > 0 && lostInt > 0 {
		fraction = uint8(min(255, lostInt<<8/int64(expInt)))
	}
	rr := rtcp.ReceptionReport{SSRC: r.ssrc, FractionLost: fraction, TotalLost: uint32(lost),
		LastSequenceNumber: extMax, Jitter: uint32(r.jitter)}
	if c.lsr != 0 {
		rr.LastSenderReport = c.lsr
		rr.Delay = uint32(now.Sub(c.lsrAt) * 65536 / time.Second)
	}
	return []rtcp.ReceptionReport{rr}
}

// ntpTime is t as a 64-bit NTP timestamp.
func ntpTime(t time.Time) uint64 {
	const ntpEpochOffset = 2208988800 // 1900 → 1970
	s := uint64(t.Unix()) + ntpEpochOffset
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return s<<32 | frac
}

// openRTCP binds the RTCP socket on the RTP port + 1; a leg without one
// still reports to a far end that multiplexes.
func (l *Leg) openRTCP() {
	a := netip.AddrPortFrom(l.local.Addr(), l.local.Port()+1)
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(a))
	if err != nil {
		return
	}
	l.rtcpConn = conn
	l.rtcpDone = make(chan struct{})
	go l.rtcpReadLoop()
}

func (l *Leg) rtcpReadLoop() {
	defer close(l.rtcpDone)
	var buf [maxPacket]byte
	for {
		n, src, err := l.rtcpConn.ReadFromUDPAddrPort(buf[:])
		if err != nil {
			if l.isClosed() || errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		l.onRTCP(buf[:n], src, false)
	}
}

// onRTCP reads a compound RTCP packet from the far end.
func (l *Leg) onRTCP(b []byte, src netip.AddrPort, muxed bool) {
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	l.mu.Lock()
	remote, ours := l.remote, l.out.SSRC
	l.mu.Unlock()
	// Only the far end may report on the call: on the RTP port, from the
	// very address its RTP comes from; on the RTCP port, from its host.
	if !remote.IsValid() || src.Addr() != remote.Addr().Unmap() || (muxed && src != remote) {
		l.st.rxDropped.Add(1)
		return
	}
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		l.st.rxDropped.Add(1)
		return
	}
	now := time.Now()
	c := &l.rc
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recv++
	c.peer, c.muxed = src, muxed
	for _, p := range pkts {
		var reports []rtcp.ReceptionReport
		switch p := p.(type) {
		case *rtcp.SenderReport:
			c.lsr, c.lsrAt = uint32(p.NTPTime>>16), now
			reports = p.Reports
		case *rtcp.ReceiverReport:
			reports = p.Reports
		}
		for _, r := range reports {
			if r.SSRC != ours {
				continue
			}
			c.peerFraction, c.peerJitter = r.FractionLost, r.Jitter
			if r.LastSenderReport != 0 {
				// RTT = now − LSR − DLSR, in 1/65536 s (RFC 3550 §6.4.1).
				d := uint32(ntpTime(now)>>16) - r.LastSenderReport - r.Delay
				if d < 1<<31 {
					c.rtt = time.Duration(uint64(d) * uint64(time.Second) >> 16)
				}
			}
		}
	}
}

// reportDue tells whether the leg's next report is due, scheduling the one
// after at a randomised interval (RFC 3550 §6.3.1: 0.5 to 1.5 times). The
// first report comes after half the interval (§6.2, Tmin halved while
// "initial"), so a phone's round trip is known within seconds of the answer.
func (l *Leg) reportDue(now time.Time) bool {
	c := &l.rc
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.next.IsZero() {
		c.next = now.Add(time.Duration(float64(ReportInterval/2) * (0.5 + rand.Float64())))
		return false
	}
	if now.Before(c.next) {
		return false
	}
	c.next = now.Add(time.Duration(float64(ReportInterval) * (0.5 + rand.Float64())))
	return true
}

// sendReport sends one compound RTCP packet: SR (RR while we send no RTP)
// with the reception block, and the SDES CNAME every compound must carry.
func (l *Leg) sendReport(now time.Time) {
	l.mu.Lock()
	remote, ssrc := l.remote, l.out.SSRC
	rtpNow := l.ts
	if !l.tsTime.IsZero() {
		rtpNow -= uint32(int64(l.tsTime.Sub(now)) * sampleRate / int64(time.Second))
	}
	l.mu.Unlock()
	if !remote.IsValid() || remote.Port() == 0 || remote.Addr().IsUnspecified() {
		return
	}
	tx, octets := l.st.txPackets.Load(), l.st.txBytes.Load()
	c := &l.rc
	c.mu.Lock()
	blocks := c.block(now)
	sending := tx > c.txAtReport
	c.txAtReport = tx
	dest, muxed := c.peer, c.muxed
	c.mu.Unlock()
	var first rtcp.Packet = &rtcp.ReceiverReport{SSRC: ssrc, Reports: blocks}
	if sending {
		first = &rtcp.SenderReport{SSRC: ssrc, NTPTime: ntpTime(now), RTPTime: rtpNow,
			PacketCount: uint32(tx), OctetCount: uint32(octets - 12*tx), Reports: blocks}
	}
	b, err := rtcp.Marshal([]rtcp.Packet{first, rtcp.NewCNAMESourceDescription(ssrc, "hotline")})
	if err != nil {
		return
	}

	switch {
	case muxed:
		err = l.tr.WritePacket(b, dest) // on the RTP port, as the far end asked
	case l.rtcpConn == nil:
		return
	default:
		if !dest.IsValid() {
			dest = netip.AddrPortFrom(remote.Addr(), remote.Port()+1)
		}
		_, err = l.rtcpConn.WriteToUDPAddrPort(b, dest)
	}
	if err == nil {
		c.mu.Lock()
		c.sent++
		c.mu.Unlock()
	}
}

// rtcpStats fills the RTCP part of a leg's Stats.
func (c *rtcpState) stats(s *Stats) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.Jitter = time.Duration(c.rx.jitter * float64(time.Second) / sampleRate)
	s.RTCPSent, s.RTCPReceived = c.sent, c.recv
	s.PeerFractionLost = float64(c.peerFraction) / 256
	s.PeerJitter = time.Duration(uint64(c.peerJitter) * uint64(time.Second) / sampleRate)
	s.RTT = c.rtt
}

// reporter sends every live leg's reports when due; one goroutine per
// pool, not per leg.
func (p *PortPool) reporter() {
	defer close(p.reporterDone)
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	var legs []*Leg
	for {
		select {
		case <-p.stopReporter:
			return
		case now := <-t.C:
			p.mu.Lock()
			legs = legs[:0]
			for _, l := range p.legs {
				legs = append(legs, l)
			}
			p.mu.Unlock()
			for _, l := range legs {
				if l.reportDue(now) {
					l.sendReport(now)
				}
			}
		}
	}
}
