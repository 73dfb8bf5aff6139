package media

import (
	"errors"
	"math/bits"
	"sync"
	"time"
)

// MaxParties is how many legs one mixer takes.
const MaxParties = 16

// ErrMixerFull: the mixer already has MaxParties parties.
var ErrMixerFull = errors.New("media: mixer full")

// Mixer joins any number of legs (up to MaxParties): every 20 ms it takes
// one frame from each party's jitter buffer and sends each party the sum of
// the parties it hears, never itself. What each party hears is a mask, so
// one engine serves a conference (all hear all), a supervisor listening
// (the supervisor hears everyone, nobody hears the supervisor), whispering
// (only the agent hears the supervisor) and barging (all hear all). Each
// party gets its own law; recording taps on the legs keep working since
// the mixer only takes a leg's sink and output.
//
// The mixer runs one goroutine of its own, paced on the wall clock; the
// call actor controls it through Join, SetHears, Remove and Close.
type Mixer struct {
	mu      sync.Mutex // guards parties and their hears masks
	parties [MaxParties]*Party

	stop, done chan struct{}
	once       sync.Once

	// Owned by the mixing goroutine (or a benchmark driving mixFrame).
	active [MaxParties]*Party
	hears  [MaxParties]uint32
	in     [MaxParties][samplesPerFrame]int16
	acc    [samplesPerFrame]int32
	out    [samplesPerFrame]int16
}

// Party is one leg in a mixer.
type Party struct {
	m    *Mixer
	slot int
	leg  *Leg
	ref  *sinkRef

	mu  sync.Mutex // guards jb; taken by the leg's reader and the mixer
	jb  jitterBuffer
	dec [maxPacket]int16 // the reader's decode scratch

	hears uint32 // slots this party hears; guarded by m.mu
	sent  bool   // owned by the mixing goroutine: first frame marks a talk spurt
}

// NewMixer starts an empty mixer; Close stops it.
func NewMixer() *Mixer {
	m := newMixer()
	go m.run()
	return m
}

func newMixer() *Mixer {
	return &Mixer{stop: make(chan struct{}), done: make(chan struct{})}
}

// Join adds a leg that hears, and is heard by, every party already there.
// It takes the leg's inbound audio and its output; a playback in progress
// (music on hold) keeps the output until it stops. A leg in a bridge must
// leave it first. Digits still reach the leg's
// OnDTMF; RFC 4733 events are not mixed.
func (m *Mixer) Join(l *Leg) (*Party, error) {
	m.mu.Lock()
	slot := -1
	var all uint32
	for i, p := range m.parties {
		if p == nil {
			if slot < 0 {
				slot = i
			}
			continue
		}
		all |= 1 << i
	}
	if slot < 0 {
		m.mu.Unlock()
		return nil, ErrMixerFull
	}
	p := &Party{m: m, slot: slot, leg: l, hears: all}
	p.ref = &sinkRef{p}
	for _, q := range m.parties {
		if q != nil {
			q.hears |= 1 << slot
		}
	}
	m.parties[slot] = p
	m.mu.Unlock()

	l.mu.Lock()
	l.relay = p
	if l.playback == nil {
		l.owner = p
	}
	l.mu.Unlock()
	l.sink.Store(p.ref)
	return p, nil
}

// SetHears decides whether listener hears speaker.
func (m *Mixer) SetHears(listener, speaker *Party, on bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.parties[listener.slot] != listener || m.parties[speaker.slot] != speaker {
		return
	}
	if on {
		listener.hears |= 1 << speaker.slot
	} else {
		listener.hears &^= 1 << speaker.slot
	}
}

// Hears reports whether listener hears speaker.
func (m *Mixer) Hears(listener, speaker *Party) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return listener.hears&(1<<speaker.slot) != 0
}

// Len is the number of parties.
func (m *Mixer) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, p := range m.parties {
		if p != nil {
			n++
		}
	}
	return n
}

// Leg is the party's leg.
func (p *Party) Leg() *Leg { return p.leg }

// Remove takes the party out of the mixer; its leg stays open and sends
// nothing until a playback or a bridge takes it. Safe to call twice.
func (p *Party) Remove() {
	m := p.m
	m.mu.Lock()
	if m.parties[p.slot] == p {
		m.parties[p.slot] = nil
		for _, q := range m.parties {
			if q != nil {
				q.hears &^= 1 << p.slot
			}
		}
	}
	m.mu.Unlock()
	p.leave(p.leg)
}

