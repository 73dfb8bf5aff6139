package rtc

import (
	"encoding/binary"
	"math/rand/v2"

	"github.com/pion/rtp"

	"github.com/hotline/hotline/media"
	"github.com/hotline/hotline/media/opus"
)

// Opus to browsers: the rest of the switch (bridge, mixer, recorder, IVR)
// works on 8 kHz G.711, so a browser leg on Opus is transcoded at its
// transport. The leg itself sees PCMU and telephone-event/8000 under
// legEventPT, exactly as on a G.711 browser or a SIP phone. libopus runs
// at an 8 kHz API rate: it converts to and from the stream's 48 kHz inside
// the codec (band-limited, no separate resampler), and an 8 kHz input makes
// it code narrowband, the cheapest mode for telephone audio.

// Payload types of an Opus offer (Chromium's own numbers, so its answer
// and its re-offers keep them).
const (
	ptOpus    = 111
	ptEvent48 = 110
	// legEventPT is the telephone-event type the leg is told about on an
	// Opus session, whatever number the browser uses.
	legEventPT = ptEvent
)

// Encoder settings for the switch's narrowband audio to the browser.
const (
	opusBitrate    = 20000 // bits/s: transparent for 8 kHz speech
	opusComplexity = 5     // half the CPU of 10 (BenchmarkEncode8k); the audio is G.711-limited already
	opusLossPerc   = 5     // in-band FEC tuned for light loss (the browser offers useinbandfec=1)
)

// opusMode is what the browser's SDP negotiated for an Opus session.
type opusMode struct {
	opus      uint8
	ev48, ev8 int // telephone-event payload types per clock rate, -1 when absent
}

// rtpPayload bounds an RTP packet's payload: after the fixed header, CSRCs
// and any header extension, before any padding.
func rtpPayload(b []byte) (start, end int, ok bool) {
	if len(b) < 12 || b[0]>>6 != 2 {
		return 0, 0, false
	}
	start = 12 + 4*int(b[0]&0x0f)
	if b[0]&0x10 != 0 {
		if len(b) < start+4 {
			return 0, 0, false
		}
		start += 4 + 4*int(binary.BigEndian.Uint16(b[start+2:]))
	}
	end = len(b)
	if b[0]&0x20 != 0 && end > 0 {
		end -= int(b[end-1])
	}
	if start > end {
		return 0, 0, false
	}
	return start, end, true
}

// tsDown maps the browser's 48 kHz timestamps to 8 kHz ones. Division does
// not survive the 32-bit wrap, so it works on the distance from a base it
// moves forward as the stream goes on.
type tsDown struct {
	in, out uint32
	ok      bool
}

func (t *tsDown) to8k(ts uint32) uint32 {
	if !t.ok {
		t.in, t.out, t.ok = ts, ts/6, true
	}
	d := int32(ts - t.in)
	out := t.out + uint32(d/6)
	if d > 48000*60 || d < -48000*60 {
		q := d / 6
		t.in += uint32(q * 6)
		t.out += uint32(q)
	}
	return out
}

// opusRx turns the browser's packets into the leg's: Opus decoded to
// PCMU, telephone-events moved to the 8 kHz clock. Owned by the leg's
// reader goroutine (Peer.ReadPacket), so it needs no lock.
type opusRx struct {
	dec    *opus.Decoder
	closed bool
	pcm    [960]int16 // 120 ms at 8 kHz, Opus's longest packet
	fec    [960]int16
	ts     tsDown
	// The last Opus packet decoded, to see a single loss; the packet
	// behind a rebuilt one waits in pending for the next read.
	seen     bool
	ssrc     uint32
	seq      uint16
	frame    int // its samples at 8 kHz
	pending  [12 + 960]byte
	pendingN int
}

// takePending hands out the packet held back behind a rebuilt one.
func (r *opusRx) takePending(buf []byte) (int, bool) {
	if r.pendingN == 0 {
		return 0, false
	}
	n := copy(buf, r.pending[:r.pendingN])
	r.pendingN = 0
	return n, true
}

// convert rewrites the packet buf[:n] in place (buf's length is the room
// for the result) and returns its new length; ok is false for a packet to
// drop.
func (r *opusRx) convert(buf []byte, n int, m *opusMode) (int, bool) {
	b := buf[:n]
	start, end, ok := rtpPayload(b)
	if !ok {
		return 0, false
	}
	pt := b[1] & 0x7f
	switch {
	case pt == 0 || pt == 8:
		return n, true // G.711 is the leg's already
	case pt == m.opus:
		if r.dec == nil {
			if r.closed {
				return 0, false
			}
			var err error
			if r.dec, err = opus.NewDecoder(8000, 1); err != nil {
				return 0, false
			}
		}
		seq, ssrc := binary.BigEndian.Uint16(b[2:]), binary.BigEndian.Uint32(b[8:])
		// One packet lost just before this one: rebuild it from this
		// one's in-band FEC (libopus conceals it when there is none), so
		// the leg gets audio rather than a gap. It must be decoded first.
		lost := 0
		if r.seen && ssrc == r.ssrc && seq == r.seq+2 && 12+r.frame <= len(buf) {
			if k, err := r.dec.DecodeFEC(b[start:end], r.fec[:r.frame]); err == nil {
				lost = k
			}
		}
		k, err := r.dec.Decode(b[start:end], r.pcm[:])
		if err != nil || k == 0 || 12+k > len(buf) {
			return 0, false
		}
		r.seen, r.ssrc, r.seq, r.frame = true, ssrc, seq, k
		if lost == 0 {
			b = buf[:12+k]
			r.header(b, 0)
			media.Encode(b[12:], r.pcm[:k], media.PCMU)
			return 12 + k, true
		}
		p := r.pending[:12+k]
		copy(p, b[:12])
		r.header(p, 0)
		media.Encode(p[12:], r.pcm[:k], media.PCMU)
		r.pendingN = len(p)
		// The rebuilt packet goes first: one sequence number and one
		// frame earlier, never a marker.
		b = buf[:12+lost]
		binary.BigEndian.PutUint16(b[2:], seq-1)
		binary.BigEndian.PutUint32(b[4:], binary.BigEndian.Uint32(b[4:])-uint32(6*lost))
		b[1] &^= 0x80
		r.header(b, 0)
		media.Encode(b[12:], r.fec[:lost], media.PCMU)
		return 12 + lost, true
	case int(pt) == m.ev48 || int(pt) == m.ev8:
		// Durations are counted on the stream's 48 kHz clock whichever
		// event type carries them: Chromium sends telephone-event/8000
		// with an Opus stream, yet its event timestamps and durations
		// advance 960 per 20 ms, as measured by TestBrowserAgentOpus.
		p := b[start:end]
		if len(p) < 4 {
			return 0, false
		}
		binary.BigEndian.PutUint16(p[2:], binary.BigEndian.Uint16(p[2:])/6)
		k := copy(b[12:], p[:4])
		r.header(b, legEventPT)
		return 12 + k, true
	}
	return 0, false
}

