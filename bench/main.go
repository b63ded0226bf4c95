// Command bench is `make bench`: it builds the all-in-one binary and the no-op handler
// (bench/noop), runs each on loopback, and measures side by side, on SQLite and on
// PostgreSQL: ingest alone, ingest with 1 and 4 subscribers, event → subscriber latency at
// fixed offered rates (open loop, from the intended send time), backlog drain time, peak RSS
// and WAL size. It prints a markdown table with each figure's ratio to the no-op handler and
// writes it, with PNG plots, under bench/results/. Windows are short: the numbers are read
// as ratios against the baseline measured in the same run.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

type options struct {
	out         string
	databaseURL string
	window      time.Duration
	drainLimit  time.Duration
	workers     int
	rates       []int
	backends    []string
	profile     bool
}

func main() {
	o := options{rates: []int{200, 500, 1000, 2000}}
	backends := "sqlite,postgres"
	flag.StringVar(&o.out, "out", "bench/results", "directory of the results (table, plots, binaries)")
	flag.StringVar(&o.databaseURL, "database-url", envOr("ACCESSFLOW_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
		"PostgreSQL server (a fresh database is created on it per run and dropped after)")
	flag.DurationVar(&o.window, "window", 3*time.Second, "length of each measurement window")
	flag.DurationVar(&o.drainLimit, "drain-limit", 30*time.Second, "longest wait for a backlog to drain")
	flag.IntVar(&o.workers, "workers", 64, "closed-loop connections for the ingest figures")
	flag.StringVar(&backends, "backends", backends, "backends to measure")
	flag.BoolVar(&o.profile, "profile", true, "save a CPU profile of accessflow during the 4-subscriber ingest window")
	flag.Parse()
	o.backends = strings.Split(backends, ",")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		stop()
		os.Exit(1)
	}
	stop()
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, o options) error {
	if err := os.MkdirAll(filepath.Join(o.out, "bin"), 0o755); err != nil {
		return err
	}
	bins, err := build(ctx, filepath.Join(o.out, "bin"))
	if err != nil {
		return err
	}
	started := time.Now()
	report := &report{started: started, window: o.window, workers: o.workers, cpus: cpuCount()}
	for _, backend := range o.backends {
		fmt.Fprintf(os.Stderr, "== %s\n", backend)
		res, err := measureBackend(ctx, o, bins, backend)
		if err != nil {
			return fmt.Errorf("%s: %w", backend, err)
		}
		report.backends = append(report.backends, res)
		if err := plotLatency(filepath.Join(o.out, "latency-"+backend+".png"), res); err != nil {
			return err
		}
	}
	report.elapsed = time.Since(started)
	table := report.markdown()
	fmt.Print(table)
	return os.WriteFile(filepath.Join(o.out, "results.md"), []byte(table), 0o644) //nolint:gosec // a results file, meant to be read
}
