package sip

import (
	"net/netip"
	"sync"
	"time"
)

// rateLimiter caps new INVITEs and REGISTERs per source address with a
// token bucket, so a flood from one scanner is refused with 503 at the door
// while other sources, and calls already up, go on. In-dialog requests are
// never limited.
type rateLimiter struct {
	rate  float64 // tokens per second
	burst float64

	mu      sync.Mutex
	buckets map[netip.Addr]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(perSecond, burst int) *rateLimiter {
	if perSecond <= 0 {
		return nil // unlimited
	}
	if burst < perSecond {
		burst = perSecond
	}
	return &rateLimiter{rate: float64(perSecond), burst: float64(burst), buckets: map[netip.Addr]*bucket{}}
}

// allow takes a token for source at now; nil limiter allows everything.
func (r *rateLimiter) allow(source string, now time.Time) bool {
	if r == nil {
		return true
	}
	a, ok := sourceIP(source)
	if !ok {
		return true
	}
	return r.take(a, now)
}

// take takes a token from key's bucket at now; nil limiter allows
// everything. One fixed key makes a single, global bucket.
func (r *rateLimiter) take(a netip.Addr, now time.Time) bool {
	if r == nil {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.swept) > time.Minute { // forget idle sources so memory stays bounded
		for k, b := range r.buckets {
			if now.Sub(b.last) > time.Minute {
				delete(r.buckets, k)
			}
		}
		r.swept = now
	}
	b := r.buckets[a]
	if b == nil {
		b = &bucket{tokens: r.burst, last: now}
		r.buckets[a] = b
	}
	b.tokens = min(r.burst, b.tokens+now.Sub(b.last).Seconds()*r.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
