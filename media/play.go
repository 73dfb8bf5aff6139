package media

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/zaf/g711"
)

// ErrWAV: a prompt file Hotline cannot play.
var ErrWAV = errors.New("media: unsupported WAV")

// ReadWAV decodes an 8 kHz mono WAV (16-bit PCM, µ-law or A-law) into
// linear samples, skipping chunks it does not need.
func ReadWAV(b []byte) ([]int16, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, fmt.Errorf("%w: not RIFF/WAVE", ErrWAV)
	}
	var format, channels, bits uint16
	var rate uint32
	haveFmt := false
	for off := 12; off+8 <= len(b); {
		id := string(b[off : off+4])
		n := int(binary.LittleEndian.Uint32(b[off+4:]))
		off += 8
		if n < 0 || off+n > len(b) {
			n = len(b) - off // a file cut short by a crash: play what is there
		}
		switch id {
		case "fmt ":
			if n < 16 {
				return nil, fmt.Errorf("%w: short fmt chunk", ErrWAV)
			}
			format = binary.LittleEndian.Uint16(b[off:])
			channels = binary.LittleEndian.Uint16(b[off+2:])
			rate = binary.LittleEndian.Uint32(b[off+4:])
			bits = binary.LittleEndian.Uint16(b[off+14:])
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, fmt.Errorf("%w: data before fmt", ErrWAV)
			}
			if channels != 1 || rate != 8000 {
				return nil, fmt.Errorf("%w: %d channels at %d Hz (want mono 8000 Hz)", ErrWAV, channels, rate)
			}
			data := b[off : off+n]
			switch {
			case format == 1 && bits == 16:
				out := make([]int16, len(data)/2)
				for i := range out {
					out[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
				}
				return out, nil
			case format == 7:
				out := make([]int16, len(data))
				for i, x := range data {
					out[i] = g711.DecodeUlawFrame(x)
				}
				return out, nil
			case format == 6:
				out := make([]int16, len(data))
				for i, x := range data {
					out[i] = g711.DecodeAlawFrame(x)
				}
				return out, nil
			}
			return nil, fmt.Errorf("%w: format %d, %d bits", ErrWAV, format, bits)
		}
		off += n + n%2
	}
	return nil, fmt.Errorf("%w: no data chunk", ErrWAV)
}

// Playback is audio being played into a leg.
type Playback struct {
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// Stop ends the playback early; Done closes once it has stopped.
func (p *Playback) Stop() { p.stopOnce.Do(func() { close(p.stop) }) }

// Done is closed when the audio finished or was stopped.
func (p *Playback) Done() <-chan struct{} { return p.done }

// Play sends the WAVs in sequence (looped when loop is set, for music on
// hold) into the leg, one 20 ms frame per tick on an absolute schedule so
// pacing does not drift. Undecodable WAVs are skipped.
func Play(ctx context.Context, l *Leg, wavs [][]byte, loop bool) *Playback {
	p := &Playback{stop: make(chan struct{}), done: make(chan struct{})}
	var samples []int16
	for _, w := range wavs {
		s, err := ReadWAV(w)
		if err == nil {
			samples = append(samples, s...)
		}
	}
	go p.run(ctx, l, samples, loop)
	return p
}

func (p *Playback) run(ctx context.Context, l *Leg, samples []int16, loop bool) {
	defer close(p.done)
	if len(samples) == 0 {
		return
	}
	var frame [samplesPerFrame]byte
	var pcm [samplesPerFrame]int16
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	pos := 0
	first := true
	for n := 0; ; n++ {
		select {
		case <-p.stop:
			return
		case <-ctx.Done():
			return
		case <-l.done:
			return
		case <-timer.C:
		}
		if pos >= len(samples) {
			if !loop {
				return
			}
			pos = 0
		}
		k := copy(pcm[:], samples[pos:])
		for i := k; i < samplesPerFrame; i++ {
			pcm[i] = 0 // pad the last frame with silence
		}
		pos += k
		encode(frame[:], pcm[:], l.Codec())
		_ = l.writeAudio(frame[:], samplesPerFrame, first)
		first = false
		next := start.Add(time.Duration(n+1) * 20 * time.Millisecond)
		timer.Reset(time.Until(next))
	}
}
