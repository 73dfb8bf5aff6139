package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/hotline/hotline/media"

	"github.com/hotline/hotline/internal/pcapfile"
)

// The caller's media: a libpcap file SIPp replays (play_pcap_audio), one
// SSRC with continuous sequence numbers and timestamps, and the reader for
// the loopback captures the jitter measurement takes.

// CallerPcap is silence, one RFC 4733 digit (PT 101), then talkMS of a
// 400 Hz tone in PCMU, 20 ms per packet.
func CallerPcap(w io.Writer, silenceMS int, digit byte, talkMS int) error {
	var pw pcapfile.Writer
	seq, ts, t := uint16(1000), uint32(160000), 0.0
	send := func(pt byte, marker bool, stamp uint32, payload []byte) {
		h := make([]byte, 12, 12+len(payload))
		h[0], h[1] = 0x80, pt
		if marker {
			h[1] |= 0x80
		}
		binary.BigEndian.PutUint16(h[2:], seq)
		binary.BigEndian.PutUint32(h[4:], stamp)
		binary.BigEndian.PutUint32(h[8:], 0x484c4244)
		seq++
		pw.Add(t, append(h, payload...))
	}
	silence := make([]byte, 160)
	for i := range silence {
		silence[i] = 0xFF
	}
	for range silenceMS / 20 {
		send(0, false, ts, silence)
		ts += 160
		t += 0.02
	}
	start := ts
	for d := 1; d <= 5; d++ {
		send(101, d == 1, start, []byte{digit, 10, byte(d * 160 >> 8), byte(d * 160)})
		t += 0.02
	}
	for range 3 { // the end packet three times, as RFC 4733 asks
		send(101, false, start, []byte{digit, 0x80 | 10, byte(800 >> 8), byte(800 & 0xff)})
	}
	ts += 800
	tone := media.Tone(400, 1000)
	frame := make([]byte, 160)
	for i := range talkMS / 20 {
		off := (i * 160) % len(tone)
		media.Encode(frame, tone[off:off+160], media.PCMU)
		send(0, i == 0, ts, frame)
		ts += 160
		t += 0.02
	}
	_, err := w.Write(pw.Bytes())
	return err
}

// RTPSeen is one captured RTP packet.
type RTPSeen struct {
	At               float64 // capture time, seconds
	SrcPort, DstPort uint16
	SSRC             uint32
	Seq              uint16
	TS               uint32
	PT               uint8
}

// ReadRTPCapture parses a classic libpcap file (microsecond or nanosecond
// timestamps, Ethernet or Linux "cooked" link) and returns its UDP
// datagrams that look like RTP; anything else is skipped.
func ReadRTPCapture(r io.Reader) ([]RTPSeen, error) {
	var gh [24]byte
	if _, err := io.ReadFull(r, gh[:]); err != nil {
		return nil, fmt.Errorf("pcap header: %w", err)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	scale := 1e-6
	switch binary.LittleEndian.Uint32(gh[0:]) {
	case 0xa1b2c3d4:
	case 0xa1b23c4d:
		scale = 1e-9
	case 0xd4c3b2a1:
		bo = binary.BigEndian
	case 0x4d3cb2a1:
		bo, scale = binary.BigEndian, 1e-9
	default:
		return nil, fmt.Errorf("not a libpcap file")
	}
	link := bo.Uint32(gh[20:])
	var l2 int
	switch link {
	case 1:
		l2 = 14
	case 113:
		l2 = 16
	case 0: // BSD loopback
		l2 = 4
	default:
		return nil, fmt.Errorf("pcap link type %d", link)
	}
	var out []RTPSeen
	var rh [16]byte
	buf := make([]byte, 0, 2048)
	for {
		if _, err := io.ReadFull(r, rh[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return out, nil
			}
			return out, err
		}
		incl := int(bo.Uint32(rh[8:]))
		if incl > 1<<18 {
			return out, fmt.Errorf("pcap record of %d bytes", incl)
		}
		buf = buf[:incl]
		if _, err := io.ReadFull(r, buf); err != nil {
			return out, nil // a capture cut mid-record
		}
		at := float64(bo.Uint32(rh[0:])) + float64(bo.Uint32(rh[4:]))*scale
		if p, ok := parseRTP(buf, l2); ok {
			p.At = at
			out = append(out, p)
		}
	}
}

func parseRTP(b []byte, l2 int) (RTPSeen, bool) {
	if len(b) < l2+20 {
		return RTPSeen{}, false
	}
	ip := b[l2:]
	if ip[0]>>4 != 4 || ip[9] != 17 {
		return RTPSeen{}, false
	}
	ihl := int(ip[0]&0x0f) * 4
	if len(ip) < ihl+8+12 {
		return RTPSeen{}, false
	}
	udp := ip[ihl:]
	rtp := udp[8:]
	if rtp[0]>>6 != 2 {
		return RTPSeen{}, false
	}
	return RTPSeen{
		SrcPort: binary.BigEndian.Uint16(udp[0:]), DstPort: binary.BigEndian.Uint16(udp[2:]),
		PT: rtp[1] & 0x7f, Seq: binary.BigEndian.Uint16(rtp[2:]),
		TS: binary.BigEndian.Uint32(rtp[4:]), SSRC: binary.BigEndian.Uint32(rtp[8:]),
	}, true
}

// TransitVariation returns |D| in milliseconds for consecutive packets
// (sequence n, n+1) of each audio stream kept by keep, where D is RFC 3550's
// difference between arrival spacing and RTP timestamp spacing (8 kHz):
// the per-packet jitter that stream carries at the capture point.
func TransitVariation(pkts []RTPSeen, keep func(p RTPSeen) bool) []float64 {
	type key struct {
		src, dst uint16
		ssrc     uint32
	}
	last := map[key]RTPSeen{}
	var out []float64
	for _, p := range pkts {
		if p.PT != 0 && p.PT != 8 || !keep(p) {
			continue
		}
		k := key{p.SrcPort, p.DstPort, p.SSRC}
		if q, ok := last[k]; ok && p.Seq == q.Seq+1 {
			d := (p.At-q.At)*1000 - float64(int32(p.TS-q.TS))/8
			out = append(out, math.Abs(d))
		}
		last[k] = p
	}
	return out
}
