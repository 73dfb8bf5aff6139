package media

import (
	"math/rand/v2"
	"sync"
	"testing"
)

// A real RFC 4733 sequence: start (marker), updates, three end packets, a
// repeated digit as a new event, and a late duplicate end packet of an old
// event. Each digit is reported exactly once.
func TestRFC4733DigitsOnce(t *testing.T) {
	p := testPool(t)
	l := newLegT(t, p)
	ph := newPhone(t)
	l.SetRemote(ph.addr(), PCMU, 101)
	var mu sync.Mutex
	var got []rune
	l.OnDTMF(func(d rune) { mu.Lock(); got = append(got, d); mu.Unlock() })

	seq, sent := uint16(1), 0
	send := func(ts uint32, d rune, end bool, dur uint16, marker bool) {
		var pl [4]byte
		EncodeEvent(pl[:], d, end, dur)
		ph.send(t, l.LocalAddr(), 101, marker, seq, ts, pl[:])
		seq++
		sent++
	}
	for i, d := range "1193" {
		ts := uint32(8000 * (i + 1))
		send(ts, d, false, 160, true)
		for dur := uint16(320); dur <= 800; dur += 160 {
			send(ts, d, false, dur, false)
		}
		for range 3 {
			send(ts, d, true, 800, false)
		}
		if i == 2 {
			send(8000*2, '1', true, 800, false) // late end of the second "1"
		}
	}
	eventually(t, "all packets", func() bool { return l.Stats().RxPackets == uint64(sent) })
	mu.Lock()
	defer mu.Unlock()
	if string(got) != "1193" {
		t.Fatalf("digits %q, want 1193", string(got))
	}
}

func TestDecodeEvent(t *testing.T) {
	cases := []struct {
		payload []byte
		digit   rune
		end     bool
		dur     uint16
		ok      bool
	}{
		{[]byte{0, 10, 0, 160}, '0', false, 160, true},
		{[]byte{11, 0x8a, 3, 32}, '#', true, 800, true},
		{[]byte{15, 10, 0, 0}, 'D', false, 0, true},
		{[]byte{16, 10, 0, 0}, 0, false, 0, false}, // flash: not a digit
		{[]byte{1, 10}, 0, false, 0, false},
	}
	for _, c := range cases {
		d, end, dur, ok := DecodeEvent(c.payload)
		if d != c.digit || end != c.end || dur != c.dur || ok != c.ok {
			t.Errorf("%x: %q %v %d %v", c.payload, d, end, dur, ok)
		}
	}
	var b [4]byte
	if EncodeEvent(b[:], 'x', false, 0) {
		t.Error("encoded x")
	}
}

func addNoise(s []int16, amp int, r *rand.Rand) {
	for i := range s {
		v := int(s[i]) + r.IntN(2*amp+1) - amp
		s[i] = int16(max(-32768, min(32767, v)))
	}
}

func TestInbandDTMF(t *testing.T) {
	type press struct {
		d      rune
		ms     int
		gapMs  int
		offset int // samples of silence before, to vary block alignment
	}
	cases := []struct {
		name    string
		presses []press
		noise   int
		want    string
	}{
		{"short 40 ms digits", []press{{'1', 40, 40, 0}, {'5', 40, 40, 37}, {'9', 40, 40, 81}, {'#', 40, 40, 50}}, 300, "159#"},
		{"long 500 ms digit once", []press{{'0', 500, 100, 13}}, 300, "0"},
		{"repeated digit", []press{{'7', 60, 50, 0}, {'7', 60, 50, 0}, {'7', 60, 50, 0}}, 300, "777"},
		{"all keys", []press{
			{'1', 50, 50, 0}, {'2', 50, 50, 0}, {'3', 50, 50, 0}, {'A', 50, 50, 0},
			{'4', 50, 50, 0}, {'5', 50, 50, 0}, {'6', 50, 50, 0}, {'B', 50, 50, 0},
			{'7', 50, 50, 0}, {'8', 50, 50, 0}, {'9', 50, 50, 0}, {'C', 50, 50, 0},
			{'*', 50, 50, 0}, {'0', 50, 50, 0}, {'#', 50, 50, 0}, {'D', 50, 50, 0}}, 100, "123A456B789C*0#D"},
		{"heavy noise", []press{{'3', 80, 60, 0}, {'8', 80, 60, 0}}, 1500, "38"},
		{"too short 15 ms", []press{{'4', 15, 60, 0}}, 100, ""},
		{"noise only", []press{{'4', 0, 500, 0}}, 2000, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var sig []int16
			for _, p := range c.presses {
				sig = append(sig, make([]int16, p.offset)...)
				sig = append(sig, DTMFTone(p.d, p.ms)...)
				sig = append(sig, make([]int16, 8*p.gapMs)...)
			}
			addNoise(sig, c.noise, rand.New(rand.NewPCG(1, 2)))
			// Fed in 20 ms frames, as a leg does.
			det := NewDTMFDetector()
			var got []rune
			for i := 0; i < len(sig); i += 160 {
				got = append(got, det.Feed(sig[i:min(i+160, len(sig))])...)
			}
			if string(got) != c.want {
				t.Fatalf("detected %q, want %q", string(got), c.want)
			}
		})
	}
	for _, f := range []float64{440, 1000, 1400} {
		if d := NewDTMFDetector().Feed(Tone(f, 500)); len(d) != 0 {
			t.Errorf("%v Hz tone detected as %q", f, string(d))
		}
	}
}

// In-band digits are reported through OnDTMF when enabled on a leg.
func TestLegInbandDTMF(t *testing.T) {
	p := testPool(t)
	a, b := newLegT(t, p), newLegT(t, p)
	connect(a, b, PCMA, PCMA, -1, -1)
	b.EnableInbandDTMF(true)
	var mu sync.Mutex
	var got []rune
	b.OnDTMF(func(d rune) { mu.Lock(); got = append(got, d); mu.Unlock() })
	var sig []int16
	for _, d := range "42*" {
		sig = append(sig, DTMFTone(d, 60)...)
		sig = append(sig, make([]int16, 480)...)
	}
	<-Play(t.Context(), a, [][]byte{EncodeWAV(sig)}, false).Done()
	eventually(t, "digits", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 3 })
	mu.Lock()
	defer mu.Unlock()
	if string(got) != "42*" {
		t.Fatalf("got %q", string(got))
	}
}

// FuzzDecodeEvent: any RFC 4733 payload from the wire decodes without a
// panic, and what decodes re-encodes to the same digit, end flag and duration.
func FuzzDecodeEvent(f *testing.F) {
	for _, p := range [][]byte{{0, 10, 0, 160}, {11, 0x8a, 3, 32}, {15, 10, 0, 0}, {16, 10, 0, 0}, {1, 10}, {}, {255, 255, 255, 255, 1}} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		d, end, dur, ok := DecodeEvent(p)
		if !ok {
			return
		}
		var b [4]byte
		if !EncodeEvent(b[:], d, end, dur) {
			t.Fatalf("decoded %q from %x but cannot encode it", d, p)
		}
		d2, end2, dur2, ok2 := DecodeEvent(b[:])
		if !ok2 || d2 != d || end2 != end || dur2 != dur {
			t.Fatalf("%x: %q %v %d, re-encoded %x: %q %v %d", p, d, end, dur, b, d2, end2, dur2)
		}
	})
}
