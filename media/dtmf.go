package media

import "math"

// dtmfState turns a stream of RFC 4733 telephone-event packets into digits:
// one digit per event, reported on its first packet so the IVR reacts at
// once, never again for the retransmitted updates and end packets that
// share the event's timestamp.
type dtmfState struct {
	lastTS   uint32
	haveLast bool
}

const events = "0123456789*#ABCD"

// event returns the digit when the packet starts a new event.
func (s *dtmfState) event(ts uint32, payload []byte) (rune, bool) {
	if len(payload) < 4 || int(payload[0]) >= len(events) {
		return 0, false
	}
	if s.haveLast && ts == s.lastTS {
		return 0, false
	}
	s.lastTS, s.haveLast = ts, true
	return rune(events[payload[0]]), true
}

// DecodeEvent reads an RFC 4733 payload: the digit, end bit and duration.
func DecodeEvent(p []byte) (digit rune, end bool, duration uint16, ok bool) {
	if len(p) < 4 || int(p[0]) >= len(events) {
		return 0, false, 0, false
	}
	return rune(events[p[0]]), p[1]&0x80 != 0, uint16(p[2])<<8 | uint16(p[3]), true
}

// DTMFDetector finds in-band DTMF tones in 8 kHz audio with the Goertzel
// algorithm, for trunks that send digits neither as RFC 4733 nor INFO.
// A digit must hold for two 20 ms blocks (40 ms) and is reported once until
// the tone stops.
type DTMFDetector struct {
	buf     []float64
	current rune
	count   int
	emitted bool
	quiet   int
}

var (
	lowFreqs  = [4]float64{697, 770, 852, 941}
	highFreqs = [4]float64{1209, 1336, 1477, 1633}
	keypad    = [4][4]rune{{'1', '2', '3', 'A'}, {'4', '5', '6', 'B'}, {'7', '8', '9', 'C'}, {'*', '0', '#', 'D'}}
	lowCoef   = coefs(lowFreqs)
	highCoef  = coefs(highFreqs)
)

func coefs(f [4]float64) (c [4]float64) {
	for i, x := range f {
		c[i] = 2 * math.Cos(2*math.Pi*x/8000)
	}
	return c
}

// NewDTMFDetector returns a detector with no history.
func NewDTMFDetector() *DTMFDetector { return &DTMFDetector{buf: make([]float64, 0, 160)} }

// Feed takes any number of samples and returns the digits completed.
func (d *DTMFDetector) Feed(samples []int16) []rune {
	var out []rune
	for _, s := range samples {
		d.buf = append(d.buf, float64(s))
		if len(d.buf) == 160 {
			if r := d.block(d.buf); r != 0 {
				out = append(out, r)
			}
			d.buf = d.buf[:0]
		}
	}
	return out
}

func goertzel(x []float64, coef float64) float64 {
	var s1, s2 float64
	for _, v := range x {
		s0 := v + coef*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - coef*s1*s2
}

// block classifies one 20 ms block and runs the hold/release logic.
func (d *DTMFDetector) block(x []float64) rune {
	digit := classify(x)
	if digit == 0 {
		d.quiet++
		if d.quiet >= 2 { // 40 ms of no tone ends a digit
			d.current, d.count, d.emitted = 0, 0, false
		}
		return 0
	}
	d.quiet = 0
	if digit != d.current {
		d.current, d.count, d.emitted = digit, 0, false
	}
	d.count++
	if d.count >= 2 && !d.emitted {
		d.emitted = true
		return digit
	}
	return 0
}

// classify returns the DTMF digit present in x, or 0. Checks: one low and
// one high tone stand well above the others of their group, together they
// carry most of the block's energy, and their twist is within 8 dB.
func classify(x []float64) rune {
	var energy float64
	for _, v := range x {
		energy += v * v
	}
	if energy < 160*200*200 { // below about -44 dBFS: silence
		return 0
	}
	li, lp, l2 := strongest(x, lowCoef)
	hi, hp, h2 := strongest(x, highCoef)
	if lp < 4*l2 || hp < 4*h2 {
		return 0
	}
	// Goertzel power of a bin is about N/2 * energy of the tone at it.
	tone := 2 * (lp + hp) / float64(len(x))
	if tone < 0.6*energy {
		return 0
	}
	if r := lp / hp; r > 6.3 || r < 1/6.3 {
		return 0
	}
	return keypad[li][hi]
}

func strongest(x []float64, c [4]float64) (idx int, best, second float64) {
	for i, k := range c {
		p := goertzel(x, k)
		switch {
		case p > best:
			second, best, idx = best, p, i
		case p > second:
			second = p
		}
	}
	return idx, best, second
}

// Tone returns ms milliseconds of a sine at freq, amplitude 0.5 of full scale.
func Tone(freq float64, ms int) []int16 {
	n := 8 * ms
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(16383 * math.Sin(2*math.Pi*freq*float64(i)/8000))
	}
	return out
}

// ToneRatio is the share of the signal's energy at freq over 20 ms blocks;
// a clean tone gives about 1. Tests use it to check what a leg heard.
func ToneRatio(s []int16, freq float64) float64 {
	c := 2 * math.Cos(2*math.Pi*freq/8000)
	var band, total float64
	x := make([]float64, 160)
	for i := 0; i+160 <= len(s); i += 160 {
		for j := range x {
			x[j] = float64(s[i+j])
			total += x[j] * x[j]
		}
		band += 2 * goertzel(x, c) / 160
	}
	if total == 0 {
		return 0
	}
	return band / total
}
