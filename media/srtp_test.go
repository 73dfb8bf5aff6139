package media

import (
	"bytes"
	"context"
	"testing"
)

func srtpKey(b byte) []byte { return bytes.Repeat([]byte{b}, 30) }

// Two legs speaking SRTP to each other carry a tone intact; on the wire the
// audio is unreadable and carries the auth tag; a packet keyed otherwise is
// dropped, not played.
func TestSRTPBetweenLegs(t *testing.T) {
	p := testPool(t)
	a, b := newLegT(t, p), newLegT(t, p)
	connect(a, b, PCMU, PCMU, -1, -1)
	if err := a.SetSRTP(&SRTPKeys{Suite: "AES_CM_128_HMAC_SHA1_80", LocalKey: srtpKey(1), RemoteKey: srtpKey(2)}); err != nil {
		t.Fatal(err)
	}
	if err := b.SetSRTP(&SRTPKeys{Suite: "AES_CM_128_HMAC_SHA1_80", LocalKey: srtpKey(2), RemoteKey: srtpKey(1)}); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	b.SetSink(rec)
	tone := Tone(1000, 400)
	pb := Play(context.Background(), a, [][]byte{EncodeWAV(tone)}, false)
	<-pb.Done()
	eventually(t, "decrypted frames", func() bool { return len(rec.samples()) >= len(tone) })
	if r := ToneRatio(rec.samples()[:len(tone)], 1000); r < 0.95 {
		t.Fatalf("1 kHz share after SRTP %.3f", r)
	}

	// What a wiretap sees: same length plus the 10-byte tag, not the audio.
	tap := newPhone(t)
	a.SetRemote(tap.addr(), PCMU, -1)
	plain := make([]byte, 160)
	Encode(plain, tone[:160], PCMU)
	if err := a.WriteAudio(plain, 160, false); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a packet on the wire", func() bool { return len(tap.packets()) > 0 })
	wire := tap.packets()[0].payload
	if len(wire) != 170 || bytes.Equal(wire[:160], plain) {
		t.Fatalf("wire payload %d bytes, readable=%v", len(wire), bytes.Equal(wire[:160], plain))
	}

	// A sender with the wrong key is dropped.
	before := b.Stats()
	tap.send(t, b.LocalAddr(), 0, false, 1, 160, plain)
	eventually(t, "the forged packet dropped", func() bool { return b.Stats().RxDropped > before.RxDropped })
	if b.Stats().RxPackets != before.RxPackets {
		t.Fatal("a packet without a valid tag was accepted")
	}

	if a.SRTP() == nil || a.SRTP().Suite != "AES_CM_128_HMAC_SHA1_80" {
		t.Errorf("SRTP() = %+v", a.SRTP())
	}
	if err := a.SetSRTP(&SRTPKeys{Suite: "F8_128_HMAC_SHA1_80", LocalKey: srtpKey(1), RemoteKey: srtpKey(2)}); err == nil {
		t.Error("an unknown suite was accepted")
	}
	if err := a.SetSRTP(&SRTPKeys{Suite: "AES_CM_128_HMAC_SHA1_32", LocalKey: srtpKey(1)[:16], RemoteKey: srtpKey(2)}); err == nil {
		t.Error("a short key was accepted")
	}
	_ = a.SetSRTP(nil)
	if a.SRTP() != nil {
		t.Error("SRTP still on after SetSRTP(nil)")
	}
}
