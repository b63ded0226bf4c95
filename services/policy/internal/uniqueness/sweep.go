package uniqueness

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/logging"
	"github.com/accessflow/accessflow/services/policy/internal/store"
)

// sweepBatch bounds the reservations one statement deletes, so a large backlog never holds the
// database's write lock (SQLite's only writer) for long.
const sweepBatch = 5000

// SweepArgs is the periodic job that deletes expired reservations.
type SweepArgs struct{}

// Kind names the job.
func (SweepArgs) Kind() string { return "policy_sweep_reservations" }

// Sweeper deletes expired reservations. Expired reservations already count as free when
// values are claimed; sweeping keeps the table (and its unique index) small.
type Sweeper struct {
	river.WorkerDefaults[SweepArgs]

	store  atomic.Pointer[store.Store]
	logger *slog.Logger
}

// NewSweeper returns a sweeper; it works once Bind gave it the store.
func NewSweeper() *Sweeper { return &Sweeper{logger: logging.Discard()} }

// Bind gives the sweeper its store and logger. The service runner builds the River workers
// before it opens the store the workers use, so the two meet here; call it before the jobs run.
func (w *Sweeper) Bind(st *store.Store, logger *slog.Logger) {
	if logger != nil {
		w.logger = logger
	}
	w.store.Store(st)
}

// Work deletes every reservation that has expired, a batch at a time.
func (w *Sweeper) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	st := w.store.Load()
	if st == nil {
		return errors.New("sweep reservations: store not bound yet") // River retries later
	}
	var total int64
	for {
		n, err := st.DeleteExpiredReservations(ctx, sweepBatch)
		if err != nil {
			return fmt.Errorf("sweep reservations: %w", err)
		}
		total += n
		if n < sweepBatch {
			break
		}
	}
	if total > 0 {
		w.logger.InfoContext(ctx, "swept expired reservations", "count", total)
	}
	return nil
}

// Timeout bounds one sweep.
func (*Sweeper) Timeout(*river.Job[SweepArgs]) time.Duration { return 5 * time.Minute }

// SweepInterval is how often the sweep runs for a reservation TTL: a tenth of it, between a
// second and a minute.
func SweepInterval(ttl time.Duration) time.Duration {
	return min(max(ttl/10, time.Second), time.Minute)
}

// JobsConfig is the River configuration of the policy service: the sweeper, scheduled every
// SweepInterval(ttl) by the leader of the service's replicas. Sweeping is all the service's
// River client does, so it polls slowly: on SQLite, polling shares the one writer connection
// with the claims that evaluations make.
func JobsConfig(w *Sweeper, ttl time.Duration) jobs.Config {
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	cfg := jobs.DefaultConfig()
	cfg.Workers = workers
	cfg.MaxWorkers = 1
	cfg.FetchCooldown = 100 * time.Millisecond
	cfg.FetchPollInterval = time.Second
	cfg.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(
		river.PeriodicInterval(SweepInterval(ttl)),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
		&river.PeriodicJobOpts{ID: SweepArgs{}.Kind(), RunOnStart: true},
	)}
	return cfg
}
