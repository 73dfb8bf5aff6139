package call

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hotline/hotline/report"
	"github.com/hotline/hotline/web"
)

// The switch's web side besides CTI and metrics: the report API and the
// wallboard. Both take the CTI tokens: a bearer header for programs, a
// cookie (set from ?token= once) for the wallboard in a browser.

const tokenCookie = "hotline_token"

// webRole is the role of the request's token ("" when none matches).
func (sw *Switch) webRole(r *http.Request) string {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if tok == "" {
		if c, err := r.Cookie(tokenCookie); err == nil {
			tok = c.Value
		}
	}
	if tok == "" {
		return ""
	}
	h := sha256.Sum256([]byte(tok))
	role := ""
	for _, t := range sw.cfg().CTI.Tokens {
		th := sha256.Sum256([]byte(t.Token))
		if subtle.ConstantTimeCompare(h[:], th[:]) == 1 {
			role = t.Role
		}
	}
	return role
}

// allow answers 401/403 itself and reports whether the request may go on.
func (sw *Switch) allow(w http.ResponseWriter, r *http.Request, roles ...string) bool {
	role := sw.webRole(r)
	if role == "" {
		httpError(w, http.StatusUnauthorized, "auth_required", "send Authorization: Bearer <token> (a CTI token)")
		return false
	}
	for _, ok := range roles {
		if role == ok {
			return true
		}
	}
	httpError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("role %s may not read this", role))
	return false
}

func httpError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// registerWeb adds the report API and the wallboard to the HTTP mux.
func (sw *Switch) registerWeb(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/reports/{kind}", sw.serveReport)
	mux.HandleFunc("GET /api/wallboard", func(w http.ResponseWriter, r *http.Request) {
		if !sw.allow(w, r, "supervisor", "admin") {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(sw.board(r.Context(), sw.now()))
	})
	mux.HandleFunc("GET /api/wallboard/events", sw.serveBoardEvents)
	pages, _ := fs.Sub(web.Wallboard, "wallboard")
	files := http.FileServerFS(pages)
	mux.HandleFunc("GET /wallboard/", func(w http.ResponseWriter, r *http.Request) {
		if tok := r.URL.Query().Get("token"); tok != "" {
			// Trade the token in the link for a cookie, so it leaves the
			// address bar (and the browser history) at once.
			http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: tok, Path: "/", HttpOnly: true,
				SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
			http.Redirect(w, r, "/wallboard/", http.StatusSeeOther)
			return
		}
		if !sw.allow(w, r, "supervisor", "admin") {
			return
		}
		http.StripPrefix("/wallboard", files).ServeHTTP(w, r)
	})
	mux.Handle("GET /wallboard", http.RedirectHandler("/wallboard/", http.StatusMovedPermanently))
}

// serveReport is GET /api/reports/{queue|agent}?from=&to=&interval=&sl=&short_abandon=&queue=&agent=&format=json|csv:
// the numbers of `hotline report`, from the same code.
func (sw *Switch) serveReport(w http.ResponseWriter, r *http.Request) {
	if !sw.allow(w, r, "supervisor", "admin", "crm") {
		return
	}
	q := r.URL.Query()
	req := report.Request{Kind: r.PathValue("kind"), From: q.Get("from"), To: q.Get("to"), Interval: q.Get("interval"),
		Format: q.Get("format"), Queue: q.Get("queue"), Agent: q.Get("agent"), SL: 20 * time.Second, Short: 5 * time.Second}
	if req.Interval == "" {
		req.Interval = "1h"
	}
	if req.Format == "" {
		req.Format = "json"
	}
	for _, p := range []struct {
		name string
		d    *time.Duration
	}{{"sl", &req.SL}, {"short_abandon", &req.Short}} {
		if v := q.Get(p.name); v != "" {
			d, err := parseSeconds(v)
			if err != nil {
				httpError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("%s %q: want seconds or a duration like 20s", p.name, v))
				return
			}
			*p.d = d
		}
	}
	if req.Format == "table" {
		httpError(w, http.StatusBadRequest, "bad_request", "format: want json or csv")
		return
	}
	var body strings.Builder
	err := report.Run(r.Context(), sw.store, req, sw.now(), &body)
	switch {
	case errors.Is(err, report.ErrUsage):
		httpError(w, http.StatusBadRequest, "bad_request", strings.TrimPrefix(err.Error(), report.ErrUsage.Error()+": "))
		return
	case err != nil:
		sw.log.Error("report failed", "error", err)
		httpError(w, http.StatusInternalServerError, "internal", "the report could not be read")
		return
	}
	ct := "application/json"
	if req.Format == "csv" {
		ct = "text/csv"
	}
	w.Header().Set("Content-Type", ct)
	_, _ = w.Write([]byte(body.String()))
}

func parseSeconds(v string) (time.Duration, error) {
	if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
		return time.Duration(n * float64(time.Second)), nil
	}
	return time.ParseDuration(v)
}

// serveBoardEvents streams the board as server-sent events, one picture a
// second: the page needs no polling logic and reconnects by itself.
func (sw *Switch) serveBoardEvents(w http.ResponseWriter, r *http.Request) {
	if !sw.allow(w, r, "supervisor", "admin") {
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		httpError(w, http.StatusInternalServerError, "internal", "streaming unsupported")
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		b, err := json.Marshal(sw.board(r.Context(), sw.now()))
		if err != nil {
			return
		}
		if _, err := fmt.Fprintf(w, "event: board\ndata: %s\n\n", b); err != nil {
			return
		}
		fl.Flush()
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
		}
	}
}
