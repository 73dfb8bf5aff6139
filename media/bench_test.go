package media

import (
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
)

// benchRelay drives one inbound packet through leg a's receive path, the
// bridge and out of leg b's socket, as the reader goroutine does.
func benchRelay(b *testing.B, from, to Codec) {
	p, err := NewPortPool("127.0.0.1", 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	a, _ := p.Allocate()
	c, _ := p.Allocate()
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	src := netip.MustParseAddrPort("127.0.0.1:40000")
	a.SetRemote(src, from, 101)
	c.SetRemote(sink.LocalAddr().(*net.UDPAddr).AddrPort(), to, 101)
	Bridge(a, c)
	pkt := make([]byte, 12+160)
	pkt[0], pkt[1] = 0x80, from.PT()
	binary.BigEndian.PutUint32(pkt[8:], 0xfeed)
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	seq := uint16(0)
	for b.Loop() {
		seq++
		binary.BigEndian.PutUint16(pkt[2:], seq)
		binary.BigEndian.PutUint32(pkt[4:], uint32(seq)*160)
		a.receive(pkt, src)
	}
	if c.Stats().TxPackets == 0 {
		b.Fatal("nothing relayed")
	}
}

func BenchmarkRelayPerPacket(b *testing.B)          { benchRelay(b, PCMU, PCMU) }
func BenchmarkRelayTranscodePerPacket(b *testing.B) { benchRelay(b, PCMU, PCMA) }

func BenchmarkTranscodeFrame(b *testing.B) {
	src, dst := make([]byte, 160), make([]byte, 160)
	Encode(src, Tone(1000, 20), PCMU)
	b.ReportAllocs()
	b.SetBytes(160)
	for b.Loop() {
		Transcode(dst, src, PCMU, PCMA)
	}
}

func BenchmarkInbandDTMFPerFrame(b *testing.B) {
	d := NewDTMFDetector()
	frame := DTMFTone('5', 20)
	b.ReportAllocs()
	for b.Loop() {
		d.Feed(frame)
	}
}

func BenchmarkPlaybackFrame(b *testing.B) {
	w, _ := ParseWAV(EncodeWAV(Tone(1000, 1000)))
	r := wavReader{srcs: []*WAV{w}, loop: true}
	var dst [160]byte
	b.ReportAllocs()
	for b.Loop() {
		r.read(dst[:], PCMA)
	}
}

// Zero allocations on the relay path is a requirement, not a benchmark
// curiosity: hold it in the test suite.
func TestRelayDoesNotAllocate(t *testing.T) {
	for _, to := range []Codec{PCMU, PCMA} {
		res := testing.Benchmark(func(b *testing.B) { benchRelay(b, PCMU, to) })
		if a := res.AllocsPerOp(); a != 0 {
			t.Errorf("relay PCMU→%s: %d allocs per packet", to, a)
		}
	}
}
