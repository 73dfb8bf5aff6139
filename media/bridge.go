package media

// BridgeHandle joins two legs: each one's inbound audio and RFC 4733 events
// go out of the other, transcoded only when their codecs differ.
type BridgeHandle struct{ a, b *Leg }

// Bridge relays a ↔ b until Unbridge. The caller stops any playback on the
// legs first: a leg's output has one source at a time.
func Bridge(a, b *Leg) *BridgeHandle {
	a.sink.Store(b)
	b.sink.Store(a)
	return &BridgeHandle{a, b}
}

// Unbridge stops the relay; the legs stay open and send nothing.
func (h *BridgeHandle) Unbridge() {
	h.a.sink.CompareAndSwap(h.b, nil)
	h.b.sink.CompareAndSwap(h.a, nil)
}
