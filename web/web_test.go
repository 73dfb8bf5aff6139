package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func desk(t *testing.T, now func() time.Time) (*httptest.Server, *Sessions) {
	t.Helper()
	s := NewSessions(time.Hour, now)
	srv := httptest.NewServer(Handler(Options{
		Password:  func(id string) (string, bool) { return map[string]string{"1002": "bob1002"}[id], id == "1002" },
		Name:      func(id string) string { return "Bob" },
		Sessions:  s,
		SIPDomain: func() string { return "127.0.0.1" },
		Now:       now,
	}))
	t.Cleanup(srv.Close)
	return srv, s
}

func post(t *testing.T, url, body string) (*http.Response, string) {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// Good credentials give a token the CTI accepts as agent:<id>, for the TTL
// only; wrong ones give 401 and, repeated, 429.
func TestLoginIssuesAgentToken(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	srv, s := desk(t, func() time.Time { return now })
	res, body := post(t, srv.URL+"/agent/login", `{"agent":"1002","password":"bob1002"}`)
	if res.StatusCode != 200 {
		t.Fatalf("login: %d %s", res.StatusCode, body)
	}
	var lr LoginResponse
	if err := json.Unmarshal([]byte(body), &lr); err != nil {
		t.Fatal(err)
	}
	if role, ok := s.Role(lr.Token); !ok || role != "agent:1002" || lr.SIPPath != "/sip" || lr.Name != "Bob" {
		t.Fatalf("token role %q %v, response %+v", role, ok, lr)
	}
	if _, ok := s.Role("ad_forged"); ok {
		t.Fatal("forged token accepted")
	}
	now = now.Add(61 * time.Minute)
	if _, ok := s.Role(lr.Token); ok {
		t.Fatal("expired token accepted")
	}
	for i, c := range []struct {
		body string
		code int
	}{
		{`{"agent":"1002","password":"wrong"}`, 401},
		{`{"agent":"9999","password":"bob1002"}`, 401},
		{`{"agent":"1002","password":""}`, 401},
		{`{"agent":"1002","password":"x"}`, 401},
		{`{"agent":"1002","password":"y"}`, 401},
		{`{"agent":"1002","password":"bob1002"}`, 429}, // blocked after 5 failures, even with the right password
	} {
		if res, body := post(t, srv.URL+"/agent/login", c.body); res.StatusCode != c.code {
			t.Fatalf("attempt %d: %d %s, want %d", i, res.StatusCode, body, c.code)
		}
	}
}

// The page and the vendored SIP library are served from the binary.
func TestPageServed(t *testing.T) {
	srv, _ := desk(t, time.Now)
	for _, p := range []string{"/agent/", "/agent/agent.js", "/agent/supervisor.js", "/agent/vendor/jssip.min.js"} {
		res, err := http.Get(srv.URL + p)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", p, err, res)
		}
		res.Body.Close()
	}
}
