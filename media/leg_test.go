package media

import (
	"context"
	"net/netip"
	"testing"
	"time"
)

// Leg A plays a 1 kHz WAV to leg B over loopback; B hears 1 kHz, for each
// WAV encoding and each codec on the wire.
func TestPlayToneBetweenLegs(t *testing.T) {
	tone := Tone(1000, 400)
	ulaw, alaw := make([]byte, len(tone)), make([]byte, len(tone))
	Encode(ulaw, tone, PCMU)
	Encode(alaw, tone, PCMA)
	cases := []struct {
		name  string
		wav   []byte
		codec Codec
	}{
		{"pcm16 to PCMU", EncodeWAV(tone), PCMU},
		{"pcm16 to PCMA", EncodeWAV(tone), PCMA},
		{"ulaw wav to PCMA", g711WAV(ulaw, WAVULaw), PCMA},
		{"alaw wav to PCMU", g711WAV(alaw, WAVALaw), PCMU},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := testPool(t)
			a, b := newLegT(t, p), newLegT(t, p)
			connect(a, b, c.codec, c.codec, -1, -1)
			rec := &recorder{}
			b.SetSink(rec)
			pb := Play(context.Background(), a, [][]byte{c.wav}, false)
			select {
			case <-pb.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("playback did not finish")
			}
			eventually(t, "all frames", func() bool { return len(rec.samples()) >= len(tone) })
			got := rec.samples()
			if f := DominantFreq(got); !near(f, 1000, 15) {
				t.Fatalf("dominant %v Hz, want 1000", f)
			}
			if r := ToneRatio(got[:len(tone)], 1000); r < 0.95 {
				t.Fatalf("1 kHz share %.3f", r)
			}
			if st := a.Stats(); st.TxPackets != uint64(len(tone)/160) {
				t.Fatalf("sent %d packets, want %d", st.TxPackets, len(tone)/160)
			}
		})
	}
}

func g711WAV(data []byte, f WAVFormat) []byte {
	h := WAVHeader(uint32(len(data)))
	h[20] = byte(f)
	h[28], h[29], h[30], h[31] = 0x40, 0x1f, 0, 0 // 8000 bytes/s
	h[32], h[34] = 1, 8
	return append(h, data...)
}

func TestPlaySequenceLoopAndReplace(t *testing.T) {
	p := testPool(t)
	a := newLegT(t, p)
	ph := newPhone(t)
	a.SetRemote(ph.addr(), PCMU, -1)

	// Two prompts in sequence play back to back: 100 ms + 60 ms = 8 frames.
	pb := Play(context.Background(), a, [][]byte{EncodeWAV(Tone(500, 100)), []byte("junk"), EncodeWAV(Tone(1500, 60))}, false)
	<-pb.Done()
	eventually(t, "8 frames", func() bool { return len(ph.packets()) == 8 })

	// Music on hold loops until stopped; a new Play replaces it.
	moh := Play(context.Background(), a, [][]byte{EncodeWAV(Tone(700, 40))}, true)
	eventually(t, "looping", func() bool { return len(ph.packets()) > 8+6 })
	prompt := Play(context.Background(), a, [][]byte{EncodeWAV(Tone(1200, 200))}, false)
	select {
	case <-moh.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("music on hold not stopped by the new playback")
	}
	<-prompt.Done()
	pkts := ph.packets()
	if !pkts[0].marker {
		t.Fatal("first packet of a playback lacks the marker bit")
	}
	for i := 1; i < len(pkts); i++ {
		if pkts[i].seq != pkts[i-1].seq+1 || pkts[i].ssrc != pkts[0].ssrc {
			t.Fatalf("stream broken at %d: seq %d→%d ssrc %x→%x", i, pkts[i-1].seq, pkts[i].seq, pkts[i-1].ssrc, pkts[i].ssrc)
		}
		if d := int32(pkts[i].ts - pkts[i-1].ts); d < 160 {
			t.Fatalf("timestamp step %d at %d", d, i)
		}
	}
	last := pkts[len(pkts)-10:]
	var s []int16
	for _, p := range last {
		x := make([]int16, len(p.payload))
		Decode(x, p.payload, PCMU)
		s = append(s, x...)
	}
	if f := DominantFreq(s); !near(f, 1200, 15) {
		t.Fatalf("last prompt at %v Hz", f)
	}

	// Stop and context cancellation end a playback; an empty one is done at once.
	ctx, cancel := context.WithCancel(context.Background())
	pb = Play(ctx, a, [][]byte{EncodeWAV(Tone(700, 40))}, true)
	cancel()
	<-pb.Done()
	pb = Play(context.Background(), a, nil, true)
	<-pb.Done()
}

