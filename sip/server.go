package sip

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Listen is one SIP listening socket.
type Listen struct {
	Transport string      // udp, tcp or tls
	Addr      string      // host:port
	TLS       *tls.Config // the certificate of a tls listener
}

// Trunk admits carrier INVITEs by source address and, optionally, digest.
type Trunk struct {
	Name     string
	Sources  []netip.Prefix
	Username string
	Password string
}

// Config is what the SIP layer needs from Hotline's configuration.
type Config struct {
	Listen   []Listen
	PublicIP string // host written in Contact headers
	Realm    string
	Trunks   []Trunk
	Agents   map[string]string // agent id -> password
	// DigestAlgorithms are challenged in order; default MD5 only.
	DigestAlgorithms []string
	// BanAfter authentication failures from one address within BanWindow
	// ban it for BanFor (defaults 5, 1m, 5m); BanAllow is never banned.
	BanAfter  int
	BanWindow time.Duration
	BanFor    time.Duration
	BanAllow  []netip.Prefix
	// RatePerSource caps new INVITEs and REGISTERs per second from one
	// address (0 = no limit); excess gets 503 with Retry-After.
	RatePerSource int
	// CallsPerSecond caps new INVITEs per second from all addresses
	// together (0 = no limit); excess gets 503 with Retry-After.
	CallsPerSecond int
	// TLSRoots verifies carriers reached over TLS (nil: the system's roots).
	TLSRoots *x509.CertPool
	// Timers is the session-timer policy (RFC 4028).
	Timers TimerConfig
	Logger *slog.Logger
	Now    func() time.Time

	// T1 paces SIP retransmissions and timeouts (default 500ms); it is
	// process-wide in the SIP stack, so it is applied by New only.
	T1 time.Duration
}

// Handler receives what the SIP layer cannot decide alone.
type Handler interface {
	// NewCall is given an admitted trunk INVITE, or one from an agent's
	// registered phone (leg.Agent set); the handler owns the leg and must
	// answer or reject it.
	NewCall(leg *InboundLeg)
	Registered(b Binding)
	Unregistered(agentID string)
}

// Server is Hotline's SIP endpoint.
type Server struct {
	log     *slog.Logger
	now     func() time.Time
	handler Handler
	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	client  *sipgo.Client
	digest  *digester
	reg     *registrar
	guard   *authGuard
	limit   atomic.Pointer[rateLimiter] // per source; swapped by Reconfigure
	cps     atomic.Pointer[rateLimiter] // all sources together: one bucket

	mu       sync.RWMutex
	agents   map[string]string
	trunks   []Trunk
	cfg      Config
	udpAddr  *net.UDPAddr              // the UDP listener, so requests we send leave from it
	udpConns map[string]net.PacketConn // by local address, to answer malformed datagrams
	sent     responseCounts
	contacts map[string]sip.ContactHeader

	// OnTransportLost is told of an agent whose WebSocket closed (set
	// before serving /sip); the registration is already gone.
	OnTransportLost func(agentID string)
	wsOnce          sync.Once
	wsln            *connListener

	legs     sync.Map // dialog id -> leg (inbound or outbound)
	draining atomic.Bool
	closers  []func() error
	done     chan struct{}
}

