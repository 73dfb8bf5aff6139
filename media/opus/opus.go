// Package opus encodes and decodes Opus (RFC 6716) through the system's
// libopus, loaded at run time with dlopen: the binary builds and runs
// without it, and only a switch configured for Opus needs it (Debian:
// apt install libopus0). The few functions used are declared here, so no
// libopus headers are needed to build either.
package opus

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>

typedef struct OpusEncoder OpusEncoder;
typedef struct OpusDecoder OpusDecoder;

static OpusEncoder *(*p_enc_create)(int32_t, int, int, int *);
static int32_t (*p_encode)(OpusEncoder *, const int16_t *, int, unsigned char *, int32_t);
static int (*p_enc_ctl)(OpusEncoder *, int, ...);
static void (*p_enc_destroy)(OpusEncoder *);
static OpusDecoder *(*p_dec_create)(int32_t, int, int *);
static int (*p_decode)(OpusDecoder *, const unsigned char *, int32_t, int16_t *, int, int);
static void (*p_dec_destroy)(OpusDecoder *);
static const char *(*p_version)(void);

// hl_load resolves every symbol or none; it returns NULL or dlerror()'s text.
static const char *hl_load(const char *name) {
	void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!h) return dlerror();
#define SYM(var, sym) if (!(*(void **)(&var) = dlsym(h, sym))) { const char *e = dlerror(); dlclose(h); return e ? e : sym; }
	SYM(p_enc_create, "opus_encoder_create")
	SYM(p_encode, "opus_encode")
	SYM(p_enc_ctl, "opus_encoder_ctl")
	SYM(p_enc_destroy, "opus_encoder_destroy")
	SYM(p_dec_create, "opus_decoder_create")
	SYM(p_decode, "opus_decode")
	SYM(p_dec_destroy, "opus_decoder_destroy")
	SYM(p_version, "opus_get_version_string")
#undef SYM
	return NULL;
}

static OpusEncoder *hl_enc_create(int32_t rate, int ch, int app, int *err) { return p_enc_create(rate, ch, app, err); }
static int32_t hl_encode(OpusEncoder *e, const int16_t *pcm, int n, unsigned char *out, int32_t max) { return p_encode(e, pcm, n, out, max); }
// The ctl is variadic: a fixed-arity wrapper passes the opus_int32 it expects.
static int hl_enc_set(OpusEncoder *e, int req, int32_t v) { return p_enc_ctl(e, req, v); }
static void hl_enc_destroy(OpusEncoder *e) { p_enc_destroy(e); }
static OpusDecoder *hl_dec_create(int32_t rate, int ch, int *err) { return p_dec_create(rate, ch, err); }
static int hl_decode(OpusDecoder *d, const unsigned char *in, int32_t n, int16_t *pcm, int max, int fec) { return p_decode(d, in, n, pcm, max, fec); }
static void hl_dec_destroy(OpusDecoder *d) { p_dec_destroy(d); }
static const char *hl_version(void) { return p_version(); }
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"
)

// Library is the shared object loaded: the runtime package's soname.
const Library = "libopus.so.0"

var (
	loadOnce sync.Once
	loadErr  error
)

// Load loads libopus once; every later call returns the same result.
func Load() error {
	loadOnce.Do(func() { loadErr = load(Library) })
	return loadErr
}

func load(lib string) error {
	name := C.CString(lib)
	defer C.free(unsafe.Pointer(name))
	if e := C.hl_load(name); e != nil {
		return fmt.Errorf("opus: cannot load %s: %s", lib, C.GoString(e))
	}
	return nil
}

// Version is libopus's version string, or "" when it is not loaded.
func Version() string {
	if Load() != nil {
		return ""
	}
	return C.GoString(C.hl_version())
}

// libopus constants (opus_defines.h); part of its stable ABI.
const (
	appVoIP            = 2048
	setBitrate         = 4002
	setComplexity      = 4010
	setInbandFEC       = 4012
	setPacketLossPerc  = 4014
	setSignal          = 4024
	signalVoice        = 3001
	errBufferTooSmall  = -2
	errInvalidPacketID = -4
)

// Error is a libopus error code.
type Error int

func (e Error) Error() string {
	switch e {
	case -1:
		return "opus: bad argument"
	case errBufferTooSmall:
		return "opus: buffer too small"
	case -3:
		return "opus: internal error"
	case errInvalidPacketID:
		return "opus: invalid packet"
	case -5:
		return "opus: unimplemented"
	case -6:
		return "opus: invalid state"
	case -7:
		return "opus: allocation failed"
	}
	return fmt.Sprintf("opus: error %d", int(e))
}

// ErrClosed is returned by a coder used after Close.
var ErrClosed = errors.New("opus: coder closed")

func checkRate(rate, channels int) error {
	switch rate {
	case 8000, 12000, 16000, 24000, 48000:
	default:
		return fmt.Errorf("opus: sample rate %d (want 8000, 12000, 16000, 24000 or 48000)", rate)
	}
	if channels != 1 && channels != 2 {
		return fmt.Errorf("opus: %d channels (want 1 or 2)", channels)
	}
	return nil
}

