package rtc

import (
	"encoding/binary"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/hotline/hotline/media"
	"github.com/hotline/hotline/media/opus"
)

// needOpus skips where libopus is truly absent; under CI it must be there
// (scripts/install-test-deps.sh installs libopus0), so it fails instead.
func needOpus(tb testing.TB) {
	tb.Helper()
	if err := opus.Load(); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%v: scripts/install-test-deps.sh installs libopus0", err)
		}
		tb.Skipf("%v (apt install libopus0 to run the Opus tests)", err)
	}
}

type sent struct {
	h       rtp.Header
	payload []byte
}

// capture is an rtpWriter keeping what it is given.
type capture struct{ pkts []sent }

func (c *capture) WriteRTP(h *rtp.Header, p []byte) (int, error) {
	c.pkts = append(c.pkts, sent{*h, append([]byte(nil), p...)})
	return len(p), nil
}

func (s sent) marshal(t *testing.T) []byte {
	t.Helper()
	b, err := (&rtp.Packet{Header: s.h, Payload: s.payload}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var testMode = &opusMode{opus: ptOpus, ev48: ptEvent48, ev8: 126}

func TestRTPPayloadBounds(t *testing.T) {
	b := rtpPacket(111, 1, 2, false, []byte{1, 2, 3, 4})
	if s, e, ok := rtpPayload(b); !ok || s != 12 || e != 16 {
		t.Errorf("plain: %d %d %v", s, e, ok)
	}
	// Two CSRCs, a one-word extension and two bytes of padding.
	x := []byte{0xb2, 111, 0, 1, 0, 0, 0, 2, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0xbe, 0xde, 0, 1, 7, 7, 7, 7, 0xaa, 0xbb, 0, 2}
	if s, e, ok := rtpPayload(x); !ok || s != 28 || e != 30 {
		t.Errorf("with CSRCs, extension and padding: %d %d %v", s, e, ok)
	}
	for _, bad := range [][]byte{b[:11], {0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, x[:22], {0xa0, 111, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9}} {
		if _, _, ok := rtpPayload(bad); ok {
			t.Errorf("% x accepted", bad)
		}
	}
}

// 48 kHz timestamps map to 8 kHz ones 160 apart per 20 ms, across the
// 32-bit wrap and for long calls (the base moves forward).
func TestTimestampsTo8kAcrossWrap(t *testing.T) {
	var m tsDown
	ts := uint32(1<<32 - 960*3)
	prev := m.to8k(ts)
	for i := range 48000 * 2 / 960 * 70 { // 70 s: past the base move
		ts += 960
		got := m.to8k(ts)
		if got-prev != 160 {
			t.Fatalf("frame %d: 8 kHz step %d", i, got-prev)
		}
		prev = got
	}
	if back := m.to8k(ts - 960); prev-back != 160 {
		t.Errorf("a late packet maps %d behind", prev-back)
	}
}

// The switch's PCMU to the browser becomes Opus on the 48 kHz clock, and
// the browser's Opus comes back as PCMU on the 8 kHz clock: a 1 kHz tone
// survives both, packets keep their timing.
func TestOpusTranscodeRoundTrip(t *testing.T) {
	needOpus(t)
	tx, rx := newOpusTx(), opusRx{}
	defer tx.close()
	defer rx.close()
	w := &capture{}
	tone := media.Tone(1000, 1000)
	ts0 := uint32(1<<32 - 320) // the 8 kHz clock wraps in the middle
	for i := 0; i+160 <= len(tone); i += 160 {
		pl := make([]byte, 160)
		media.Encode(pl, tone[i:i+160], media.PCMU)
		if err := tx.convert(rtpPacket(0, uint16(i), ts0+uint32(i), i == 0, pl), testMode, 0x1234, w); err != nil {
			t.Fatal(err)
		}
	}
	if len(w.pkts) != 50 {
		t.Fatalf("%d Opus packets for 50 frames", len(w.pkts))
	}
	var heard []int16
	var first uint32
	buf := make([]byte, 1500)
	for i, p := range w.pkts {
		if p.h.PayloadType != ptOpus || p.h.SSRC != 0x1234 || p.h.Timestamp != (ts0+uint32(160*i))*6 ||
			p.h.SequenceNumber != w.pkts[0].h.SequenceNumber+uint16(i) || p.h.Marker != (i == 0) || len(p.payload) > 160 {
			t.Fatalf("packet %d: %+v, %d bytes", i, p.h, len(p.payload))
		}
		n, ok := rx.convert(buf, copy(buf, p.marshal(t)), testMode)
		if !ok || n != 12+160 {
			t.Fatalf("packet %d back: %d bytes, %v", i, n, ok)
		}
		var h rtp.Header
		if _, err := h.Unmarshal(buf[:n]); err != nil || h.PayloadType != 0 || h.Marker != (i == 0) {
			t.Fatalf("packet %d back: %+v %v", i, h, err)
		}
		if i == 0 {
			first = h.Timestamp
		} else if h.Timestamp != first+uint32(160*i) {
			t.Fatalf("packet %d back at 8 kHz timestamp %d, %d after the first", i, h.Timestamp, h.Timestamp-first)
		}
		pcm := make([]int16, 160)
		media.Decode(pcm, buf[12:n], media.PCMU)
		heard = append(heard, pcm...)
	}
	if f := media.DominantFreq(heard[1600:]); f < 985 || f > 1015 {
		t.Errorf("after Opus both ways the tone is %v Hz, want 1000", f)
	}
}

// A single lost packet from the browser is rebuilt from the next one's
// in-band FEC and handed to the leg first, in its place: sequence numbers
// and 8 kHz timestamps run on without a gap, and it carries the tone.
func TestOpusRebuildsOneLostPacket(t *testing.T) {
	needOpus(t)
	enc, err := opus.NewEncoder(48000, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	if err := enc.SetBitrate(24000); err != nil {
		t.Fatal(err)
	}
	if err := enc.SetInbandFEC(true, 20); err != nil {
		t.Fatal(err)
	}
	rx := opusRx{}
	defer rx.close()
	mic := voice(48000)
	buf, out := make([]byte, 1500), make([]byte, 1500)
	type got struct {
		seq uint16
		ts  uint32
		pcm []int16
	}
	var legGot []got
	take := func(n int) {
		var h rtp.Header
		if _, err := h.Unmarshal(buf[:n]); err != nil || h.PayloadType != 0 {
			t.Fatalf("leg packet %+v %v", h, err)
		}
		pcm := make([]int16, n-12)
		media.Decode(pcm, buf[12:n], media.PCMU)
		legGot = append(legGot, got{h.SequenceNumber, h.Timestamp, pcm})
	}
	for i := range 30 {
		n, err := enc.Encode(mic[i*960:(i+1)*960], out)
		if err != nil {
			t.Fatal(err)
		}
		if i == 20 {
			continue // lost on the way
		}
		k, ok := rx.convert(buf, copy(buf, rtpPacket(ptOpus, uint16(100+i), uint32(7000+960*i), false, out[:n])), testMode)
		if !ok {
			t.Fatalf("packet %d dropped", i)
		}
		take(k)
		if k, ok := rx.takePending(buf); ok {
			take(k)
		}
	}
	if len(legGot) != 30 {
		t.Fatalf("the leg got %d packets for 29 sent and 1 lost", len(legGot))
	}
	for i, g := range legGot {
		if g.seq != uint16(100+i) || g.ts != legGot[0].ts+uint32(160*i) || len(g.pcm) != 160 {
			t.Errorf("leg packet %d: seq %d, ts +%d, %d samples", i, g.seq, g.ts-legGot[0].ts, len(g.pcm))
		}
	}
	rebuilt, before := rmsOf(legGot[20].pcm), rmsOf(legGot[19].pcm)
	t.Logf("rebuilt frame rms %.0f, the frame before %.0f", rebuilt, before)
	if rebuilt < before/4 {
		t.Errorf("the rebuilt frame is near silence: rms %.0f against %.0f", rebuilt, before)
	}
}

func rmsOf(s []int16) float64 {
	var e float64
	for _, v := range s {
		e += float64(v) * float64(v)
	}
	return math.Sqrt(e / float64(len(s)))
}

// A 30 ms leg frame (a carrier's packet size, relayed) leaves as 20 + 10
// ms Opus packets, the second 960 ticks later.
func TestOpusCutsFramesToOpusLengths(t *testing.T) {
	needOpus(t)
	tx := newOpusTx()
	defer tx.close()
	w := &capture{}
	pl := make([]byte, 240)
	media.Encode(pl, media.Tone(500, 30), media.PCMA)
	if err := tx.convert(rtpPacket(8, 9, 8000, true, pl), testMode, 1, w); err != nil {
		t.Fatal(err)
	}
	if len(w.pkts) != 2 || w.pkts[0].h.Timestamp != 48000 || w.pkts[1].h.Timestamp != 48000+960 ||
		!w.pkts[0].h.Marker || w.pkts[1].h.Marker || w.pkts[1].h.SequenceNumber != w.pkts[0].h.SequenceNumber+1 {
		t.Fatalf("30 ms frame became %+v", w.pkts)
	}
	// The second is a 10 ms packet: its TOC byte's configuration says so
	// (RFC 6716 §3.1: SILK narrowband 10 ms is configuration 0).
	if cfg := w.pkts[1].payload[0] >> 3; cfg != 0 {
		t.Errorf("second packet's configuration %d, want 0 (SILK NB 10 ms)", cfg)
	}
}

// RFC 4733 digits: the browser's events at 48 kHz reach the leg at 8 kHz
// under the leg's one event type; the leg's go out at 48 kHz.
func TestOpusSessionDigitsChangeClock(t *testing.T) {
	needOpus(t)
	rx, tx := opusRx{}, newOpusTx()
	defer rx.close()
	defer tx.close()
	buf := make([]byte, 1500)
	var ev [4]byte
	media.EncodeEvent(ev[:], '5', true, 4800) // 100 ms at 48 kHz
	n, ok := rx.convert(buf, copy(buf, rtpPacket(ptEvent48, 1, 96000, true, ev[:])), testMode)
	if !ok || n != 16 || buf[1] != 0x80|legEventPT || binary.BigEndian.Uint32(buf[4:]) != 16000 {
		t.Fatalf("event in: % x (%v)", buf[:n], ok)
	}
	if d, end, dur, ok := media.DecodeEvent(buf[12:n]); !ok || d != '5' || !end || dur != 800 {
		t.Errorf("event in: digit %c end %v duration %d", d, end, dur)
	}
	// Chromium's telephone-event/8000 on an Opus stream still counts on
	// the stream's 48 kHz clock.
	media.EncodeEvent(ev[:], '9', false, 2880)
	if n, ok = rx.convert(buf, copy(buf, rtpPacket(126, 2, 96960, false, ev[:])), testMode); !ok || buf[1] != legEventPT ||
		binary.BigEndian.Uint32(buf[4:]) != 16160 {
		t.Errorf("8 kHz event in: % x", buf[:n])
	} else if _, _, dur, _ := media.DecodeEvent(buf[12:n]); dur != 480 {
		t.Errorf("8 kHz event's duration became %d, want 480", dur)
	}
	for _, drop := range [][]byte{rtpPacket(96, 3, 0, false, []byte{1, 2}), rtpPacket(ptOpus, 4, 0, false, []byte{0x03, 0x00})} {
		if _, ok := rx.convert(buf, copy(buf, drop), testMode); ok {
			t.Errorf("% x passed to the leg", drop)
		}
	}

	w := &capture{}
	media.EncodeEvent(ev[:], '3', true, 1600)
	if err := tx.convert(rtpPacket(legEventPT, 7, 1000, true, ev[:]), testMode, 1, w); err != nil {
		t.Fatal(err)
	}
	if len(w.pkts) != 1 || w.pkts[0].h.PayloadType != ptEvent48 || w.pkts[0].h.Timestamp != 6000 {
		t.Fatalf("event out: %+v", w.pkts)
	}
	if d, end, dur, _ := media.DecodeEvent(w.pkts[0].payload); d != '3' || !end || dur != 9600 {
		t.Errorf("event out: %c %v %d", d, end, dur)
	}
	// Without telephone-event/48000 a digit is not sent on the 48 kHz stream.
	if err := tx.convert(rtpPacket(legEventPT, 8, 1000, true, ev[:]), &opusMode{opus: ptOpus, ev48: -1, ev8: 126}, 1, w); err != nil || len(w.pkts) != 1 {
		t.Errorf("event sent without telephone-event/48000: %v", w.pkts)
	}
}

// Without the opus setting nothing about the offer changes.
func TestNoOpusOfferedByDefault(t *testing.T) {
	_, _, offer := offeringPeer(t, Config{}, nil)
	if strings.Contains(strings.ToLower(string(offer)), "opus") || !strings.Contains(string(offer), "m=audio 9 UDP/TLS/RTP/SAVPF 0 8 101") {
		t.Errorf("offer without opus:\n%s", offer)
	}
}

// A browser taking Opus: our offer puts Opus first with the fmtp browsers
// expect; the browser's Opus tone and 48 kHz digit reach the leg as PCMU
// and an 8 kHz event, and the switch's tone reaches the browser as Opus.
func TestPeerOpusBothWays(t *testing.T) {
	needOpus(t)
	_, p, offer := offeringPeer(t, Config{Opus: true}, nil)
	for _, want := range []string{"m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 110 101", "a=rtpmap:111 opus/48000/2", "a=fmtp:111 minptime=10;useinbandfec=1", "a=rtpmap:110 telephone-event/48000"} {
		if !strings.Contains(string(offer), want) {
			t.Errorf("offer lacks %q:\n%s", want, offer)
		}
	}
	bpc, btrack, bremote := browserPeerWith(t, []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, PayloadType: 0},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "audio/telephone-event", ClockRate: 48000}, PayloadType: 110},
	})
	if err := p.Accept(answer(t, bpc, offer)); err != nil {
		t.Fatal(err)
	}
	if m := p.mode.Load(); m == nil || m.opus != 111 || m.ev48 != 110 {
		t.Fatalf("negotiated mode %+v", m)
	}

	leg := p.Leg()
	h := listenTo(leg)
	play := media.Play(t.Context(), leg, [][]byte{media.EncodeWAV(media.Tone(600, 1500))}, false)
	defer play.Stop()
	waitUntil(t, "browser binding", func() bool { return btrack.w.Load() != nil })

	// The browser's microphone: 1 kHz at 48 kHz, coded full-band.
	enc, err := opus.NewEncoder(48000, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	mic := make([]int16, 48000)
	for i, v := range media.Tone(1000, 1000) { // 8 kHz tone, held for 6 samples: 1 kHz plus images far above
		for k := range 6 {
			mic[6*i+k] = v
		}
	}
	seq, ts, out := uint16(1), uint32(5000), make([]byte, 1500)
	for i := 0; i+960 <= len(mic); i += 960 {
		n, err := enc.Encode(mic[i:i+960], out)
		if err != nil {
			t.Fatal(err)
		}
		if err := btrack.write(rtpPacket(111, seq, ts, i == 0, out[:n])); err != nil {
			t.Fatal(err)
		}
		seq, ts = seq+1, ts+960
		time.Sleep(20 * time.Millisecond)
	}
	for k, dur := range []uint16{960, 1920, 2880, 2880, 2880} {
		var ev [4]byte
		media.EncodeEvent(ev[:], '7', k >= 2, dur)
		_ = btrack.write(rtpPacket(110, seq, ts, k == 0, ev[:]))
		seq++
		time.Sleep(20 * time.Millisecond)
	}
	waitUntil(t, "switch heard the browser and its digit", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.pcm) >= 6000 && len(h.digits) == 1
	})
	h.mu.Lock()
	if f := media.DominantFreq(h.pcm[800:]); f < 985 || f > 1015 {
		t.Errorf("switch heard %v Hz, want 1000", f)
	}
	if string(h.digits) != "7" {
		t.Errorf("digits %q", string(h.digits))
	}
	h.mu.Unlock()

	var remote *webrtc.TrackRemote
	select {
	case remote = <-bremote:
	case <-time.After(5 * time.Second):
		t.Fatal("browser got no track")
	}
	dec, err := opus.NewDecoder(48000, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var got []int16
	pcm := make([]int16, 5760)
	for len(got) < 48000 {
		_ = remote.SetReadDeadline(time.Now().Add(3 * time.Second))
		pkt, _, err := remote.ReadRTP()
		if err != nil {
			t.Fatalf("browser read: %v after %d samples", err, len(got))
		}
		if pkt.PayloadType != 111 {
			t.Fatalf("browser received payload type %d", pkt.PayloadType)
		}
		n, err := dec.Decode(pkt.Payload, pcm)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, pcm[:n]...)
	}
	// Every 6th sample: the 48 kHz audio seen at 8 kHz for DominantFreq
	// (Opus coded it band-limited, so nothing folds down).
	down := make([]int16, len(got)/6)
	for i := range down {
		down[i] = got[6*i]
	}
	if f := media.DominantFreq(down[800:]); f < 585 || f > 615 {
		t.Errorf("browser heard %v Hz, want 600", f)
	}
}

