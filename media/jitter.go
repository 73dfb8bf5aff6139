package media

// jitterBuffer turns one inbound RTP stream into a steady 20 ms frame
// sequence for a mixer. Packets are placed on a sample timeline by their
// RTP timestamp, so reordered packets fall into their slot, duplicates
// overwrite themselves and any packet size (10, 20, 30 ms) works. Playout
// starts once jbDepth frames are buffered (a fixed, small delay: a call
// centre conversation cannot afford an adaptive buffer's growth), runs at
// the mixer's clock, and a missing frame is concealed by repeating the
// last one, fading, then silence. A sender whose clock runs fast is pulled
// back to the target depth; one that stops (silence suppression, hold)
// underruns and the buffer fills again before playing.
//
// Not safe for concurrent use; the Party guards it. Fixed arrays: no
// allocation after construction.
type jitterBuffer struct {
	pcm     [jbSize]int16
	valid   [jbSize]bool
	started bool   // readTS is anchored to the stream
	playing bool   // prefilled; pop consumes
	readTS  uint32 // timestamp of the next sample to play
	endTS   uint32 // one past the newest sample written
	misses  int    // consecutive frames with nothing
	last    [samplesPerFrame]int16
	fade    int // concealed frames since the last real one

	// counters for tests and metrics
	late, concealed, resyncs uint64
}

const (
	jbSize     = 2048                // samples of timeline kept (256 ms)
	jbDepth    = 2 * samplesPerFrame // playout delay: 40 ms
	jbMax      = 6 * samplesPerFrame // more buffered than this: skip ahead to jbDepth
	jbUnderrun = 5                   // empty frames in a row before refilling
	jbFade     = 3                   // frames of concealment before silence
)

// push adds one packet's decoded samples at RTP timestamp ts.
func (j *jitterBuffer) push(ts uint32, s []int16) {
	if len(s) == 0 {
		return
	}
	if len(s) > jbSize/2 {
		s = s[:jbSize/2]
	}
	if !j.started {
		j.resync(ts)
	}
	rel := int32(ts - j.readTS)
	end := rel + int32(len(s))
	if end <= 0 {
		if rel < -jbSize {
			// Far in the past: the sender restarted its timeline.
			j.resync(ts)
			rel, end = 0, int32(len(s))
		} else {
			j.late++
			return
		}
	}
	if end > jbSize {
		// Beyond the window: a jump after silence, or a new stream. Start
		// again around this packet rather than wrapping over live audio.
		j.resync(ts)
		rel, end = 0, int32(len(s))
	}
	for i := max(rel, 0); i < end; i++ {
		k := (j.readTS + uint32(i)) % jbSize
		j.pcm[k] = s[i-rel]
		j.valid[k] = true
	}
	if e := j.readTS + uint32(end); int32(e-j.endTS) > 0 {
		j.endTS = e
	}
}

func (j *jitterBuffer) resync(ts uint32) {
	clear(j.valid[:])
	j.started, j.playing = true, false
	j.readTS, j.endTS = ts, ts
	j.misses = 0
	j.resyncs++
}

// buffered is how many samples are ahead of the playout point.
func (j *jitterBuffer) buffered() int32 { return int32(j.endTS - j.readTS) }

// pop fills dst (one frame) with the next 20 ms; it reports false for
// silence (nothing buffered yet, or concealment exhausted), so a mixer can
// skip the party's contribution.
func (j *jitterBuffer) pop(dst *[samplesPerFrame]int16) bool {
	if !j.started {
		return false
	}
	if !j.playing {
		if j.buffered() < jbDepth {
			return false
		}
		j.playing = true
	}
	if b := j.buffered(); b > jbMax {
		// The sender runs ahead of our clock (or a burst arrived): drop the
		// oldest audio to keep the delay small.
		skip := uint32(b - jbDepth)
		for i := uint32(0); i < skip; i++ {
			j.valid[(j.readTS+i)%jbSize] = false
		}
		j.readTS += skip
	}
	n := 0
	for i := range dst {
		k := (j.readTS + uint32(i)) % jbSize
		if j.valid[k] {
			dst[i] = j.pcm[k]
			j.valid[k] = false
			n++
		} else {
			dst[i] = 0
		}
	}
	j.readTS += samplesPerFrame
	if n > 0 {
		j.misses, j.fade = 0, 0
		j.last = *dst
		return true
	}
	j.misses++
	if j.buffered() <= 0 && j.misses >= jbUnderrun {
		// The stream stopped: wait for jbDepth again before playing.
		j.playing = false
		j.endTS = j.readTS
		return false
	}
	if j.fade >= jbFade {
		return false
	}
	// Conceal a lost packet with the last frame, halved each time: far
	// less audible than a hole, and it dies away if the loss goes on.
	j.fade++
	j.concealed++
	for i := range j.last {
		j.last[i] /= 2
	}
	*dst = j.last
	return true
}
