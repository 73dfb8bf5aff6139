package media

import (
	"context"
	"sync"
	"time"
)

// Playback is audio being played into a leg.
type Playback struct {
	leg      *Leg
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// Stop ends the playback early; it returns at once (wait on Done).
func (p *Playback) Stop() { p.stopOnce.Do(func() { close(p.stop) }) }

// Done is closed when the audio finished, was stopped, or the leg closed.
func (p *Playback) Done() <-chan struct{} { return p.done }

// maxBurst bounds how many frames a late tick may catch up on: after a
// longer stall the schedule skips ahead rather than flooding the far end.
const maxBurst = 3

// Play sends the WAVs in sequence (again and again when loop is set: music
// on hold) into the leg in its current codec, one 20 ms frame per tick of
// a Ticker, counting frames against the absolute start time so pacing
// never drifts. It stops any playback already on the leg and takes the
// leg's output from a bridge until it ends. WAVs that cannot be parsed are
// skipped (checked when configuration loads); with none left Done closes
// at once.
func Play(ctx context.Context, l *Leg, wavs [][]byte, loop bool) *Playback {
	p := &Playback{leg: l, stop: make(chan struct{}), done: make(chan struct{})}
	var srcs []*WAV
	for _, b := range wavs {
		if w, err := ParseWAV(b); err == nil && w.Samples() > 0 {
			srcs = append(srcs, w)
		}
	}
	l.mu.Lock()
	if l.isClosed() || len(srcs) == 0 {
		l.mu.Unlock()
		close(p.done)
		return p
	}
	prev := l.playback
	l.playback, l.owner = p, p
	l.mu.Unlock()
	if prev != nil {
		prev.Stop()
	}
	go p.run(ctx, srcs, loop)
	return p
}

func (p *Playback) run(ctx context.Context, srcs []*WAV, loop bool) {
	defer p.finish()
	r := wavReader{srcs: srcs, loop: loop}
	var frame [samplesPerFrame]byte
	send := func(first bool) bool {
		c := p.leg.Codec()
		more := r.read(frame[:], c)
		p.leg.writeAs(p, c, frame[:], samplesPerFrame, first)
		return more
	}
	t := time.NewTicker(frameDuration)
	defer t.Stop()
	start := time.Now()
	if !send(true) {
		return
	}
	sent := 1
	for {
		select {
		case <-p.stop:
			return
		case <-ctx.Done():
			return
		case <-p.leg.closing:
			return
		case now := <-t.C:
			due := int(now.Sub(start)/frameDuration) + 1
			if due-sent > maxBurst {
				sent = due - maxBurst
			}
			for ; sent < due; sent++ {
				if !send(false) {
					return
				}
			}
		}
	}
}

// finish hands the leg's output back to its bridge or mixer, if any.
func (p *Playback) finish() {
	l := p.leg
	l.mu.Lock()
	if l.playback == p {
		l.playback = nil
	}
	if l.owner == p {
		l.owner = nil
		if l.relay != nil {
			l.owner = l.relay
		}
	}
	l.mu.Unlock()
	close(p.done)
}

// wavReader walks the prompts as one continuous stream, so a sequence of
// WAVs ("your call", "is number", "three") plays without gaps.
type wavReader struct {
	srcs []*WAV
	i    int // current source
	pos  int // sample in it
	loop bool
}

// read fills dst in codec c and reports whether audio remains; the tail of
// the last frame is silence.
func (r *wavReader) read(dst []byte, c Codec) bool {
	for n := 0; n < len(dst); {
		if r.i == len(r.srcs) {
			if !r.loop {
				for ; n < len(dst); n++ {
					dst[n] = c.silence()
				}
				return false
			}
			r.i = 0
		}
		w := r.srcs[r.i]
		k := min(len(dst)-n, w.Samples()-r.pos)
		w.encodeTo(dst[n:n+k], r.pos, c)
		n += k
		r.pos += k
		if r.pos == w.Samples() {
			r.i, r.pos = r.i+1, 0
		}
	}
	return r.loop || r.i < len(r.srcs)
}
