package media

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"

	"github.com/zaf/g711"
)

// WAVFormat is a WAV file's sample encoding (its fmt chunk format tag).
type WAVFormat uint16

const (
	WAVPCM16 WAVFormat = 1 // linear 16-bit
	WAVALaw  WAVFormat = 6 // G.711 A-law
	WAVULaw  WAVFormat = 7 // G.711 µ-law
)

func (f WAVFormat) String() string {
	switch f {
	case WAVPCM16:
		return "pcm16"
	case WAVALaw:
		return "alaw"
	case WAVULaw:
		return "ulaw"
	}
	return fmt.Sprintf("format(%d)", uint16(f))
}

// WAV is a parsed 8 kHz mono prompt: its encoding and sample bytes (a
// sub-slice of the file, not a copy).
type WAV struct {
	Format WAVFormat
	Data   []byte
}

// Samples is the prompt's length in samples.
func (w *WAV) Samples() int {
	if w.Format == WAVPCM16 {
		return len(w.Data) / 2
	}
	return len(w.Data)
}

const wavExtensible = 0xFFFE

// ParseWAV reads the RIFF header of an 8 kHz mono WAV in 16-bit PCM,
// µ-law or A-law, skipping chunks it does not need (LIST, fact, cue…). A
// file cut short, or whose sizes were never patched (a recorder that
// crashed, a streaming writer), plays what is there.
func ParseWAV(b []byte) (*WAV, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, fmt.Errorf("%w: not RIFF/WAVE", ErrWAV)
	}
	var format WAVFormat
	var channels, bits uint16
	var rate uint32
	haveFmt := false
	for off := 12; off+8 <= len(b); {
		id := string(b[off : off+4])
		n := uint64(binary.LittleEndian.Uint32(b[off+4:]))
		off += 8
		if n > uint64(len(b)-off) || (id == "data" && n == 0) {
			n = uint64(len(b) - off)
		}
		body := b[off : off+int(n)]
		switch id {
		case "fmt ":
			if len(body) < 16 {
				return nil, fmt.Errorf("%w: short fmt chunk", ErrWAV)
			}
			format = WAVFormat(binary.LittleEndian.Uint16(body))
			channels = binary.LittleEndian.Uint16(body[2:])
			rate = binary.LittleEndian.Uint32(body[4:])
			bits = binary.LittleEndian.Uint16(body[14:])
			if format == wavExtensible && len(body) >= 26 {
				format = WAVFormat(binary.LittleEndian.Uint16(body[24:])) // sub-format GUID's tag
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, fmt.Errorf("%w: data before fmt", ErrWAV)
			}
			if channels != 1 || rate != sampleRate {
				return nil, fmt.Errorf("%w: %d channels at %d Hz, want mono 8000 Hz", ErrWAV, channels, rate)
			}
			switch {
			case format == WAVPCM16 && bits == 16:
				return &WAV{Format: format, Data: body[:len(body)&^1]}, nil
			case (format == WAVULaw || format == WAVALaw) && bits == 8:
				return &WAV{Format: format, Data: body}, nil
			}
			return nil, fmt.Errorf("%w: %s, %d bits", ErrWAV, format, bits)
		}
		off += int(n) + int(n&1)
	}
	return nil, fmt.Errorf("%w: no data chunk", ErrWAV)
}

// ReadWAV decodes a prompt into linear samples.
func ReadWAV(b []byte) ([]int16, error) {
	w, err := ParseWAV(b)
	if err != nil {
		return nil, err
	}
	out := make([]int16, w.Samples())
	switch w.Format {
	case WAVPCM16:
		for i := range out {
			out[i] = int16(binary.LittleEndian.Uint16(w.Data[2*i:]))
		}
	case WAVULaw:
		Decode(out, w.Data, PCMU)
	case WAVALaw:
		Decode(out, w.Data, PCMA)
	}
	return out, nil
}

