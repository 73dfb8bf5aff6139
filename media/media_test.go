package media

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"
)

func newPool(t *testing.T) *PortPool {
	t.Helper()
	p, err := NewPortPool("127.0.0.1", 31000, 31199)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func leg(t *testing.T, p *PortPool) *Leg {
	t.Helper()
	l, err := p.NewLeg()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

func addr(l *Leg) netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(l.LocalPort()))
}

// sinkLeg collects the linear audio a leg receives.
type collector struct {
	mu  sync.Mutex
	pcm []int16
	pts map[uint8]int
	ssrc map[uint32]bool
	seqs []uint16
}

// listen reads raw RTP on a plain socket, as a phone would.
func listen(t *testing.T, codec Codec) (*net.UDPConn, *collector) {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	col := &collector{pts: map[uint8]int{}, ssrc: map[uint32]bool{}}
	go func() {
		buf := make([]byte, 1500)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			col.mu.Lock()
			pt := buf[1] & 0x7f
			col.pts[pt]++
			col.ssrc[binary.BigEndian.Uint32(buf[8:])] = true
			col.seqs = append(col.seqs, binary.BigEndian.Uint16(buf[2:]))
			if pt == codec.PT() {
				s := make([]int16, n-12)
				Decode(s, buf[12:n], codec)
				col.pcm = append(col.pcm, s...)
			}
			col.mu.Unlock()
		}
	}()
	return c, col
}

func (c *collector) samples() []int16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int16(nil), c.pcm...)
}

func wav16(s []int16) []byte {
	b := make([]byte, 44+2*len(s))
	copy(b, "RIFF")
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], 8000)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*len(s)))
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(v))
	}
	return b
}

func TestPlayToneIsHeard(t *testing.T) {
	p := newPool(t)
	l := leg(t, p)
	phone, col := listen(t, PCMA)
	l.SetRemote(phone.LocalAddr().(*net.UDPAddr).AddrPort(), PCMA, -1)
	pb := Play(context.Background(), l, [][]byte{wav16(Tone(1000, 400))}, false)
	select {
	case <-pb.Done():
	case <-time.After(3 * time.Second):
		t.Fatal("playback did not finish")
	}
	time.Sleep(50 * time.Millisecond)
	got := col.samples()
	if len(got) < 3000 {
		t.Fatalf("received %d samples, want 3200", len(got))
	}
	if r := ToneRatio(got, 1000); r < 0.9 {
		t.Fatalf("1 kHz ratio %.2f", r)
	}
}

