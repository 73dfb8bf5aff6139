package opus

import (
	"fmt"
	"testing"
)

// The codec's own cost per 20 ms frame, behind the choice of encoder
// settings for the switch's narrowband audio (see rtc's opusComplexity).
func BenchmarkEncode8k(b *testing.B) {
	needLib(b)
	pcm := tone(8000, 440, 8000, 0.3)
	for _, c := range []struct {
		complexity int
		fec        bool
	}{{0, false}, {5, false}, {5, true}, {10, false}, {10, true}} {
		b.Run(fmt.Sprintf("complexity=%d/fec=%v", c.complexity, c.fec), func(b *testing.B) {
			enc, err := NewEncoder(8000, 1)
			if err != nil {
				b.Fatal(err)
			}
			defer enc.Close()
			if err := enc.SetBitrate(20000); err != nil {
				b.Fatal(err)
			}
			if err := enc.SetComplexity(c.complexity); err != nil {
				b.Fatal(err)
			}
			if err := enc.SetInbandFEC(c.fec, 5); err != nil {
				b.Fatal(err)
			}
			out := make([]byte, 1500)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				off := i % 50 * 160
				if _, err := enc.Encode(pcm[off:off+160], out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Decoding a browser's full-band 32 kbit/s stream at 48 and at 8 kHz.
func BenchmarkDecode(b *testing.B) {
	needLib(b)
	enc, err := NewEncoder(48000, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	if err := enc.SetBitrate(32000); err != nil {
		b.Fatal(err)
	}
	pcm := tone(48000, 440, 48000, 0.3)
	var pkts [][]byte
	out := make([]byte, 1500)
	for off := 0; off+960 <= len(pcm); off += 960 {
		n, err := enc.Encode(pcm[off:off+960], out)
		if err != nil {
			b.Fatal(err)
		}
		pkts = append(pkts, append([]byte(nil), out[:n]...))
	}
	for _, rate := range []int{48000, 8000} {
		b.Run(fmt.Sprintf("to=%d", rate), func(b *testing.B) {
			dec, err := NewDecoder(rate, 1)
			if err != nil {
				b.Fatal(err)
			}
			defer dec.Close()
			buf := make([]int16, 5760)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := dec.Decode(pkts[i%len(pkts)], buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
