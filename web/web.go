// Package web serves the agent desktop: a browser softphone (JsSIP over
// WebSocket to /sip, WebRTC media) with the CTI WebSocket for state and
// screen pops, all embedded in the binary. Agents log in with their SIP
// credentials; the login returns a short-lived CTI token for role
// agent:<id>, so no per-agent token lives in the configuration.
package web

import (
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

//go:embed agent
var assets embed.FS

// Default reason and disposition codes offered by the page.
var (
	DefaultReasons      = []string{"break", "lunch", "training", "meeting", "admin"}
	DefaultDispositions = []string{"resolved", "follow_up", "escalated", "sale", "no_sale", "wrong_number"}
)

// Options wire the desktop to the switch.
type Options struct {
	// Password returns an agent's SIP password (false: no such agent).
	Password func(agentID string) (string, bool)
	// Name is the agent's display name.
	Name      func(agentID string) string
	Sessions  *Sessions
	SIPDomain func() string // host of the agents' SIP URIs
	Logger    *slog.Logger
	Now       func() time.Time
}

// Handler serves /agent/ (the page and its assets) and POST /agent/login.
func Handler(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	sub, _ := fs.Sub(assets, "agent")
	static := http.StripPrefix("/agent/", http.FileServer(http.FS(sub)))
	lim := &failLimiter{fails: map[string][]time.Time{}, now: o.Now}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /agent", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/agent/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /agent/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; media-src 'self' blob:")
		static.ServeHTTP(w, r)
	})
	mux.HandleFunc("POST /agent/login", func(w http.ResponseWriter, r *http.Request) { login(o, lim, w, r) })
	return mux
}

type loginReq struct {
	Agent    string `json:"agent"`
	Password string `json:"password"`
}

// LoginResponse is what the page gets for good credentials.
type LoginResponse struct {
	Agent        string   `json:"agent"`
	Name         string   `json:"name"`
	Token        string   `json:"token"` // CTI login token, role agent:<id>
	ExpiresIn    int      `json:"expires_in"`
	SIPDomain    string   `json:"sip_domain"`
	SIPPath      string   `json:"sip_path"`
	Reasons      []string `json:"reasons"`
	Dispositions []string `json:"dispositions"`
}

func login(o Options, lim *failLimiter, w http.ResponseWriter, r *http.Request) {
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	if lim.blocked(ip) {
		http.Error(w, "too many failed logins; try again later", http.StatusTooManyRequests)
		return
	}
	var req loginReq
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	want, ok := o.Password(req.Agent)
	if !ok {
		want = "\x00never" // compare anyway: the timing must not reveal unknown ids
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(req.Password)) != 1 || !ok || req.Password == "" {
		lim.fail(ip)
		o.Logger.Warn("agent desktop login failed", "agent", req.Agent, "source", r.RemoteAddr)
		http.Error(w, "wrong agent or password", http.StatusUnauthorized)
		return
	}
	tok := o.Sessions.Issue(req.Agent)
	res := LoginResponse{
		Agent: req.Agent, Name: o.Name(req.Agent), Token: tok, ExpiresIn: int(o.Sessions.ttl / time.Second),
		SIPDomain: o.SIPDomain(), SIPPath: "/sip", Reasons: DefaultReasons, Dispositions: DefaultDispositions,
	}
	o.Logger.Info("agent desktop login", "agent", req.Agent, "source", r.RemoteAddr)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(res)
}

// Sessions are the CTI tokens issued by the desktop login.
type Sessions struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[string]session
}

type session struct {
	agent string
	exp   time.Time
}

// NewSessions issues tokens valid for ttl (for a CTI login; a reconnecting
// page logs in again).
func NewSessions(ttl time.Duration, now func() time.Time) *Sessions {
	if now == nil {
		now = time.Now
	}
	return &Sessions{ttl: ttl, now: now, m: map[string]session{}}
}

// Issue returns a new random token for an agent.
func (s *Sessions) Issue(agent string) string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	tok := "ad_" + hex.EncodeToString(b[:])
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m {
		if now.After(v.exp) {
			delete(s.m, k)
		}
	}
	s.m[tok] = session{agent: agent, exp: now.Add(s.ttl)}
	return tok
}

// Role is the CTI role of a live token: "agent:<id>".
func (s *Sessions) Role(token string) (string, bool) {
	if !strings.HasPrefix(token, "ad_") {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[token]
	if !ok || s.now().After(v.exp) {
		return "", false
	}
	return "agent:" + v.agent, true
}

// failLimiter blocks an address after 5 failed logins within a minute.
type failLimiter struct {
	mu    sync.Mutex
	now   func() time.Time
	fails map[string][]time.Time
}

func (l *failLimiter) recent(ip string) []time.Time {
	cut := l.now().Add(-time.Minute)
	f := l.fails[ip]
	for len(f) > 0 && f[0].Before(cut) {
		f = f[1:]
	}
	if len(f) == 0 {
		delete(l.fails, ip) // the map holds only addresses failing now
		return nil
	}
	l.fails[ip] = f
	return f
}

func (l *failLimiter) blocked(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(ip)) >= 5
}

func (l *failLimiter) fail(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fails[ip] = append(l.recent(ip), l.now())
}
