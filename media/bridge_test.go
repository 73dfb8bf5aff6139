package media

import (
	"context"
	"sync"
	"testing"
)

// caller (PCMU) ↔ switch leg s1 =bridge= switch leg s2 ↔ agent (PCMA): a
// tone from each end reaches the other, transcoded, at its frequency.
func TestBridgeTranscodesBothWays(t *testing.T) {
	p := testPool(t)
	caller, s1, s2, agent := newLegT(t, p), newLegT(t, p), newLegT(t, p), newLegT(t, p)
	connect(caller, s1, PCMU, PCMU, 101, 101)
	connect(s2, agent, PCMA, PCMA, 96, 96)
	atCaller, atAgent := &recorder{}, &recorder{}
	caller.SetSink(atCaller)
	agent.SetSink(atAgent)
	h := Bridge(s1, s2)

	up := Play(context.Background(), caller, [][]byte{EncodeWAV(Tone(1000, 400))}, false)
	down := Play(context.Background(), agent, [][]byte{EncodeWAV(Tone(600, 400))}, false)
	<-up.Done()
	<-down.Done()
	eventually(t, "audio both ways", func() bool {
		return len(atAgent.samples()) >= 3200 && len(atCaller.samples()) >= 3200
	})
	for _, c := range []struct {
		name string
		got  []int16
		want float64
	}{{"agent hears caller", atAgent.samples(), 1000}, {"caller hears agent", atCaller.samples(), 600}} {
		if f := DominantFreq(c.got); !near(f, c.want, 15) {
			t.Errorf("%s: %v Hz, want %v", c.name, f, c.want)
		}
		if r := ToneRatio(c.got, c.want); r < 0.9 {
			t.Errorf("%s: share %.3f", c.name, r)
		}
	}

	// Unbridged legs send nothing.
	h.Unbridge()
	h.Unbridge()
	before := s2.Stats().TxPackets
	<-Play(context.Background(), caller, [][]byte{EncodeWAV(Tone(1000, 100))}, false).Done()
	eventually(t, "s1 received", func() bool { return s1.Stats().RxPackets >= 25 })
	if s2.Stats().TxPackets != before {
		t.Fatal("audio relayed after Unbridge")
	}
}

// The agent's phone sees one RTP stream across prompt → bridge: one SSRC,
// consecutive sequence numbers, rising timestamps.
func TestStreamContinuityPromptToBridge(t *testing.T) {
	p := testPool(t)
	caller, s1, s2 := newLegT(t, p), newLegT(t, p), newLegT(t, p)
	agent := newPhone(t)
	connect(caller, s1, PCMU, PCMU, -1, -1)
	s2.SetRemote(agent.addr(), PCMA, -1)

	prompt := Play(context.Background(), s2, [][]byte{EncodeWAV(Tone(440, 200))}, true)
	eventually(t, "prompt", func() bool { return len(agent.packets()) >= 5 })
	Bridge(s1, s2) // stops the prompt
	<-prompt.Done()
	<-Play(context.Background(), caller, [][]byte{EncodeWAV(Tone(1000, 300))}, false).Done()
	eventually(t, "bridged audio", func() bool { return s2.Stats().TxPackets >= s1.Stats().RxPackets && s1.Stats().RxPackets == 15 })
	eventually(t, "agent received", func() bool { return uint64(len(agent.packets())) == s2.Stats().TxPackets })

	pkts := agent.packets()
	for i := 1; i < len(pkts); i++ {
		if pkts[i].ssrc != pkts[0].ssrc {
			t.Fatalf("SSRC changed at packet %d", i)
		}
		if pkts[i].seq != pkts[i-1].seq+1 {
			t.Fatalf("sequence %d → %d at packet %d", pkts[i-1].seq, pkts[i].seq, i)
		}
		if d := int32(pkts[i].ts - pkts[i-1].ts); d <= 0 {
			t.Fatalf("timestamp went back by %d at packet %d", -d, i)
		}
	}
	if f := DominantFreq(agent.audio(PCMA)[len(agent.audio(PCMA))-2400:]); !near(f, 1000, 15) {
		t.Fatalf("bridged audio at %v Hz", f)
	}
}

// RFC 4733 events cross the bridge with the agent's payload type and one
// timestamp per event; both ends report each digit once.
func TestBridgeRelaysEvents(t *testing.T) {
	p := testPool(t)
	s1, s2 := newLegT(t, p), newLegT(t, p)
	caller, agent := newPhone(t), newPhone(t)
	s1.SetRemote(caller.addr(), PCMU, 101)
	s2.SetRemote(agent.addr(), PCMA, 96)
	var mu sync.Mutex
	var digits []rune
	s1.OnDTMF(func(d rune) { mu.Lock(); digits = append(digits, d); mu.Unlock() })
	Bridge(s1, s2)

	seq := uint16(100)
	sent := 0
	for i, d := range "5#" {
		ts := uint32(16000 * (i + 1))
		for k, dur := range []uint16{160, 320, 480, 640, 640, 640} {
			var pl [4]byte
			EncodeEvent(pl[:], d, k >= 3, dur)
			caller.send(t, s1.LocalAddr(), 101, k == 0, seq, ts, pl[:])
			seq++
			sent++
		}
	}
	eventually(t, "events relayed", func() bool { return len(agent.packets()) == sent })
	pkts := agent.packets()
	tsOf := map[rune]uint32{}
	for _, p := range pkts {
		d, _, _, ok := DecodeEvent(p.payload)
		if p.pt != 96 || !ok {
			t.Fatalf("relayed packet pt %d payload %x", p.pt, p.payload)
		}
		if ts, seen := tsOf[d]; seen && ts != p.ts {
			t.Fatalf("event %c changed timestamp", d)
		}
		tsOf[d] = p.ts
	}
	if tsOf['5'] == tsOf['#'] {
		t.Fatal("two events share a timestamp")
	}
	mu.Lock()
	defer mu.Unlock()
	if string(digits) != "5#" {
		t.Fatalf("digits %q", string(digits))
	}
}
