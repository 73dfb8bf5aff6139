// Package rtc terminates WebRTC media for browser agents with pion/webrtc:
// ICE on one UDP port shared by every peer (ICE UDP mux), DTLS 1.2 and
// SRTP, G.711 and RFC 4733 (and Opus where enabled, transcoded to G.711 at
// the peer), so the packets the leg sees are the same RTP a SIP phone sends
// and the rest of the switch treats a browser leg as a media.Leg with
// another transport.
package rtc

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/webrtc/v4"

	"github.com/hotline/hotline/media/opus"
)

// Config is what the engine needs from Hotline's configuration.
type Config struct {
	// Listen is the UDP address every browser leg's ICE, DTLS and SRTP
	// share, e.g. 127.0.0.1:20999.
	Listen string
	// PublicIP, when set, replaces the bound address in our ICE
	// candidates (a 1:1 NAT in front of the switch).
	PublicIP string
	// Disconnected and Failed are the ICE consent timeouts: a browser
	// silent this long is disconnected, then failed (its leg ends).
	Disconnected, Failed time.Duration
	// Opus offers and accepts Opus ahead of G.711 (libopus must load:
	// see media/opus); browser audio is then transcoded to G.711.
	Opus   bool
	Logger *slog.Logger
}

// Engine creates browser peers on the shared UDP port.
type Engine struct {
	api   *webrtc.API
	conn  net.PacketConn
	mux   ice.UDPMux
	local netip.AddrPort
	opus  bool
	log   *slog.Logger
}

// Payload types of our offers; a browser answering keeps them.
const (
	ptPCMU  = 0
	ptPCMA  = 8
	ptEvent = 101
)

// NewEngine binds the ICE port.
func NewEngine(cfg Config) (*Engine, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Disconnected <= 0 {
		cfg.Disconnected = 5 * time.Second
	}
	if cfg.Failed <= 0 {
		cfg.Failed = 15 * time.Second
	}
	conn, err := net.ListenPacket("udp4", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("webrtc listen %s: %w", cfg.Listen, err)
	}
	local := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	if cfg.Opus {
		if err := opus.Load(); err != nil {
			conn.Close()
			return nil, err
		}
	}

	me := &webrtc.MediaEngine{}
	for _, c := range codecs(cfg.Opus) {
		if err := me.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			conn.Close()
			return nil, err
		}
	}
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelWarn
	mux := webrtc.NewICEUDPMux(lf.NewLogger("ice"), conn)

	se := webrtc.SettingEngine{LoggerFactory: lf}
	se.SetICEUDPMux(mux)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetICETimeouts(cfg.Disconnected, cfg.Failed, 2*time.Second)
	if local.Addr().IsLoopback() {
		se.SetIncludeLoopbackCandidate(true)
	}
	if cfg.PublicIP != "" && cfg.PublicIP != local.Addr().String() {
		if err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
			External: []string{cfg.PublicIP}, AsCandidateType: webrtc.ICECandidateTypeHost,
		}); err != nil {
			conn.Close()
			return nil, err
		}
	}
	// An empty interceptor registry (pion's default adds NACK, TWCC and
	// RTCP reports): 20 ms G.711 frames need none of it, and nothing then
	// touches our packets on the way out.
	api := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se),
		webrtc.WithInterceptorRegistry(&interceptor.Registry{}))
	cfg.Logger.Info("webrtc media listening", "udp", local.String(), "public_ip", cfg.PublicIP)
	return &Engine{api: api, conn: conn, mux: mux, local: local, opus: cfg.Opus, log: cfg.Logger}, nil
}

// codecs are the audio formats we offer and accept, preferred first: Opus
// (48 kHz, as browsers number it) when enabled, then G.711, and
// telephone-event at each audio clock rate (a browser sends the one
// matching the codec in use).
func codecs(withOpus bool) []webrtc.RTPCodecParameters {
	var cs []webrtc.RTPCodecParameters
	if withOpus {
		cs = append(cs, webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: ptOpus})
	}
	cs = append(cs,
		webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, PayloadType: ptPCMU},
		webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000}, PayloadType: ptPCMA})
	if withOpus {
		cs = append(cs, webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: "audio/telephone-event", ClockRate: 48000, SDPFmtpLine: "0-16"}, PayloadType: ptEvent48})
	}
	return append(cs, webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
		MimeType: "audio/telephone-event", ClockRate: 8000, SDPFmtpLine: "0-16"}, PayloadType: ptEvent})
}

// Addr is the bound ICE port.
func (e *Engine) Addr() netip.AddrPort { return e.local }

// Close releases the port; peers still up fail.
func (e *Engine) Close() error {
	_ = e.mux.Close()
	return e.conn.Close()
}
