package itest

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"testing"

	"github.com/zaf/g711"

	"github.com/hotline/hotline/internal/pcapfile"
)

// Test audio: an RTP pcap SIPp plays as the caller (DTMF events then a
// tone), and checks of what each side received by the energy at a frequency.

const rate = 8000

func tone(freq float64, ms int, amp float64) []int16 {
	n := rate * ms / 1000
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(amp * 32767 * math.Sin(2*math.Pi*freq*float64(i)/rate))
	}
	return s
}

// pcapStep is one part of the caller's stream.
type pcapStep struct {
	silenceMS int
	digit     rune // RFC 4733 event of 100 ms
	inband    rune // the digit as a 100 ms dual tone in the audio
	toneHz    float64
	toneMS    int
}

// writeCallerPcap writes a classic pcap of PCMU/8000 RTP with RFC 4733
// events (PT 101): one SSRC, continuous sequence numbers and timestamps.
func writeCallerPcap(path string, steps []pcapStep) error {
	var pkts [][]byte
	var times []float64
	seq, ts, t := uint16(1000), uint32(160000), 0.0
	rtp := func(pt byte, marker bool, stamp uint32, payload []byte) {
		h := make([]byte, 12, 12+len(payload))
		h[0] = 0x80
		h[1] = pt
		if marker {
			h[1] |= 0x80
		}
		binary.BigEndian.PutUint16(h[2:], seq)
		binary.BigEndian.PutUint32(h[4:], stamp)
		binary.BigEndian.PutUint32(h[8:], 0x48544c31)
		seq++
		pkts = append(pkts, append(h, payload...))
		times = append(times, t)
	}
	frame := func(samples []int16) {
		p := make([]byte, 160)
		for i := range p {
			if samples != nil {
				p[i] = g711.EncodeUlawFrame(samples[i])
			} else {
				p[i] = 0xFF
			}
		}
		rtp(0, false, ts, p)
		ts += 160
		t += 0.02
	}
	events := map[rune]byte{'0': 0, '1': 1, '2': 2, '3': 3, '4': 4, '5': 5, '6': 6, '7': 7, '8': 8, '9': 9, '*': 10, '#': 11}
	for _, s := range steps {
		for i := 0; i < s.silenceMS/20; i++ {
			frame(nil)
		}
		if s.digit != 0 {
			start := ts
			for d := 1; d <= 5; d++ {
				rtp(101, d == 1, start, []byte{events[s.digit], 10, byte(d * 160 >> 8), byte(d * 160)})
				t += 0.02
			}
			for i := 0; i < 3; i++ { // end packets are repeated for loss tolerance
				rtp(101, false, start, []byte{events[s.digit], 0x80 | 10, byte(800 >> 8), byte(800 & 0xff)})
			}
			ts += 800
		}
		if s.inband != 0 {
			samples := dualTone(s.inband, 100)
			for i := 0; i+160 <= len(samples); i += 160 {
				frame(samples[i : i+160])
			}
		}
		if s.toneMS > 0 {
			samples := tone(s.toneHz, s.toneMS, 0.5)
			for i := 0; i+160 <= len(samples); i += 160 {
				frame(samples[i : i+160])
			}
		}
	}
	return os.WriteFile(path, pcapFile(pkts, times), 0o644)
}

func pcapFile(pkts [][]byte, times []float64) []byte {
	var w pcapfile.Writer
	for i, p := range pkts {
		w.Add(times[i], p)
	}
	return w.Bytes()
}

// writeWAV writes 16-bit mono 8 kHz PCM (baresip's aufile source).
func writeWAV(path string, s []int16) error {
	b := make([]byte, 44+2*len(s))
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*len(s)))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], rate)
	binary.LittleEndian.PutUint32(b[28:], rate*2)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*len(s)))
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(v))
	}
	return os.WriteFile(path, b, 0o644)
}

// readWAV reads a 16-bit PCM WAV's samples, skipping unknown chunks.
func readWAV(path string) ([]int16, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, errors.New("not a WAV file")
	}
	for off := 12; off+8 <= len(b); {
		id, n := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:]))
		off += 8
		if id == "data" {
			end := min(off+n, len(b))
			s := make([]int16, (end-off)/2)
			for i := range s {
				s[i] = int16(binary.LittleEndian.Uint16(b[off+2*i:]))
			}
			return s, nil
		}
		off += n + n%2
	}
	return nil, errors.New("no data chunk")
}

func decodeULaw(payloads [][]byte) []int16 {
	var s []int16
	for _, p := range payloads {
		for _, x := range p {
			s = append(s, g711.DecodeUlawFrame(x))
		}
	}
	return s
}

// toneRatio is the share of the signal's energy at freq (Goertzel over
// 20 ms blocks against total energy); a clean tone is near 1.
func toneRatio(s []int16, freq float64) float64 {
	const n = 160
	var band, total float64
	k := 2 * math.Cos(2*math.Pi*freq/rate)
	for i := 0; i+n <= len(s); i += n {
		var s1, s2, e float64
		for _, v := range s[i : i+n] {
			x := float64(v)
			e += x * x
			s0 := x + k*s1 - s2
			s2, s1 = s1, s0
		}
		p := s1*s1 + s2*s2 - k*s1*s2
		band += 2 * p / n
		total += e
	}
	if total == 0 {
		return 0
	}
	return band / total
}

// rms is the signal level relative to full scale.
func rms(s []int16) float64 {
	if len(s) == 0 {
		return 0
	}
	var e float64
	for _, v := range s {
		e += float64(v) * float64(v)
	}
	return math.Sqrt(e/float64(len(s))) / 32768
}

// dualTone is a DTMF digit as audio (each tone at -12 dBFS).
func dualTone(d rune, ms int) []int16 {
	rows, cols := []float64{697, 770, 852, 941}, []float64{1209, 1336, 1477}
	keys := []string{"123", "456", "789", "*0#"}
	for r, k := range keys {
		for c, x := range k {
			if x == d {
				lo, hi := tone(rows[r], ms, 0.25), tone(cols[c], ms, 0.25)
				for i := range lo {
					lo[i] += hi[i]
				}
				return lo
			}
		}
	}
	return nil
}

// readStereo reads a 16-bit stereo WAV into its two channels; the header's
// sizes must match the file, as a recording must be playable even when the
// switch died while writing it.
func readStereo(t *testing.T, path string) (left, right []int16) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("recording: %v", err)
	}
	if len(b) < 44 || string(b[:4]) != "RIFF" || binary.LittleEndian.Uint16(b[22:]) != 2 {
		t.Fatalf("recording %s is not a stereo WAV", path)
	}
	if n := binary.LittleEndian.Uint32(b[40:]); int(n)+44 != len(b) {
		t.Fatalf("recording header says %d data bytes, file has %d", n, len(b)-44)
	}
	for off := 44; off+4 <= len(b); off += 4 {
		left = append(left, int16(binary.LittleEndian.Uint16(b[off:])))
		right = append(right, int16(binary.LittleEndian.Uint16(b[off+2:])))
	}
	return left, right
}
