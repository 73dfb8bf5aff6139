package media

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"time"
)

func (l *Leg) readLoop() {
	defer close(l.readerDone)
	for {
		n, src, err := l.tr.ReadPacket(l.rbuf[:])
		if err != nil {
			if l.isClosed() || errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) {
				return
			}
			continue // ICMP port unreachable and the like
		}
		b := l.rbuf[:n]
		if st := l.srtp.Load(); st != nil && n >= 12 && (b[1]&0x7f < 72 || b[1]&0x7f > 76) {
			// SRTCP on the same port is left to receive, which ignores RTCP.
			if b, err = st.rx.DecryptRTP(l.dbuf[:0], b, nil); err != nil {
				l.st.rxDropped.Add(1) // forged, replayed or keyed otherwise
				continue
			}
		}
		l.receive(b, src)
	}
}

// receive handles one datagram on the reader goroutine. It allocates
// nothing: the packet is unmarshalled into the leg's reused rtp.Packet and
// handed on as the leg's reused Frame.
func (l *Leg) receive(b []byte, src netip.AddrPort) {
	if len(b) < 12 || b[0]>>6 != 2 {
		l.st.rxDropped.Add(1) // STUN, garbage
		return
	}
	if pt := b[1] & 0x7f; pt >= 72 && pt <= 76 {
		l.onRTCP(b, src, true) // RTCP multiplexed on the RTP port
		return
	}
	if err := l.rpkt.Unmarshal(b); err != nil {
		l.st.rxDropped.Add(1)
		return
	}
	l.mu.Lock()
	ok := l.acceptLocked(src)
	dtmfPT := l.dtmfPT
	l.mu.Unlock()
	if !ok {
		l.st.rxDropped.Add(1)
		return
	}
	now := time.Now()
	l.lastRx.Store(now.UnixNano())
	l.st.rxPackets.Add(1)
	l.st.rxBytes.Add(uint64(len(b)))
	l.countLoss(l.rpkt.SSRC, l.rpkt.SequenceNumber)

	p := &l.rpkt
	pt := int(p.PayloadType)
	l.rc.onRTP(p.SSRC, p.SequenceNumber, p.Timestamp, now, pt != dtmfPT)
	sink := l.sink.Load()
	if pt == dtmfPT {
		if d, ok := l.rxDTMF.event(p.Timestamp, p.Payload); ok {
			l.digit(d)
		}
		if sink != nil {
			l.frame = Frame{Event: true, Payload: p.Payload, Timestamp: p.Timestamp, SequenceNumber: p.SequenceNumber, Marker: p.Marker}
			sink.s.WriteFrame(&l.frame)
		}
		return
	}
	// Either G.711 law is accepted whatever was negotiated: some phones
	// answer with both and send the other, and the relay transcodes anyway.
	codec, ok := CodecByPT(p.PayloadType)
	if !ok || len(p.Payload) == 0 {
		return // comfort noise, a codec we never offered
	}
	if l.inbandOn.Load() {
		if !l.inbandW {
			l.inband.Reset()
			l.inbandW = true
		}
		n := min(len(p.Payload), len(l.pcm))
		Decode(l.pcm[:n], p.Payload[:n], codec)
		for _, d := range l.inband.Feed(l.pcm[:n]) {
			l.digit(d)
		}
	} else {
		l.inbandW = false
	}
	tap := l.tap.Load()
	if sink != nil || tap != nil {
		l.frame = Frame{Codec: codec, Payload: p.Payload, Samples: uint32(len(p.Payload)), Timestamp: p.Timestamp, SequenceNumber: p.SequenceNumber, Marker: p.Marker}
	}
	if sink != nil {
		sink.s.WriteFrame(&l.frame)
	}
	if tap != nil {
		tap.s.WriteFrame(&l.frame)
	}
}

// acceptLocked implements symmetric RTP (RFC 4961 / "comedia"): the first
// packet from the far end's SDP address latches its real source port, and
// after that only that source is heard, so a stray or hostile stream
// cannot take over the call. A private SDP address (a phone behind NAT)
// latches onto the first source from anywhere, since its packets come from
// the NAT's public address.
func (l *Leg) acceptLocked(src netip.AddrPort) bool {
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	if l.latched {
		return src == l.remote
	}
	want := l.sdpRemote.Addr().Unmap()
	if !want.IsValid() {
		return false // no SDP answer applied yet
	}
	if src.Addr() == want || want.IsPrivate() || want.IsLinkLocalUnicast() {
		l.remote, l.latched = src, true
		return true
	}
	return false
}

// countLoss counts sequence gaps; reordered and duplicate packets are not
// losses, and a new SSRC or a wild jump (a far end restarting its stream)
// starts counting afresh.
func (l *Leg) countLoss(ssrc uint32, seq uint16) {
	if !l.rxSeen || ssrc != l.rxSSRC {
		l.rxSeen, l.rxSSRC, l.rxSeq = true, ssrc, seq
		return
	}
	d := int16(seq - l.rxSeq)
	switch {
	case d <= 0:
		return
	case d > 1 && d < 3000:
		l.st.rxLost.Add(uint64(d - 1))
	}
	l.rxSeq = seq
}

func (l *Leg) digit(d rune) {
	if fn := l.onDTMF.Load(); fn != nil {
		(*fn)(d)
	}
}
