package rtc

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"

	"github.com/hotline/hotline/media"
)

// browserPeer is a second pion stack standing in for a browser: loopback
// candidates only, G.711 and telephone-event, answering our offer.
func browserPeer(t *testing.T) (*webrtc.PeerConnection, *localTrack, <-chan *webrtc.TrackRemote) {
	return browserPeerWith(t, []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, PayloadType: 0},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "audio/telephone-event", ClockRate: 8000}, PayloadType: 101},
	})
}

// browserPeerWith is a stand-in browser taking these formats.
func browserPeerWith(t *testing.T, codecs []webrtc.RTPCodecParameters) (*webrtc.PeerConnection, *localTrack, <-chan *webrtc.TrackRemote) {
	t.Helper()
	me := &webrtc.MediaEngine{}
	for _, c := range codecs {
		if err := me.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			t.Fatal(err)
		}
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	tr := &localTrack{}
	if _, err := pc.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv}); err != nil {
		t.Fatal(err)
	}
	got := make(chan *webrtc.TrackRemote, 1)
	pc.OnTrack(func(r *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { got <- r })
	return pc, tr, got
}

func answer(t *testing.T, pc *webrtc.PeerConnection, offer []byte) []byte {
	t.Helper()
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: string(offer)}); err != nil {
		t.Fatal(err)
	}
	a, err := pc.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	done := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(a); err != nil {
		t.Fatal(err)
	}
	<-done
	return []byte(pc.LocalDescription().SDP)
}

func rtpPacket(pt uint8, seq uint16, ts uint32, marker bool, payload []byte) []byte {
	b := make([]byte, 12+len(payload))
	b[0], b[1] = 0x80, pt
	if marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	copy(b[12:], payload)
	return b
}

// Audio crosses DTLS-SRTP both ways on the shared ICE port, at its
// frequency, and a browser's RFC 4733 digit reaches the leg's OnDTMF.
func TestPeerCarriesAudioAndDigitsBothWays(t *testing.T) {
	_, p, offer := offeringPeer(t, Config{}, nil)
	bpc, btrack, bremote := browserPeer(t)
	if err := p.Accept(answer(t, bpc, offer)); err != nil {
		t.Fatal(err)
	}

	leg := p.Leg()
	h := listenTo(leg)

	// The switch plays 600 Hz to the browser while the browser sends
	// 1 kHz and then the digit 7.
	play := media.Play(context.Background(), leg, [][]byte{media.EncodeWAV(media.Tone(600, 1500))}, false)
	defer play.Stop()
	waitUntil(t, "browser binding", func() bool { return btrack.w.Load() != nil })
	tone := media.Tone(1000, 1000)
	seq, ts := uint16(1), uint32(0)
	for i := 0; i+160 <= len(tone); i += 160 {
		pl := make([]byte, 160)
		media.Encode(pl, tone[i:i+160], media.PCMU)
		if err := btrack.write(rtpPacket(0, seq, ts, i == 0, pl)); err != nil {
			t.Fatal(err)
		}
		seq, ts = seq+1, ts+160
		time.Sleep(20 * time.Millisecond)
	}
	for k, dur := range []uint16{160, 320, 480, 480, 480} {
		var ev [4]byte
		media.EncodeEvent(ev[:], '7', k >= 2, dur)
		_ = btrack.write(rtpPacket(101, seq, ts, k == 0, ev[:]))
		seq++
		time.Sleep(20 * time.Millisecond)
	}

	waitUntil(t, "switch heard the browser and its digit", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.pcm) >= 6000 && len(h.digits) == 1
	})
	h.mu.Lock()
	if f := media.DominantFreq(h.pcm); f < 985 || f > 1015 {
		t.Errorf("switch heard %v Hz, want 1000", f)
	}
	if string(h.digits) != "7" {
		t.Errorf("digits %q", string(h.digits))
	}
	h.mu.Unlock()

	var remote *webrtc.TrackRemote
	select {
	case remote = <-bremote:
	case <-time.After(5 * time.Second):
		t.Fatal("browser got no track")
	}
	if remote.Codec().PayloadType != 0 {
		t.Errorf("browser receives payload type %d, want PCMU", remote.Codec().PayloadType)
	}
	var got []int16
	for len(got) < 6000 {
		_ = remote.SetReadDeadline(time.Now().Add(3 * time.Second))
		pkt, _, err := remote.ReadRTP()
		if err != nil {
			t.Fatalf("browser read: %v after %d samples", err, len(got))
		}
		pcm := make([]int16, len(pkt.Payload))
		media.Decode(pcm, pkt.Payload, media.PCMU)
		got = append(got, pcm...)
	}
	if f := media.DominantFreq(got[800:]); f < 585 || f > 615 {
		t.Errorf("browser heard %v Hz, want 600", f)
	}
}

