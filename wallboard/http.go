package wallboard

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"time"

	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/webauth"
)

//go:embed static
var staticFS embed.FS

// CookieName holds the board's token in the browser: HttpOnly (page
// scripts never see it), SameSite=Strict, limited to /wallboard. It is
// checked against the configured tokens on every request, so a token
// removed by a reload locks the board out at its next request.
const CookieName = "hotline_wallboard"

// Roles that may watch the board: it names agents and their states.
var Roles = []cti.Role{cti.RoleSupervisor, cti.RoleAdmin}

// Server serves the board's routes.
type Server struct {
	hub    *Hub
	tokens webauth.Tokens
}

// NewServer serves hub's board to holders of a supervisor or admin token.
func NewServer(hub *Hub, tokens webauth.Tokens) *Server { return &Server{hub: hub, tokens: tokens} }

// Register adds /wallboard, /wallboard/login, /wallboard/logout,
// /wallboard/events and /wallboard/static/ to mux.
func (s *Server) Register(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /wallboard/static/", http.StripPrefix("/wallboard/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /wallboard", s.page)
	mux.HandleFunc("POST /wallboard/login", s.login)
	mux.HandleFunc("POST /wallboard/logout", s.logout)
	mux.HandleFunc("GET /wallboard/events", s.events)
}

// authorized returns the principal of the request's cookie or bearer token.
func (s *Server) authorized(r *http.Request) bool {
	tok := webauth.Bearer(r)
	if c, err := r.Cookie(CookieName); tok == "" && err == nil {
		tok = c.Value
	}
	return s.allowed(tok)
}

func (s *Server) allowed(tok string) bool {
	p, ok := webauth.Check(s.tokens(), tok)
	return ok && webauth.Allowed(p, Roles...)
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, tok string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: tok, Path: "/wallboard", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
}

// page serves the board; ?token= logs the browser in (a wall display's
// bookmark) and redirects so the token leaves the address bar and history.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	if tok := r.URL.Query().Get("token"); tok != "" {
		if !s.allowed(tok) {
			s.loginForm(w, http.StatusUnauthorized, "That token is not valid for the wallboard.")
			return
		}
		s.setCookie(w, r, tok, int((30 * 24 * time.Hour).Seconds()))
		http.Redirect(w, r, "/wallboard", http.StatusSeeOther)
		return
	}
	if !s.authorized(r) {
		s.loginForm(w, http.StatusUnauthorized, "")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	b, _ := staticFS.ReadFile("static/board.html")
	_, _ = w.Write(b)
}

var loginTmpl = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hotline wallboard — sign in</title>
<link rel="icon" href="/wallboard/static/favicon.svg"><link rel="stylesheet" href="/wallboard/static/board.css"></head>
<body class="login"><form method="post" action="/wallboard/login">
<h1>Hotline wallboard</h1>
<p>Sign in with a supervisor or admin CTI token.</p>
{{if .}}<p class="error" role="alert">{{.}}</p>{{end}}
<input type="password" name="token" autocomplete="current-password" placeholder="token" required autofocus>
<button type="submit">Sign in</button></form></body></html>
`))

func (s *Server) loginForm(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = loginTmpl.Execute(w, msg)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	tok := r.PostFormValue("token")
	if !s.allowed(tok) {
		s.loginForm(w, http.StatusUnauthorized, "That token is not valid for the wallboard.")
		return
	}
	s.setCookie(w, r, tok, int((30 * 24 * time.Hour).Seconds()))
	http.Redirect(w, r, "/wallboard", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	s.setCookie(w, r, "", -1)
	http.Redirect(w, r, "/wallboard", http.StatusSeeOther)
}

// events is the board's Server-Sent Events stream: a snapshot, then deltas.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	if !s.authorized(r) {
		webauth.Error(w, http.StatusUnauthorized, "unauthorized", "a supervisor or admin token is required")
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		webauth.Error(w, http.StatusInternalServerError, "no_streaming", "streaming unsupported")
		return
	}
	ch, snap := s.hub.subscribe()
	defer s.hub.unsubscribe(ch)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	write := func(b []byte) bool {
		_, err := w.Write([]byte("data: "))
		if err == nil {
			_, err = w.Write(b)
		}
		if err == nil {
			_, err = w.Write([]byte("\n\n"))
		}
		fl.Flush()
		return err == nil
	}
	if _, err := w.Write([]byte("retry: 2000\n\n")); err != nil || !write(snap) {
		return
	}
	keep := time.NewTicker(15 * time.Second) // proxies drop silent streams
	defer keep.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case b, ok := <-ch:
			if !ok || !write(b) {
				return // dropped as too slow: the page reconnects to a fresh snapshot
			}
		case <-keep.C:
			if _, err := w.Write([]byte(": keep-alive\n\n")); err != nil {
				return
			}
			fl.Flush()
		}
	}
}