// New builds a server; Start binds the sockets.
func New(cfg Config, h Handler) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Realm == "" {
		cfg.Realm = "hotline"
	}
	if cfg.T1 > 0 {
		sip.SetTimers(cfg.T1, sip.T2, sip.T4)
	}
	s := &Server{udpConns: map[string]net.PacketConn{}}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("Hotline"), sipgo.WithUserAgentHostname(cfg.PublicIP),
		sipgo.WithUserAgenTLSConfig(&tls.Config{RootCAs: cfg.TLSRoots, MinVersion: tls.VersionTLS12}),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerReadFilter(func(p sip.TransportReadProps, d []byte) ([]byte, error) {
			return s.readFilter(p, d)
		})))
	if err != nil {
		return nil, err
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(cfg.Logger))
	if err != nil {
		return nil, err
	}
	client, err := sipgo.NewClient(ua, sipgo.WithClientHostname(cfg.PublicIP), sipgo.WithClientLogger(cfg.Logger))
	if err != nil {
		return nil, err
	}
	s.log, s.now, s.handler, s.ua, s.srv, s.client = cfg.Logger, cfg.Now, h, ua, srv, client
	s.digest, s.reg = newDigester(cfg.Realm, cfg.Now), newRegistrar()
	s.guard = newAuthGuard(cfg.BanAfter, cfg.BanWindow, cfg.BanFor, cfg.BanAllow)
	s.setLimits(cfg, Config{})
	s.contacts, s.done = map[string]sip.ContactHeader{}, make(chan struct{})
	if len(cfg.DigestAlgorithms) > 0 {
		s.digest.algorithms = cfg.DigestAlgorithms
	}
	s.Reconfigure(cfg)
	srv.OnInvite(s.handleInvite)
	srv.OnAck(s.handleAck)
	srv.OnBye(s.handleBye)
	srv.OnCancel(func(req *sip.Request, tx sip.ServerTransaction) {
		// The transaction layer already matched and answered a CANCEL of a
		// live INVITE; one that reaches us matched nothing.
		s.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
	})
	srv.OnRegister(s.handleRegister)
	srv.OnOptions(s.handleOptions)
	srv.OnInfo(s.handleInfo)
	srv.OnUpdate(s.handleUpdate)
	srv.OnRequest(sip.REFER, s.handleRefer)
	srv.OnNoRoute(func(req *sip.Request, tx sip.ServerTransaction) {
		code, reason := unservedStatus(req.Method.String())
		s.respond(req, tx, code, reason, nil, sip.NewHeader("Allow", allowed))
	})
	return s, nil
}

const allowed = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REGISTER, REFER"

// Reconfigure swaps trunks and agent passwords; calls in progress keep going.
func (s *Server) Reconfigure(cfg Config) {
	agents := make(map[string]string, len(cfg.Agents))
	for k, v := range cfg.Agents {
		agents[k] = v
	}
	s.mu.Lock()
	s.agents, s.trunks = agents, append([]Trunk(nil), cfg.Trunks...)
	s.cfg.Listen, s.cfg.PublicIP = cfg.Listen, cfg.PublicIP
	s.cfg.Timers = cfg.Timers
	old := s.cfg
	s.cfg.RatePerSource, s.cfg.CallsPerSecond = cfg.RatePerSource, cfg.CallsPerSecond
	s.mu.Unlock()
	s.setLimits(cfg, old)
}

// setLimits (re)builds the rate limiters whose rate changed; an unchanged
// one keeps its buckets, so a reload does not hand a flood fresh tokens.
func (s *Server) setLimits(cfg, old Config) {
	if s.limit.Load() == nil || cfg.RatePerSource != old.RatePerSource {
		s.limit.Store(newRateLimiter(cfg.RatePerSource, 2*cfg.RatePerSource))
	}
	if s.cps.Load() == nil || cfg.CallsPerSecond != old.CallsPerSecond {
		s.cps.Store(newRateLimiter(cfg.CallsPerSecond, cfg.CallsPerSecond))
	}
}

// Start binds every listener and serves until Close.
func (s *Server) Start(ctx context.Context) error {
	for _, l := range s.cfg.Listen {
		network := strings.ToLower(l.Transport)
		switch network {
		case "udp":
			pc, err := net.ListenPacket("udp", l.Addr)
			if err != nil {
				return fmt.Errorf("sip listen udp %s: %w", l.Addr, err)
			}
			s.mu.Lock()
			if s.udpAddr == nil {
				s.udpAddr = pc.LocalAddr().(*net.UDPAddr)
			}
			s.udpConns[pc.LocalAddr().String()] = pc
			s.mu.Unlock()
			s.setContact("udp", pc.LocalAddr().(*net.UDPAddr).Port)
			s.closers = append(s.closers, pc.Close)
			go func() { _ = s.srv.ServeUDP(countingPacketConn{pc, &s.sent}) }()
		case "tcp":
			ln, err := net.Listen("tcp", l.Addr)
			if err != nil {
				return fmt.Errorf("sip listen tcp %s: %w", l.Addr, err)
			}
			s.setContact("tcp", ln.Addr().(*net.TCPAddr).Port)
			s.closers = append(s.closers, ln.Close)
			go func() { _ = s.srv.ServeTCP(countingListener{ln, &s.sent}) }()
		case "tls":
			if l.TLS == nil {
				return fmt.Errorf("sip listen tls %s: no certificate", l.Addr)
			}
			ln, err := tls.Listen("tcp", l.Addr, l.TLS)
			if err != nil {
				return fmt.Errorf("sip listen tls %s: %w", l.Addr, err)
			}
			s.setContact("tls", ln.Addr().(*net.TCPAddr).Port)
			s.closers = append(s.closers, ln.Close)
			go func() { _ = s.srv.ServeTLS(countingListener{ln, &s.sent}) }()
		default:
			return fmt.Errorf("sip listen: unsupported transport %q", l.Transport)
		}
		s.log.Info("sip listening", "transport", network, "addr", l.Addr)
	}
	go s.expiryLoop(s.done)
	return nil
}

