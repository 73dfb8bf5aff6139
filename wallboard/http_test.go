package wallboard

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hotline/hotline/cti"
)

func newTestServer(t *testing.T) (*httptest.Server, *Hub) {
	t.Helper()
	hub := NewHub(time.Now)
	mux := http.NewServeMux()
	NewServer(hub, func() []cti.Token {
		return []cti.Token{{Token: "sup", Role: "supervisor"}, {Token: "crm", Role: "crm"}}
	}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, hub
}

func TestAccessControl(t *testing.T) {
	srv, _ := newTestServer(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) *http.Response {
		r, err := noRedirect.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r
	}
	if r := get("/wallboard"); r.StatusCode != 401 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Errorf("no token: %d %s, want the 401 login form", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if r := get("/wallboard?token=crm"); r.StatusCode != 401 {
		t.Errorf("crm token: %d, want 401 (the board is for supervisors)", r.StatusCode)
	}
	if r := get("/wallboard/events"); r.StatusCode != 401 || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("events without token: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	r := get("/wallboard?token=sup")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/wallboard" {
		t.Fatalf("token link: %d to %q, want 303 to /wallboard", r.StatusCode, r.Header.Get("Location"))
	}
	var c *http.Cookie
	for _, x := range r.Cookies() {
		if x.Name == CookieName {
			c = x
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/wallboard" {
		t.Fatalf("cookie %+v, want HttpOnly SameSite=Strict on /wallboard", c)
	}

	// A browser: log in through the form, then the page and its stream open.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.PostForm(srv.URL+"/wallboard/login", url.Values{"token": {"wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("bad form token: %d", resp.StatusCode)
	}
	resp, err = browser.PostForm(srv.URL+"/wallboard/login", url.Values{"token": {"sup"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/wallboard" || resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("after login: %d at %s", resp.StatusCode, resp.Request.URL.Path)
	}
	for _, p := range []string{"/wallboard/static/board.js", "/wallboard/static/board.css"} {
		resp, err := browser.Get(srv.URL + p)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("%s: %v %v", p, err, resp)
		}
		resp.Body.Close()
	}
}

func TestEventStreamSnapshotThenDeltas(t *testing.T) {
	srv, hub := newTestServer(t)
	now := time.Now()
	hub.Publish(State{Queues: []QueueView{{Name: "support", Agents: map[string]int{}}}, Agents: []AgentView{}}, nil, now)
	req, _ := http.NewRequest("GET", srv.URL+"/wallboard/events", nil)
	req.Header.Set("Authorization", "Bearer sup")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	rd := bufio.NewReader(resp.Body)
	next := func() Message {
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if b, ok := strings.CutPrefix(strings.TrimSpace(line), "data: "); ok {
				var m Message
				if err := json.Unmarshal([]byte(b), &m); err != nil {
					t.Fatal(err)
				}
				return m
			}
		}
	}
	if m := next(); m.Type != "snapshot" || m.State == nil || m.State.Queues[0].Name != "support" {
		t.Fatalf("first frame %+v, want the snapshot", m)
	}
	hub.Publish(State{Queues: []QueueView{{Name: "support", Waiting: 1, OldestMS: now.UnixMilli(), Agents: map[string]int{}}}, Agents: []AgentView{}}, nil, now)
	if m := next(); m.Type != "queue" || m.Queue.Waiting != 1 {
		t.Fatalf("delta %+v, want the queue with one waiting", m)
	}
}
