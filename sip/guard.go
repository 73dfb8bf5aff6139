package sip

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// authGuard bans a source address after repeated authentication failures,
// as fail2ban would, but inside the switch: password guessing from one
// address stops after BanAfter failures within the window, for BanFor.
// Sources on the allow list (the office, the carrier) are never banned.
type authGuard struct {
	after  int
	window time.Duration
	banFor time.Duration
	allow  []netip.Prefix

	mu      sync.Mutex
	sources map[netip.Addr]*failures
}

type failures struct {
	times       []time.Time
	bannedUntil time.Time
}

func newAuthGuard(after int, window, banFor time.Duration, allow []netip.Prefix) *authGuard {
	if after <= 0 {
		after = 5
	}
	if window <= 0 {
		window = time.Minute
	}
	if banFor <= 0 {
		banFor = 5 * time.Minute
	}
	return &authGuard{after: after, window: window, banFor: banFor, allow: allow, sources: map[netip.Addr]*failures{}}
}

func sourceIP(source string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(source)
	if err != nil {
		host = source
	}
	a, err := netip.ParseAddr(host)
	return a.Unmap(), err == nil
}

func (g *authGuard) allowed(a netip.Addr) bool {
	for _, p := range g.allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// banned reports whether requests from source are refused now.
func (g *authGuard) banned(source string, now time.Time) bool {
	a, ok := sourceIP(source)
	if !ok || g.allowed(a) {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	f := g.sources[a]
	return f != nil && now.Before(f.bannedUntil)
}

// fail records a failure; it returns true when this failure starts a ban.
func (g *authGuard) fail(source string, now time.Time) bool {
	a, ok := sourceIP(source)
	if !ok || g.allowed(a) {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	f := g.sources[a]
	if f == nil {
		if len(g.sources) > 100000 { // bounded under a distributed scan
			g.sources = map[netip.Addr]*failures{}
		}
		f = &failures{}
		g.sources[a] = f
	}
	keep := f.times[:0]
	for _, t := range f.times {
		if now.Sub(t) < g.window {
			keep = append(keep, t)
		}
	}
	f.times = append(keep, now)
	if len(f.times) >= g.after && !now.Before(f.bannedUntil) {
		f.bannedUntil = now.Add(g.banFor)
		f.times = f.times[:0]
		return true
	}
	return false
}
