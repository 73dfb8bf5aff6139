package media

import "github.com/zaf/g711"

// transcode converts one frame between µ-law and A-law with zaf/g711's
// direct tables (no trip through linear PCM); src is in codec from.
func transcode(dst, src []byte, from Codec) {
	if from == PCMU {
		for i, b := range src {
			dst[i] = g711.Ulaw2AlawFrame(b)
		}
		return
	}
	for i, b := range src {
		dst[i] = g711.Alaw2UlawFrame(b)
	}
}

// encode turns linear samples into the codec's bytes.
func encode(dst []byte, src []int16, c Codec) {
	if c == PCMA {
		for i, s := range src {
			dst[i] = g711.EncodeAlawFrame(s)
		}
		return
	}
	for i, s := range src {
		dst[i] = g711.EncodeUlawFrame(s)
	}
}

// decodeFrame turns a G.711 payload into linear samples (for detection,
// mixing, recording; never on the relay path).
func decodeFrame(c Codec, p []byte) []int16 {
	out := make([]int16, len(p))
	Decode(out, p, c)
	return out
}

// Decode turns G.711 bytes into linear samples.
func Decode(dst []int16, src []byte, c Codec) {
	if c == PCMA {
		for i, b := range src {
			dst[i] = g711.DecodeAlawFrame(b)
		}
		return
	}
	for i, b := range src {
		dst[i] = g711.DecodeUlawFrame(b)
	}
}
