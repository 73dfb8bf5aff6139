package media

import (
	"testing"
)

func TestG711RoundTrip(t *testing.T) {
	in := make([]int16, 0, 2000)
	for v := -32768; v < 32768; v += 37 {
		in = append(in, int16(v))
	}
	for _, c := range []Codec{PCMU, PCMA} {
		enc := make([]byte, len(in))
		dec := make([]int16, len(in))
		Encode(enc, in, c)
		Decode(dec, enc, c)
		for i, v := range in {
			// G.711 is logarithmic: the error grows with the magnitude, about 1/32 of it.
			tol := max(int(abs(v))/28, 16)
			if d := int(dec[i]) - int(v); d > tol || d < -tol {
				t.Fatalf("%s: %d → %d (tolerance %d)", c, v, dec[i], tol)
			}
		}
		// A decoded sample encodes back to the same byte.
		re := make([]byte, len(in))
		Encode(re, dec, c)
		for i := range enc {
			if re[i] != enc[i] {
				t.Fatalf("%s: byte %#x re-encodes as %#x", c, enc[i], re[i])
			}
		}
	}
}

func abs(v int16) int32 {
	if v < 0 {
		return -int32(v)
	}
	return int32(v)
}

// Direct µ-law↔A-law transcoding keeps the signal: a tone survives both
// ways with its frequency and level.
func TestTranscode(t *testing.T) {
	tone := Tone(1000, 100)
	cases := []struct{ from, to Codec }{{PCMU, PCMA}, {PCMA, PCMU}, {PCMU, PCMU}, {PCMA, PCMA}}
	for _, c := range cases {
		t.Run(c.from.String()+"→"+c.to.String(), func(t *testing.T) {
			src := make([]byte, len(tone))
			Encode(src, tone, c.from)
			dst := make([]byte, len(src))
			Transcode(dst, src, c.from, c.to)
			pcm := make([]int16, len(dst))
			Decode(pcm, dst, c.to)
			if r := ToneRatio(pcm, 1000); r < 0.98 {
				t.Fatalf("1 kHz share %.3f", r)
			}
			if pw := GoertzelPower(pcm, 1000); !near(pw, 16383*16383/2, 16383*16383/20) {
				t.Fatalf("level %.0f", pw)
			}
			// In place works too.
			Transcode(src, src, c.from, c.to)
			for i := range src {
				if src[i] != dst[i] {
					t.Fatal("in-place transcoding differs")
				}
			}
		})
	}
}

func TestToneHelpers(t *testing.T) {
	for _, f := range []float64{350, 1000, 2600, 3400} {
		if got := DominantFreq(Tone(f, 200)); !near(got, f, 10) {
			t.Errorf("DominantFreq(%v) = %v", f, got)
		}
	}
	if DominantFreq(make([]int16, 800)) != 0 {
		t.Error("silence has a dominant frequency")
	}
	if DTMFTone('x', 40) != nil {
		t.Error("DTMFTone(x)")
	}
	if ToneRatio(Tone(1000, 100), 1500) > 0.01 {
		t.Error("1 kHz counted at 1.5 kHz")
	}
}
