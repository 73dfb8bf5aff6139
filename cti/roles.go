package cti

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Role is the class of a token: what it may command and which events it sees.
type Role int

const (
	RoleNone Role = iota
	RoleAgent
	RoleCRM
	RoleSupervisor
	RoleAdmin
)

func (r Role) String() string {
	switch r {
	case RoleAgent:
		return "agent"
	case RoleCRM:
		return "crm"
	case RoleSupervisor:
		return "supervisor"
	case RoleAdmin:
		return "admin"
	default:
		return "none"
	}
}

// Token is one configured CTI credential. Role is crm, supervisor, admin or
// agent:<id>.
type Token struct {
	Token string
	Role  string
}

// Principal is an authenticated CTI client.
type Principal struct {
	Role  Role
	Agent string // set for RoleAgent only
}

func (p Principal) String() string {
	if p.Role == RoleAgent {
		return "agent:" + p.Agent
	}
	return p.Role.String()
}

// ParseRole parses a Token.Role; config validation uses it too.
func ParseRole(s string) (Principal, error) {
	switch s {
	case "crm":
		return Principal{Role: RoleCRM}, nil
	case "supervisor":
		return Principal{Role: RoleSupervisor}, nil
	case "admin":
		return Principal{Role: RoleAdmin}, nil
	}
	if id, ok := strings.CutPrefix(s, "agent:"); ok && id != "" {
		return Principal{Role: RoleAgent, Agent: id}, nil
	}
	return Principal{}, fmt.Errorf("%w: %q", ErrBadRole, s)
}

type tokenEntry struct {
	hash [32]byte
	p    Principal
}

// authenticate compares against every token in constant time; hashing first
// makes the comparison independent of the tokens' lengths too.
func authenticate(tokens []tokenEntry, presented string) (Principal, bool) {
	h := sha256.Sum256([]byte(presented))
	var found Principal
	ok := 0
	for _, t := range tokens {
		eq := subtle.ConstantTimeCompare(h[:], t.hash[:])
		if eq == 1 && ok == 0 {
			found = t.p
		}
		ok |= eq
	}
	return found, ok == 1
}

// loginLimiter blocks an IP for window after max failed logins within window.
type loginLimiter struct {
	now    func() time.Time
	max    int
	window time.Duration

	mu sync.Mutex
	m  map[string]*ipFailures
}

type ipFailures struct {
	fails        []time.Time
	blockedUntil time.Time
}

func newLoginLimiter(now func() time.Time, max int, window time.Duration) *loginLimiter {
	return &loginLimiter{now: now, max: max, window: window, m: map[string]*ipFailures{}}
}

func (l *loginLimiter) blocked(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.m[ip]
	return f != nil && l.now().Before(f.blockedUntil)
}

func (l *loginLimiter) fail(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.m) > 10000 {
		l.sweepLocked(now)
	}
	f := l.m[ip]
	if f == nil {
		f = &ipFailures{}
		l.m[ip] = f
	}
	f.fails = append(pruneBefore(f.fails, now.Add(-l.window)), now)
	if len(f.fails) >= l.max {
		f.blockedUntil = now.Add(l.window)
		f.fails = f.fails[:0]
	}
}

func (l *loginLimiter) succeed(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, ip)
}

// sweepLocked bounds memory under a spray of source addresses.
func (l *loginLimiter) sweepLocked(now time.Time) {
	for ip, f := range l.m {
		f.fails = pruneBefore(f.fails, now.Add(-l.window))
		if len(f.fails) == 0 && !now.Before(f.blockedUntil) {
			delete(l.m, ip)
		}
	}
}

func pruneBefore(ts []time.Time, cutoff time.Time) []time.Time {
	i := 0
	for i < len(ts) && ts[i].Before(cutoff) {
		i++
	}
	return append(ts[:0], ts[i:]...)
}

// callTracker knows which agent each call is currently assigned to, from
// agent.offered/connected and an attended call.transferred (assign) and
// agent.completed/ring_no_answer and call.ended (release). It is fed by a
// bus observer, so it is up to date before any subscriber's filter sees an
// event.
type callTracker struct {
	mu        sync.Mutex
	owner     map[string]string
	lastSeq   uint64
	lastOwner string            // owner of the event lastSeq, before a release
	talked    map[string]string // agent -> the last call it was connected to (its wrap-up call)
}

func newCallTracker() *callTracker {
	return &callTracker{owner: map[string]string{}, talked: map[string]string{}}
}

func (t *callTracker) observe(ev Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lastSeq = ev.Seq
	t.lastOwner = t.owner[ev.CallID]
	if ev.CallID == "" {
		return
	}
	switch ev.Kind {
	case KindAgentOffered, KindAgentConnected:
		if ev.AgentID != "" {
			t.owner[ev.CallID] = ev.AgentID
			t.lastOwner = ev.AgentID
			if ev.Kind == KindAgentConnected {
				t.talked[ev.AgentID] = ev.CallID
			}
		}
	case KindCallTransferred:
		// An attended transfer hands the call to the consulted agent, who
		// controls it from then on.
		if ev.Reason == "attended" && ev.AgentID != "" {
			t.owner[ev.CallID] = ev.AgentID
		}
	case KindAgentCompleted, KindAgentRingNoAnswer:
		if t.owner[ev.CallID] == ev.AgentID {
			delete(t.owner, ev.CallID)
		}
	case KindCallEnded:
		delete(t.owner, ev.CallID)
	}
}

// visibleTo reports whether agent id may see ev: its own events, or events of
// a call assigned to it. The event being published is judged by its owner at
// that moment, so an agent still sees the call.ended that releases its call.
func (t *callTracker) visibleTo(id string, ev Event) bool {
	if ev.AgentID == id {
		return true
	}
	if ev.CallID == "" {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if ev.Seq == t.lastSeq {
		return t.lastOwner == id
	}
	return t.owner[ev.CallID] == id
}

// lastTalked is the last call agent id was connected to: a disposition
// is set in wrap-up, after the call.
func (t *callTracker) lastTalked(id string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.talked[id]
}

func (t *callTracker) owns(id, call string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return call != "" && t.owner[call] == id
}
