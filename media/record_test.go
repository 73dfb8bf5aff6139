package media

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestRecorderStereoAndCrashSafeHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.wav")
	r, err := NewRecorder(path)
	if err != nil {
		t.Fatal(err)
	}
	left, right := Tone(500, 1000), Tone(1000, 1000)
	var ul, al [160]byte
	for i := 0; i+160 <= len(left); i += 160 {
		Encode(ul[:], left[i:i+160], PCMU)
		Encode(al[:], right[i:i+160], PCMA)
		r.Channel(0).WriteFrame(&Frame{Codec: PCMU, Payload: ul[:], Samples: 160})
		r.Channel(1).WriteFrame(&Frame{Codec: PCMA, Payload: al[:], Samples: 160})
		time.Sleep(20 * time.Millisecond)
	}
	// Before Close, as after a crash: the header must match the data written.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.LittleEndian.Uint32(b[40:]); int(got)+44 > len(b) || got == 0 {
		t.Fatalf("open file: data size %d, file %d bytes", got, len(b))
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	if binary.LittleEndian.Uint16(b[22:]) != 2 || int(binary.LittleEndian.Uint32(b[40:]))+44 != len(b) {
		t.Fatalf("closed file: bad header")
	}
	var l, rr []int16
	for off := 44; off+4 <= len(b); off += 4 {
		l = append(l, int16(binary.LittleEndian.Uint16(b[off:])))
		rr = append(rr, int16(binary.LittleEndian.Uint16(b[off+2:])))
	}
	if len(l) < 7000 {
		t.Fatalf("recorded %d samples, want about 8000", len(l))
	}
	if a, b := ToneRatio(l, 500), ToneRatio(rr, 1000); a < 0.8 || b < 0.8 {
		t.Fatalf("left 500 Hz %.2f, right 1 kHz %.2f", a, b)
	}
	if ToneRatio(l, 1000) > 0.1 || ToneRatio(rr, 500) > 0.1 {
		t.Fatal("channels leak into each other")
	}
}

// A second source on a side is mixed in: the right channel carries the
// agent and a conferenced party together.
func TestRecorderMixesSourcesOfASide(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conf.wav")
	r, err := NewRecorder(path)
	if err != nil {
		t.Fatal(err)
	}
	agent, third := r.Channel(1), r.AddSource(1)
	a, b := Tone(1000, 600), Tone(1700, 600)
	var pa, pb [160]byte
	for i := 0; i+160 <= len(a); i += 160 {
		Encode(pa[:], a[i:i+160], PCMU)
		Encode(pb[:], b[i:i+160], PCMU)
		agent.WriteFrame(&Frame{Codec: PCMU, Payload: pa[:], Samples: 160})
		third.WriteFrame(&Frame{Codec: PCMU, Payload: pb[:], Samples: 160})
		time.Sleep(20 * time.Millisecond)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	b2, _ := os.ReadFile(path)
	var right []int16
	for off := 44; off+4 <= len(b2); off += 4 {
		right = append(right, int16(binary.LittleEndian.Uint16(b2[off+2:])))
	}
	if x, y := ToneRatio(right, 1000), ToneRatio(right, 1700); x < 0.35 || y < 0.35 {
		t.Fatalf("right channel: 1 kHz %.2f, 1.7 kHz %.2f (want both about 0.5)", x, y)
	}
}
