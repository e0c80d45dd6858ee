package api

import (
	"sync"
	"time"
)

// rateLimit counts attempts per key (an address, a client IP) over a sliding window: at most
// max in any window. It lives in memory: a restart forgets it, which costs an attacker a
// restart they cannot cause, and keeps the store free of a write per attempt.
type rateLimit struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	hits   map[string][]time.Time
}

// rateLimitKeys bounds the memory of a limiter: past it, keys whose attempts are all out of
// the window are forgotten.
const rateLimitKeys = 10000

func newRateLimit(max int, window time.Duration) *rateLimit {
	return &rateLimit{max: max, window: window, hits: map[string][]time.Time{}}
}

// allow records an attempt for key at now when the window has room for it. When it has not,
// it records nothing and says how long until the oldest attempt leaves the window.
func (l *rateLimit) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.hits) >= rateLimitKeys {
		for k, ts := range l.hits {
			if len(l.recent(ts, now)) == 0 {
				delete(l.hits, k)
			}
		}
	}
	ts := l.recent(l.hits[key], now)
	if len(ts) >= l.max {
		l.hits[key] = ts
		return false, ts[0].Add(l.window).Sub(now)
	}
	l.hits[key] = append(ts, now)
	return true, 0
}

// recent is the part of ts (oldest first) still inside the window ending at now.
func (l *rateLimit) recent(ts []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].Add(l.window).After(now) {
		i++
	}
	return ts[i:]
}
