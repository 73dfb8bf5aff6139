package media

import "github.com/zaf/g711"

// G.711 through zaf/g711's per-sample functions: they work on caller-owned
// buffers, so the relay and playback paths never allocate.

// Encode writes len(src) codec bytes of linear samples into dst.
func Encode(dst []byte, src []int16, c Codec) {
	dst = dst[:len(src)]
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

// Decode writes len(src) linear samples of codec bytes into dst.
func Decode(dst []int16, src []byte, c Codec) {
	dst = dst[:len(src)]
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

// Transcode converts len(src) bytes from one law to the other with the
// direct µ-law↔A-law tables (no trip through linear PCM); when from == to
// it copies. dst and src may be the same slice.
func Transcode(dst, src []byte, from, to Codec) {
	dst = dst[:len(src)]
	switch {
	case from == to:
		copy(dst, src)
	case from == PCMU:
		for i, b := range src {
			dst[i] = g711.Ulaw2AlawFrame(b)
		}
	default:
		for i, b := range src {
			dst[i] = g711.Alaw2UlawFrame(b)
		}
	}
}
