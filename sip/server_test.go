package sip

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// recorder is a Handler that remembers what the SIP layer told it.
type recorder struct {
	mu    sync.Mutex
	calls []*InboundLeg
	up    []string
	down  []string
}

func (r *recorder) NewCall(l *InboundLeg) {
	r.mu.Lock()
	r.calls = append(r.calls, l)
	r.mu.Unlock()
	l.Reject(486, "Busy Here")
}
func (r *recorder) Registered(b Binding) { r.mu.Lock(); r.up = append(r.up, b.AgentID); r.mu.Unlock() }
func (r *recorder) Unregistered(id string) {
	r.mu.Lock()
	r.down = append(r.down, id)
	r.mu.Unlock()
}

func startServer(t *testing.T, trunkSrc string) (*Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	s, err := New(Config{
		Listen:   []Listen{{Transport: "udp", Addr: "127.0.0.1:0"}},
		PublicIP: "127.0.0.1", Realm: "hotline",
		Trunks: []Trunk{{Name: "carrier", Sources: []netip.Prefix{netip.MustParsePrefix(trunkSrc)}}},
		Agents: map[string]string{"1001": "alice1001"},
		Logger: slog.New(slog.DiscardHandler),
	}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, rec
}

func newClient(t *testing.T) *sipgo.Client {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("tester"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ua.Close() })
	return c
}

func do(t *testing.T, c *sipgo.Client, req *sip.Request) *sip.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := c.Do(ctx, req)
	if err != nil {
		t.Fatalf("%s: %v", req.Method, err)
	}
	return res
}

func uri(t *testing.T, s string) sip.Uri {
	t.Helper()
	var u sip.Uri
	if err := sip.ParseUri(s, &u); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestOptionsAndUnknownMethod(t *testing.T) {
	s, _ := startServer(t, "127.0.0.1/32")
	c := newClient(t)
	res := do(t, c, sip.NewRequest(sip.OPTIONS, uri(t, "sip:"+s.Addr("udp"))))
	if res.StatusCode != 200 || res.GetHeader("Allow") == nil {
		t.Fatalf("OPTIONS: %d %v", res.StatusCode, res.GetHeader("Allow"))
	}
	res = do(t, c, sip.NewRequest(sip.PUBLISH, uri(t, "sip:"+s.Addr("udp"))))
	if res.StatusCode != 405 {
		t.Fatalf("PUBLISH: %d, want 405", res.StatusCode)
	}
	// BYE outside any dialog.
	bye := sip.NewRequest(sip.BYE, uri(t, "sip:"+s.Addr("udp")))
	res = do(t, c, bye)
	if res.StatusCode != 481 {
		t.Fatalf("stray BYE: %d, want 481", res.StatusCode)
	}
}

func TestInviteFromUnknownSourceIsForbidden(t *testing.T) {
	s, rec := startServer(t, "10.0.0.0/8")
	c := newClient(t)
	inv := sip.NewRequest(sip.INVITE, uri(t, "sip:5000@"+s.Addr("udp")))
	inv.AppendHeader(&sip.ContactHeader{Address: uri(t, "sip:caller@127.0.0.1")})
	res := do(t, c, inv)
	if res.StatusCode != 403 {
		t.Fatalf("INVITE from an unlisted source: %d, want 403", res.StatusCode)
	}
	if len(rec.calls) != 0 {
		t.Fatal("a forbidden INVITE reached the call layer")
	}
}

func TestRegisterWithDigest(t *testing.T) {
	s, rec := startServer(t, "127.0.0.1/32")
	c := newClient(t)
	reg := func(user, pass string, expires string) *sip.Response {
		req := sip.NewRequest(sip.REGISTER, uri(t, "sip:"+s.Addr("udp")))
		req.AppendHeader(&sip.ToHeader{Address: uri(t, "sip:"+user+"@127.0.0.1")})
		from := &sip.FromHeader{Address: uri(t, "sip:"+user+"@127.0.0.1"), Params: sip.NewParams()}
		from.Params.Add("tag", "x1")
		req.AppendHeader(from)
		req.AppendHeader(&sip.ContactHeader{Address: uri(t, "sip:"+user+"@127.0.0.1:5999")})
		req.AppendHeader(sip.NewHeader("Expires", expires))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := c.Do(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 401 {
			return res
		}
		res, err = c.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: user, Password: pass})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := reg("1001", "wrong", "60"); res.StatusCode != 401 && res.StatusCode != 403 {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	if _, ok := s.Lookup("1001"); ok {
		t.Fatal("bound despite a wrong password")
	}
	if res := reg("1001", "alice1001", "60"); res.StatusCode != 200 {
		t.Fatalf("register: %d", res.StatusCode)
	}
	b, ok := s.Lookup("1001")
	if !ok || b.Contact.Port != 5999 {
		t.Fatalf("binding %+v %v", b, ok)
	}
	if res := reg("1001", "alice1001", "5"); res.StatusCode != 423 {
		t.Fatalf("too brief: %d, want 423", res.StatusCode)
	}
	if res := reg("1001", "alice1001", "0"); res.StatusCode != 200 {
		t.Fatalf("unregister: %d", res.StatusCode)
	}
	if _, ok := s.Lookup("1001"); ok {
		t.Fatal("still bound after unregister")
	}
	// The handler hears of a change just after the 200 goes out.
	deadline := time.Now().Add(2 * time.Second)
	for {
		rec.mu.Lock()
		up, down := len(rec.up), len(rec.down)
		rec.mu.Unlock()
		if up == 1 && down == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("handler saw %d registrations and %d removals, want 1 and 1", up, down)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Repeated wrong passwords from one address ban it, even for a right
// password afterwards; an allow-listed address is never banned.
func TestAuthFailuresBanSource(t *testing.T) {
	for _, allow := range []bool{false, true} {
		rec := &recorder{}
		cfg := Config{
			Listen:   []Listen{{Transport: "udp", Addr: "127.0.0.1:0"}},
			PublicIP: "127.0.0.1", Agents: map[string]string{"1001": "alice1001"},
			Logger: slog.New(slog.DiscardHandler), BanAfter: 3,
		}
		if allow {
			cfg.BanAllow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		}
		s, err := New(cfg, rec)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		c := newClient(t)
		reg := func(pass string) int {
			req := sip.NewRequest(sip.REGISTER, uri(t, "sip:"+s.Addr("udp")))
			req.AppendHeader(&sip.ToHeader{Address: uri(t, "sip:1001@127.0.0.1")})
			from := &sip.FromHeader{Address: uri(t, "sip:1001@127.0.0.1"), Params: sip.NewParams()}
			from.Params.Add("tag", "x1")
			req.AppendHeader(from)
			req.AppendHeader(&sip.ContactHeader{Address: uri(t, "sip:1001@127.0.0.1:5999")})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			res, err := c.Do(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode == 401 {
				if res, err = c.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: "1001", Password: pass}); err != nil {
					t.Fatal(err)
				}
			}
			return res.StatusCode
		}
		var codes []int
		for i := 0; i < 3; i++ {
			codes = append(codes, reg("guess"))
		}
		codes = append(codes, reg("alice1001"))
		last := codes[len(codes)-1]
		if !allow && last != 403 {
			t.Errorf("after 3 failures the right password got %d (codes %v), want 403", last, codes)
		}
		if allow && last != 200 {
			t.Errorf("allow-listed source: right password got %d (codes %v), want 200", last, codes)
		}
		s.Close()
	}
}
