package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"
)

// withSubs is an ingest window with subscribers attached.
type withSubs struct {
	subscribers int
	ingest      closedResult
	// deliveredDuring is the deliveries per second that reached subscribers in the window.
	deliveredDuring float64
	// drain is how long the backlog left at the window's end took to reach them.
	drain   time.Duration
	drained bool
	backlog int64
}

type rateResult struct {
	rate int
	ours openResult
	// e2e is event → subscriber latency from the intended send time, every delivery.
	e2e     lat
	drained bool
	noop    openResult
}

type backendResult struct {
	name        string
	ingest      closedResult
	noopIngest  closedResult
	subs        []withSubs
	rates       []rateResult
	peakRSS     int64
	noopPeakRSS int64
	peakWAL     int64
}

func measureBackend(ctx context.Context, o options, bins binaries, backend string) (*backendResult, error) {
	res := &backendResult{name: backend}
	start := func() (*server, func(), error) {
		dbURL, drop := "", func() {}
		if backend == "postgres" {
			var err error
			if dbURL, drop, err = freshDatabase(ctx, o.databaseURL); err != nil {
				return nil, nil, err
			}
		}
		s, err := startAccessflow(ctx, bins.accessflow, dbURL)
		if err != nil {
			drop()
			return nil, nil, err
		}
		return s, func() {
			res.peakRSS = max(res.peakRSS, s.stop())
			res.peakWAL = max(res.peakWAL, s.peakWAL())
			drop()
		}, nil
	}

	noop, err := startNoop(ctx, bins.noop)
	if err != nil {
		return nil, err
	}
	defer func() { res.noopPeakRSS = noop.stop() }()
	closedLoop(ctx, noop, o.workers, time.Second) // warm-up
	res.noopIngest = closedLoop(ctx, noop, o.workers, o.window)
	logf("no-op ingest: %.0f req/s", res.noopIngest.rate)

	s, stop, err := start()
	if err != nil {
		return nil, err
	}
	closedLoop(ctx, s, o.workers, time.Second) // warm-up
	res.ingest = closedLoop(ctx, s, o.workers, o.window)
	stop()
	logf("ingest alone: %.0f events/s (%d errors)", res.ingest.rate, res.ingest.errors)

	for _, n := range []int{1, 4} {
		w, err := ingestWithSubscribers(ctx, o, backend, start, n)
		if err != nil {
			return nil, err
		}
		res.subs = append(res.subs, w)
		logf("ingest with %d subscriber(s): %.0f events/s, %.0f deliveries/s during; backlog %d drained in %s (%v)",
			n, w.ingest.rate, w.deliveredDuring, w.backlog, w.drain.Round(time.Millisecond), w.drained)
	}

	for _, rate := range o.rates {
		r := rateResult{rate: rate}
		r.noop = openLoop(ctx, noop, rate, o.window, nil)
		s, stop, err := start()
		if err != nil {
			return nil, err
		}
		k, err := newSink(ctx, s, 4)
		if err != nil {
			stop()
			return nil, err
		}
		r.ours = openLoop(ctx, s, rate, o.window, k)
		_, r.drained = k.waitDelivered(ctx, int64(r.ours.accepted)*4, o.drainLimit)
		r.e2e = k.samples()
		k.close()
		stop()
		res.rates = append(res.rates, r)
		logf("%d events/s offered, 4 subscribers: %d/%d accepted; event→subscriber p50 %s p95 %s p99 %s (all delivered: %v); no-op answer p99 %s",
			rate, r.ours.accepted, r.ours.offered, r.e2e.p(50), r.e2e.p(95), r.e2e.p(99), r.drained, r.noop.answer.p(99))
	}
	return res, nil
}

func ingestWithSubscribers(ctx context.Context, o options, backend string, start func() (*server, func(), error), n int) (withSubs, error) {
	w := withSubs{subscribers: n}
	s, stop, err := start()
	if err != nil {
		return w, err
	}
	defer stop()
	k, err := newSink(ctx, s, n)
	if err != nil {
		return w, err
	}
	defer k.close()
	profiled := make(chan error, 1)
	if o.profile && n == 4 {
		go func() {
			profiled <- s.profile(ctx, o.window, filepath.Join(o.out, fmt.Sprintf("cpu-%s-ingest-%d-subscribers.pprof", backend, n)))
		}()
	} else {
		profiled <- nil
	}
	w.ingest = closedLoop(ctx, s, o.workers, o.window)
	if err := <-profiled; err != nil {
		logf("profile: %v", err)
	}
	delivered := k.delivered.Load()
	w.deliveredDuring = float64(delivered) / o.window.Seconds()
	want := int64(w.ingest.accepted) * int64(n)
	w.backlog = want - delivered
	w.drain, w.drained = k.waitDelivered(ctx, want, o.drainLimit)
	return w, nil
}
