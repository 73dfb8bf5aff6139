package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestParseWAV(t *testing.T) {
	pcm := EncodeWAV(Tone(1000, 20))
	withList := append(append([]byte(nil), pcm[:12]...), []byte("LIST\x05\x00\x00\x00INFOx\x00")...) // odd-sized chunk, padded
	withList = append(withList, pcm[12:]...)
	unpatched := append([]byte(nil), pcm...)
	binary.LittleEndian.PutUint32(unpatched[40:], 0) // a crashed recorder
	truncated := pcm[:44+100]
	extensible := func() []byte {
		h := WAVHeader(0)
		fmtChunk := make([]byte, 40)
		copy(fmtChunk, h[20:36])
		binary.LittleEndian.PutUint16(fmtChunk, wavExtensible)
		binary.LittleEndian.PutUint16(fmtChunk[24:], uint16(WAVULaw))
		binary.LittleEndian.PutUint16(fmtChunk[14:], 8)
		b := append([]byte("RIFF\x00\x00\x00\x00WAVEfmt \x28\x00\x00\x00"), fmtChunk...)
		b = append(b, "data\x04\x00\x00\x00"...)
		return append(b, 1, 2, 3, 4)
	}()
	stereo := append([]byte(nil), pcm...)
	binary.LittleEndian.PutUint16(stereo[22:], 2)
	wide := append([]byte(nil), pcm...)
	binary.LittleEndian.PutUint32(wide[24:], 16000)
	pcm8 := append([]byte(nil), pcm...)
	binary.LittleEndian.PutUint16(pcm8[34:], 8)
	noData := pcm[:36]
	dataFirst := append([]byte("RIFF\x00\x00\x00\x00WAVEdata\x02\x00\x00\x00\x01\x02"), pcm[12:]...)

	cases := []struct {
		name    string
		b       []byte
		format  WAVFormat
		samples int
		err     bool
	}{
		{"pcm16", pcm, WAVPCM16, 160, false},
		{"ulaw", g711WAV([]byte{1, 2, 3}, WAVULaw), WAVULaw, 3, false},
		{"alaw", g711WAV([]byte{1, 2}, WAVALaw), WAVALaw, 2, false},
		{"unknown chunk skipped", withList, WAVPCM16, 160, false},
		{"unpatched data size", unpatched, WAVPCM16, 160, false},
		{"truncated", truncated, WAVPCM16, 50, false},
		{"extensible ulaw", extensible, WAVULaw, 4, false},
		{"stereo", stereo, 0, 0, true},
		{"16 kHz", wide, 0, 0, true},
		{"8-bit pcm", pcm8, 0, 0, true},
		{"no data", noData, 0, 0, true},
		{"data before fmt", dataFirst, 0, 0, true},
		{"not riff", []byte("nope"), 0, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, err := ParseWAV(c.b)
			if c.err {
				if !errors.Is(err, ErrWAV) {
					t.Fatalf("err %v, want ErrWAV", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if w.Format != c.format || w.Samples() != c.samples {
				t.Fatalf("%s %d samples", w.Format, w.Samples())
			}
		})
	}
}

func TestWAVWriterReadableMidway(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.wav")
	w, err := CreateWAV(path)
	if err != nil {
		t.Fatal(err)
	}
	tone := Tone(1000, 100)
	if err := w.Write(tone[:400]); err != nil {
		t.Fatal(err)
	}
	ulaw := make([]byte, 400)
	Encode(ulaw, tone[400:], PCMU)
	if err := w.WriteG711(ulaw, PCMU); err != nil {
		t.Fatal(err)
	}
	// Without Close (a crash): the header already describes every sample.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.LittleEndian.Uint32(b[40:]); got != 1600 {
		t.Fatalf("data size %d, want 1600", got)
	}
	s, err := ReadWAV(b)
	if err != nil || len(s) != 800 || w.Samples() != 800 {
		t.Fatalf("%d samples, %v", len(s), err)
	}
	if !bytes.Equal(b[:36], WAVHeader(1600)[:36]) {
		t.Fatal("RIFF header not patched")
	}
	if r := ToneRatio(s, 1000); r < 0.98 {
		t.Fatalf("recorded tone share %.3f", r)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseWAV(f *testing.F) {
	f.Add(EncodeWAV(Tone(1000, 20)))
	f.Add(g711WAV([]byte{1, 2, 3}, WAVALaw))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEfmt \x10\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := ParseWAV(b)
		if err != nil {
			return
		}
		var dst [160]byte
		r := wavReader{srcs: []*WAV{w}}
		for r.read(dst[:], PCMA) {
		}
	})
}
