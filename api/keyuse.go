package api

import (
	"context"
	"sync"
	"time"
)

// keyUseEvery is how stale "last used" may be: one store write per key per interval, so that
// a busy key does not turn every read into a write.
const keyUseEvery = time.Minute

// keyUse remembers when each key's use was last written to the store.
type keyUse struct {
	mu      sync.Mutex
	written map[string]time.Time
}

func newKeyUse() *keyUse { return &keyUse{written: map[string]time.Time{}} }

// due reports whether a use of key at now should be written, and marks it written.
func (k *keyUse) due(key string, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if last, ok := k.written[key]; ok && now.Sub(last) < keyUseEvery && !now.Before(last) {
		return false
	}
	k.written[key] = now
	return true
}

// markUsed records a key's use; a failure only costs the "last used" column, so it is logged.
func (s *Server) markUsed(ctx context.Context, id string) {
	now := s.now()
	if !s.keyUse.due(id, now) {
		return
	}
	if err := s.store.MarkKeyUsed(ctx, id, now); err != nil {
		s.log.Warn("recording key use", "key", id, "err", err)
	}
}
