package config

import (
	"net"
	"net/netip"
	"strconv"
	"time"
)

// WebRTCConfig is `server.webrtc`: browser agents. Their SIP runs over
// WebSocket at /sip on the HTTP listener (wss when server.http has a
// certificate); their media is ICE/DTLS-SRTP on one UDP port.
type WebRTCConfig struct {
	Enabled bool `yaml:"enabled"`
	// ICEAddr is the UDP host:port every browser leg shares (ICE mux);
	// default rtp.ip with port port_max+2.
	ICEAddr string `yaml:"ice_addr"`
	// PublicIP replaces the bound address in ICE candidates (1:1 NAT).
	PublicIP string `yaml:"public_ip"`
	// ICEDisconnected and ICEFailed are the consent timeouts: a browser
	// silent this long is disconnected, then failed and its call leg ended
	// (defaults 5s and 15s).
	ICEDisconnected Duration `yaml:"ice_disconnected"`
	ICEFailed       Duration `yaml:"ice_failed"`
	// Opus offers Opus to browsers ahead of G.711, transcoded at the
	// switch; it needs libopus (libopus.so.0) at run time.
	Opus bool `yaml:"opus"`
}

func (c *Config) webrtcDefaults() {
	s := &c.Server
	w := &s.WebRTC
	if w.ICEAddr == "" {
		w.ICEAddr = net.JoinHostPort(s.RTP.IP, strconv.Itoa(min(s.RTP.PortMax+2, 65535)))
	}
	if w.ICEDisconnected == 0 {
		w.ICEDisconnected = Duration(5 * time.Second)
	}
	if w.ICEFailed == 0 {
		w.ICEFailed = Duration(15 * time.Second)
	}
}

func (v *validator) webrtc() {
	s := v.cfg.Server
	w := s.WebRTC
	if (s.HTTP.CertFile == "") != (s.HTTP.KeyFile == "") {
		v.add(at("server", "http", "cert_file"), ErrInvalid, "cert_file and key_file go together")
	}
	if !w.Enabled {
		return
	}
	v.hostPort(at("server", "webrtc", "ice_addr"), w.ICEAddr)
	if w.PublicIP != "" {
		if _, err := netip.ParseAddr(w.PublicIP); err != nil {
			v.add(at("server", "webrtc", "public_ip"), ErrInvalid, "%q is not an IP address", w.PublicIP)
		}
	}
	if d, f := w.ICEDisconnected.D(), w.ICEFailed.D(); d < time.Second || f <= d || f > 5*time.Minute {
		v.add(at("server", "webrtc", "ice_failed"), ErrInvalid, "want 1s ≤ ice_disconnected (%s) < ice_failed (%s) ≤ 5m", d, f)
	}
}
