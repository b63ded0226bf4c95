package main

import (
	"fmt"
	"strings"
	"time"
)

type report struct {
	started  time.Time
	elapsed  time.Duration
	window   time.Duration
	workers  int
	cpus     int
	backends []*backendResult
}

// markdown renders one table per backend: each figure, the no-op handler's, and their ratio.
func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# make bench, %s\n\n", r.started.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "%d CPUs; %s windows; closed loop with %d connections; open loop from the intended send time; 4 subscribers at fixed rates; "+
		"everything on loopback, load generator and subscribers in one process. Run took %s.\n\n", r.cpus, r.window, r.workers, r.elapsed.Round(time.Second))
	for _, res := range r.backends {
		fmt.Fprintf(&b, "## %s\n\n| figure | accessflow | no-op handler | ratio |\n|---|---:|---:|---:|\n", res.name)
		row := func(name, ours, noop, ratio string) {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, ours, noop, ratio)
		}
		row("ingest alone, req/s", rate(res.ingest.rate), rate(res.noopIngest.rate), pct(res.ingest.rate, res.noopIngest.rate))
		row("ingest alone, p50", ms(res.ingest.latency.p(50)), ms(res.noopIngest.latency.p(50)), times(res.ingest.latency.p(50), res.noopIngest.latency.p(50)))
		row("ingest alone, p99", ms(res.ingest.latency.p(99)), ms(res.noopIngest.latency.p(99)), times(res.ingest.latency.p(99), res.noopIngest.latency.p(99)))
		for _, w := range res.subs {
			row(fmt.Sprintf("ingest with %d subscriber(s), events/s", w.subscribers), rate(w.ingest.rate), rate(res.noopIngest.rate), pct(w.ingest.rate, res.noopIngest.rate))
			row(fmt.Sprintf("ingest with %d subscriber(s), p99", w.subscribers), ms(w.ingest.latency.p(99)), ms(res.noopIngest.latency.p(99)), times(w.ingest.latency.p(99), res.noopIngest.latency.p(99)))
			row(fmt.Sprintf("… deliveries/s during the window (%d subscriber(s))", w.subscribers), rate(w.deliveredDuring), "", "")
			drained := w.drain.Round(10 * time.Millisecond).String()
			if !w.drained {
				drained = "not drained in " + drained
			}
			row(fmt.Sprintf("… backlog drain after it (%d deliveries)", w.backlog), drained, "", "")
		}
		for _, rr := range res.rates {
			accepted := fmt.Sprintf("%d/%d accepted", rr.ours.accepted, rr.ours.offered)
			if !rr.drained {
				accepted += ", NOT all delivered"
			}
			for _, q := range []float64{50, 95, 99} {
				row(fmt.Sprintf("%d events/s: event→subscriber p%.0f (no-op: answer)", rr.rate, q),
					ms(rr.e2e.p(q)), ms(rr.noop.answer.p(q)), times(rr.e2e.p(q), rr.noop.answer.p(q)))
			}
			row(fmt.Sprintf("%d events/s: accepted", rr.rate), accepted, fmt.Sprintf("%d/%d", rr.noop.accepted, rr.noop.offered), "")
		}
		row("peak RSS (largest run)", mib(res.peakRSS), mib(res.noopPeakRSS), fmt.Sprintf("%.1f×", float64(res.peakRSS)/float64(max(res.noopPeakRSS, 1))))
		if res.name == "sqlite" {
			row("peak trigger-ingest WAL size", mib(res.peakWAL), "", "")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func rate(v float64) string { return fmt.Sprintf("%.0f", v) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func pct(a, b float64) string {
	if b == 0 {
		return ""
	}
	return fmt.Sprintf("%.0f %%", 100*a/b)
}

func times(a, b time.Duration) string {
	if b <= 0 {
		return ""
	}
	return fmt.Sprintf("%.1f×", float64(a)/float64(b))
}
