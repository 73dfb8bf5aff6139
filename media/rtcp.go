package media

import (
	"math"
	"net"
	"net/netip"
	"time"

	"github.com/pion/rtcp"
)

// RTCP (RFC 3550): every leg on a pool port pair sends a sender report
// (with a reception report of what it receives) from its odd port every
// rtcpInterval, so carriers and phones that watch RTCP see a live stream
// and its quality. One pool goroutine sends for all legs; incoming RTCP is
// not needed by Hotline and is left unread.
const rtcpInterval = 5 * time.Second

// ntpEpoch is 1900-01-01, where NTP timestamps count from.
var ntpEpoch = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

func ntpTime(t time.Time) uint64 {
	d := t.Sub(ntpEpoch)
	secs := uint64(d / time.Second)
	frac := uint64(d%time.Second) << 32 / uint64(time.Second)
	return secs<<32 | frac
}

// observeJitter updates the interarrival jitter (RFC 3550 A.8) with one
// packet's RTP timestamp and arrival time; reader goroutine only.
func (l *Leg) observeJitter(rtpTS uint32, arrival time.Time) {
	transit := int64(arrival.UnixNano()/int64(time.Second/8000)) - int64(rtpTS)
	if l.jitSeen {
		d := transit - l.jitTransit
		if d < 0 {
			d = -d
		}
		if d < 8000*10 { // a jump of 10 s is a new stream, not jitter
			l.jitter += (float64(d) - l.jitter) / 16
			l.st.jitter.Store(uint64(l.jitter))
		}
	}
	l.jitTransit, l.jitSeen = transit, true
}

// Jitter is the interarrival jitter of what the leg receives.
func (s Stats) JitterDuration() time.Duration {
	return time.Duration(s.Jitter) * time.Second / 8000
}

// rtcpReport builds the leg's sender report; ok is false before anything
// was sent or received.
func (l *Leg) rtcpReport(now time.Time) (pkt []byte, to netip.AddrPort, ok bool) {
	l.mu.Lock()
	remote := l.remote
	ssrc := l.out.SSRC
	rtpTS := l.ts
	l.mu.Unlock()
	st := l.Stats()
	if !remote.IsValid() || remote.Port() == 0 || remote.Addr().IsUnspecified() || st.TxPackets+st.RxPackets == 0 {
		return nil, netip.AddrPort{}, false
	}
	sr := &rtcp.SenderReport{SSRC: ssrc, NTPTime: ntpTime(now), RTPTime: rtpTS,
		PacketCount: uint32(st.TxPackets), OctetCount: uint32(st.TxBytes)}
	if st.RxPackets > 0 {
		expected := st.RxPackets + st.RxLost
		lost := min(st.RxLost, 0x7fffff)
		sr.Reports = []rtcp.ReceptionReport{{
			SSRC:               l.rxSSRCA.Load(),
			FractionLost:       uint8(math.Min(255, float64(st.RxLost)*256/float64(expected))),
			TotalLost:          uint32(lost),
			LastSequenceNumber: l.rxSeqA.Load(),
			Jitter:             uint32(st.Jitter),
		}}
	}
	b, err := sr.Marshal()
	if err != nil {
		return nil, netip.AddrPort{}, false
	}
	return b, netip.AddrPortFrom(remote.Addr(), remote.Port()+1), true
}

// rtcpLoop sends every leg's report each interval until the pool closes.
func (p *PortPool) rtcpLoop(done <-chan struct{}, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			p.mu.Lock()
			legs := make([]*Leg, 0, len(p.legs))
			for _, l := range p.legs {
				if l.rtcpConn != nil {
					legs = append(legs, l)
				}
			}
			p.mu.Unlock()
			for _, l := range legs {
				if b, to, ok := l.rtcpReport(now); ok {
					_, _ = l.rtcpConn.WriteToUDPAddrPort(b, to)
				}
			}
		}
	}
}

// bindRTCP opens the odd port above an RTP port, where RTCP goes.
func bindRTCP(ip netip.Addr, rtpPort int) *net.UDPConn {
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(rtpPort+1))))
	if err != nil {
		return nil // RTP works without it; reports are simply not sent
	}
	return c
}
