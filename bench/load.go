package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/accessflow/accessflow/pkg/tracking"
)

// lat holds latency samples.
type lat []time.Duration

func (l lat) p(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*q/100))]
}

func newClient(conns int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DialContext: (&net.Dialer{}).DialContext},
		Timeout:   60 * time.Second,
	}
}

func publish(ctx context.Context, c *http.Client, s *server, number string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/v1/trigger-events/"+trigger, strings.NewReader(event))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	if number != "" {
		req.Header.Set(tracking.Header, number)
	}
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode/100 == 2
}

// closedResult is a closed-loop window: rate of accepted requests and their latency.
type closedResult struct {
	accepted, errors int
	rate             float64
	latency          lat
}

// closedLoop runs workers posting back to back for window.
func closedLoop(ctx context.Context, s *server, workers int, window time.Duration) closedResult {
	c := newClient(workers)
	defer c.CloseIdleConnections()
	wctx, cancel := context.WithTimeout(ctx, window)
	defer cancel()
	var (
		mu  sync.Mutex
		res closedResult
		wg  sync.WaitGroup
	)
	start := time.Now()
	for range workers {
		wg.Go(func() {
			var mine lat
			errs := 0
			for wctx.Err() == nil {
				t0 := time.Now()
				if publish(context.WithoutCancel(wctx), c, s, "") {
					mine = append(mine, time.Since(t0))
				} else {
					errs++
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.latency = append(res.latency, mine...)
			res.errors += errs
		})
	}
	wg.Wait()
	res.accepted = len(res.latency)
	res.rate = float64(res.accepted) / time.Since(start).Seconds()
	return res
}

// sink is a set of subscribers recording when each event arrives, by the trackingNumber the
// publisher chose, against its intended send time.
type sink struct {
	mu        sync.Mutex
	intended  map[string]time.Time
	latency   lat
	delivered atomic.Int64
	servers   []*http.Server
}

func newSink(ctx context.Context, s *server, subscribers int) (*sink, error) {
	k := &sink{intended: map[string]time.Time{}}
	for i := range subscribers {
		lis, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		srv := &http.Server{Handler: http.HandlerFunc(k.receive), ReadHeaderTimeout: 5 * time.Second}
		k.servers = append(k.servers, srv)
		go func() { _ = srv.Serve(lis) }()
		if err := s.subscribe(ctx, fmt.Sprint("bench-", i), "http://"+lis.Addr().String()); err != nil {
			k.close()
			return nil, err
		}
	}
	return k, nil
}

func (k *sink) receive(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	now := time.Now()
	k.mu.Lock()
	if at, ok := k.intended[r.Header.Get(tracking.Header)]; ok {
		k.latency = append(k.latency, now.Sub(at))
	}
	k.mu.Unlock()
	k.delivered.Add(1)
	w.WriteHeader(http.StatusNoContent)
}

func (k *sink) expect(number string, at time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.intended[number] = at
}

func (k *sink) samples() lat {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.latency)
}

func (k *sink) close() {
	for _, srv := range k.servers {
		_ = srv.Close()
	}
}

// waitDelivered waits until want deliveries arrived or limit passed; it returns how long it
// took and whether all arrived.
func (k *sink) waitDelivered(ctx context.Context, want int64, limit time.Duration) (time.Duration, bool) {
	start := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for k.delivered.Load() < want {
		if time.Since(start) > limit || ctx.Err() != nil {
			return time.Since(start), false
		}
		<-tick.C
	}
	return time.Since(start), true
}

// openResult is an open-loop window: what was offered and accepted, and the latency of each
// request's answer from its intended send time.
type openResult struct {
	offered, accepted int
	answer            lat
}

// openLoop sends rate requests per second for window, each at its intended time whatever the
// latency of the others (no coordinated omission); when k is set, events carry tracking
// numbers k records with their intended time.
func openLoop(ctx context.Context, s *server, rate int, window time.Duration, k *sink) openResult {
	c := newClient(1024)
	defer c.CloseIdleConnections()
	n := int(float64(rate) * window.Seconds())
	interval := time.Second / time.Duration(rate)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		answer   lat
		accepted atomic.Int64
	)
	start := time.Now()
	for i := range n {
		intended := start.Add(time.Duration(i) * interval)
		if d := time.Until(intended); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return openResult{}
			}
		}
		wg.Go(func() {
			number := ""
			if k != nil {
				number = tracking.New().String()
				k.expect(number, intended)
			}
			if publish(ctx, c, s, number) {
				accepted.Add(1)
				d := time.Since(intended)
				mu.Lock()
				answer = append(answer, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return openResult{offered: n, accepted: int(accepted.Load()), answer: answer}
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
