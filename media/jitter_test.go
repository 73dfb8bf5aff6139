package media

import "testing"

// frameOf is a 20 ms frame whose every sample is v, to tell frames apart.
func frameOf(v int16, n int) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// popAll pops n frames and returns the first sample of each (0 for a
// silent frame).
func popAll(j *jitterBuffer, n int) []int16 {
	var out []int16
	var f [samplesPerFrame]int16
	for i := 0; i < n; i++ {
		if j.pop(&f) {
			out = append(out, f[0])
		} else {
			out = append(out, 0)
		}
	}
	return out
}

func eq(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestJitterBuffer(t *testing.T) {
	const base = uint32(4000000000) // near the wrap, on purpose
	at := func(k int) uint32 { return base + uint32(k*samplesPerFrame) }
	cases := []struct {
		name   string
		pushes []int // frame indexes in arrival order; -1 = pop once here
		pops   int
		want   []int16
	}{
		{"in order, after a 40 ms prefill", []int{0, 1, 2, 3}, 4, []int16{1, 2, 3, 4}},
		{"nothing until prefilled", []int{0}, 2, []int16{0, 0}},
		{"reordered packets take their place", []int{0, 2, 1, 3}, 4, []int16{1, 2, 3, 4}},
		{"duplicates are harmless", []int{0, 1, 1, 2, 2, 3}, 4, []int16{1, 2, 3, 4}},
		// frame 2 lost: frame 1 again at half level, then 4
		{"loss concealed by the last frame, fading", []int{0, 1, 3, 4}, 4, []int16{1, 2, 1, 4}},
		// frame 0 played, then frame 0 arrives again late: dropped
		{"late packet dropped", []int{0, 1, -1, 0, 2}, 2, []int16{1, 2, 3}},
		// a burst of 10 frames: the buffer skips to keep 40 ms of delay
		{"burst trimmed to the target delay", []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 2, []int16{9, 10}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var j jitterBuffer
			var got []int16
			for _, k := range c.pushes {
				if k < 0 {
					got = append(got, popAll(&j, 1)...)
					continue
				}
				j.push(at(k), frameOf(int16(k+1)*2, samplesPerFrame))
			}
			got = append(got, popAll(&j, c.pops)...)
			for i := range got {
				got[i] /= 2
			}
			if !eq(got, c.want) {
				t.Errorf("played %v, want %v", got, c.want)
			}
		})
	}
}

func TestJitterBufferUnderrunRefills(t *testing.T) {
	var j jitterBuffer
	for k := 0; k < 3; k++ {
		j.push(uint32(k*samplesPerFrame), frameOf(100, samplesPerFrame))
	}
	got := popAll(&j, 3+jbFade+jbUnderrun+2)
	// three real frames, jbFade concealed ones, then silence.
	want := []int16{100, 100, 100, 50, 25, 12}
	if !eq(got[:6], want) {
		t.Fatalf("played %v, want %v…", got, want)
	}
	for _, v := range got[6:] {
		if v != 0 {
			t.Fatalf("after the stream stopped: %v", got)
		}
	}
	if j.playing {
		t.Fatal("still playing after an underrun")
	}
	// The stream comes back 2 s later (a new talk spurt): one frame is not
	// enough, two are.
	ts := uint32(16000)
	j.push(ts, frameOf(7, samplesPerFrame))
	if f := popAll(&j, 1); f[0] != 0 {
		t.Fatalf("played before prefill: %v", f)
	}
	j.push(ts+160, frameOf(8, samplesPerFrame))
	j.push(ts+320, frameOf(9, samplesPerFrame))
	if f := popAll(&j, 3); !eq(f, []int16{7, 8, 9}) {
		t.Fatalf("after refill: %v", f)
	}
}

func TestJitterBufferOtherPacketSizes(t *testing.T) {
	var j jitterBuffer
	// 10 ms packets, the second half of each frame arriving first.
	for k := 0; k < 8; k++ {
		ts := uint32(k * samplesPerFrame)
		j.push(ts+80, frameOf(int16(k+1), 80))
		j.push(ts, frameOf(int16(k+1), 80))
	}
	var f [samplesPerFrame]int16
	for k := 0; k < 3; k++ {
		if !j.pop(&f) {
			t.Fatalf("frame %d silent", k)
		}
		if f[0] == 0 || f[0] != f[159] {
			t.Fatalf("frame %d not whole: %d…%d", k, f[0], f[159])
		}
	}
	// 30 ms packets fill one and a half frames each.
	var g jitterBuffer
	for k := 0; k < 4; k++ {
		g.push(uint32(k*240), frameOf(5, 240))
	}
	for k := 0; k < 6; k++ {
		if !g.pop(&f) || f[0] != 5 || f[159] != 5 {
			t.Fatalf("30 ms packets: frame %d = %d…%d", k, f[0], f[159])
		}
	}
}
