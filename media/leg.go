// Package media is Hotline's RTP layer for G.711 calls: a port pool, legs
// (one UDP socket and one reader goroutine each), prompt playback paced at
// 20 ms, RFC 4733 DTMF, and a bridge that relays two legs, transcoding only
// when their codecs differ. It knows nothing of SIP.
package media

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Codec is a leg's negotiated audio codec.
type Codec uint8

const (
	PCMU Codec = iota
	PCMA
)

func (c Codec) String() string {
	if c == PCMA {
		return "PCMA"
	}
	return "PCMU"
}

// PT is the static RTP payload type of the codec.
func (c Codec) PT() uint8 {
	if c == PCMA {
		return 8
	}
	return 0
}

// ErrClosed: the leg was closed.
var ErrClosed = errors.New("media: leg closed")

const (
	samplesPerFrame = 160 // 20 ms at 8 kHz
	maxPacket       = 1500
)

// Stats counts a leg's traffic.
type Stats struct {
	RxPackets, TxPackets, RxBytes, TxBytes, RxLost uint64
}

// Leg is one RTP endpoint of a call. Its reader goroutine delivers inbound
// audio to the current sink (a bridge partner) and DTMF to OnDTMF.
type Leg struct {
	conn  *net.UDPConn
	pool  *PortPool
	port  int
	done  chan struct{}
	close sync.Once

	mu      sync.Mutex // guards remote/codec/dtmfPT/latched and the outbound stream state
	remote  netip.AddrPort
	latched bool
	codec   Codec
	dtmfPT  int
	// outbound stream: one SSRC, continuous seq/timestamp across sources
	ssrc    uint32
	seq     uint16
	ts      uint32
	lastOut time.Time
	wbuf    [maxPacket]byte
	// event timestamp mapping for relayed RFC 4733 events
	evSrcTS, evOutTS uint32
	evActive         bool

	sink   atomic.Pointer[Leg] // bridge partner receiving our inbound audio
	onDTMF atomic.Pointer[func(rune)]

	rx       dtmfState
	lastRx   atomic.Int64 // unix nano of the last inbound packet
	rxSeq    uint16
	rxSeen   bool
	stats    Stats
	statsMu  sync.Mutex
	inbandOn atomic.Bool
	inband   *DTMFDetector
}

func newLeg(conn *net.UDPConn, pool *PortPool, port int) *Leg {
	l := &Leg{
		conn: conn, pool: pool, port: port, done: make(chan struct{}),
		ssrc: rand.Uint32(), seq: uint16(rand.Uint32()), ts: rand.Uint32(), dtmfPT: -1,
		inband: NewDTMFDetector(),
	}
	go l.readLoop()
	return l
}

// LocalPort is the leg's RTP port.
func (l *Leg) LocalPort() int { return l.port }

// SetRemote points the leg at the far end with the negotiated codec and
// telephone-event payload type (-1 when none).
func (l *Leg) SetRemote(addr netip.AddrPort, codec Codec, dtmfPT int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.latched || addr.Addr() != l.remote.Addr() {
		l.remote = addr
		l.latched = false
	}
	l.codec = codec
	l.dtmfPT = dtmfPT
}

// Codec returns the negotiated codec.
func (l *Leg) Codec() Codec {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.codec
}

// OnDTMF sets the function called with each digit received (RFC 4733 or,
// when enabled, in-band tones), from the reader goroutine.
func (l *Leg) OnDTMF(fn func(rune)) { l.onDTMF.Store(&fn) }

// EnableInbandDTMF turns on the Goertzel detector for trunks that send
// digits only as tones.
func (l *Leg) EnableInbandDTMF(on bool) { l.inbandOn.Store(on) }

// LastRx is when the last packet arrived (zero if none yet).
func (l *Leg) LastRx() time.Time {
	n := l.lastRx.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// Stats returns the leg's counters.
func (l *Leg) Stats() Stats {
	l.statsMu.Lock()
	defer l.statsMu.Unlock()
	return l.stats
}

// Close stops the reader, releases the port; safe to call twice.
func (l *Leg) Close() {
	l.close.Do(func() {
		close(l.done)
		_ = l.conn.Close()
		if l.pool != nil {
			l.pool.release(l.port)
		}
	})
}

func (l *Leg) closed() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// writeAudio sends one frame of audio already in the leg's codec. samples
// advances the timestamp; marker flags a new talk spurt or source.
func (l *Leg) writeAudio(payload []byte, samples uint32, marker bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.writeLocked(l.codec.PT(), payload, samples, marker, l.ts)
}

// writeLocked builds the packet in the leg's own buffer (no allocation)
// and advances seq, and the timestamp by samples.
func (l *Leg) writeLocked(pt uint8, payload []byte, samples uint32, marker bool, ts uint32) error {
	if !l.remote.IsValid() || l.remote.Port() == 0 || l.remote.Addr().IsUnspecified() {
		l.ts += samples
		return nil
	}
	now := time.Now()
	if !l.lastOut.IsZero() && now.Sub(l.lastOut) > 100*time.Millisecond {
		marker = true // a gap in what we send starts a new talk spurt
	}
	l.lastOut = now
	b := l.wbuf[:12+len(payload)]
	b[0] = 0x80
	b[1] = pt
	if marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], l.seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], l.ssrc)
	copy(b[12:], payload)
	l.seq++
	l.ts += samples
	_, err := l.conn.WriteToUDPAddrPort(b, l.remote)
	if err == nil {
		l.statsMu.Lock()
		l.stats.TxPackets++
		l.stats.TxBytes += uint64(len(b))
		l.statsMu.Unlock()
	}
	return err
}

