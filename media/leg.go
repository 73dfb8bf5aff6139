package media

import (
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// Stats counts a leg's traffic.
type Stats struct {
	RxPackets, RxBytes uint64
	RxLost             uint64 // by sequence-number gaps
	RxDropped          uint64 // from unexpected sources or malformed
	TxPackets, TxBytes uint64

	// RTCP: our interarrival jitter estimate of the far end's stream, the
	// reports exchanged, and what the far end reported about ours.
	Jitter                 time.Duration
	RTCPSent, RTCPReceived uint64
	PeerFractionLost       float64 // 0..1, over the far end's last report interval
	PeerJitter             time.Duration
	RTT                    time.Duration // from the far end's echo of our last SR; 0 until known
}

// Leg is one RTP endpoint of a call: one UDP socket and one reader
// goroutine. Inbound audio and RFC 4733 events go to the current Sink (a
// bridge partner, a recorder) and digits to the OnDTMF callback; outbound
// media from any source leaves as one RTP stream (one SSRC, continuous
// sequence numbers and timestamps), so switching from a prompt to music to
// bridged audio never makes the far end's decoder resynchronise.
type Leg struct {
	tr         Transport
	pool       *PortPool
	local      netip.AddrPort
	closing    chan struct{}
	readerDone chan struct{}
	closeOnce  sync.Once

	// Owned by the reader goroutine.
	rbuf    [maxPacket]byte
	rpkt    rtp.Packet
	frame   Frame
	pcm     [maxPacket]int16
	rxDTMF  dtmfState
	inband  DTMFDetector
	rxSSRC  uint32
	rxSeq   uint16
	rxSeen  bool
	inbandW bool            // detector state valid (reset when re-enabled)
	dbuf    [maxPacket]byte // decrypted SRTP

	srtp atomic.Pointer[srtpState] // nil: plain RTP

	rc       rtcpState
	rtcpConn *net.UDPConn // RTP port + 1; nil when that port was taken
	rtcpDone chan struct{}

	sink     atomic.Pointer[sinkRef]
	tap      atomic.Pointer[sinkRef] // a recorder: sees inbound audio whoever owns the sink
	onDTMF   atomic.Pointer[func(rune)]
	inbandOn atomic.Bool
	lastRx   atomic.Int64 // unix nanoseconds of the last accepted packet
	st       struct{ rxPackets, rxBytes, rxLost, rxDropped, txPackets, txBytes atomic.Uint64 }

	mu        sync.Mutex     // guards the fields below; never held while calling out or sending
	remote    netip.AddrPort // where we send
	sdpRemote netip.AddrPort // what the far end's SDP said
	latched   bool
	codec     Codec
	dtmfPT    int
	owner     any // the source allowed to write: *Playback, *BridgeHandle, *Party or nil
	playback  *Playback
	relay     relayOwner // the bridge or mixer that owns the output when no playback does
	// outbound stream
	out     rtp.Packet
	ebuf    [maxPacket + 16]byte // encrypted SRTP: the packet and its auth tag (guarded by wmu)
	scratch [maxPacket]byte
	// wmu orders sends and guards wbuf. It is taken while mu is held and
	// kept across the socket write after mu is released (lock order: mu,
	// then wmu), so the reader and the control path never wait on I/O.
	wmu     sync.Mutex
	wbuf    [maxPacket]byte
	ts      uint32    // timestamp of the next audio frame
	tsTime  time.Time // wall-clock time ts is due
	evSrcTS uint32    // relayed RFC 4733 event being sent, by source timestamp
	evOutTS uint32
	evOn    bool
}

func newLeg(tr Transport, pool *PortPool, local netip.AddrPort) *Leg {
	l := &Leg{
		tr: tr, pool: pool, local: local,
		closing: make(chan struct{}), readerDone: make(chan struct{}),
		dtmfPT: -1, ts: rand.Uint32(),
	}
	l.out.Version = 2
	l.out.SSRC = rand.Uint32()
	l.out.SequenceNumber = uint16(rand.Uint32())
	l.openRTCP()
	go l.readLoop()
	return l
}

// LocalPort is the leg's RTP port.
func (l *Leg) LocalPort() int { return int(l.local.Port()) }

// LocalAddr is the address the leg's socket is bound to.
func (l *Leg) LocalAddr() netip.AddrPort { return l.local }

// SSRC is the leg's outbound stream identifier.
func (l *Leg) SSRC() uint32 { return l.out.SSRC }

// SetRemote points the leg at the far end's SDP address with the
// negotiated codec and telephone-event payload type (-1 when none). A leg
// that already latched onto a NAT'd source keeps it while the far end's
// SDP address is unchanged (a re-INVITE refreshing the session).
func (l *Leg) SetRemote(addr netip.AddrPort, codec Codec, dtmfPT int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.latched || !l.sdpRemote.IsValid() || addr != l.sdpRemote {
		l.remote, l.latched = addr, false
	}
	l.sdpRemote = addr
	l.codec = codec
	l.dtmfPT = dtmfPT
}

// Remote is where the leg sends: the SDP address, or the latched source.
func (l *Leg) Remote() netip.AddrPort {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.remote
}

// Codec returns the negotiated codec.
func (l *Leg) Codec() Codec {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.codec
}

// OnDTMF sets the function called with each digit received (RFC 4733 or,
// when enabled, in-band). It runs on the reader goroutine: post the digit
// to the call's inbox and return; never Close the leg from it.
func (l *Leg) OnDTMF(fn func(digit rune)) {
	if fn == nil {
		l.onDTMF.Store(nil)
		return
	}
	l.onDTMF.Store(&fn)
}

// EnableInbandDTMF turns the Goertzel detector on for trunks that send
// digits only as tones in the audio.
func (l *Leg) EnableInbandDTMF(on bool) { l.inbandOn.Store(on) }

// SetSink installs where inbound media goes (nil: nowhere). Bridge uses it;
// so will a recorder.
func (l *Leg) SetSink(s Sink) {
	if s == nil {
		l.sink.Store(nil)
		return
	}
	l.sink.Store(&sinkRef{s})
}

// LastRx is when the last accepted packet arrived (zero if none yet), for
// RTP timeout detection.
func (l *Leg) LastRx() time.Time {
	if n := l.lastRx.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// Stats returns the leg's counters.
func (l *Leg) Stats() Stats {
	s := Stats{
		RxPackets: l.st.rxPackets.Load(), RxBytes: l.st.rxBytes.Load(),
		RxLost: l.st.rxLost.Load(), RxDropped: l.st.rxDropped.Load(),
		TxPackets: l.st.txPackets.Load(), TxBytes: l.st.txBytes.Load(),
	}
	l.rc.stats(&s)
	return s
}

// Close stops playback, leaves any bridge or mixer, closes the socket, waits for the
// reader goroutine and returns the port to the pool. Safe to call twice.
func (l *Leg) Close() {
	l.closeOnce.Do(func() {
		close(l.closing)
		_ = l.tr.Close()
		<-l.readerDone
		if l.rtcpConn != nil {
			_ = l.rtcpConn.Close()
			<-l.rtcpDone
		}
		l.mu.Lock()
		pb, br := l.playback, l.relay
		l.playback, l.owner = nil, nil
		l.mu.Unlock()
		if pb != nil {
			pb.Stop()
		}
		if br != nil {
			br.leave(l)
		}
		l.sink.Store(nil)
		if l.pool != nil {
			l.pool.release(l)
		}
	})
}

func (l *Leg) isClosed() bool {
	select {
	case <-l.closing:
		return true
	default:
		return false
	}
}

// WriteAudio sends one frame already in the leg's codec; samples advances
// the timestamp (160 for 20 ms). marker flags a new talk spurt. It writes
// whatever else owns the leg's output: callers that mix sources arbitrate.
func (l *Leg) WriteAudio(payload []byte, samples uint32, marker bool) error {
	l.mu.Lock()
	return l.sendAudioUnlock(payload, samples, marker)
}

// writeAs sends audio from a source (playback, bridge) only while that
// source owns the leg's output; converted from codec from when needed.
func (l *Leg) writeAs(owner any, from Codec, payload []byte, samples uint32, marker bool) {
	l.mu.Lock()
	if l.owner != owner {
		l.mu.Unlock()
		return
	}
	if from != l.codec {
		n := min(len(payload), len(l.scratch))
		Transcode(l.scratch[:n], payload[:n], from, l.codec)
		payload = l.scratch[:n]
	}
	_ = l.sendAudioUnlock(payload, samples, marker)
}

// sendAudioUnlock keeps the timestamp on the wall clock: after a pause in
// what we send (no prompt, a silent bridge partner, a DTMF event) it jumps
// by the time elapsed and sets the marker, as a phone does after silence
// suppression, so the far end's jitter buffer keeps its playout delay.
// Called with mu held; it releases mu (see sendUnlock).
func (l *Leg) sendAudioUnlock(payload []byte, samples uint32, marker bool) error {
	now := time.Now()
	if l.catchUpLocked(now) {
		marker = true
	}
	ts := l.ts
	l.ts += samples
	l.tsTime = now.Add(time.Duration(samples) * time.Second / sampleRate)
	return l.sendUnlock(l.codec.PT(), ts, payload, marker)
}

const maxLate = 100 * time.Millisecond

func (l *Leg) catchUpLocked(now time.Time) bool {
	if l.tsTime.IsZero() {
		l.tsTime = now
		return true
	}
	late := now.Sub(l.tsTime)
	if late <= maxLate {
		return false
	}
	l.ts += uint32(late / (time.Second / sampleRate))
	l.tsTime = now
	return true
}

// writeEventAs relays an RFC 4733 packet under the leg's own stream
// identity and telephone-event type; all packets of one event (one source
// timestamp) keep one timestamp, as the RFC requires.
func (l *Leg) writeEventAs(owner any, srcTS uint32, payload []byte, marker bool) {
	l.mu.Lock()
	if l.owner != owner || l.dtmfPT < 0 {
		l.mu.Unlock()
		return // the far end takes no telephone-events; the digit was still reported
	}
	if !l.evOn || srcTS != l.evSrcTS {
		l.catchUpLocked(time.Now())
		l.evOn, l.evSrcTS, l.evOutTS = true, srcTS, l.ts
		marker = true
	}
	evTS := l.evOutTS
	// The event's duration is time on the stream too: what follows (audio,
	// the next event) must not reuse its timestamps.
	if _, _, dur, ok := DecodeEvent(payload); ok {
		if end := evTS + uint32(dur); int32(end-l.ts) > 0 {
			l.ts, l.tsTime = end, time.Now()
		}
	}
	_ = l.sendUnlock(uint8(l.dtmfPT), evTS, payload, marker)
}

// sendUnlock is called with mu held and releases it. It marshals into the
// leg's reused buffer (no allocation) under wmu, then releases mu before
// the socket write, so a send never blocks the leg's reader or control.
func (l *Leg) sendUnlock(pt uint8, ts uint32, payload []byte, marker bool) error {
	r := l.remote
	if !r.IsValid() || r.Port() == 0 || r.Addr().IsUnspecified() {
		l.mu.Unlock()
		return nil // no far end yet, or on hold with c=0.0.0.0
	}
	l.wmu.Lock()
	defer l.wmu.Unlock()
	l.out.PayloadType = pt
	l.out.Marker = marker
	l.out.Timestamp = ts
	l.out.Payload = payload
	n, err := l.out.MarshalTo(l.wbuf[:])
	l.out.Payload = nil
	if err != nil {
		l.mu.Unlock()
		return err
	}
	pkt := l.wbuf[:n]
	if st := l.srtp.Load(); st != nil {
		// The header given must be the one marshalled: the packet index
		// (and so the keystream) comes from its sequence number.
		if pkt, err = st.tx.EncryptRTP(l.ebuf[:0], pkt, &l.out.Header); err != nil {
			l.out.SequenceNumber++
			l.mu.Unlock()
			return err
		}
	}
	l.out.SequenceNumber++
	l.mu.Unlock()
	if err := l.tr.WritePacket(pkt, r); err != nil {
		return err
	}
	l.st.txPackets.Add(1)
	l.st.txBytes.Add(uint64(n))
	return nil
}

// SetTap installs (or with nil removes) a second receiver of the leg's
// inbound audio, independent of the bridge: the call recorder.
func (l *Leg) SetTap(s Sink) {
	if s == nil {
		l.tap.Store(nil)
		return
	}
	l.tap.Store(&sinkRef{s})
}
