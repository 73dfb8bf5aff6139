package media

import (
	"encoding/binary"
	"os"
	"slices"
	"sync"
	"time"
)

// Recorder writes a call as a stereo WAV (8 kHz, 16-bit): the caller on the
// left channel, the agent on the right. A 20 ms clock drains what each side
// sent since the last tick (silence where nothing came), so the channels
// stay aligned without trusting either side's timestamps. The header's
// sizes are rewritten after every tick: a crash leaves a playable file up
// to that moment.
type Recorder struct {
	f     *os.File
	mu    sync.Mutex
	src   [2][]*recSource // per channel; several sources are mixed (a conference's agent side)
	bytes uint32
	out   []byte
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
	err   error
}

// maxPending bounds each channel's backlog (1 s) if a side floods.
const maxPending = 8000

// NewRecorder creates the file and starts the clock.
func NewRecorder(path string) (*Recorder, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, err
	}
	r := &Recorder{f: f, stop: make(chan struct{}), done: make(chan struct{})}
	r.src = [2][]*recSource{{{}}, {{}}}
	if _, err := f.Write(stereoHeader(0)); err != nil {
		f.Close()
		return nil, err
	}
	go r.run()
	return r, nil
}

// recSource is one leg's audio waiting for the next tick.
type recSource struct{ pcm []int16 }

// Channel returns the Sink for one side: 0 left (caller), 1 right (agent).
func (r *Recorder) Channel(side int) Sink { return r.sink(r.src[side][0]) }

// AddSource returns a Sink for one more party on a side, mixed with the
// others there: a consulted or conferenced party beside the agent.
func (r *Recorder) AddSource(side int) Sink {
	src := &recSource{}
	r.mu.Lock()
	r.src[side] = append(r.src[side], src)
	r.mu.Unlock()
	return r.sink(src)
}

func (r *Recorder) sink(src *recSource) Sink {
	return SinkFunc(func(f *Frame) {
		if f.Event || len(f.Payload) == 0 {
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		c := src.pcm
		n := len(c)
		c = slices.Grow(c, len(f.Payload))[:n+len(f.Payload)] // no allocation once warm
		Decode(c[n:], f.Payload, f.Codec)
		if len(c) > maxPending {
			c = c[:copy(c, c[len(c)-maxPending:])]
		}
		src.pcm = c
	})
}

func (r *Recorder) run() {
	defer close(r.done)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			r.tick(true)
			return
		case <-t.C:
			r.tick(false)
		}
	}
}

// tick writes one frame per channel (everything pending when flushing),
// each channel the saturated sum of its sources.
func (r *Recorder) tick(flush bool) {
	r.mu.Lock()
	n := samplesPerFrame
	if flush {
		n = 0
		for _, side := range r.src {
			for _, s := range side {
				n = max(n, len(s.pcm))
			}
		}
	}
	r.out = r.out[:0]
	for i := 0; i < n; i++ {
		for side := 0; side < 2; side++ {
			var v int32
			for _, s := range r.src[side] {
				if i < len(s.pcm) {
					v += int32(s.pcm[i])
				}
			}
			r.out = binary.LittleEndian.AppendUint16(r.out, uint16(int16(max(-32768, min(32767, v)))))
		}
	}
	for _, side := range r.src {
		for _, s := range side {
			// Keep the backlog at the front of the same array: slicing
			// forward would make every append reallocate.
			s.pcm = s.pcm[:copy(s.pcm, s.pcm[min(n, len(s.pcm)):])]
		}
	}
	r.mu.Unlock()
	if r.err != nil || len(r.out) == 0 {
		return
	}
	if _, err := r.f.Write(r.out); err != nil {
		r.err = err
		return
	}
	r.bytes += uint32(len(r.out))
	var sz [4]byte
	binary.LittleEndian.PutUint32(sz[:], 36+r.bytes)
	_, _ = r.f.WriteAt(sz[:], 4)
	binary.LittleEndian.PutUint32(sz[:], r.bytes)
	_, r.err = r.f.WriteAt(sz[:], 40)
}

// Close writes what is pending and closes the file; safe to call twice.
func (r *Recorder) Close() error {
	r.once.Do(func() {
		close(r.stop)
		<-r.done
		if err := r.f.Close(); r.err == nil {
			r.err = err
		}
	})
	return r.err
}

func stereoHeader(dataBytes uint32) []byte {
	b := make([]byte, 44)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], 36+dataBytes)
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1) // PCM
	binary.LittleEndian.PutUint16(b[22:], 2) // stereo
	binary.LittleEndian.PutUint32(b[24:], 8000)
	binary.LittleEndian.PutUint32(b[28:], 8000*4)
	binary.LittleEndian.PutUint16(b[32:], 4)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], dataBytes)
	return b
}
