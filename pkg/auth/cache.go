package auth

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"
)

// CachingVerifier remembers tokens it has verified until they expire, so a client sending the
// same token on every call pays for one signature check, not one per call. Only successes are
// cached; the cache is bounded, and a full cache is cleared of expired entries, then emptied.
type CachingVerifier struct {
	next Verifier
	max  int
	now  func() time.Time

	mu      sync.Mutex
	entries map[[32]byte]*Claims
}

// NewCachingVerifier caches up to size verified tokens of next.
func NewCachingVerifier(next Verifier, size int) *CachingVerifier {
	return &CachingVerifier{next: next, max: size, now: time.Now, entries: make(map[[32]byte]*Claims, size)}
}

// Verify answers from the cache while the token is unexpired, else asks next.
func (c *CachingVerifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	key := sha256.Sum256([]byte(raw))
	now := c.now()
	c.mu.Lock()
	claims, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(claims.Expiry) {
		return claims, nil
	}
	claims, err := c.next.Verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for k, v := range c.entries {
			if !now.Before(v.Expiry) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= c.max {
			clear(c.entries)
		}
	}
	c.entries[key] = claims
	return claims, nil
}
