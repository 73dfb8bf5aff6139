// Package media is Hotline's RTP layer for G.711 calls: a port pool, legs
// (one UDP socket and one reader goroutine each), prompt and music-on-hold
// playback paced at 20 ms, RFC 4733 and in-band DTMF, a bridge that relays
// two legs (transcoding only when their codecs differ), a WAV writer for
// recordings and tone helpers for tests. It knows nothing of SIP: the call
// layer hands it the negotiated address, codec and telephone-event type.
package media

import (
	"errors"
	"strings"
	"time"

	"github.com/zaf/g711"
)

var (
	// ErrClosed: the leg or pool was closed.
	ErrClosed = errors.New("media: closed")
	// ErrNoPorts: every RTP port of the range is in use.
	ErrNoPorts = errors.New("media: no free RTP port")
	// ErrBadRange: the pool's address or port range is unusable.
	ErrBadRange = errors.New("media: bad RTP address or port range")
	// ErrWAV: a prompt file Hotline cannot play.
	ErrWAV = errors.New("media: unsupported WAV")
)

const (
	sampleRate      = 8000
	samplesPerFrame = 160 // 20 ms at 8 kHz
	frameDuration   = 20 * time.Millisecond
	maxPacket       = 1500
)

// Codec is a leg's negotiated G.711 law.
type Codec uint8

const (
	PCMU Codec = iota // G.711 µ-law, static payload type 0
	PCMA              // G.711 A-law, static payload type 8
)

func (c Codec) String() string {
	switch c {
	case PCMU:
		return "PCMU"
	case PCMA:
		return "PCMA"
	}
	return "unknown"
}

// PT is the codec's static RTP payload type.
func (c Codec) PT() uint8 {
	if c == PCMA {
		return 8
	}
	return 0
}

// silence is the codec's byte for a zero sample.
func (c Codec) silence() byte {
	if c == PCMA {
		return g711.EncodeAlawFrame(0)
	}
	return g711.EncodeUlawFrame(0)
}

// CodecByName maps an SDP encoding name (any case) to a Codec.
func CodecByName(name string) (Codec, bool) {
	switch strings.ToUpper(name) {
	case "PCMU":
		return PCMU, true
	case "PCMA":
		return PCMA, true
	}
	return PCMU, false
}

// CodecByPT maps a static RTP payload type to a Codec.
func CodecByPT(pt uint8) (Codec, bool) {
	switch pt {
	case 0:
		return PCMU, true
	case 8:
		return PCMA, true
	}
	return PCMU, false
}
