package media

import "math"

// Tone returns ms milliseconds of a sine at freq, at half full scale.
func Tone(freq float64, ms int) []int16 {
	out := make([]int16, sampleRate/1000*ms)
	for i := range out {
		out[i] = int16(16383 * math.Sin(2*math.Pi*freq*float64(i)/sampleRate))
	}
	return out
}

// DTMFTone returns ms milliseconds of a digit's tone pair, each tone at a
// quarter of full scale; nil for a rune that is no DTMF digit.
func DTMFTone(digit rune, ms int) []int16 {
	for r, row := range keypad {
		for c, k := range row {
			if k != digit {
				continue
			}
			lo, hi := dtmfFreqs[r], dtmfFreqs[4+c]
			out := make([]int16, sampleRate/1000*ms)
			for i := range out {
				t := 2 * math.Pi * float64(i) / sampleRate
				out[i] = int16(8191 * (math.Sin(lo*t) + math.Sin(hi*t)))
			}
			return out
		}
	}
	return nil
}

// GoertzelPower is the mean power of the component of s at freq: A²/2 for
// a sine of amplitude A at that frequency.
func GoertzelPower(s []int16, freq float64) float64 {
	if len(s) == 0 {
		return 0
	}
	c := 2 * math.Cos(2*math.Pi*freq/sampleRate)
	var s1, s2 float64
	for _, v := range s {
		s0 := float64(v) + c*s1 - s2
		s2, s1 = s1, s0
	}
	n := float64(len(s))
	return 2 * (s1*s1 + s2*s2 - c*s1*s2) / (n * n)
}

// ToneRatio is the share of the signal's power at freq, measured over
// 20 ms blocks (so a lost packet or a phase jump costs one block only); a
// clean tone gives about 1, silence 0.
func ToneRatio(s []int16, freq float64) float64 {
	var band, total float64
	for i := 0; i+samplesPerFrame <= len(s); i += samplesPerFrame {
		b := s[i : i+samplesPerFrame]
		band += GoertzelPower(b, freq)
		total += meanPower(b)
	}
	if total == 0 {
		return 0
	}
	return band / total
}

// DominantFreq is the strongest frequency of s, searched from 100 to
// 3900 Hz in 10 Hz steps over 20 ms blocks; 0 for silence. Tests use it to
// check what a leg heard.
func DominantFreq(s []int16) float64 {
	best, bestP := 0.0, 0.0
	for f := 100.0; f <= 3900; f += 10 {
		var p float64
		for i := 0; i+samplesPerFrame <= len(s); i += samplesPerFrame {
			p += GoertzelPower(s[i:i+samplesPerFrame], f)
		}
		if p > bestP {
			best, bestP = f, p
		}
	}
	return best
}

func meanPower(s []int16) float64 {
	var e float64
	for _, v := range s {
		e += float64(v) * float64(v)
	}
	return e / float64(len(s))
}