// encodeTo writes samples [from, from+len(dst)) of the prompt into dst in
// codec c, with no trip through linear PCM when the laws allow.
func (w *WAV) encodeTo(dst []byte, from int, c Codec) {
	switch w.Format {
	case WAVPCM16:
		for i := range dst {
			dst[i] = encodeSample(int16(binary.LittleEndian.Uint16(w.Data[2*(from+i):])), c)
		}
	case WAVULaw:
		Transcode(dst, w.Data[from:from+len(dst)], PCMU, c)
	case WAVALaw:
		Transcode(dst, w.Data[from:from+len(dst)], PCMA, c)
	}
}

func encodeSample(s int16, c Codec) byte {
	if c == PCMA {
		return g711.EncodeAlawFrame(s)
	}
	return g711.EncodeUlawFrame(s)
}

// WAVHeader returns the 44-byte header of a mono 8 kHz 16-bit PCM WAV
// holding dataBytes of samples.
func WAVHeader(dataBytes uint32) []byte {
	h := make([]byte, 44)
	copy(h, "RIFF")
	binary.LittleEndian.PutUint32(h[4:], 36+dataBytes)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], uint16(WAVPCM16))
	binary.LittleEndian.PutUint16(h[22:], 1)
	binary.LittleEndian.PutUint32(h[24:], sampleRate)
	binary.LittleEndian.PutUint32(h[28:], 2*sampleRate)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], dataBytes)
	return h
}

// EncodeWAV wraps linear samples in a WAV file.
func EncodeWAV(s []int16) []byte {
	b := WAVHeader(uint32(2 * len(s)))
	for _, v := range s {
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	return b
}

// WAVWriter writes a mono 8 kHz 16-bit WAV (a call recording). The header's
// sizes are patched after every write, so a crash leaves a file any player
// reads up to the last frame written.
type WAVWriter struct {
	w     io.WriteSeeker
	bytes uint32
	buf   []byte
	pcm   [maxPacket]int16
	err   error
}

// CreateWAV creates (truncates) the file at path for writing.
func CreateWAV(path string) (*WAVWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w, err := NewWAVWriter(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// NewWAVWriter writes the header to w; Close closes w if it is an io.Closer.
func NewWAVWriter(w io.WriteSeeker) (*WAVWriter, error) {
	if _, err := w.Write(WAVHeader(0)); err != nil {
		return nil, err
	}
	return &WAVWriter{w: w}, nil
}

// Write appends linear samples and patches the header.
func (w *WAVWriter) Write(s []int16) error {
	if w.err != nil {
		return w.err
	}
	w.buf = w.buf[:0]
	for _, v := range s {
		w.buf = binary.LittleEndian.AppendUint16(w.buf, uint16(v))
	}
	if _, err := w.w.Write(w.buf); err != nil {
		w.err = err
		return err
	}
	w.bytes += uint32(len(w.buf))
	w.err = w.patch()
	return w.err
}

// WriteG711 decodes a G.711 payload and appends it.
func (w *WAVWriter) WriteG711(payload []byte, c Codec) error {
	for len(payload) > 0 {
		n := min(len(payload), len(w.pcm))
		Decode(w.pcm[:n], payload[:n], c)
		if err := w.Write(w.pcm[:n]); err != nil {
			return err
		}
		payload = payload[n:]
	}
	return nil
}

// Samples is how many samples were written.
func (w *WAVWriter) Samples() int { return int(w.bytes / 2) }

func (w *WAVWriter) patch() error {
	var b [4]byte
	for _, f := range [2]struct {
		off int64
		v   uint32
	}{{4, 36 + w.bytes}, {40, w.bytes}} {
		binary.LittleEndian.PutUint32(b[:], f.v)
		if _, err := w.w.Seek(f.off, io.SeekStart); err != nil {
			return err
		}
		if _, err := w.w.Write(b[:]); err != nil {
			return err
		}
	}
	_, err := w.w.Seek(0, io.SeekEnd)
	return err
}

// Close finishes the file.
func (w *WAVWriter) Close() error {
	err := w.err
	if c, ok := w.w.(io.Closer); ok {
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