// Whatever a browser sends, the conversion neither panics nor writes past
// the leg's buffer, and what it passes on is a plain RTP packet of a type
// the leg knows.
func FuzzBrowserPacket(f *testing.F) {
	needOpus(f)
	var ev [4]byte
	media.EncodeEvent(ev[:], '1', true, 960)
	f.Add(rtpPacket(ptOpus, 1, 960, true, []byte{0x78, 0x01, 0x02}))
	f.Add(rtpPacket(126, 2, 1920, false, ev[:]))
	f.Add(rtpPacket(0, 3, 160, false, make([]byte, 160)))
	f.Add([]byte{0xb2, 111, 0, 1, 0, 0, 0, 2, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0xbe, 0xde, 0, 1, 7, 7, 7, 7, 0xaa, 0xbb, 0, 2})
	rx := opusRx{}
	f.Cleanup(rx.close)
	buf := make([]byte, 1500)
	f.Fuzz(func(t *testing.T, pkt []byte) {
		if len(pkt) > len(buf) {
			return
		}
		n, ok := rx.convert(buf, copy(buf, pkt), testMode)
		if !ok {
			return
		}
		if n < 12 || n > len(buf) {
			t.Fatalf("%d bytes passed on", n)
		}
		if pt := buf[1] & 0x7f; pt != 0 && pt != 8 && pt != legEventPT {
			t.Fatalf("payload type %d passed on", pt)
		}
	})
}
