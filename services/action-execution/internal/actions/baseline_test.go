package actions_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/postgres"
	"github.com/accessflow/accessflow/pkg/storage/sqlite"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

// hop is a job of the baseline: one transaction that writes a row and enqueues the next hop.
type hop struct {
	Chain int `json:"chain"`
	Left  int `json:"left"`
}

func (hop) Kind() string { return "bench_hop" }

type hopWorker struct {
	river.WorkerDefaults[hop]
	backend func() storage.Backend
	done    func()
}

func (w *hopWorker) Work(ctx context.Context, job *river.Job[hop]) error {
	if job.Args.Left == 0 {
		w.done()
		return nil
	}
	return w.backend().InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE providers SET modified_us = modified_us + 1 WHERE key = $1`, "none"); err != nil {
			return err
		}
		return tx.InsertJob(ctx, hop{Chain: job.Args.Chain, Left: job.Args.Left - 1}, &river.InsertOpts{Queue: "hops"})
	})
}

// benchBaseline measures, on the same machine and moment, what River and the backend alone
// sustain for chains shaped like a three-script flow (four jobs, each one write transaction
// enqueueing the next), at the same rate: the ceiling the flows are read against.
func benchBaseline(b *testing.B, backendName string, rate float64) {
	var (
		b0       storage.Backend
		finished atomic.Int64
		allDone  = make(chan struct{})
		once     sync.Once
	)
	workers := river.NewWorkers()
	river.AddWorker(workers, &hopWorker{backend: func() storage.Backend { return b0 }, done: func() {
		if finished.Add(1) == int64(b.N) {
			once.Do(func() { close(allDone) })
		}
	}})
	jc := jobs.DefaultConfig()
	jc.Workers = workers
	jc.Queues = map[string]river.QueueConfig{"hops": {MaxWorkers: 50}}
	migrations, err := store.Migrations(backendName)
	require.NoError(b, err)
	if backendName == storage.BackendPostgres {
		url := storagetest.NewPostgresDatabase(b, "action_flows", migrations, func(ctx context.Context, url string) error {
			pb, err := postgres.Open(ctx, url, postgres.Options{Schema: "action_execution", Migrations: migrations})
			if err != nil {
				return err
			}
			return pb.Close()
		})
		b0, err = postgres.Open(b.Context(), url, postgres.Options{Schema: "action_execution", Migrations: migrations, Jobs: jc, DrainTimeout: time.Second})
	} else {
		b0, err = sqlite.Open(b.Context(), storagetest.SQLitePath(b), sqlite.Options{Migrations: migrations, Jobs: jc, DrainTimeout: time.Second})
	}
	require.NoError(b, err)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- b0.RunJobs(ctx) }()
	defer func() {
		cancel()
		require.NoError(b, <-ran)
		require.NoError(b, b0.Close())
	}()
	interval := time.Duration(float64(time.Second) / rate)
	b.ResetTimer()
	began := time.Now()
	for i := range b.N {
		if wait := time.Until(began.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait) // pacing the load generator
		}
		go func() {
			err := b0.InTx(b.Context(), func(ctx context.Context, tx storage.Tx) error {
				return tx.InsertJob(ctx, hop{Chain: i, Left: 3}, &river.InsertOpts{Queue: "hops"})
			})
			if err != nil {
				b.Error(err)
			}
		}()
	}
	select {
	case <-allDone:
	case <-time.After(2 * time.Minute):
		b.Fatalf("%d of %d chains done", finished.Load(), b.N)
	}
	b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "chains/s")
	b.ReportMetric(0, "ns/op")
}
