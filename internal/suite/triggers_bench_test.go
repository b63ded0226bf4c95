package suite_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
	"github.com/accessflow/accessflow/pkg/tracking"
)

// TestTriggerLoad is the trigger service's load generator: it runs against an in-process suite
// on loopback and reports (1) events/s accepted durably over REST with latency percentiles,
// (2) sustained deliveries/s, and (3) event→subscriber latency at a fixed event rate. It is a
// test rather than a Go benchmark because it measures rates and percentiles over wall-clock
// windows, not ns/op. Run it with ACCESSFLOW_LOAD=1 (ACCESSFLOW_LOAD_DURATION, default 10s).
func TestTriggerLoad(t *testing.T) {
	if os.Getenv("ACCESSFLOW_LOAD") == "" {
		t.Skip("load test: set ACCESSFLOW_LOAD=1 to run it")
	}
	window := 10 * time.Second
	if d, err := time.ParseDuration(os.Getenv("ACCESSFLOW_LOAD_DURATION")); err == nil {
		window = d
	}
	quiet := withTriggers(func(c *suiteConfig) { c.Service.LogLevel = "warn" })
	backendsFor := map[string]func(t *testing.T) storage.Config{
		"sqlite": storageSQLite,
		"postgres": func(t *testing.T) storage.Config {
			dbURL := storagetest.NewPostgresDatabase(t, "suite", nil, func(context.Context, string) error { return nil })
			return storage.Config{DatabaseURL: dbURL, SQLiteSynchronous: "NORMAL"}
		},
	}
	t.Cleanup(func() {
		// The whole process (suite and load generator): an upper bound on the all-in-one's.
		t.Logf("peak resident memory of the test process: %s", peakRSS())
	})
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			for _, subs := range []int{0, 1} {
				t.Run(fmt.Sprintf("ingest/%d-subscribers", subs), func(t *testing.T) {
					r := startWith(t, backendsFor[name](t), quiet)
					for i := range subs {
						sink := newSubscriber(t, nil)
						r.subscribe(t, iacTrigger, fmt.Sprint("sink", i), sink.URL, "")
					}
					res := closedLoop(t, r, 64, window)
					t.Logf("%s ingest, %d subscriber(s): %.0f events/s accepted (%d in %s, %d errors); latency p50 %s p95 %s p99 %s",
						name, subs, res.rate, res.n, window, res.errors, res.p(50), res.p(95), res.p(99))
				})
			}
			t.Run("deliveries/sustained", func(t *testing.T) {
				r := startWith(t, backendsFor[name](t), quiet)
				lat := newLatencySink(t, r, 4)
				res := openLoop(t, r, 300, window, lat)
				t.Logf("%s delivery, 4 subscribers at %d events/s offered: %.0f deliveries/s sustained (%d in %s); event→subscriber p50 %s p95 %s p99 %s",
					name, 300, lat.rate(), lat.count(), lat.span(), lat.p(50), lat.p(95), lat.p(99))
				_ = res
			})
			t.Run("deliveries/latency-at-500", func(t *testing.T) {
				r := startWith(t, backendsFor[name](t), quiet)
				lat := newLatencySink(t, r, 1)
				openLoop(t, r, 500, window, lat)
				t.Logf("%s delivery, 1 subscriber at 500 events/s: %.0f deliveries/s; event→subscriber p50 %s p95 %s p99 %s",
					name, lat.rate(), lat.p(50), lat.p(95), lat.p(99))
			})
		})
	}
}

type loadResult struct {
	n, errors int
	rate      float64
	latencies []time.Duration
}

func (l loadResult) p(q int) time.Duration { return percentile(l.latencies, q) }

func percentile(sorted []time.Duration, q int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*q/100)].Round(10 * time.Microsecond)
}

func loadClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns}, Timeout: 30 * time.Second}
}