func (s *Server) setContact(network string, port int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "hotline", Host: s.cfg.PublicIP, Port: port}}
	if network != "udp" {
		c.Address.UriParams = sip.NewParams()
		c.Address.UriParams.Add("transport", network)
	}
	s.contacts[network] = c
}

// contact returns our Contact for a transport.
func (s *Server) contact(transport string) sip.ContactHeader {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if c, ok := s.contacts[strings.ToLower(transport)]; ok {
		return c
	}
	for _, c := range s.contacts {
		return c
	}
	return sip.ContactHeader{Address: sip.Uri{Scheme: "sip", Host: s.cfg.PublicIP}}
}

// Addr returns the bound address of the first listener of a transport.
func (s *Server) Addr(transport string) string {
	c := s.contact(transport)
	return net.JoinHostPort(c.Address.Host, fmt.Sprint(c.Address.Port))
}

// SetDraining makes new INVITEs get 503 (shutdown, overload).
func (s *Server) SetDraining(v bool) { s.draining.Store(v) }

// Lookup returns an agent's live registration.
func (s *Server) Lookup(agentID string) (Binding, bool) { return s.reg.get(agentID, s.now()) }

// Close stops the listeners.
func (s *Server) Close() error {
	select {
	case <-s.done:
		return nil
	default:
		close(s.done)
	}
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c())
	}
	_ = s.srv.Close()
	_ = s.ua.Close()
	return errors.Join(errs...)
}

func (s *Server) respond(req *sip.Request, tx sip.ServerTransaction, code int, reason string, body []byte, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, body)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		s.log.Debug("respond failed", "code", code, "error", err)
	}
}

func (s *Server) handleOptions(req *sip.Request, tx sip.ServerTransaction) {
	if s.refuse(req, tx) {
		return
	}
	s.respond(req, tx, 200, "OK", nil,
		sip.NewHeader("Allow", allowed),
		sip.NewHeader("Accept", "application/sdp, application/dtmf-relay, application/dtmf"))
}

// trunkFor finds the trunk admitting a source ip:port.
func (s *Server) trunkFor(source string) (Trunk, bool) {
	host, _, err := net.SplitHostPort(source)
	if err != nil {
		return Trunk{}, false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return Trunk{}, false
	}
	ip = ip.Unmap()
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, t := range s.trunks {
		for _, p := range t.Sources {
			if p.Contains(ip) {
				return t, true
			}
		}
	}
	return Trunk{}, false
}

