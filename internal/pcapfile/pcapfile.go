// Package pcapfile writes the classic libpcap files SIPp plays media from
// (play_pcap_audio): UDP datagrams on loopback in Ethernet frames. SIPp
// rewrites the addresses and ports, so only the payloads and their times
// matter. The integration tests and the load benchmark both build them.
package pcapfile

import (
	"encoding/binary"
	"math"
)

// Writer accumulates a pcap file in memory.
type Writer struct{ out []byte }

// Add appends one UDP datagram carrying payload, captured t seconds in.
func (p *Writer) Add(t float64, payload []byte) {
	if p.out == nil {
		h := make([]byte, 24)
		binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
		binary.LittleEndian.PutUint16(h[4:], 2)
		binary.LittleEndian.PutUint16(h[6:], 4)
		binary.LittleEndian.PutUint32(h[16:], 65535)
		binary.LittleEndian.PutUint32(h[20:], 1) // Ethernet
		p.out = h
	}
	frame := make([]byte, 14+20+8+len(payload))
	frame[12], frame[13] = 0x08, 0x00
	ip := frame[14:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+8+len(payload)))
	ip[8], ip[9] = 64, 17
	copy(ip[12:], []byte{127, 0, 0, 1})
	copy(ip[16:], []byte{127, 0, 0, 1})
	var sum uint32
	for j := 0; j < 20; j += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[j:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	udp := ip[20:]
	binary.BigEndian.PutUint16(udp[0:], 6000)
	binary.BigEndian.PutUint16(udp[2:], 6002)
	binary.BigEndian.PutUint16(udp[4:], uint16(8+len(payload)))
	copy(udp[8:], payload)
	rec := make([]byte, 16)
	sec := math.Floor(t)
	binary.LittleEndian.PutUint32(rec[0:], uint32(1700000000+int(sec)))
	binary.LittleEndian.PutUint32(rec[4:], uint32(math.Round((t-sec)*1e6)))
	binary.LittleEndian.PutUint32(rec[8:], uint32(len(frame)))
	binary.LittleEndian.PutUint32(rec[12:], uint32(len(frame)))
	p.out = append(p.out, rec...)
	p.out = append(p.out, frame...)
}

// Bytes is the file so far.
func (p *Writer) Bytes() []byte { return p.out }
