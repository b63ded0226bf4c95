// Package jobs builds the River clients that run every durable job (deliveries, script runs,
// sleeps, timeouts, sweeps) on a service's own database: riversqlite on the embedded default,
// riverpgxv5 on PostgreSQL. Clients are generic over the transaction type, so a store inserts
// jobs with InsertTx on its own transaction: a state change and the jobs it causes commit
// together.
package jobs

import (
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
	"github.com/riverqueue/rivercontrib/otelriver"

	"github.com/accessflow/accessflow/pkg/logging"
)

// Config tunes a service's River client.
type Config struct {
	// ID is the client's ID (default: River's, from the host and start time); a backend that
	// marks the client alive (a presence lock) sets it (NewClientID).
	ID string
	// Workers registers the service's workers; nil makes an insert-only client.
	Workers *river.Workers
	// Queues to work, with their worker counts; defaults to the default queue with MaxWorkers.
	Queues map[string]river.QueueConfig
	// PeriodicJobs the client's leader enqueues on schedule (e.g. sweeps).
	PeriodicJobs []*river.PeriodicJob
	// MaxWorkers of the default queue when Queues is empty.
	MaxWorkers int
	// FetchCooldown is the shortest pause between fetches. River's 100 ms default caps a client
	// near 1,000 jobs/s; ours is lower.
	FetchCooldown time.Duration
	// FetchPollInterval is how often a queue polls when no insert notification arrives (SQLite
	// has no LISTEN/NOTIFY, so this bounds its pickup latency).
	FetchPollInterval time.Duration
	// JobTimeout bounds a job that sets no timeout of its own (River's default is 1 minute).
	JobTimeout time.Duration
	// RescueStuckJobsAfter is how long a job may stay running before River presumes its
	// worker died with its process and runs it again. River's default is an hour: a crash
	// would hold every job that was running for that long. It must exceed JobTimeout.
	RescueStuckJobsAfter time.Duration
	// Schema is the PostgreSQL schema of River's tables (the service's own schema).
	Schema string
	// Logger for River's own messages.
	Logger *slog.Logger
}

// DefaultConfig is tuned for low pickup latency on a small machine.
func DefaultConfig() Config {
	return Config{
		MaxWorkers:        50,
		FetchCooldown:     5 * time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond,
	}
}

// NewSQLite builds a client on db, the store's single writer connection.
func NewSQLite(db *sql.DB, cfg Config) (*river.Client[*sql.Tx], error) {
	c, err := river.NewClient(riversqlite.New(db), riverConfig(cfg))
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return c, nil
}

// NewPostgres builds a client on pool.
func NewPostgres(pool *pgxpool.Pool, cfg Config) (*river.Client[pgx.Tx], error) {
	c, err := river.NewClient(riverpgxv5.New(pool), riverConfig(cfg))
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return c, nil
}

func riverConfig(cfg Config) *river.Config {
	logger := cfg.Logger
	if logger == nil {
		logger = logging.Discard()
	}
	rc := &river.Config{
		ID:                cfg.ID,
		Logger:            logger,
		Schema:            cfg.Schema,
		FetchCooldown:     cfg.FetchCooldown,
		FetchPollInterval: cfg.FetchPollInterval,
		PeriodicJobs:      cfg.PeriodicJobs,
		JobTimeout:        cfg.JobTimeout,
		// River's rescuer checks every 30 s; this says how old a running job must be by then.
		RescueStuckJobsAfter: cfg.RescueStuckJobsAfter,
		// Outermost first: the tracking middleware puts the job's trackingNumber and its parent
		// span into the context, so that otelriver's span continues that trace; the links
		// middleware then links otelriver's span to the span that caused the job (Caused).
		Middleware: []rivertype.Middleware{
			&trackingMiddleware{},
			otelriver.NewMiddleware(nil),
			&linksMiddleware{},
		},
	}
	if cfg.Workers != nil {
		rc.Workers = cfg.Workers
		rc.Queues = cfg.Queues
		if len(rc.Queues) == 0 {
			workers := cfg.MaxWorkers
			if workers <= 0 {
				workers = DefaultConfig().MaxWorkers
			}
			rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workers}}
		}
	}
	return rc
}
