package media

// RFC 4733 telephone-events.

const events = "0123456789*#ABCD"

// dtmfState turns a stream of telephone-event packets into digits: one per
// event, reported on its first packet so the IVR reacts at once, never
// again for the updates and the (usually three) end packets that share the
// event's timestamp. A repeated digit is a new event with a new timestamp.
type dtmfState struct {
	lastTS uint32
	have   bool
}

// event returns the digit when the packet starts a new event.
func (s *dtmfState) event(ts uint32, payload []byte) (rune, bool) {
	d, _, _, ok := DecodeEvent(payload)
	if !ok {
		return 0, false
	}
	if s.have && int32(ts-s.lastTS) <= 0 {
		return 0, false // the current event again, or a late packet of an older one
	}
	s.lastTS, s.have = ts, true
	return d, true
}

// DecodeEvent reads an RFC 4733 payload: the digit, end bit and duration
// in samples. ok is false for a short payload or a non-DTMF event.
func DecodeEvent(p []byte) (digit rune, end bool, duration uint16, ok bool) {
	if len(p) < 4 || int(p[0]) >= len(events) {
		return 0, false, 0, false
	}
	return rune(events[p[0]]), p[1]&0x80 != 0, uint16(p[2])<<8 | uint16(p[3]), true
}

// EncodeEvent writes a 4-byte RFC 4733 payload for digit at volume 10
// (-10 dBm0); ok is false for a rune that is no DTMF digit.
func EncodeEvent(dst []byte, digit rune, end bool, duration uint16) (ok bool) {
	code := -1
	for i, c := range events {
		if c == digit {
			code = i
		}
	}
	if code < 0 || len(dst) < 4 {
		return false
	}
	dst[0] = byte(code)
	dst[1] = 10
	if end {
		dst[1] |= 0x80
	}
	dst[2], dst[3] = byte(duration>>8), byte(duration)
	return true
}
