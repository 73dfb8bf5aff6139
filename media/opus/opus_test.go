package opus

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"
)

// needLib skips where libopus is truly absent; under CI it must be there
// (scripts/install-test-deps.sh installs libopus0), so it fails instead.
func needLib(tb testing.TB) {
	tb.Helper()
	if err := Load(); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%v: scripts/install-test-deps.sh installs libopus0", err)
		}
		tb.Skipf("%v (apt install libopus0 to run the Opus tests)", err)
	}
}

func tone(rate int, hz float64, n int, amp float64) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(amp * 32767 * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
	}
	return s
}

// toneShare is the fraction of the signal's energy at hz (Goertzel over
// the whole block, normalised by the block's energy).
func toneShare(s []int16, rate int, hz float64) float64 {
	w := 2 * math.Pi * hz / float64(rate)
	c := 2 * math.Cos(w)
	var s1, s2, energy float64
	for _, v := range s {
		x := float64(v)
		s0 := x + c*s1 - s2
		s2, s1 = s1, s0
		energy += x * x
	}
	if energy == 0 {
		return 0
	}
	power := s1*s1 + s2*s2 - c*s1*s2
	return 2 * power / (float64(len(s)) * energy)
}

func rms(s []int16) float64 {
	var e float64
	for _, v := range s {
		e += float64(v) * float64(v)
	}
	return math.Sqrt(e / float64(len(s)))
}

// roundTrip codes one second of a tone in 20 ms frames and decodes it,
// dropping the first 100 ms (codec delay and the encoder settling).
func roundTrip(t *testing.T, encRate, decRate int, hz float64) (in, out []int16) {
	t.Helper()
	enc, err := NewEncoder(encRate, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	dec, err := NewDecoder(decRate, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	in = tone(encRate, hz, encRate, 0.5)
	frame := encRate / 50
	pkt := make([]byte, 1500)
	pcm := make([]int16, decRate*120/1000)
	for off := 0; off+frame <= len(in); off += frame {
		n, err := enc.Encode(in[off:off+frame], pkt)
		if err != nil || n == 0 {
			t.Fatalf("encode frame at %d: %d bytes, %v", off, n, err)
		}
		got, err := dec.Decode(pkt[:n], pcm)
		if err != nil {
			t.Fatalf("decode frame at %d: %v", off, err)
		}
		if got != decRate/50 {
			t.Fatalf("decoded %d samples per 20 ms frame at %d Hz", got, decRate)
		}
		out = append(out, pcm[:got]...)
	}
	return in[encRate/10:], out[decRate/10:]
}

func checkTone(t *testing.T, name string, in []int16, inRate int, out []int16, outRate int, hz float64) {
	t.Helper()
	share := toneShare(out, outRate, hz)
	gain := 20 * math.Log10(rms(out)/rms(in))
	t.Logf("%s: %.0f Hz holds %.3f of the decoded energy, level %+.1f dB", name, hz, share, gain)
	if share < 0.9 {
		t.Errorf("%s: only %.3f of the decoded energy at %.0f Hz", name, share, hz)
	}
	if math.Abs(gain) > 3 {
		t.Errorf("%s: level changed by %+.1f dB", name, gain)
	}
}

func TestToneRoundTrip48k(t *testing.T) {
	needLib(t)
	in, out := roundTrip(t, 48000, 48000, 1000)
	checkTone(t, "48 kHz", in, 48000, out, 48000, 1000)
}

// The switch's own use: 8 kHz samples in and out of a 48 kHz-clocked
// stream (libopus converts the rate inside the codec).
func TestToneRoundTrip8k(t *testing.T) {
	needLib(t)
	for _, hz := range []float64{500, 1000, 3000} {
		in, out := roundTrip(t, 8000, 8000, hz)
		checkTone(t, "8 kHz", in, 8000, out, 8000, hz)
	}
	// A browser's full-band stream decoded for the switch at 8 kHz.
	in, out := roundTrip(t, 48000, 8000, 1000)
	checkTone(t, "48 → 8 kHz", in, 48000, out, 8000, 1000)
}

func TestBadInput(t *testing.T) {
	needLib(t)
	if _, err := NewEncoder(44100, 1); err == nil {
		t.Error("an encoder at 44.1 kHz was made")
	}
	if _, err := NewDecoder(8000, 3); err == nil {
		t.Error("a 3-channel decoder was made")
	}
	enc, err := NewEncoder(8000, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	pkt := make([]byte, 1500)
	if _, err := enc.Encode(make([]int16, 100), pkt); err == nil {
		t.Error("a 12.5 ms frame was encoded")
	}
	if _, err := enc.Encode(nil, pkt); err == nil {
		t.Error("an empty frame was encoded")
	}
	if err := enc.SetComplexity(11); err == nil {
		t.Error("complexity 11 was accepted")
	}
	dec, err := NewDecoder(8000, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	pcm := make([]int16, 960)
	// A code 3 packet (RFC 6716 §3.2.5) whose frame count is 0 is invalid,
	// as is one missing its count byte.
	for _, bad := range [][]byte{{0x03, 0x00}, {0x03}} {
		if n, err := dec.Decode(bad, pcm); err == nil {
			t.Errorf("packet % x decoded to %d samples", bad, n)
		}
	}
	n, err := enc.Encode(make([]int16, 160), pkt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dec.Decode(pkt[:n], pcm[:100]); err == nil {
		t.Error("a 20 ms packet decoded into 100 samples of room")
	}
	// A lost frame is concealed with the length asked for.
	if got, err := dec.Decode(nil, pcm[:160]); err != nil || got != 160 {
		t.Errorf("concealment: %d samples, %v", got, err)
	}
	enc.Close()
	if _, err := enc.Encode(make([]int16, 160), pkt); !errors.Is(err, ErrClosed) {
		t.Errorf("encode after close: %v", err)
	}
}

// A machine without the library gets an error naming it (Load's answer
// there); the switch turns it into its start-up error.
func TestMissingLibraryNamed(t *testing.T) {
	err := load("libopus-hotline-absent.so.0")
	if err == nil || !strings.Contains(err.Error(), "libopus-hotline-absent.so.0") {
		t.Errorf("loading a missing library: %v", err)
	}
}

func TestVersion(t *testing.T) {
	needLib(t)
	if v := Version(); v == "" {
		t.Error("no version string")
	} else {
		t.Log(v)
	}
}

// The rate conversion inside the codec is band-limited: a browser's 6 kHz
// (above the 4 kHz an 8 kHz leg can carry) decoded at 8 kHz is removed,
// not folded down to 2 kHz; the switch's 8 kHz audio decoded at 48 kHz has
// no images above 4 kHz (7 kHz for a 1 kHz tone).
func TestRateConversionDoesNotAlias(t *testing.T) {
	needLib(t)
	in, out := roundTrip(t, 48000, 8000, 6000)
	level := 20 * math.Log10(rms(out)/rms(in))
	t.Logf("6 kHz decoded at 8 kHz: %.1f dB, %.3f of what is left at 2 kHz", level, toneShare(out, 8000, 2000))
	if level > -30 {
		t.Errorf("6 kHz decoded at 8 kHz is only %.1f dB down", level)
	}
	_, up := roundTrip(t, 8000, 48000, 1000)
	if image := toneShare(up, 48000, 7000); image > 0.001 {
		t.Errorf("8 kHz audio decoded at 48 kHz carries %.4f of its energy at the 7 kHz image", image)
	}
	if share := toneShare(up, 48000, 1000); share < 0.99 {
		t.Errorf("8 kHz 1 kHz tone decoded at 48 kHz: %.3f at 1 kHz", share)
	}
}