// A browser that goes away (its peer connection closed, as a closed tab
// does) is reported once the session is over.
func TestPeerReportsBrowserGone(t *testing.T) {
	gone := make(chan string, 4)
	_, p, offer := offeringPeer(t, Config{Disconnected: time.Second, Failed: 2 * time.Second}, func(r string) { gone <- r })
	bpc, _, _ := browserPeer(t)
	if err := p.Accept(answer(t, bpc, offer)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "connected", func() bool { return p.State() == "connected" })
	bpc.Close()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case r := <-gone:
			if r == "ice_disconnected" {
				if !p.Disconnected() {
					t.Error("Disconnected() false after ice_disconnected")
				}
				continue
			}
			if r != "ice_failed" && r != "closed" {
				t.Errorf("reason %q", r)
			}
			return
		case <-deadline:
			t.Fatalf("no report after the browser left (state %s)", p.State())
		}
	}
}

// offeringPeer starts an engine on a loopback port and a peer on it, and
// returns the peer with its offer; both are closed when the test ends.
func offeringPeer(t *testing.T, cfg Config, gone func(string)) (*Engine, *Peer, []byte) {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	e, err := NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	p, err := e.NewPeer(gone)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Leg().Close() })
	offer, err := p.Offer()
	if err != nil {
		t.Fatal(err)
	}
	return e, p, offer
}

// heardOn records what reaches a leg from the browser: audio decoded to
// PCM, and digits.
type heardOn struct {
	mu     sync.Mutex
	pcm    []int16
	digits []rune
}

func listenTo(leg *media.Leg) *heardOn {
	h := &heardOn{}
	leg.SetSink(media.SinkFunc(func(f *media.Frame) {
		if f.Event {
			return
		}
		pcm := make([]int16, len(f.Payload))
		media.Decode(pcm, f.Payload, f.Codec)
		h.mu.Lock()
		h.pcm = append(h.pcm, pcm...)
		h.mu.Unlock()
	}))
	leg.OnDTMF(func(d rune) { h.mu.Lock(); h.digits = append(h.digits, d); h.mu.Unlock() })
	return h
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Behind a 1:1 NAT the offer's only candidate is the public address, on
// the one shared port; without it, the bound address.
func TestOfferCandidatesUseSharedPortAndPublicIP(t *testing.T) {
	for _, c := range []struct{ public, want, not string }{{"", "127.0.0.1", "203.0.113.7"}, {"203.0.113.7", "203.0.113.7", "127.0.0.1"}} {
		e, _, offer := offeringPeer(t, Config{PublicIP: c.public}, nil)
		want := fmt.Sprintf("%s %d typ host", c.want, e.Addr().Port())
		if !strings.Contains(string(offer), want) || strings.Contains(string(offer), c.not) {
			t.Errorf("public_ip %q: offer candidates lack %q or show %s:\n%s", c.public, want, c.not, offer)
		}
		if strings.Count(string(offer), " 1 udp ") != 1 || strings.Contains(string(offer), "transport-cc") {
			t.Errorf("public_ip %q: want one RTP candidate and no congestion-control feedback:\n%s", c.public, offer)
		}
	}
}