// header rewrites b's fixed header as a plain one (no CSRC, extension or
// padding) with payload type pt and the timestamp on the 8 kHz clock.
func (r *opusRx) header(b []byte, pt uint8) {
	b[0] = 0x80
	b[1] = b[1]&0x80 | pt
	binary.BigEndian.PutUint32(b[4:], r.ts.to8k(binary.BigEndian.Uint32(b[4:])))
}

func (r *opusRx) close() {
	r.closed = true
	if r.dec != nil {
		r.dec.Close()
		r.dec = nil
	}
}

// rtpWriter is where opusTx's packets go: the track's SRTP stream.
type rtpWriter interface {
	WriteRTP(h *rtp.Header, payload []byte) (int, error)
}

// opusTx turns the leg's outbound packets into the browser's: PCMU or PCMA
// coded to Opus, telephone-events moved to the 48 kHz clock. It numbers
// its own packets, since a leg frame that is no Opus frame length (30 ms)
// leaves as two. Guarded by the peer's txMu: the leg's send lock already
// orders the writers, the mutex also keeps Close from freeing the encoder
// under a send.
type opusTx struct {
	enc    *opus.Encoder
	closed bool
	hdr    rtp.Header
	pcm    [1500]int16
	out    [1500]byte
}

func newOpusTx() opusTx {
	return opusTx{hdr: rtp.Header{Version: 2, SequenceNumber: uint16(rand.Uint32())}}
}

// opusSizes are the Opus frame lengths at 8 kHz a leg frame is cut into,
// longest first: 20, 10, 5 and 2.5 ms.
var opusSizes = [...]int{160, 80, 40, 20}

func (t *opusTx) convert(b []byte, m *opusMode, ssrc uint32, w rtpWriter) error {
	start, end, ok := rtpPayload(b)
	if !ok {
		return nil
	}
	pt := b[1] & 0x7f
	marker := b[1]&0x80 != 0
	ts := binary.BigEndian.Uint32(b[4:])
	t.hdr.SSRC = ssrc
	switch {
	case pt == 0 || pt == 8:
		if t.enc == nil {
			if t.closed {
				return nil
			}
			if err := t.open(); err != nil {
				return err
			}
		}
		codec, _ := media.CodecByPT(pt)
		k := min(end-start, len(t.pcm)-opusSizes[len(opusSizes)-1])
		media.Decode(t.pcm[:k], b[start:start+k], codec)
		for off := 0; off < k; {
			size := opusSizes[len(opusSizes)-1]
			for _, s := range opusSizes {
				if s <= k-off {
					size = s
					break
				}
			}
			if off+size > k {
				clear(t.pcm[k : off+size]) // a ragged tail padded with silence
			}
			n, err := t.enc.Encode(t.pcm[off:off+size], t.out[:])
			if err != nil {
				return err
			}
			if err := t.send(w, m.opus, (ts+uint32(off))*6, marker && off == 0, t.out[:n]); err != nil {
				return err
			}
			off += size
		}
		return nil
	case pt == legEventPT && m.ev48 >= 0 && end-start >= 4:
		p := t.out[:4]
		copy(p, b[start:start+4])
		binary.BigEndian.PutUint16(p[2:], uint16(min(int(binary.BigEndian.Uint16(p[2:]))*6, 0xffff)))
		return t.send(w, uint8(m.ev48), ts*6, marker, p)
	}
	// Digits to a browser without telephone-event/48000 are not sent: an
	// 8 kHz event clock inside a 48 kHz stream would misplace them.
	return nil
}

func (t *opusTx) open() error {
	enc, err := opus.NewEncoder(8000, 1)
	if err != nil {
		return err
	}
	for _, err := range []error{enc.SetBitrate(opusBitrate), enc.SetComplexity(opusComplexity), enc.SetInbandFEC(true, opusLossPerc)} {
		if err != nil {
			enc.Close()
			return err
		}
	}
	t.enc = enc
	return nil
}

func (t *opusTx) send(w rtpWriter, pt uint8, ts uint32, marker bool, payload []byte) error {
	t.hdr.PayloadType, t.hdr.Timestamp, t.hdr.Marker = pt, ts, marker
	_, err := w.WriteRTP(&t.hdr, payload)
	t.hdr.SequenceNumber++
	return err
}

func (t *opusTx) close() {
	t.closed = true
	if t.enc != nil {
		t.enc.Close()
		t.enc = nil
	}
}