func (s *Server) handleInvite(req *sip.Request, tx sip.ServerTransaction) {
	if to := req.To(); to != nil {
		if _, ok := to.Params.Get("tag"); ok {
			s.handleReInvite(req, tx)
			return
		}
	}
	if s.draining.Load() {
		s.respond(req, tx, 503, "Service Unavailable", nil, sip.NewHeader("Retry-After", "30"))
		return
	}
	if !s.limit.Load().allow(req.Source(), s.now()) {
		s.respond(req, tx, 503, "Service Unavailable", nil, sip.NewHeader("Retry-After", "5"))
		return
	}
	if !s.cps.Load().take(netip.Addr{}, s.now()) {
		// Overload: refused before any media or record is allocated, so the
		// calls already up keep their CPU and ports.
		s.respond(req, tx, 503, "Service Unavailable", nil, sip.NewHeader("Retry-After", "1"))
		return
	}
	// An agent's registered phone (From is the agent) is recognised before
	// trunks, since a phone may share an address a trunk lists.
	var trunk Trunk
	agent, ok := s.agentCaller(req)
	switch {
	case ok:
		if _, ok = s.authAgent(req, tx, agent); !ok {
			return
		}
	default:
		if trunk, ok = s.trunkFor(req.Source()); !ok {
			if agent, ok = s.agentInvite(req, tx); !ok {
				return
			}
		}
	}
	if agent == "" && trunk.Password != "" {
		if s.guard.banned(req.Source(), s.now()) {
			s.respond(req, tx, 403, "Forbidden", nil)
			return
		}
		user, err := s.digest.verify(authorization(req), "INVITE", func(u string) (string, bool) {
			return trunk.Password, u == trunk.Username
		})
		if err != nil {
			s.challenge(req, tx, err, user)
			return
		}
	}
	if s.refuse(req, tx) {
		return
	}
	if ct := req.ContentType(); req.Body() != nil && len(req.Body()) > 0 && (ct == nil || !strings.Contains(strings.ToLower(ct.Value()), "application/sdp")) {
		s.respond(req, tx, 415, "Unsupported Media Type", nil, sip.NewHeader("Accept", "application/sdp"))
		return
	}
	st, ok := s.sessionTimer(req, tx)
	if !ok {
		return
	}
	dua := &sipgo.DialogUA{Client: s.client, ContactHDR: s.contact(req.Transport())}
	ds, err := dua.ReadInvite(req, tx)
	if err != nil {
		s.respond(req, tx, 400, "Bad Request", nil)
		return
	}
	leg := newInboundLeg(s, trunk.Name, req, tx, ds)
	leg.st = st
	leg.Agent = agent
	s.legs.Store(ds.ID, leg)
	_ = ds.Respond(100, "Trying", nil)
	s.handler.NewCall(leg)
	// Keep the handler (and so the transaction) alive until the INVITE
	// transaction ends: answered, rejected or cancelled.
	<-leg.txDone
}

func (s *Server) lookupLeg(req *sip.Request) legHandler {
	if id, err := sip.DialogIDFromRequestUAS(req); err == nil {
		if v, ok := s.legs.Load(id); ok {
			return v.(legHandler)
		}
	}
	if id, err := sip.DialogIDFromRequestUAC(req); err == nil {
		if v, ok := s.legs.Load(id); ok {
			return v.(legHandler)
		}
	}
	return nil
}

// legHandler is what both leg kinds do with in-dialog requests.
type legHandler interface {
	onBye(req *sip.Request, tx sip.ServerTransaction)
	onAck(req *sip.Request, tx sip.ServerTransaction)
	onReInvite(req *sip.Request, tx sip.ServerTransaction)
	onInfo(req *sip.Request, tx sip.ServerTransaction)
}

func (s *Server) handleAck(req *sip.Request, tx sip.ServerTransaction) {
	if l := s.lookupLeg(req); l != nil {
		l.onAck(req, tx)
	}
}

func (s *Server) handleBye(req *sip.Request, tx sip.ServerTransaction) {
	if l := s.lookupLeg(req); l != nil {
		l.onBye(req, tx)
		return
	}
	s.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
}

func (s *Server) handleReInvite(req *sip.Request, tx sip.ServerTransaction) {
	if l := s.lookupLeg(req); l != nil {
		l.onReInvite(req, tx)
		return
	}
	s.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
}

// handleUpdate answers UPDATE without SDP (session refresh) and treats one
// with SDP like a re-INVITE.
func (s *Server) handleUpdate(req *sip.Request, tx sip.ServerTransaction) {
	l := s.lookupLeg(req)
	if l == nil {
		s.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
		return
	}
	if len(req.Body()) == 0 {
		var hs []sip.Header
		if r, ok := l.(refreshable); ok {
			hs = r.refreshed()
		}
		s.respond(req, tx, 200, "OK", nil, hs...)
		return
	}
	l.onReInvite(req, tx)
}

func (s *Server) handleInfo(req *sip.Request, tx sip.ServerTransaction) {
	if l := s.lookupLeg(req); l != nil {
		l.onInfo(req, tx)
		return
	}
	s.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
}

func (s *Server) forget(id string) {
	if id != "" {
		s.legs.Delete(id)
	}
}
