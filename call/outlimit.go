package call

import (
	"fmt"
	"sync"
	"time"
)

// outLimiter caps calls leaving through trunks, over and above the dial
// rules: at once and per minute, for everyone together and per dialler
// (an agent, or an IVR flow). A stolen agent password or a flow abused by
// callers then costs minutes, not a night of premium-rate calls.
type outLimiter struct {
	mu      sync.Mutex
	up      map[string]int         // calls up per dialler; "" is everyone
	started map[string][]time.Time // call starts in the last minute, per dialler; "" is everyone
}

// outLimits are the configured caps; 0 means no cap.
type outLimits struct {
	MaxConcurrent, PerMinute            int // everyone together
	DiallerMaxConcurrent, DiallerPerMin int // each agent or flow
}

func newOutLimiter() *outLimiter {
	return &outLimiter{up: map[string]int{}, started: map[string][]time.Time{}}
}

// take admits one call by dialler at now, or says which cap refused it;
// release gives the concurrent slots back once the call ends.
func (l *outLimiter) take(lim outLimits, dialler string, now time.Time) (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cutoff := now.Add(-time.Minute)
	for _, k := range []string{"", dialler} {
		s := l.started[k]
		i := 0
		for i < len(s) && !s[i].After(cutoff) {
			i++
		}
		if i == len(s) {
			delete(l.started, k)
		} else {
			l.started[k] = s[i:]
		}
	}
	switch {
	case lim.MaxConcurrent > 0 && l.up[""] >= lim.MaxConcurrent:
		return nil, fmt.Errorf("outbound calls at once are capped at %d", lim.MaxConcurrent)
	case lim.PerMinute > 0 && len(l.started[""]) >= lim.PerMinute:
		return nil, fmt.Errorf("outbound calls per minute are capped at %d", lim.PerMinute)
	case lim.DiallerMaxConcurrent > 0 && l.up[dialler] >= lim.DiallerMaxConcurrent:
		return nil, fmt.Errorf("%s may have %d outbound calls at once", dialler, lim.DiallerMaxConcurrent)
	case lim.DiallerPerMin > 0 && len(l.started[dialler]) >= lim.DiallerPerMin:
		return nil, fmt.Errorf("%s may start %d outbound calls per minute", dialler, lim.DiallerPerMin)
	}
	for _, k := range []string{"", dialler} {
		l.up[k]++
		l.started[k] = append(l.started[k], now)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			for _, k := range []string{"", dialler} {
				if l.up[k]--; l.up[k] <= 0 {
					delete(l.up, k)
				}
			}
		})
	}, nil
}