// Symmetric RTP: the leg answers to where packets really come from, and
// once latched ignores other sources.
func TestLegLatchesSource(t *testing.T) {
	p := testPool(t)
	l := newLegT(t, p)
	sdpAddr, real, stranger := newPhone(t), newPhone(t), newPhone(t)
	l.SetRemote(sdpAddr.addr(), PCMU, 101)
	frame := make([]byte, 160)
	real.send(t, l.LocalAddr(), 0, true, 1, 0, frame)
	eventually(t, "latch", func() bool { return l.Remote() == real.addr() })
	stranger.send(t, l.LocalAddr(), 0, false, 2, 160, frame)
	real.send(t, l.LocalAddr(), 0, false, 4, 480, frame) // 2 and 3 lost
	eventually(t, "packets", func() bool { st := l.Stats(); return st.RxPackets == 2 && st.RxDropped == 1 })
	if st := l.Stats(); st.RxLost != 2 {
		t.Fatalf("lost %d, want 2", st.RxLost)
	}
	if l.LastRx().IsZero() {
		t.Fatal("LastRx not set")
	}
	if err := l.WriteAudio(frame, 160, false); err != nil {
		t.Fatal(err)
	}
	eventually(t, "reply at latched source", func() bool { return len(real.packets()) == 1 })
	if len(sdpAddr.packets())+len(stranger.packets()) != 0 {
		t.Fatal("reply went to the SDP address or the stranger")
	}
	// A re-INVITE with the same SDP keeps the latch; a new address drops it.
	l.SetRemote(sdpAddr.addr(), PCMA, 101)
	if l.Remote() != real.addr() {
		t.Fatal("session refresh lost the latch")
	}
	l.SetRemote(stranger.addr(), PCMA, 101)
	if l.Remote() != stranger.addr() {
		t.Fatal("new SDP address not used")
	}
}

func TestAcceptLocked(t *testing.T) {
	ap := netip.MustParseAddrPort
	cases := []struct {
		name     string
		sdp, src string
		accept   bool
	}{
		{"same IP other port", "198.51.100.7:4000", "198.51.100.7:4002", true},
		{"mapped IPv4", "198.51.100.7:4000", "[::ffff:198.51.100.7]:4000", true},
		{"public SDP, other IP", "198.51.100.7:4000", "203.0.113.9:30000", false},
		{"private SDP behind NAT", "192.168.1.5:4000", "203.0.113.9:30000", true},
		{"no SDP yet", "", "203.0.113.9:30000", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := &Leg{}
			if c.sdp != "" {
				l.sdpRemote, l.remote = ap(c.sdp), ap(c.sdp)
			}
			if got := l.acceptLocked(ap(c.src)); got != c.accept {
				t.Fatalf("accept %v, want %v", got, c.accept)
			}
			if c.accept && l.Remote().Port() != ap(c.src).Port() {
				t.Fatal("did not latch")
			}
		})
	}
}

func TestLegCloseIdempotent(t *testing.T) {
	p := testPool(t)
	l := newLegT(t, p)
	pb := Play(context.Background(), l, [][]byte{EncodeWAV(Tone(700, 1000))}, true)
	l.Close()
	l.Close()
	<-pb.Done()
	if p.InUse() != 0 {
		t.Fatalf("%d ports in use after Close", p.InUse())
	}
	if pb := Play(context.Background(), l, [][]byte{EncodeWAV(Tone(700, 40))}, false); pb == nil {
		t.Fatal("Play on a closed leg returned nil")
	} else {
		<-pb.Done()
	}
}

func TestCodecString(t *testing.T) {
	for c, s := range map[Codec]string{PCMU: "PCMU", PCMA: "PCMA", 7: "unknown"} {
		if c.String() != s {
			t.Errorf("%d: %q", c, c.String())
		}
	}
	for f, s := range map[WAVFormat]string{WAVPCM16: "pcm16", WAVULaw: "ulaw", WAVALaw: "alaw", 3: "format(3)"} {
		if f.String() != s {
			t.Errorf("%d: %q", f, f.String())
		}
	}
	for name, want := range map[string]Codec{"pcmu": PCMU, "PCMA": PCMA} {
		if c, ok := CodecByName(name); !ok || c != want {
			t.Errorf("%s: %v %v", name, c, ok)
		}
	}
	if _, ok := CodecByName("G729"); ok {
		t.Error("G729 accepted")
	}
}
