package media

// Frame is one inbound RTP payload handed to a Sink. It and its Payload
// are reused for the next packet: a sink copies what it keeps.
type Frame struct {
	Codec          Codec // the audio's law; unset for events
	Event          bool  // Payload is an RFC 4733 telephone-event
	Payload        []byte
	Samples        uint32 // audio samples in Payload
	Timestamp      uint32 // the sender's RTP timestamp
	SequenceNumber uint16
	Marker         bool
}

// Sink receives a leg's inbound media on the leg's reader goroutine; it
// must not block.
type Sink interface {
	WriteFrame(f *Frame)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(f *Frame)

// WriteFrame calls fn(f).
func (fn SinkFunc) WriteFrame(f *Frame) { fn(f) }

// relayOwner is a long-lived source of a leg's output (a bridge, a mixer
// party): playback hands the output back to it, and closing the leg
// detaches the leg from it.
type relayOwner interface{ leave(l *Leg) }

// sinkRef boxes the interface for atomic.Pointer.
type sinkRef struct{ s Sink }

// BridgeHandle joins two legs: each one's inbound audio and RFC 4733 events
// go out of the other, transcoded only when their codecs differ.
type BridgeHandle struct {
	a, b     *Leg
	toA, toB *sinkRef
}

// relay writes one leg's inbound media out of the other, while the bridge
// owns that leg's output.
type relay struct {
	to *Leg
	h  *BridgeHandle
}

func (r *relay) WriteFrame(f *Frame) {
	if f.Event {
		r.to.writeEventAs(r.h, f.Timestamp, f.Payload, f.Marker)
		return
	}
	r.to.writeAs(r.h, f.Codec, f.Payload, f.Samples, f.Marker)
}

// Bridge relays a ↔ b until Unbridge. It stops any playback on either leg:
// a leg's output has one source at a time. Digits still reach each leg's
// OnDTMF, and events are re-sent with the other leg's telephone-event type.
func Bridge(a, b *Leg) *BridgeHandle {
	h := &BridgeHandle{a: a, b: b}
	h.toB = &sinkRef{&relay{to: b, h: h}}
	h.toA = &sinkRef{&relay{to: a, h: h}}
	for _, l := range [2]*Leg{a, b} {
		l.mu.Lock()
		pb := l.playback
		l.playback, l.owner, l.relay = nil, h, h
		l.mu.Unlock()
		if pb != nil {
			pb.Stop()
		}
	}
	a.sink.Store(h.toB)
	b.sink.Store(h.toA)
	return h
}

func (h *BridgeHandle) leave(*Leg) { h.Unbridge() }

// Unbridge stops the relay; both legs stay open and send nothing until a
// playback or another bridge takes them. Safe to call twice.
func (h *BridgeHandle) Unbridge() {
	h.a.sink.CompareAndSwap(h.toB, nil)
	h.b.sink.CompareAndSwap(h.toA, nil)
	for _, l := range [2]*Leg{h.a, h.b} {
		l.mu.Lock()
		if l.relay == relayOwner(h) {
			l.relay = nil
		}
		if l.owner == h {
			l.owner = nil
		}
		l.mu.Unlock()
	}
}
