// Package postgres is the scale-out backend: PostgreSQL through pgx, one schema per service so
// that all services can share one database without reading each other's tables, and River's
// riverpgxv5 driver in the same schema. Several replicas of a service may run against it.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/logging"
	"github.com/accessflow/accessflow/pkg/storage"
)

// defaultMaxConns is each service's pool size unless the URL sets pool_max_conns.
const defaultMaxConns = 10

// Backend is a service's PostgreSQL schema and its River client.
type Backend struct {
	pool   *pgxpool.Pool
	schema string
	river  *river.Client[pgx.Tx]
	full   *storage.FullState
	// presence marks this process's River client alive (presence.go), for takeOver and the
	// orphan rescue.
	presence *presence
	drain    time.Duration
	works    bool
	logger   *slog.Logger
}

var _ storage.Backend = (*Backend)(nil)

// Options configures Open.
type Options struct {
	// Schema is the service's schema; created on first start.
	Schema string
	// Migrations are the service's goose migrations; River's own are applied after them.
	Migrations fs.FS
	// Platform are migrations every service shares (e.g. the audit log), tracked apart from the
	// service's own in their own version table.
	Platform fs.FS
	// Jobs configures the River client (its Schema is set to Schema).
	Jobs jobs.Config
	// DrainTimeout bounds how long RunJobs waits for running jobs on shutdown.
	DrainTimeout time.Duration
	// ConnectTimeout bounds each connection's establishment, up to the server's first answer
	// (unless the URL sets connect_timeout); 0 leaves it unbounded.
	ConnectTimeout time.Duration
	// Logger for migrations and River.
	Logger *slog.Logger
}

// Open connects, migrates the schema under an advisory lock and builds the River client.
func Open(ctx context.Context, databaseURL string, opts Options) (*Backend, error) {
	if opts.Logger == nil {
		opts.Logger = logging.Discard()
	}
	if opts.Schema == "" {
		return nil, errors.New("postgres backend: schema is required")
	}
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if !strings.Contains(databaseURL, "pool_max_conns") {
		// pgx's default, max(4, CPUs), leaves delivery workers, the group commit and River's
		// fetches and completions queueing for a connection: round trips, not the server,
		// bounded throughput.
		cfg.MaxConns = defaultMaxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = opts.Schema
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "accessflow-" + opts.Schema
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := ping(ctx, pool, cfg.ConnConfig); err != nil {
		pool.Close()
		return nil, err
	}
	b := &Backend{pool: pool, schema: opts.Schema, full: storage.NewFullState(cfg.ConnConfig.Host+"/"+cfg.ConnConfig.Database, opts.Logger), drain: opts.DrainTimeout, works: opts.Jobs.Workers != nil, logger: opts.Logger}
	if err := b.migrate(ctx, opts.Schema, opts.Platform, opts.Migrations); err != nil {
		pool.Close()
		return nil, err
	}
	opts.Jobs.Schema = opts.Schema
	if opts.Jobs.Logger == nil {
		opts.Jobs.Logger = opts.Logger
	}
	b.schema = opts.Schema
	if b.works {
		opts.Jobs.ID = jobs.NewClientID()
		if b.presence, err = holdPresence(ctx, cfg, pool, opts.Schema, opts.Jobs.ID); err != nil {
			pool.Close()
			return nil, err
		}
	}
	if b.river, err = jobs.NewPostgres(pool, opts.Jobs); err != nil {
		return nil, errors.Join(err, b.Close())
	}
	return b, nil
}

// ping makes the first connection, so that a server that cannot be reached or never answers
// fails start-up with its address, within the connect timeout.
func ping(ctx context.Context, pool *pgxpool.Pool, cc *pgx.ConnConfig) error {
	if cc.ConnectTimeout > 0 {
		// pgx applies the timeout to each address and TLS fallback; bound them all.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cc.ConnectTimeout)
		defer cancel()
	}
	if err := pool.Ping(ctx); err != nil {
		where := net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port)))
		var ne net.Error
		timedOut := ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
		if cc.ConnectTimeout > 0 && timedOut {
			return fmt.Errorf("postgres at %s did not answer within %s (--database-connect-timeout): %w", where, cc.ConnectTimeout, err)
		}
		return fmt.Errorf("connect to postgres at %s: %w", where, err)
	}
	return nil
}

