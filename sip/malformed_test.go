package sip

import (
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// rawExchange sends one datagram and returns the first response line (or "").
func rawExchange(t *testing.T, addr, msg string) string {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	local := c.LocalAddr().String()
	msg = strings.ReplaceAll(msg, "LOCAL", local)
	if _, err := c.Write([]byte(strings.ReplaceAll(msg, "\n", "\r\n"))); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(buf[:n]), "\r\n")
	return line
}

func TestMalformedRequestsGet4xxAndServerGoesOn(t *testing.T) {
	s, _ := startServer(t, "127.0.0.1/32")
	addr := s.Addr("udp")
	cases := []struct{ name, msg, want string }{
		{"bad CSeq", "OPTIONS sip:x@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP LOCAL;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: <sip:x@127.0.0.1>\nCall-ID: m1\nCSeq: abc OPTIONS\nMax-Forwards: 70\nContent-Length: 0\n\n", "SIP/2.0 400"},
		{"no Call-ID", "OPTIONS sip:x@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP LOCAL;branch=z9hG4bK2\nFrom: <sip:a@b>;tag=1\nTo: <sip:x@127.0.0.1>\nCSeq: 1 OPTIONS\nMax-Forwards: 70\nContent-Length: 0\n\n", "SIP/2.0 400"},
		{"bad Content-Length", "OPTIONS sip:x@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP LOCAL;branch=z9hG4bK3\nFrom: <sip:a@b>;tag=1\nTo: <sip:x@127.0.0.1>\nCall-ID: m3\nCSeq: 1 OPTIONS\nMax-Forwards: 70\nContent-Length: x\n\n", "SIP/2.0 400"},
		{"unknown method", "FOO sip:x@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP LOCAL;branch=z9hG4bK4\nFrom: <sip:a@b>;tag=1\nTo: <sip:x@127.0.0.1>\nCall-ID: m4\nCSeq: 1 FOO\nMax-Forwards: 70\nContent-Length: 0\n\n", "SIP/2.0 501"},
		{"method not served", "SUBSCRIBE sip:x@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP LOCAL;branch=z9hG4bK5\nFrom: <sip:a@b>;tag=1\nTo: <sip:x@127.0.0.1>\nCall-ID: m5\nCSeq: 1 SUBSCRIBE\nMax-Forwards: 70\nContent-Length: 0\n\n", "SIP/2.0 405"},
		{"unsupported version", "OPTIONS sip:x@127.0.0.1 SIP/3.0\nVia: SIP/3.0/UDP LOCAL;branch=z9hG4bK6\nFrom: <sip:a@b>;tag=1\nTo: <sip:x@127.0.0.1>\nCall-ID: m6\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n", "SIP/2.0 505"},
		{"required extension", "OPTIONS sip:x@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP LOCAL;branch=z9hG4bK7\nFrom: <sip:a@b>;tag=1\nTo: <sip:x@127.0.0.1>\nCall-ID: m7\nCSeq: 1 OPTIONS\nRequire: foo\nContent-Length: 0\n\n", "SIP/2.0 420"},
	}
	for _, c := range cases {
		if got := rawExchange(t, addr, c.msg); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: got %q, want %s", c.name, got, c.want)
		}
	}
	if got := rawExchange(t, addr, "\x00\x01garbage\n\n"); got != "" {
		t.Errorf("garbage answered with %q", got)
	}
	ok := "OPTIONS sip:x@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP LOCAL;branch=z9hG4bK9\nFrom: <sip:a@b>;tag=1\nTo: <sip:x@127.0.0.1>\nCall-ID: m9\nCSeq: 1 OPTIONS\nMax-Forwards: 70\nContent-Length: 0\n\n"
	if got := rawExchange(t, addr, ok); !strings.HasPrefix(got, "SIP/2.0 200") {
		t.Fatalf("server stopped serving after bad input: %q", got)
	}
}

func TestRateLimiterPerSource(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	r := newRateLimiter(10, 20)
	ok := 0
	for i := 0; i < 100; i++ {
		if r.allow("192.0.2.1:5060", now) {
			ok++
		}
	}
	if ok != 20 {
		t.Fatalf("a burst of 100 let %d through, want the burst of 20", ok)
	}
	if !r.allow("192.0.2.2:5060", now) {
		t.Fatal("another source was refused")
	}
	if !r.allow("192.0.2.1:5060", now.Add(200*time.Millisecond)) {
		t.Fatal("tokens did not refill after 200 ms at 10/s")
	}
	if newRateLimiter(0, 0) != nil || !(*rateLimiter)(nil).allow("x", now) {
		t.Fatal("a zero rate must mean no limit")
	}
}

// calls_per_second: one bucket for every source together.
func TestRateLimiterGlobal(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	r := newRateLimiter(5, 5)
	ok := 0
	for i := 0; i < 50; i++ {
		if r.take(netip.Addr{}, now) {
			ok++
		}
	}
	if ok != 5 {
		t.Fatalf("%d let through at once, want the burst of 5", ok)
	}
	if !r.take(netip.Addr{}, now.Add(time.Second)) {
		t.Fatal("no refill after a second")
	}
	if !(*rateLimiter)(nil).take(netip.Addr{}, now) {
		t.Fatal("a zero rate must mean no limit")
	}
}

// A reload changes the limits it names and keeps the others' buckets, so
// a flood in progress gets no fresh tokens from an unrelated change.
func TestReconfigureSwapsOnlyChangedLimits(t *testing.T) {
	cfg := Config{RatePerSource: 10, Logger: slog.New(slog.DiscardHandler)}
	s, err := New(cfg, &recorder{})
	if err != nil {
		t.Fatal(err)
	}
	perSource := s.limit.Load()
	if perSource == nil || s.cps.Load() != nil {
		t.Fatalf("start: per-source %v, global %v", perSource, s.cps.Load())
	}
	cfg.CallsPerSecond = 5
	s.Reconfigure(cfg)
	if s.limit.Load() != perSource {
		t.Error("the unchanged per-source limiter was rebuilt")
	}
	if g := s.cps.Load(); g == nil || g.rate != 5 {
		t.Errorf("calls_per_second not applied: %+v", g)
	}
	cfg.RatePerSource = 20
	s.Reconfigure(cfg)
	if l := s.limit.Load(); l == perSource || l.rate != 20 {
		t.Errorf("rate_per_source not applied: %+v", l)
	}
}
