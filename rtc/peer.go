package rtc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/hotline/hotline/media"
)

// PeerAddr is the address a browser leg reports for its far end: ICE
// chooses the real path (and may change it on a restart), so the leg's
// symmetric-RTP checks see this fixed stand-in instead.
var PeerAddr = netip.MustParseAddrPort("192.0.2.1:9")

const gatherTimeout = 5 * time.Second

// Peer is one browser's media session: a pion PeerConnection with one
// sendrecv audio transceiver, exposed to the switch as a media.Leg.
type Peer struct {
	pc    *webrtc.PeerConnection
	track *localTrack
	leg   *media.Leg

	remote  atomic.Pointer[webrtc.TrackRemote]
	gotRem  chan struct{}
	remOnce sync.Once
	closed  chan struct{}
	close1  sync.Once
	gone    sync.Once
	onGone  func(reason string)
	down    atomic.Bool // ICE disconnected (consent lost), maybe for good

	// Opus: offered when the engine allows it; mode is set while the
	// browser's SDP chose it (nil: G.711 end to end).
	opusOn bool
	mode   atomic.Pointer[opusMode]
	rx     opusRx // the leg's reader goroutine's
	txMu   sync.Mutex
	tx     opusTx
}

// NewPeer prepares a peer. onGone is called from a pion goroutine with
// "ice_disconnected" when the browser stops answering consent checks (it
// may come back: the caller decides), then once with "ice_failed" or
// "closed" when the session is over: post to the call's inbox and return.
func (e *Engine) NewPeer(onGone func(reason string)) (*Peer, error) {
	pc, err := e.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	p := &Peer{pc: pc, track: &localTrack{}, gotRem: make(chan struct{}), closed: make(chan struct{}), onGone: onGone,
		opusOn: e.opus, tx: newOpusTx()}
	sender, err := pc.AddTransceiverFromTrack(p.track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv})
	if err != nil {
		pc.Close()
		return nil, err
	}
	go drainRTCP(sender.Sender())
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		p.remote.Store(t)
		p.remOnce.Do(func() { close(p.gotRem) })
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		e.log.Debug("webrtc peer state", "state", s.String())
		p.down.Store(s == webrtc.PeerConnectionStateDisconnected)
		switch s {
		case webrtc.PeerConnectionStateDisconnected:
			if p.onGone != nil {
				p.onGone("ice_disconnected")
			}
		case webrtc.PeerConnectionStateFailed:
			p.lost("ice_failed")
		case webrtc.PeerConnectionStateClosed:
			p.lost("closed")
		}
	})
	p.leg = media.NewLeg(p, netip.AddrPortFrom(e.local.Addr(), e.local.Port()))
	return p, nil
}

func (p *Peer) lost(reason string) {
	select {
	case <-p.closed:
		return // we closed it ourselves
	default:
	}
	p.gone.Do(func() {
		if p.onGone != nil {
			p.onGone(reason)
		}
	})
}

// drainRTCP reads the browser's reports so pion's buffers never fill.
func drainRTCP(s *webrtc.RTPSender) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := s.Read(buf); err != nil {
			return
		}
	}
}

// Leg is the peer's media leg; closing the leg closes the peer.
func (p *Peer) Leg() *media.Leg { return p.leg }

// Offer is our SDP offer for an INVITE to the browser, with every ICE
// candidate in it: the one mux port is known at once, so no trickle.
func (p *Peer) Offer() ([]byte, error) {
	offer, err := p.pc.CreateOffer(nil)
	if err != nil {
		return nil, err
	}
	return p.setLocal(offer)
}

func (p *Peer) setLocal(d webrtc.SessionDescription) ([]byte, error) {
	done := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(d); err != nil {
		return nil, err
	}
	select {
	case <-done:
	case <-time.After(gatherTimeout):
		return nil, errors.New("webrtc: ICE gathering timed out")
	}
	return []byte(p.pc.LocalDescription().SDP), nil
}

// Accept applies the browser's answer to our offer and points the leg at
// the codec it chose.
func (p *Peer) Accept(answer []byte) error {
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(answer)}); err != nil {
		return err
	}
	_, err := p.applyCodec(answer)
	return err
}

// Answer answers a browser's re-offer (hold, unhold, an ICE restart) on
// the same session; hold reports a sendonly or inactive offer.
func (p *Peer) Answer(offer []byte) (answer []byte, hold bool, err error) {
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: string(offer)}); err != nil {
		return nil, false, err
	}
	a, err := p.pc.CreateAnswer(nil)
	if err != nil {
		return nil, false, err
	}
	if answer, err = p.setLocal(a); err != nil {
		return nil, false, err
	}
	dir, err := p.applyCodec(offer)
	return answer, dir == "sendonly" || dir == "inactive", err
}