// migrate creates the schema and applies the service's migrations and River's, all under one
// advisory lock per schema so that replicas starting together migrate once.
func (b *Backend) migrate(ctx context.Context, schema string, platform, migrations fs.FS) (err error) {
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire migration connection: %w", err)
	}
	defer conn.Release()
	lockKey := "accessflow.migrate." + schema
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(hashtext($1))", lockKey); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer func() {
		// Unlock even when ctx is why we are leaving.
		if _, uerr := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtext($1))", lockKey); uerr != nil {
			err = errors.Join(err, fmt.Errorf("migration unlock: %w", uerr))
		}
	}()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return fmt.Errorf("create schema %s: %w", schema, err)
	}
	db := stdlib.OpenDBFromPool(b.pool)
	defer db.Close()
	if err := storage.GooseUp(ctx, goose.DialectPostgres, db, platform, storage.PlatformVersionTable); err != nil {
		return err
	}
	if err := storage.GooseUp(ctx, goose.DialectPostgres, db, migrations, ""); err != nil {
		return err
	}
	m, err := rivermigrate.New(riverpgxv5.New(b.pool), &rivermigrate.Config{Logger: logging.Quieter(b.logger), Schema: schema})
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

// Name returns storage.BackendPostgres.
func (b *Backend) Name() string { return storage.BackendPostgres }

// DB queries through the pool.
func (b *Backend) DB() storage.DBTX { return dbtx{q: b.pool} }

// River is the backend's River client, for services that need more than InsertJob.
func (b *Backend) River() *river.Client[pgx.Tx] { return b.river }

// InTx runs fn in a transaction.
func (b *Backend) InTx(ctx context.Context, fn func(context.Context, storage.Tx) error) error {
	err := translate(pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		return fn(ctx, &txn{dbtx: dbtx{q: tx}, tx: tx, river: b.river})
	}))
	b.full.Observe(err)
	return err
}

// Ready checks that the database answers and, after a write found its disk full, that a
// write succeeds again.
func (b *Backend) Ready(ctx context.Context) error {
	if b.full.Full() {
		return b.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Exec(ctx, storage.WriteProbe)
			return err
		})
	}
	return b.pool.Ping(ctx)
}

// RunJobs works the River queues until ctx ends. First it frees what gone processes of this
// service hold (a dead leader's term, their running jobs); while it runs, it retries the jobs
// of clients that go away (a crashed replica) every few seconds.
func (b *Backend) RunJobs(ctx context.Context) error {
	b.takeOver(ctx)
	var orphans *jobs.Orphans[pgx.Tx]
	if b.works && b.presence != nil {
		orphans = jobs.NewOrphans(b.river, riverpgxv5.New(b.pool), b.schema, b.presence.Alive, b.logger)
	}
	return jobs.Run(ctx, b.river, b.works, b.drain, orphans)
}

// Close closes the pool (and ends the client's presence).
func (b *Backend) Close() error {
	var err error
	if b.presence != nil {
		err = b.presence.close()
	}
	b.pool.Close()
	return err
}

// translate turns driver errors into the storage sentinels.
func translate(err error) error {
	// Already translated (an error a transaction's function returned): keep its message.
	if err == nil || errors.Is(err, storage.ErrConflict) || errors.Is(err, storage.ErrNotFound) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return storage.ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return storage.NewConflict(err, false)
		case "23503": // foreign_key_violation: a row a concurrent change removed (or the reverse)
			return storage.NewConflict(err, true)
		case "53100": // disk_full
			return fmt.Errorf("%w: %w", storage.ErrFull, err)
		}
	}
	return err
}