// Encoder is one Opus encoder (VoIP application). Not safe for
// concurrent use; Close frees its C memory.
type Encoder struct {
	p        *C.OpusEncoder
	rate, ch int
}

// NewEncoder makes an encoder for 16-bit PCM at rate (Opus's API rates:
// the stream's RTP clock stays 48 kHz whatever the rate).
func NewEncoder(rate, channels int) (*Encoder, error) {
	if err := Load(); err != nil {
		return nil, err
	}
	if err := checkRate(rate, channels); err != nil {
		return nil, err
	}
	var e C.int
	p := C.hl_enc_create(C.int32_t(rate), C.int(channels), appVoIP, &e)
	if e != 0 || p == nil {
		return nil, Error(e)
	}
	enc := &Encoder{p: p, rate: rate, ch: channels}
	if err := enc.set(setSignal, signalVoice); err != nil {
		enc.Close()
		return nil, err
	}
	return enc, nil
}

func (e *Encoder) set(req, v int) error {
	if e.p == nil {
		return ErrClosed
	}
	if r := C.hl_enc_set(e.p, C.int(req), C.int32_t(v)); r != 0 {
		return Error(r)
	}
	return nil
}

// SetBitrate sets the target bit rate in bits/s.
func (e *Encoder) SetBitrate(bps int) error { return e.set(setBitrate, bps) }

// SetComplexity sets the CPU/quality trade-off, 0 to 10.
func (e *Encoder) SetComplexity(c int) error { return e.set(setComplexity, c) }

// SetInbandFEC turns in-band forward error correction on, tuned for the
// expected packet loss in percent.
func (e *Encoder) SetInbandFEC(on bool, lossPercent int) error {
	v := 0
	if on {
		v = 1
	}
	if err := e.set(setInbandFEC, v); err != nil {
		return err
	}
	return e.set(setPacketLossPerc, lossPercent)
}

// Encode codes one frame (2.5, 5, 10, 20, 40 or 60 ms of interleaved
// samples) into out and returns the packet's length.
func (e *Encoder) Encode(pcm []int16, out []byte) (int, error) {
	if e.p == nil {
		return 0, ErrClosed
	}
	if len(pcm) == 0 || len(pcm)%e.ch != 0 || len(out) == 0 {
		return 0, Error(-1)
	}
	n := C.hl_encode(e.p, (*C.int16_t)(unsafe.Pointer(&pcm[0])), C.int(len(pcm)/e.ch),
		(*C.uchar)(unsafe.Pointer(&out[0])), C.int32_t(len(out)))
	if n < 0 {
		return 0, Error(n)
	}
	return int(n), nil
}

// Close frees the encoder; safe to call twice.
func (e *Encoder) Close() {
	if e.p != nil {
		C.hl_enc_destroy(e.p)
		e.p = nil
	}
}

// Decoder is one Opus decoder. Not safe for concurrent use; Close frees
// its C memory.
type Decoder struct {
	p        *C.OpusDecoder
	rate, ch int
}

// NewDecoder makes a decoder producing 16-bit PCM at rate with channels
// (a stereo stream decoded to one channel is down-mixed by libopus).
func NewDecoder(rate, channels int) (*Decoder, error) {
	if err := Load(); err != nil {
		return nil, err
	}
	if err := checkRate(rate, channels); err != nil {
		return nil, err
	}
	var e C.int
	p := C.hl_dec_create(C.int32_t(rate), C.int(channels), &e)
	if e != 0 || p == nil {
		return nil, Error(e)
	}
	return &Decoder{p: p, rate: rate, ch: channels}, nil
}

// Decode decodes one packet into pcm (room for up to 120 ms is always
// enough) and returns the samples per channel written. A nil or empty
// packet conceals one lost frame of len(pcm) samples instead.
func (d *Decoder) Decode(pkt []byte, pcm []int16) (int, error) {
	return d.decode(pkt, pcm, 0)
}

// DecodeFEC rebuilds the frame lost before pkt from pkt's in-band FEC
// data; pcm's length is the lost frame's duration.
func (d *Decoder) DecodeFEC(pkt []byte, pcm []int16) (int, error) {
	return d.decode(pkt, pcm, 1)
}

func (d *Decoder) decode(pkt []byte, pcm []int16, fec C.int) (int, error) {
	if d.p == nil {
		return 0, ErrClosed
	}
	if len(pcm) < d.ch {
		return 0, Error(errBufferTooSmall)
	}
	var in *C.uchar
	if len(pkt) > 0 {
		in = (*C.uchar)(unsafe.Pointer(&pkt[0]))
	}
	n := C.hl_decode(d.p, in, C.int32_t(len(pkt)), (*C.int16_t)(unsafe.Pointer(&pcm[0])), C.int(len(pcm)/d.ch), fec)
	if n < 0 {
		return 0, Error(n)
	}
	return int(n), nil
}

// Close frees the decoder; safe to call twice.
func (d *Decoder) Close() {
	if d.p != nil {
		C.hl_dec_destroy(d.p)
		d.p = nil
	}
}
