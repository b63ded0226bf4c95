package gateway

import (
	"crypto/sha256"
	"math"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// rateLimiter keeps one token bucket per client. Idle buckets are dropped so the map stays
// bounded by the number of clients active in the last few minutes.
type rateLimiter struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	buckets map[[32]byte]*bucket
	sweep   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	if burst < 1 {
		burst = 1
	}
	return &rateLimiter{limit: rate.Limit(perSecond), burst: burst, buckets: map[[32]byte]*bucket{}, sweep: time.Now()}
}

// allow reports whether key may make a request now, and if not, how long until it may.
func (l *rateLimiter) allow(key [32]byte, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.sweep) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 5*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.sweep = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if delay := r.DelayFrom(now); delay > 0 {
		r.CancelAt(now)
		return false, delay
	}
	return true, 0
}

// clientKey identifies the caller: its bearer credentials when it sends any (so one client
// behind a shared proxy is limited alone), else its address.
func clientKey(r *http.Request) [32]byte {
	if a := r.Header.Get("Authorization"); a != "" {
		return sha256.Sum256([]byte("auth:" + a))
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return sha256.Sum256([]byte("addr:" + host))
}

func (g *Gateway) rateLimit(next http.Handler) http.Handler {
	if g.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := g.limiter.allow(clientKey(r), time.Now()); !ok {
			writeError(r.Context(), w, http.StatusTooManyRequests, "Rate Limit Exceeded", nil, int(math.Ceil(wait.Seconds())))
			return
		}
		next.ServeHTTP(w, r)
	})
}
