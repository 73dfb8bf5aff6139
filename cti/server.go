package cti

import (
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server serves the CTI protocol over TCP/TLS (ServeTCP) and WebSocket
// (Handler) to authenticated clients.
type Server struct {
	bus    *Bus
	ctl    Controller
	tokens []tokenEntry
	calls  *callTracker
	unobs  func()
	limit  *loginLimiter

	tlsConfig      *tls.Config
	allowPlain     bool
	now            func() time.Time
	sendQueue      int
	subBuffer      int
	writeTimeout   time.Duration
	commandTimeout time.Duration
	loginMax       int
	loginWindow    time.Duration
	origins        []string
	log            *slog.Logger
	tokenCheck     func(token string) (role string, ok bool)
	supervises     func(agent string) bool

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	sessions  map[*session]struct{}
	wg        sync.WaitGroup
}

// Option configures a Server.
type Option func(*Server)

// WithTLS serves ServeTCP connections over TLS.
func WithTLS(cfg *tls.Config) Option { return func(s *Server) { s.tlsConfig = cfg } }

// AllowRemotePlain lets ServeTCP accept plain TCP on a non-loopback address
// (tokens then cross the network in clear; meant for trusted LANs only).
func AllowRemotePlain() Option { return func(s *Server) { s.allowPlain = true } }

// WithClock sets the clock used for login rate limiting (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithSendQueue bounds each client's outgoing queue in messages (default
// 256). A client whose queue is full is disconnected.
func WithSendQueue(n int) Option { return func(s *Server) { s.sendQueue = max(n, 1) } }

// WithSubscriptionBuffer sets each client's bus subscription queue (default 1024).
func WithSubscriptionBuffer(n int) Option { return func(s *Server) { s.subBuffer = max(n, 1) } }

// WithWriteTimeout bounds a single write to a client (default 10s).
func WithWriteTimeout(d time.Duration) Option { return func(s *Server) { s.writeTimeout = d } }

// WithCommandTimeout bounds each Controller call (default 10s).
func WithCommandTimeout(d time.Duration) Option { return func(s *Server) { s.commandTimeout = d } }

// WithLoginLimit blocks an IP for window after n failed logins within
// window (default 5 per minute).
func WithLoginLimit(n int, window time.Duration) Option {
	return func(s *Server) { s.loginMax, s.loginWindow = n, window }
}

// WithOriginPatterns lists extra Origin host patterns allowed to open the
// WebSocket (same-origin is always allowed).
func WithOriginPatterns(p ...string) Option { return func(s *Server) { s.origins = p } }

// WithTokenCheck accepts tokens issued at run time besides the configured
// ones (an agent desktop's login session): check returns the token's role.
func WithTokenCheck(check func(token string) (role string, ok bool)) Option {
	return func(s *Server) { s.tokenCheck = check }
}

// WithAgentSupervisors says which agents may supervise (listen, whisper,
// barge with their own phone, snapshot, and every call's events) over an
// agent:<id> login. It is asked at each command, so a reloaded
// configuration applies at once; without it no agent may.
func WithAgentSupervisors(supervises func(agent string) bool) Option {
	return func(s *Server) { s.supervises = supervises }
}

func (s *Server) agentSupervises(agent string) bool {
	return s.supervises != nil && s.supervises(agent)
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// NewServer returns a server publishing security events on bus and sending
// commands to ctl. Tokens with an empty secret or an unknown role are skipped
// (and logged); validate them beforehand with ParseRole.
func NewServer(bus *Bus, ctl Controller, tokens []Token, opts ...Option) *Server {
	s := &Server{
		bus: bus, ctl: ctl, calls: newCallTracker(),
		now: time.Now, sendQueue: 256, subBuffer: 1024,
		writeTimeout: 10 * time.Second, commandTimeout: 10 * time.Second,
		loginMax: 5, loginWindow: time.Minute, log: slog.Default(),
		listeners: map[net.Listener]struct{}{}, sessions: map[*session]struct{}{},
	}
	for _, o := range opts {
		o(s)
	}
	for _, t := range tokens {
		p, err := ParseRole(t.Role)
		if err != nil || t.Token == "" {
			s.log.Warn("cti: skipping invalid token entry", "role", t.Role, "err", err)
			continue
		}
		s.tokens = append(s.tokens, tokenEntry{hash: sha256.Sum256([]byte(t.Token)), p: p})
	}
	s.limit = newLoginLimiter(s.now, max(s.loginMax, 1), s.loginWindow)
	s.unobs = bus.addObserver(s.calls.observe)
	return s
}

// ServeTCP accepts CTI clients on ln until Close, then returns ErrServerClosed.
// Plain TCP is refused on a non-loopback address unless TLS or
// AllowRemotePlain is configured.
func (s *Server) ServeTCP(ln net.Listener) error {
	if s.tlsConfig == nil && !s.allowPlain {
		if a, ok := ln.Addr().(*net.TCPAddr); ok && !a.IP.IsLoopback() {
			return ErrPlainRemote
		}
	}
	if s.tlsConfig != nil {
		ln = tls.NewListener(ln, s.tlsConfig)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
	}()

	var backoff time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		s.start(newTCPTransport(conn))
	}
}

// Clients is how many CTI connections are open now.
func (s *Server) Clients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Handler serves the protocol over WebSocket, one JSON message per text
// frame; mount it at /cti.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveWS) }

// Close stops the listeners, disconnects every client (telling it why when
// its connection allows) and waits for their goroutines to end.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	for ln := range s.listeners {
		ln.Close()
	}
	for ss := range s.sessions {
		ss.kill(errf(CodeShuttingDown, "server shutting down"), true)
	}
	s.mu.Unlock()
	s.unobs()
	s.wg.Wait()
	return nil
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// start runs a session on its own goroutine; false if the server is closed.
func (s *Server) start(tr transport) bool {
	ss := s.register(tr)
	if ss == nil {
		return false
	}
	go func() {
		defer s.wg.Done()
		ss.run()
	}()
	return true
}

// register adds a session under the server lock so Close sees it; the caller
// must run it and then call wg.Done.
func (s *Server) register(tr transport) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		tr.Close()
		return nil
	}
	ss := newSession(s, tr)
	s.sessions[ss] = struct{}{}
	s.wg.Add(1)
	return ss
}

func (s *Server) unregister(ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, ss)
}
