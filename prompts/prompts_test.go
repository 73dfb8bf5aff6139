package prompts

import (
	"encoding/binary"
	"io/fs"
	"math"
	"strings"
	"testing"
)

type wavInfo struct {
	format, channels, bits uint16
	rate                   uint32
	data                   []byte
}

// parseWAV reads the RIFF chunks Hotline's media layer relies on.
func parseWAV(t *testing.T, b []byte) wavInfo {
	t.Helper()
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("not a RIFF/WAVE file")
	}
	var w wavInfo
	fmtSeen := false
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		body := b[p+8 : min(p+8+size, len(b))]
		switch id {
		case "fmt ":
			if len(body) < 16 {
				t.Fatalf("short fmt chunk")
			}
			w.format = binary.LittleEndian.Uint16(body[0:2])
			w.channels = binary.LittleEndian.Uint16(body[2:4])
			w.rate = binary.LittleEndian.Uint32(body[4:8])
			w.bits = binary.LittleEndian.Uint16(body[14:16])
			fmtSeen = true
		case "data":
			w.data = body
		}
		p += 8 + size + size%2
	}
	if !fmtSeen || w.data == nil {
		t.Fatalf("missing fmt or data chunk")
	}
	return w
}

func TestBuiltinsAre8kMonoULaw(t *testing.T) {
	for _, lang := range Languages {
		names := Names[lang]
		if len(names) == 0 {
			t.Fatalf("no names listed for %s", lang)
		}
		for _, name := range names {
			if !Exists(lang, name) {
				t.Errorf("%s/%s missing", lang, name)
				continue
			}
			b, err := Open(lang, name)
			if err != nil {
				t.Fatal(err)
			}
			w := parseWAV(t, b)
			if w.rate != 8000 || w.channels != 1 {
				t.Errorf("%s/%s: %d Hz %d channels, want 8000 Hz mono", lang, name, w.rate, w.channels)
			}
			if w.format != 7 || w.bits != 8 {
				t.Errorf("%s/%s: format %d/%d bits, want µ-law (7)/8", lang, name, w.format, w.bits)
			}
			if len(w.data) < 400 {
				t.Errorf("%s/%s: only %d samples", lang, name, len(w.data))
			}
		}
	}
}

// Every shipped file is listed, so Names stays the source of truth.
func TestNoUnlistedFiles(t *testing.T) {
	for _, lang := range Languages {
		entries, err := fs.ReadDir(data, "data/"+lang)
		if err != nil {
			t.Fatal(err)
		}
		listed := map[string]bool{}
		for _, n := range Names[lang] {
			listed[n] = true
		}
		for _, e := range entries {
			if n, ok := strings.CutSuffix(e.Name(), ".wav"); ok && !listed[n] {
				t.Errorf("%s/%s is not in Names", lang, e.Name())
			}
		}
	}
	if Exists("en", "w_wan") || Exists("zh", "w_hundred") {
		t.Error("unit words leaked across languages")
	}
}

func ulaw(u byte) float64 {
	u = ^u
	sign, exp, mant := u&0x80, (u>>4)&7, u&0x0f
	v := ((int(mant) << 3) + 0x84) << exp
	v -= 0x84
	if sign != 0 {
		v = -v
	}
	return float64(v)
}

// goertzel returns the power of frequency f in samples at 8 kHz.
func goertzel(x []float64, f float64) float64 {
	k := 2 * math.Cos(2*math.Pi*f/8000)
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = v+k*s1-s2, s1
	}
	return s1*s1 + s2*s2 - k*s1*s2
}

func TestHoldIsArpeggio(t *testing.T) {
	b, _ := Open("en", "hold")
	w := parseWAV(t, b)
	if d := float64(len(w.data)) / 8000; d < 3.5 || d > 4.5 {
		t.Errorf("hold lasts %.2fs, want about 4s", d)
	}
	x := make([]float64, len(w.data))
	for i, u := range w.data {
		x[i] = ulaw(u)
	}
	// Each 0.4 s note should be dominated by its own frequency.
	notes := []float64{440, 554, 659}
	for i := range 3 {
		seg := x[i*3200+400 : i*3200+2800]
		want := goertzel(seg, notes[i])
		for j, f := range notes {
			if j != i && goertzel(seg, f) > want/10 {
				t.Errorf("note %d: %v Hz not dominant over %v Hz", i, notes[i], f)
			}
		}
		if want < 1e6 {
			t.Errorf("note %d: no energy at %v Hz", i, notes[i])
		}
	}
	zb, _ := Open("zh", "hold")
	if string(zb) != string(b) {
		t.Error("hold differs between languages")
	}
}