// leave releases the leg's sink and output (the leg is closing, or the
// party was removed).
func (p *Party) leave(l *Leg) {
	l.sink.CompareAndSwap(p.ref, nil)
	l.mu.Lock()
	if l.relay == relayOwner(p) {
		l.relay = nil
	}
	if l.owner == p {
		l.owner = nil
	}
	l.mu.Unlock()
	if l.isClosed() {
		// Closed under us: drop the slot too.
		m := p.m
		m.mu.Lock()
		if m.parties[p.slot] == p {
			m.parties[p.slot] = nil
			for _, q := range m.parties {
				if q != nil {
					q.hears &^= 1 << p.slot
				}
			}
		}
		m.mu.Unlock()
	}
}

// WriteFrame receives the leg's inbound audio on its reader goroutine:
// decoded here, once, into the party's jitter buffer.
func (p *Party) WriteFrame(f *Frame) {
	if f.Event || len(f.Payload) == 0 {
		return
	}
	n := min(len(f.Payload), len(p.dec))
	Decode(p.dec[:n], f.Payload[:n], f.Codec)
	p.mu.Lock()
	p.jb.push(f.Timestamp, p.dec[:n])
	p.mu.Unlock()
}

// Close removes every party and stops the mixer; safe to call twice.
func (m *Mixer) Close() {
	m.once.Do(func() {
		close(m.stop)
		<-m.done
		m.mu.Lock()
		ps := m.parties
		m.mu.Unlock()
		for _, p := range ps {
			if p != nil {
				p.Remove()
			}
		}
	})
}

func (m *Mixer) run() {
	defer close(m.done)
	t := time.NewTicker(frameDuration)
	defer t.Stop()
	start := time.Now()
	sent := 0
	for {
		select {
		case <-m.stop:
			return
		case now := <-t.C:
			due := int(now.Sub(start) / frameDuration)
			if due-sent > maxBurst {
				sent = due - maxBurst
			}
			for ; sent < due; sent++ {
				m.mixFrame()
			}
		}
	}
}

// mixFrame produces one 20 ms frame for every party. It allocates nothing.
func (m *Mixer) mixFrame() {
	m.mu.Lock()
	for i, p := range m.parties {
		m.active[i] = p
		if p != nil {
			m.hears[i] = p.hears
		}
	}
	m.mu.Unlock()
	var has uint32
	for i, p := range m.active {
		if p == nil {
			continue
		}
		p.mu.Lock()
		ok := p.jb.pop(&m.in[i])
		p.mu.Unlock()
		if ok {
			has |= 1 << i
		}
	}
	for i, p := range m.active {
		if p == nil {
			continue
		}
		m.mixFor(m.hears[i] & has &^ (1 << i))
		p.leg.writeLinearAs(p, m.out[:], !p.sent)
		p.sent = true
	}
	clear(m.active[:])
}

// mixFor sums the frames of the parties in srcs into m.out, saturating.
func (m *Mixer) mixFor(srcs uint32) {
	switch bits.OnesCount32(srcs) {
	case 0:
		clear(m.out[:])
		return
	case 1:
		m.out = m.in[bits.TrailingZeros32(srcs)]
		return
	}
	clear(m.acc[:])
	for s := srcs; s != 0; s &= s - 1 {
		in := &m.in[bits.TrailingZeros32(s)]
		for k, v := range in {
			m.acc[k] += int32(v)
		}
	}
	for k, v := range m.acc {
		m.out[k] = int16(max(-32768, min(32767, v)))
	}
}

// writeLinearAs encodes linear audio in the leg's codec and sends it, only
// while owner owns the leg's output (a playback such as music on hold may
// have taken it for a while).
func (l *Leg) writeLinearAs(owner any, pcm []int16, marker bool) {
	l.mu.Lock()
	if l.owner != owner {
		l.mu.Unlock()
		return
	}
	n := min(len(pcm), len(l.scratch))
	Encode(l.scratch[:n], pcm[:n], l.codec)
	_ = l.sendAudioUnlock(l.scratch[:n], uint32(n), marker) // releases mu before the socket write
}
