package media

import "math"

// DTMFDetector finds in-band DTMF tones in 8 kHz linear audio, for trunks
// that send digits neither as RFC 4733 nor SIP INFO. It runs eight Goertzel
// filters over 102-sample blocks (12.75 ms, fine enough to separate 697
// from 770 Hz). A block holds a digit when one row and one column tone each
// stand 6 dB over the rest of their group, carry most of the block's
// energy, sit above the noise floor and are within the twist limits. A
// digit is reported after two such blocks in a row (≥ ~26 ms, so a 40 ms
// digit is always caught) and not again until two blocks without it
// (debouncing a momentary dropout in a long press).
type DTMFDetector struct {
	s1, s2  [8]float64
	energy  float64
	n       int
	cur     rune
	hits    int
	misses  int
	emitted bool
	out     []rune
}

const (
	dtmfBlock = 102
	// Below about -40 dBFS mean power a block is silence.
	dtmfMinPower = 330.0 * 330.0
	// Tone pair's share of the block's energy.
	dtmfMinShare = 0.55
	// Row tone may be stronger than the column tone by 8 dB (normal
	// twist), weaker by 4 dB (reverse twist): ITU-T Q.24 figures.
	dtmfNormalTwist  = 6.31
	dtmfReverseTwist = 2.51
	// Peak over the runner-up of its group.
	dtmfRelPeak = 4.0
)

var (
	dtmfFreqs = [8]float64{697, 770, 852, 941, 1209, 1336, 1477, 1633}
	dtmfCoef  = func() (c [8]float64) {
		for i, f := range dtmfFreqs {
			c[i] = 2 * math.Cos(2*math.Pi*f/sampleRate)
		}
		return c
	}()
	keypad = [4][4]rune{{'1', '2', '3', 'A'}, {'4', '5', '6', 'B'}, {'7', '8', '9', 'C'}, {'*', '0', '#', 'D'}}
)

// NewDTMFDetector returns a detector with no history.
func NewDTMFDetector() *DTMFDetector { return &DTMFDetector{} }

// Reset forgets all history.
func (d *DTMFDetector) Reset() { *d = DTMFDetector{out: d.out[:0]} }

// Feed takes any number of samples and returns the digits detected. The
// slice is reused by the next call.
func (d *DTMFDetector) Feed(samples []int16) []rune {
	d.out = d.out[:0]
	for _, s := range samples {
		x := float64(s)
		d.energy += x * x
		for i, c := range dtmfCoef {
			s0 := x + c*d.s1[i] - d.s2[i]
			d.s2[i], d.s1[i] = d.s1[i], s0
		}
		d.n++
		if d.n == dtmfBlock {
			if r := d.step(d.classify()); r != 0 {
				d.out = append(d.out, r)
			}
			d.s1, d.s2, d.energy, d.n = [8]float64{}, [8]float64{}, 0, 0
		}
	}
	return d.out
}

// step runs the hold/release logic on one block's verdict.
func (d *DTMFDetector) step(digit rune) rune {
	if digit == 0 || digit != d.cur {
		d.misses++
		if d.misses >= 2 || digit != 0 {
			d.cur, d.hits, d.emitted = digit, 0, false
			if digit != 0 {
				d.hits, d.misses = 1, 0
			}
		}
		return 0
	}
	d.misses = 0
	d.hits++
	if d.hits >= 2 && !d.emitted {
		d.emitted = true
		return digit
	}
	return 0
}

func (d *DTMFDetector) classify() rune {
	if d.energy < dtmfMinPower*dtmfBlock {
		return 0
	}
	var p [8]float64
	for i, c := range dtmfCoef {
		p[i] = d.s1[i]*d.s1[i] + d.s2[i]*d.s2[i] - c*d.s1[i]*d.s2[i]
	}
	row, rp, r2 := peak(p[:4])
	col, cp, c2 := peak(p[4:])
	if rp < dtmfRelPeak*r2 || cp < dtmfRelPeak*c2 {
		return 0
	}
	if rp > dtmfNormalTwist*cp || cp > dtmfReverseTwist*rp {
		return 0
	}
	// A sine's Goertzel power is about (N·A/2)², its energy N·A²/2.
	if 2*(rp+cp)/dtmfBlock < dtmfMinShare*d.energy {
		return 0
	}
	return keypad[row][col]
}

func peak(p []float64) (idx int, best, second float64) {
	for i, v := range p {
		switch {
		case v > best:
			second, best, idx = best, v, i
		case v > second:
			second = v
		}
	}
	return idx, best, second
}