// applyCodec reads the audio section the browser sent: its first format
// we take (Opus where enabled, else G.711) is what the leg's stream
// becomes, telephone-event carries digits. It returns the section's
// direction.
func (p *Peer) applyCodec(raw []byte) (dir string, err error) {
	var d sdp.SessionDescription
	if err := d.UnmarshalString(string(raw)); err != nil {
		return "", err
	}
	for _, m := range d.MediaDescriptions {
		if m.MediaName.Media != "audio" || m.MediaName.Port.Value == 0 {
			continue
		}
		codec, found := media.PCMU, false
		om := &opusMode{ev48: -1, ev8: -1}
		useOpus := false
		for _, f := range m.MediaName.Formats {
			pt, err := strconv.Atoi(f)
			if err != nil {
				continue
			}
			c, err := d.GetCodecForPayloadType(uint8(pt))
			if err != nil {
				continue
			}
			switch strings.ToUpper(c.Name) {
			case "OPUS":
				if p.opusOn && !found && c.ClockRate == 48000 {
					om.opus, found, useOpus = uint8(pt), true, true
				}
			case "PCMU", "PCMA":
				if !found {
					codec, found = map[bool]media.Codec{true: media.PCMU, false: media.PCMA}[strings.EqualFold(c.Name, "PCMU")], true
				}
			case "TELEPHONE-EVENT":
				switch c.ClockRate {
				case 8000:
					om.ev8 = pt
				case 48000:
					om.ev48 = pt
				}
			}
		}
		if !found {
			return "", errors.New("webrtc: neither Opus nor G.711 in the browser's audio")
		}
		dir = "sendrecv"
		for _, a := range m.Attributes {
			switch a.Key {
			case "sendonly", "recvonly", "inactive", "sendrecv":
				dir = a.Key
			}
		}
		if !useOpus {
			p.mode.Store(nil)
			p.leg.SetRemote(PeerAddr, codec, om.ev8)
			return dir, nil
		}
		// The leg sees PCMU and one telephone-event type whatever the
		// browser numbers them (opusRx and opusTx translate).
		event := -1
		if om.ev48 >= 0 || om.ev8 >= 0 {
			event = legEventPT
		}
		p.mode.Store(om)
		p.leg.SetRemote(PeerAddr, media.PCMU, event)
		return dir, nil
	}
	return "", errors.New("webrtc: no audio in the browser's SDP")
}

// ReadPacket is media.Transport: the browser's decrypted RTP.
func (p *Peer) ReadPacket(b []byte) (int, netip.AddrPort, error) {
	select {
	case <-p.gotRem:
	case <-p.closed:
		p.rx.close()
		return 0, netip.AddrPort{}, io.EOF
	}
	for {
		if n, ok := p.rx.takePending(b); ok {
			return n, PeerAddr, nil
		}
		n, _, err := p.remote.Load().Read(b)
		if err != nil {
			p.rx.close() // the reader stops: nothing else decodes
			return 0, netip.AddrPort{}, io.EOF
		}
		if m := p.mode.Load(); m != nil {
			if n, ok := p.rx.convert(b, n, m); ok {
				return n, PeerAddr, nil
			}
			continue // nothing for the leg (an undecodable or unknown packet)
		}
		return n, PeerAddr, nil
	}
}

// WritePacket is media.Transport: the leg's stream, SRTP-encrypted to the
// browser under the SSRC our SDP announced.
func (p *Peer) WritePacket(b []byte, _ netip.AddrPort) error {
	m := p.mode.Load()
	if m == nil {
		return p.track.write(b)
	}
	bd := p.track.w.Load()
	if bd == nil {
		return nil // not negotiated yet
	}
	p.txMu.Lock()
	defer p.txMu.Unlock()
	return ignoreClosed(p.tx.convert(b, m, bd.ssrc, bd.ws))
}

// Close ends the session (the leg's Close calls it).
func (p *Peer) Close() error {
	var err error
	p.close1.Do(func() {
		close(p.closed)
		err = p.pc.Close()
		p.txMu.Lock()
		p.tx.close()
		p.txMu.Unlock()
	})
	return err
}

// Disconnected reports lost ICE consent (the browser silent for the
// disconnect timeout) not yet recovered.
func (p *Peer) Disconnected() bool { return p.down.Load() }

// State is the peer connection's state, for logs and tests.
func (p *Peer) State() string { return p.pc.ConnectionState().String() }

// localTrack is our outbound audio: G.711 packets come ready-made from the
// leg (payload types included), so it only stamps the negotiated SSRC;
// Opus packets are written by opusTx under the same binding.
type localTrack struct {
	w atomic.Pointer[binding]
}

type binding struct {
	ssrc uint32
	ws   webrtc.TrackLocalWriter
}

func (t *localTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	for _, c := range ctx.CodecParameters() {
		switch strings.ToLower(c.MimeType) {
		case strings.ToLower(webrtc.MimeTypeOpus), strings.ToLower(webrtc.MimeTypePCMU), strings.ToLower(webrtc.MimeTypePCMA):
			t.w.Store(&binding{ssrc: uint32(ctx.SSRC()), ws: ctx.WriteStream()})
			return c, nil
		}
	}
	return webrtc.RTPCodecParameters{}, fmt.Errorf("webrtc: browser takes neither Opus nor G.711")
}

func (t *localTrack) Unbind(webrtc.TrackLocalContext) error {
	t.w.Store(nil)
	return nil
}

func (t *localTrack) ID() string                { return "audio" }
func (t *localTrack) RID() string               { return "" }
func (t *localTrack) StreamID() string          { return "hotline" }
func (t *localTrack) Kind() webrtc.RTPCodecType { return webrtc.RTPCodecTypeAudio }

func (t *localTrack) write(b []byte) error {
	bd := t.w.Load()
	if bd == nil || len(b) < 12 {
		return nil // not negotiated yet
	}
	binary.BigEndian.PutUint32(b[8:12], bd.ssrc)
	_, err := bd.ws.Write(b)
	return ignoreClosed(err)
}

// ignoreClosed: a write racing the session's end is not the leg's error.
func ignoreClosed(err error) error {
	if errors.Is(err, io.ErrClosedPipe) {
		return nil
	}
	return err
}