// post sends one event and reports whether it was accepted.
func post(ctx context.Context, c *http.Client, r *running, number string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.base+"/v1/trigger-events/"+iacTrigger, strings.NewReader(identityAttributesChanged))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+r.token)
	if number != "" {
		req.Header.Set(tracking.Header, number)
	}
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusAccepted
}

// closedLoop runs workers that each post events back to back for the window.
func closedLoop(t *testing.T, r *running, workers int, window time.Duration) loadResult {
	t.Helper()
	c := loadClient(workers)
	defer c.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(t.Context(), window)
	defer cancel()
	var (
		mu  sync.Mutex
		res loadResult
		wg  sync.WaitGroup
	)
	start := time.Now()
	for range workers {
		wg.Go(func() {
			var mine []time.Duration
			errs := 0
			for ctx.Err() == nil {
				t0 := time.Now()
				if post(context.WithoutCancel(ctx), c, r, "") {
					mine = append(mine, time.Since(t0))
				} else {
					errs++
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.latencies = append(res.latencies, mine...)
			res.errors += errs
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(res.latencies)
	res.n = len(res.latencies)
	res.rate = float64(res.n) / elapsed.Seconds()
	return res
}

// latencySink is a set of subscribers measuring how long after its publication each event
// arrives, by the trackingNumber the publisher chose.
type latencySink struct {
	mu        sync.Mutex
	sent      map[string]time.Time
	lat       []time.Duration
	first     time.Time
	last      time.Time
	delivered atomic.Int64
}

func newLatencySink(t *testing.T, r *running, subscribers int) *latencySink {
	t.Helper()
	l := &latencySink{sent: map[string]time.Time{}}
	for i := range subscribers {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			_, _ = io.Copy(io.Discard, req.Body)
			now := time.Now()
			l.mu.Lock()
			if sent, ok := l.sent[req.Header.Get(tracking.Header)]; ok {
				l.lat = append(l.lat, now.Sub(sent))
			}
			if l.first.IsZero() {
				l.first = now
			}
			l.last = now
			l.mu.Unlock()
			l.delivered.Add(1)
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(srv.Close)
		r.subscribe(t, iacTrigger, fmt.Sprint("sink", i), srv.URL, "")
	}
	return l
}

func (l *latencySink) record(number string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent[number] = at
}

func (l *latencySink) count() int64 { return l.delivered.Load() }

func (l *latencySink) span() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last.Sub(l.first).Round(time.Millisecond)
}

func (l *latencySink) rate() float64 {
	span := l.span()
	if span <= 0 {
		return 0
	}
	return float64(l.count()) / span.Seconds()
}

func (l *latencySink) p(q int) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	sorted := slices.Clone(l.lat)
	slices.Sort(sorted)
	return percentile(sorted, q)
}

// openLoop publishes events at rate per second for the window, whatever the latency, then
// waits until every accepted event has reached every subscriber (or 60s pass).
func openLoop(t *testing.T, r *running, rate int, window time.Duration, sink *latencySink) loadResult {
	t.Helper()
	c := loadClient(256)
	defer c.CloseIdleConnections()
	var (
		wg       sync.WaitGroup
		accepted atomic.Int64
	)
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	deadline := time.Now().Add(window)
	for time.Now().Before(deadline) {
		<-tick.C
		wg.Go(func() {
			number := tracking.New().String()
			sink.record(number, time.Now())
			if post(t.Context(), c, r, number) {
				accepted.Add(1)
			}
		})
	}
	wg.Wait()
	subscribers := int64(0)
	require.Eventually(t, func() bool {
		subs := r.do(t, http.MethodGet, "/beta/trigger-subscriptions", "").list(t)
		subscribers = int64(len(subs))
		return sink.count() >= accepted.Load()*subscribers
	}, 60*time.Second, 50*time.Millisecond, "every accepted event delivered")
	return loadResult{n: int(accepted.Load())}
}

// peakRSS reads the process's peak resident set size (VmHWM) from /proc.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}