// writeEvent relays an RFC 4733 event packet with the leg's own stream
// identity; one event keeps one timestamp, as the RFC requires.
func (l *Leg) writeEvent(srcTS uint32, payload []byte, marker bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.dtmfPT < 0 {
		return
	}
	if !l.evActive || srcTS != l.evSrcTS {
		l.evActive, l.evSrcTS, l.evOutTS = true, srcTS, l.ts
		marker = true
	}
	_ = l.writeLocked(uint8(l.dtmfPT), payload, 0, marker, l.evOutTS)
}

func (l *Leg) readLoop() {
	buf := make([]byte, maxPacket)
	for {
		n, src, err := l.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if l.closed() || errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if n < 12 || buf[0]>>6 != 2 {
			continue // not RTP (RTCP on this port, STUN, garbage)
		}
		l.receive(buf[:n], src)
	}
}

func (l *Leg) receive(p []byte, src netip.AddrPort) {
	pt := int(p[1] & 0x7f)
	if pt >= 72 && pt <= 76 {
		return // RTCP multiplexed on the RTP port
	}
	hdr := 12 + 4*int(p[0]&0x0f)
	if p[0]&0x10 != 0 { // header extension
		if len(p) < hdr+4 {
			return
		}
		hdr += 4 + 4*int(binary.BigEndian.Uint16(p[hdr+2:]))
	}
	if len(p) < hdr {
		return
	}
	end := len(p)
	if p[0]&0x20 != 0 { // padding
		pad := int(p[len(p)-1])
		if pad > end-hdr {
			return
		}
		end -= pad
	}
	payload := p[hdr:end]
	seq := binary.BigEndian.Uint16(p[2:])
	ts := binary.BigEndian.Uint32(p[4:])
	marker := p[1]&0x80 != 0

	l.mu.Lock()
	if !l.latched {
		// Symmetric RTP: answer to where the caller's packets really come
		// from, which behind NAT is not the address in its SDP.
		l.remote, l.latched = src, true
	}
	dtmfPT, codec := l.dtmfPT, l.codec
	l.mu.Unlock()

	l.lastRx.Store(time.Now().UnixNano())
	l.statsMu.Lock()
	l.stats.RxPackets++
	l.stats.RxBytes += uint64(len(p))
	if l.rxSeen {
		if gap := seq - l.rxSeq; gap > 1 && gap < 1000 {
			l.stats.RxLost += uint64(gap - 1)
		}
	}
	l.rxSeq, l.rxSeen = seq, true
	l.statsMu.Unlock()

	sink := l.sink.Load()
	if pt == dtmfPT && dtmfPT >= 0 {
		if d, ok := l.rx.event(ts, payload); ok {
			l.digit(d)
		}
		if sink != nil {
			sink.writeEvent(ts, payload, marker)
		}
		return
	}
	if pt != int(codec.PT()) {
		return // a codec we did not negotiate (comfort noise…)
	}
	if l.inbandOn.Load() {
		for _, d := range l.inband.Feed(decodeFrame(codec, payload)) {
			l.digit(d)
		}
	}
	if sink != nil {
		sink.relayAudio(codec, payload, marker)
	}
}

func (l *Leg) digit(d rune) {
	if fn := l.onDTMF.Load(); fn != nil {
		(*fn)(d)
	}
}

// relayAudio writes audio received on a partner leg, transcoding µ-law ↔
// A-law in place in the leg's scratch buffer when the codecs differ.
func (l *Leg) relayAudio(from Codec, payload []byte, marker bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if from == l.codec {
		_ = l.writeLocked(l.codec.PT(), payload, uint32(len(payload)), marker, l.ts)
		return
	}
	n := min(len(payload), maxPacket-12)
	out := l.wbuf[12 : 12+n] // transcoded straight into the packet buffer
	transcode(out, payload[:n], from)
	b := l.wbuf[12 : 12+n]
	_ = l.writeLocked(l.codec.PT(), b, uint32(n), marker, l.ts)
}
