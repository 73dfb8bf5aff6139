package rtc

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pion/rtp"

	"github.com/hotline/hotline/media"
	"github.com/hotline/hotline/media/opus"
)

// discard is the SRTP stream's stand-in: the benchmarks measure the
// conversion, not the encryption and send every browser leg pays anyway.
type discard struct{}

func (discard) WriteRTP(_ *rtp.Header, p []byte) (int, error) { return len(p), nil }

// voice is a second of speech-like sound at rate: three formant-ish tones
// under a syllable-rate envelope, with a little noise.
func voice(rate int) []int16 {
	r := rand.New(rand.NewPCG(1, 2))
	s := make([]int16, rate)
	for i := range s {
		x := float64(i) / float64(rate)
		env := 0.5 + 0.5*math.Sin(2*math.Pi*4*x)
		v := env*(0.3*math.Sin(2*math.Pi*220*x)+0.2*math.Sin(2*math.Pi*900*x)+0.1*math.Sin(2*math.Pi*2400*x)) + 0.02*(r.Float64()-0.5)
		s[i] = int16(v * 32767)
	}
	return s
}

// browserPackets is a second of what a browser sends: full-band Opus at
// 32 kbit/s in 20 ms RTP packets.
func browserPackets(b *testing.B) [][]byte {
	enc, err := opus.NewEncoder(48000, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	if err := enc.SetBitrate(32000); err != nil {
		b.Fatal(err)
	}
	v, out := voice(48000), make([]byte, 1500)
	var pkts [][]byte
	for i := 0; i+960 <= len(v); i += 960 {
		n, err := enc.Encode(v[i:i+960], out)
		if err != nil {
			b.Fatal(err)
		}
		pkts = append(pkts, rtpPacket(ptOpus, uint16(i/960), uint32(i), false, out[:n]))
	}
	return pkts
}

// switchPackets is a second of what the leg sends a browser: 20 ms PCMU.
func switchPackets() [][]byte {
	v := voice(8000)
	var pkts [][]byte
	for i := 0; i+160 <= len(v); i += 160 {
		pl := make([]byte, 160)
		media.Encode(pl, v[i:i+160], media.PCMU)
		pkts = append(pkts, rtpPacket(0, uint16(i/160), uint32(i), false, pl))
	}
	return pkts
}

// BenchmarkBrowserFrame is one 20 ms frame each way through a browser
// leg's peer: g711 is today's pass-through (the leg's packets as they
// are), opus decodes the browser's frame to PCMU and codes the switch's
// PCMU frame to Opus. %cpu/call is the share of one core a call's browser
// side takes (50 frames a second each way).
func BenchmarkBrowserFrame(b *testing.B) {
	needOpus(b)
	in, out := browserPackets(b), switchPackets()
	g711In := make([][]byte, len(out))
	for i, p := range out {
		g711In[i] = append([]byte(nil), p...)
	}
	buf := make([]byte, 1500)
	perCall := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/20e6*100, "%cpu/call")
	}
	b.Run("g711", func(b *testing.B) {
		rx, tx := opusRx{}, newOpusTx()
		mode := &opusMode{opus: ptOpus, ev48: -1, ev8: -1}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			p := g711In[i%len(g711In)]
			if _, ok := rx.convert(buf, copy(buf, p), mode); !ok {
				b.Fatal("dropped")
			}
			// The switch's frame: header stamped, handed to the stream.
			tx.hdr.PayloadType, tx.hdr.SSRC = 0, 1
			if err := tx.send(discard{}, 0, uint32(i*160), false, out[i%len(out)][12:]); err != nil {
				b.Fatal(err)
			}
		}
		perCall(b)
	})
	run := func(name string, doRx, doTx bool) {
		b.Run(name, func(b *testing.B) {
			rx, tx := opusRx{}, newOpusTx()
			defer rx.close()
			defer tx.close()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if doRx {
					if _, ok := rx.convert(buf, copy(buf, in[i%len(in)]), testMode); !ok {
						b.Fatal("browser frame dropped")
					}
				}
				if doTx {
					if err := tx.convert(out[i%len(out)], testMode, 1, discard{}); err != nil {
						b.Fatal(err)
					}
				}
			}
			perCall(b)
		})
	}
	run("opus", true, true)
	run("opus-from-browser", true, false)
	run("opus-to-browser", false, true)
}
