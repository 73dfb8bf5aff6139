package media

import (
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// toneSender streams a tone from a phone to a leg, 20 ms per packet on the
// wall clock, as a softphone does, until the returned stop is called.
func toneSender(ph *phone, to netip.AddrPort, c Codec, freq float64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		pcm := Tone(freq, 1000)
		pkt := make([]byte, 12+samplesPerFrame)
		pkt[0], pkt[1] = 0x80, c.PT()
		binary.BigEndian.PutUint32(pkt[8:], uint32(freq))
		t := time.NewTicker(frameDuration)
		defer t.Stop()
		for k := 0; ; k++ {
			binary.BigEndian.PutUint16(pkt[2:], uint16(k))
			binary.BigEndian.PutUint32(pkt[4:], uint32(k*samplesPerFrame))
			off := k % 50 * samplesPerFrame // 1 s of tone is a whole number of periods
			Encode(pkt[12:], pcm[off:off+samplesPerFrame], c)
			_, _ = ph.conn.WriteToUDPAddrPort(pkt, to)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (ph *phone) reset() {
	ph.mu.Lock()
	ph.pkts = nil
	ph.mu.Unlock()
}

// share is the part of what was heard at freq (about 1 for a lone tone,
// 0.5 for one of two equal tones, 0 when absent).
func share(s []int16, freq float64) float64 { return ToneRatio(s, freq) }

type mixParty struct {
	ph    *phone
	leg   *Leg
	codec Codec
	freq  float64
	p     *Party
}

func mixSetup(t *testing.T, m *Mixer, specs ...struct {
	c Codec
	f float64
}) []*mixParty {
	t.Helper()
	pool := testPool(t)
	var ps []*mixParty
	for _, s := range specs {
		mp := &mixParty{ph: newPhone(t), leg: newLegT(t, pool), codec: s.c, freq: s.f}
		mp.leg.SetRemote(mp.ph.addr(), s.c, -1)
		p, err := m.Join(mp.leg)
		if err != nil {
			t.Fatal(err)
		}
		mp.p = p
		stop := toneSender(mp.ph, mp.leg.LocalAddr(), s.c, s.f)
		t.Cleanup(stop)
		ps = append(ps, mp)
	}
	return ps
}

// listen clears what every phone received, waits, and returns what each
// heard in the last d (the first 200 ms are dropped: the mix settles).
func listen(ps []*mixParty, d time.Duration) [][]int16 {
	for _, p := range ps {
		p.ph.reset()
	}
	time.Sleep(d)
	out := make([][]int16, len(ps))
	for i, p := range ps {
		a := p.ph.audio(p.codec)
		if len(a) > 1600 {
			a = a[1600:]
		}
		out[i] = a
	}
	return out
}

type spec = struct {
	c Codec
	f float64
}

// Three parties, each sending its own tone (two µ-law, one A-law): each
// hears the other two, never itself.
func TestMixerConferenceEachHearsTheOthers(t *testing.T) {
	m := NewMixer()
	defer m.Close()
	ps := mixSetup(t, m, spec{PCMU, 500}, spec{PCMA, 1100}, spec{PCMU, 1700})
	heard := listen(ps, time.Second)
	for i, p := range ps {
		if len(heard[i]) < 4000 {
			t.Fatalf("party %d received %d samples", i, len(heard[i]))
		}
		for j, q := range ps {
			r := share(heard[i], q.freq)
			if i == j && r > 0.02 {
				t.Errorf("party %d hears itself (%.0f Hz share %.2f)", i, q.freq, r)
			}
			if i != j && (r < 0.35 || r > 0.65) {
				t.Errorf("party %d hears %.0f Hz with share %.2f, want about 0.5", i, q.freq, r)
			}
		}
		_ = p
	}
}

// The supervisor's modes on one mixer: listen (the supervisor hears both,
// nobody hears the supervisor), whisper (the agent hears the supervisor,
// the caller does not), barge (everyone hears everyone).
func TestMixerSupervisorModes(t *testing.T) {
	m := NewMixer()
	defer m.Close()
	ps := mixSetup(t, m, spec{PCMU, 500}, spec{PCMU, 1100}, spec{PCMA, 1700})
	caller, agent, sup := ps[0], ps[1], ps[2]
	present := func(mode string, heard []int16, who string, freq float64, want bool) {
		t.Helper()
		r := share(heard, freq)
		if want && r < 0.3 {
			t.Errorf("%s: %s does not hear %.0f Hz (share %.2f)", mode, who, freq, r)
		}
		if !want && r > 0.02 {
			t.Errorf("%s: %s hears %.0f Hz (share %.2f)", mode, who, freq, r)
		}
	}
	// listen
	m.SetHears(caller.p, sup.p, false)
	m.SetHears(agent.p, sup.p, false)
	h := listen(ps, 800*time.Millisecond)
	present("listen", h[2], "supervisor", 500, true)
	present("listen", h[2], "supervisor", 1100, true)
	present("listen", h[0], "caller", 1700, false)
	present("listen", h[1], "agent", 1700, false)
	present("listen", h[0], "caller", 1100, true)
	present("listen", h[1], "agent", 500, true)
	// whisper
	m.SetHears(agent.p, sup.p, true)
	h = listen(ps, 800*time.Millisecond)
	present("whisper", h[1], "agent", 1700, true)
	present("whisper", h[1], "agent", 500, true)
	present("whisper", h[0], "caller", 1700, false)
	present("whisper", h[0], "caller", 1100, true)
	// barge
	m.SetHears(caller.p, sup.p, true)
	h = listen(ps, 800*time.Millisecond)
	present("barge", h[0], "caller", 1700, true)
	present("barge", h[0], "caller", 1100, true)
	present("barge", h[1], "agent", 1700, true)
	present("barge", h[2], "supervisor", 500, true)
	// The supervisor leaves: the two others still hear each other.
	sup.p.Remove()
	if m.Len() != 2 {
		t.Fatalf("%d parties after one left", m.Len())
	}
	h = listen(ps, 800*time.Millisecond)
	present("after leaving", h[0], "caller", 1100, true)
	present("after leaving", h[1], "agent", 500, true)
	if len(h[2]) > 800 {
		t.Errorf("the supervisor still receives audio after leaving (%d samples)", len(h[2]))
	}
}

// Music on hold takes a party's output for a while and hands it back to
// the mixer; the recorder's taps see each leg's inbound audio throughout.
func TestMixerHoldAndRecordingTaps(t *testing.T) {
	m := NewMixer()
	defer m.Close()
	ps := mixSetup(t, m, spec{PCMU, 500}, spec{PCMU, 1100})
	path := filepath.Join(t.TempDir(), "r.wav")
	rec, err := NewRecorder(path)
	if err != nil {
		t.Fatal(err)
	}
	ps[0].leg.SetTap(rec.Channel(0))
	ps[1].leg.SetTap(rec.Channel(1))
	music := EncodeWAV(Tone(2000, 1000))
	pb := Play(t.Context(), ps[0].leg, [][]byte{music}, true)
	h := listen(ps, 600*time.Millisecond)
	if r := share(h[0], 2000); r < 0.8 {
		t.Errorf("held party hears music with share %.2f", r)
	}
	pb.Stop()
	<-pb.Done()
	h = listen(ps, 600*time.Millisecond)
	if r := share(h[0], 1100); r < 0.8 {
		t.Errorf("after the music the party hears the other with share %.2f", r)
	}
	ps[0].leg.SetTap(nil)
	ps[1].leg.SetTap(nil)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var l, r []int16
	for off := 44; off+4 <= len(b); off += 4 {
		l = append(l, int16(binary.LittleEndian.Uint16(b[off:])))
		r = append(r, int16(binary.LittleEndian.Uint16(b[off+2:])))
	}
	if share(l, 500) < 0.8 || share(r, 1100) < 0.8 {
		t.Errorf("recording: left 500 Hz share %.2f, right 1100 Hz share %.2f", share(l, 500), share(r, 1100))
	}
}

func TestMixerFullAndClosedLeg(t *testing.T) {
	m := NewMixer()
	defer m.Close()
	pool := testPool(t)
	var legs []*Leg
	for i := 0; i < MaxParties; i++ {
		l := newLegT(t, pool)
		legs = append(legs, l)
		if _, err := m.Join(l); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Join(newLegT(t, pool)); err != ErrMixerFull {
		t.Fatalf("join past the limit: %v", err)
	}
	legs[3].Close() // a leg closed under the mixer leaves it
	if m.Len() != MaxParties-1 {
		t.Fatalf("%d parties after a leg closed", m.Len())
	}
}

// benchMixer drives mixFrame directly (no pacing goroutine): n parties,
// each receiving one packet per frame and sending the mix out of its leg
// to a real UDP socket.
func benchMixer(b *testing.B, n int) {
	pool, err := NewPortPool("127.0.0.1", 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	m := newMixer()
	var parties []*Party
	for i := 0; i < n; i++ {
		l, err := pool.Allocate()
		if err != nil {
			b.Fatal(err)
		}
		l.SetRemote(sink.LocalAddr().(*net.UDPAddr).AddrPort(), Codec(i%2), -1)
		p, _ := m.Join(l)
		parties = append(parties, p)
	}
	payload := make([]byte, samplesPerFrame)
	Encode(payload, Tone(1000, 20), PCMU)
	f := Frame{Codec: PCMU, Payload: payload, Samples: samplesPerFrame}
	b.ReportAllocs()
	ts := uint32(0)
	for b.Loop() {
		for _, p := range parties {
			f.Timestamp = ts
			p.WriteFrame(&f)
		}
		ts += samplesPerFrame
		m.mixFrame()
	}
}

// Per 20 ms frame of a whole conference: decode into the jitter buffers,
// mix, encode and send to every party.
func BenchmarkMixerFrame3(b *testing.B)  { benchMixer(b, 3) }
func BenchmarkMixerFrame5(b *testing.B)  { benchMixer(b, 5) }
func BenchmarkMixerFrame10(b *testing.B) { benchMixer(b, 10) }

// BenchmarkRecorderFrame is the recording cost per call and 20 ms: both
// sides' frames decoded into the recorder, one stereo frame written.
func BenchmarkRecorderFrame(b *testing.B) {
	rec, err := NewRecorder(filepath.Join(b.TempDir(), "r.wav"))
	if err != nil {
		b.Fatal(err)
	}
	defer rec.Close()
	payload := make([]byte, samplesPerFrame)
	Encode(payload, Tone(1000, 20), PCMU)
	f := Frame{Codec: PCMU, Payload: payload, Samples: samplesPerFrame}
	l, r := rec.Channel(0), rec.Channel(1)
	b.ReportAllocs()
	for b.Loop() {
		l.WriteFrame(&f)
		r.WriteFrame(&f)
		rec.tick(false)
	}
}

// Mixing allocates nothing per frame once running: hold it in the suite.
func TestMixerDoesNotAllocate(t *testing.T) {
	pool := testPool(t)
	sink := newPhone(t)
	m := newMixer()
	var parties []*Party
	for i := 0; i < 4; i++ {
		l := newLegT(t, pool)
		l.SetRemote(sink.addr(), Codec(i%2), -1)
		p, _ := m.Join(l)
		parties = append(parties, p)
	}
	payload := make([]byte, samplesPerFrame)
	f := Frame{Codec: PCMA, Payload: payload, Samples: samplesPerFrame}
	ts := uint32(0)
	step := func() {
		for _, p := range parties {
			f.Timestamp = ts
			p.WriteFrame(&f)
		}
		ts += samplesPerFrame
		m.mixFrame()
	}
	for i := 0; i < 10; i++ {
		step()
	}
	if a := testing.AllocsPerRun(200, step); a != 0 {
		t.Errorf("%.1f allocations per mixed frame", a)
	}
}