// caller phone (PCMU) -> leg a, bridged to leg b -> agent phone (PCMA):
// the tone arrives transcoded, with b's own SSRC continuing after a prompt.
func TestBridgeTranscodesAndKeepsStream(t *testing.T) {
	p := newPool(t)
	a, b := leg(t, p), leg(t, p)
	caller, _ := listen(t, PCMU)
	agent, col := listen(t, PCMA)
	a.SetRemote(caller.LocalAddr().(*net.UDPAddr).AddrPort(), PCMU, 101)
	b.SetRemote(agent.LocalAddr().(*net.UDPAddr).AddrPort(), PCMA, 101)

	pb := Play(context.Background(), b, [][]byte{wav16(Tone(440, 200))}, false)
	<-pb.Done()
	Bridge(a, b)
	tone := Tone(1000, 600)
	var pkt [12 + 160]byte
	for i := 0; i+160 <= len(tone); i += 160 {
		pkt[0], pkt[1] = 0x80, 0
		binary.BigEndian.PutUint16(pkt[2:], uint16(i/160))
		binary.BigEndian.PutUint32(pkt[4:], uint32(i))
		encode(pkt[12:], tone[i:i+160], PCMU)
		if _, err := caller.WriteToUDPAddrPort(pkt[:], addr(a)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	got := col.samples()
	if len(got) < 1600+4000 {
		t.Fatalf("agent received %d samples", len(got))
	}
	if r := ToneRatio(got[len(got)-4000:], 1000); r < 0.85 {
		t.Fatalf("bridged 1 kHz ratio %.2f", r)
	}
	col.mu.Lock()
	defer col.mu.Unlock()
	if len(col.ssrc) != 1 {
		t.Fatalf("agent saw %d SSRCs, want one stream across prompt and bridge", len(col.ssrc))
	}
	for i := 1; i < len(col.seqs); i++ {
		if col.seqs[i] != col.seqs[i-1]+1 {
			t.Fatalf("sequence jumps from %d to %d", col.seqs[i-1], col.seqs[i])
		}
	}
}

func TestRFC4733DigitsOnce(t *testing.T) {
	p := newPool(t)
	l := leg(t, p)
	phone, _ := listen(t, PCMU)
	l.SetRemote(phone.LocalAddr().(*net.UDPAddr).AddrPort(), PCMU, 101)
	var mu sync.Mutex
	var got []rune
	l.OnDTMF(func(d rune) { mu.Lock(); got = append(got, d); mu.Unlock() })
	seq := uint16(1)
	send := func(ts uint32, ev byte, end bool, dur uint16) {
		var b [16]byte
		b[0], b[1] = 0x80, 101
		binary.BigEndian.PutUint16(b[2:], seq)
		seq++
		binary.BigEndian.PutUint32(b[4:], ts)
		b[12] = ev
		b[13] = 10
		if end {
			b[13] |= 0x80
		}
		binary.BigEndian.PutUint16(b[14:], dur)
		_, _ = phone.WriteToUDPAddrPort(b[:], addr(l))
	}
	for i, ev := range []byte{1, 1, 11} { // "1", "1" again (new event), "#"
		ts := uint32(8000 * (i + 1))
		for d := uint16(160); d <= 800; d += 160 {
			send(ts, ev, false, d)
		}
		for k := 0; k < 3; k++ {
			send(ts, ev, true, 800)
		}
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if string(got) != "11#" {
		t.Fatalf("digits %q, want 11#", string(got))
	}
}

func TestInbandDTMFDetector(t *testing.T) {
	mk := func(d rune, ms int) []int16 {
		for li, row := range keypad {
			for hi, k := range row {
				if k == d {
					a, b := Tone(lowFreqs[li], ms), Tone(highFreqs[hi], ms)
					for i := range a {
						a[i] = a[i]/2 + b[i]/2
					}
					return a
				}
			}
		}
		return nil
	}
	var sig []int16
	for _, c := range []struct {
		d  rune
		ms int
	}{{'1', 60}, {'5', 500}, {'#', 60}, {'0', 80}} {
		sig = append(sig, mk(c.d, c.ms)...)
		sig = append(sig, make([]int16, 8*60)...)
	}
	// noise at about -30 dB relative to the tones
	x := uint32(1)
	for i := range sig {
		x = x*1664525 + 1013904223
		sig[i] += int16(int32(x>>16)%500 - 250)
	}
	got := string(NewDTMFDetector().Feed(sig))
	if got != "15#0" {
		t.Fatalf("detected %q, want 15#0", got)
	}
	if d := NewDTMFDetector().Feed(Tone(1000, 500)); len(d) != 0 {
		t.Fatalf("a 1 kHz tone detected as %q", string(d))
	}
}

func TestReadWAVRejects(t *testing.T) {
	if _, err := ReadWAV([]byte("nope")); err == nil {
		t.Fatal("garbage accepted")
	}
	w := wav16(Tone(500, 20))
	binary.LittleEndian.PutUint32(w[24:], 16000)
	if _, err := ReadWAV(w); err == nil {
		t.Fatal("16 kHz accepted")
	}
}

func BenchmarkRelayPerPacket(b *testing.B) {
	p, _ := NewPortPool("127.0.0.1", 31200, 31299)
	a, _ := p.NewLeg()
	c, _ := p.NewLeg()
	defer a.Close()
	defer c.Close()
	sink, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer sink.Close()
	c.SetRemote(sink.LocalAddr().(*net.UDPAddr).AddrPort(), PCMU, 101)
	payload := make([]byte, 160)
	b.ReportAllocs()
	for b.Loop() {
		c.relayAudio(PCMU, payload, false)
	}
}

func BenchmarkRelayTranscodePerPacket(b *testing.B) {
	p, _ := NewPortPool("127.0.0.1", 31300, 31399)
	c, _ := p.NewLeg()
	defer c.Close()
	sink, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer sink.Close()
	c.SetRemote(sink.LocalAddr().(*net.UDPAddr).AddrPort(), PCMA, 101)
	payload := make([]byte, 160)
	b.ReportAllocs()
	for b.Loop() {
		c.relayAudio(PCMU, payload, false)
	}
}

func BenchmarkInbandDTMFPerFrame(b *testing.B) {
	d := NewDTMFDetector()
	frame := Tone(697, 20)
	b.ReportAllocs()
	for b.Loop() {
		d.Feed(frame)
	}
}
