// Package sqlite is the embedded default backend: one SQLite file per service (modernc.org/sqlite,
// no cgo), with River's riversqlite driver on the same file.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"golang.org/x/sys/unix"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/logging"
	"github.com/accessflow/accessflow/pkg/storage"
)

// Backend is a service's SQLite database: one writer connection, because SQLite admits one
// writer at a time and more would only add busy-wait stalls, and a small pool of read-only
// connections, which WAL lets run beside the writer.
type Backend struct {
	write *sql.DB
	read  *sql.DB
	// checkpoint runs WAL checkpoints in the background, so that no commit pays for one (SQLite's
	// automatic checkpoint runs inside a commit and stalls it for milliseconds).
	checkpoint     *sql.DB
	stopCheckpoint chan struct{}
	checkpointDone chan struct{}
	river          *river.Client[*sql.Tx]
	full           *storage.FullState
	dir            string
	presence       *presence // marks this process's River client alive (presence.go)
	drain          time.Duration
	works          bool
	logger         *slog.Logger
}

var _ storage.Backend = (*Backend)(nil)

// Options configures Open.
type Options struct {
	// Synchronous is SQLite's synchronous pragma (NORMAL or FULL; default NORMAL).
	Synchronous string
	// Migrations are the service's goose migrations; River's own are applied after them.
	Migrations fs.FS
	// Platform are migrations every service shares (e.g. the audit log), tracked apart from the
	// service's own in their own version table.
	Platform fs.FS
	// Jobs configures the River client.
	Jobs jobs.Config
	// DrainTimeout bounds how long RunJobs waits for running jobs on shutdown.
	DrainTimeout time.Duration
	// CheckpointInterval is how often the WAL is checkpointed in the background (default 1s).
	CheckpointInterval time.Duration
	// Logger for migrations and River.
	Logger *slog.Logger
}

// Open opens (creating if needed) the database file at path, migrates it and builds the River
// client.
func Open(ctx context.Context, path string, opts Options) (*Backend, error) {
	if opts.Logger == nil {
		opts.Logger = logging.Discard()
	}
	if opts.Synchronous == "" {
		opts.Synchronous = "NORMAL"
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	write, err := openDB(ctx, path, opts.Synchronous, connWrite)
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	b := &Backend{write: write, drain: opts.DrainTimeout, works: opts.Jobs.Workers != nil, logger: opts.Logger, full: storage.NewFullState(path, opts.Logger), dir: filepath.Dir(path)}
	if err := b.migrate(ctx, opts.Platform, opts.Migrations); err != nil {
		return nil, errors.Join(err, write.Close())
	}
	if b.read, err = openDB(ctx, path, opts.Synchronous, connRead); err != nil {
		return nil, errors.Join(err, write.Close())
	}
	b.read.SetMaxOpenConns(4)
	if b.checkpoint, err = openDB(ctx, path, opts.Synchronous, connCheckpoint); err != nil {
		return nil, errors.Join(err, b.read.Close(), write.Close())
	}
	b.checkpoint.SetMaxOpenConns(1)
	interval := opts.CheckpointInterval
	if interval <= 0 {
		interval = time.Second
	}
	b.stopCheckpoint, b.checkpointDone = make(chan struct{}), make(chan struct{})
	go b.checkpointLoop(interval)
	if opts.Jobs.Logger == nil {
		opts.Jobs.Logger = opts.Logger
	}
	if b.works {
		opts.Jobs.ID = jobs.NewClientID()
		if b.presence, err = holdPresence(path, opts.Jobs.ID); err != nil {
			return nil, errors.Join(err, b.Close())
		}
	}
	if b.river, err = jobs.NewSQLite(write, opts.Jobs); err != nil {
		return nil, errors.Join(err, b.Close())
	}
	return b, nil
}

type connKind int

const (
	connWrite connKind = iota
	connRead
	connCheckpoint
)

func openDB(ctx context.Context, path, synchronous string, kind connKind) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "synchronous("+synchronous+")")
	q.Set("_txlock", "immediate")
	switch kind {
	case connWrite:
		q.Add("_pragma", "wal_autocheckpoint(0)") // checkpointLoop does it off the commit path
	case connRead:
		q.Add("_pragma", "query_only(ON)")
	case connCheckpoint:
	}
	db := sql.OpenDB(cachingConnector{dsn: "file:" + path + "?" + q.Encode(), drv: &sqlite.Driver{}})
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("open sqlite %s: %w", path, err), db.Close())
	}
	return db, nil
}

func (b *Backend) migrate(ctx context.Context, platform, migrations fs.FS) error {
	if err := storage.GooseUp(ctx, goose.DialectSQLite3, b.write, platform, storage.PlatformVersionTable); err != nil {
		return err
	}
	if err := storage.GooseUp(ctx, goose.DialectSQLite3, b.write, migrations, ""); err != nil {
		return err
	}
	m, err := rivermigrate.New(riversqlite.New(b.write), &rivermigrate.Config{Logger: logging.Quieter(b.logger)})
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

// Name returns storage.BackendSQLite.
func (b *Backend) Name() string { return storage.BackendSQLite }

// DB queries through the read-only pool.
func (b *Backend) DB() storage.DBTX { return dbtx{q: b.read} }

// River is the backend's River client, for services that need more than InsertJob.
func (b *Backend) River() *river.Client[*sql.Tx] { return b.river }

// InTx runs fn in an immediate transaction on the writer connection.
func (b *Backend) InTx(ctx context.Context, fn func(context.Context, storage.Tx) error) error {
	err := b.inTx(ctx, fn)
	b.full.Observe(err)
	return err
}

func (b *Backend) inTx(ctx context.Context, fn func(context.Context, storage.Tx) error) error {
	tx, err := b.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", translate(err))
	}
	if err := fn(ctx, &txn{dbtx: dbtx{q: tx}, tx: tx, river: b.river}); err != nil {
		return errors.Join(err, ignoreDone(tx.Rollback()))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", translate(err))
	}
	return nil
}

// Ready checks that the database answers and, after a write found the disk full, that a
// write succeeds again.
func (b *Backend) Ready(ctx context.Context) error {
	if b.full.Full() {
		// A small write may fit in the WAL's already allocated pages while events do not:
		// ready only with room on the filesystem, and a write that succeeds.
		if free, err := freeBytes(b.dir); err == nil && free < fullHeadroom {
			return fmt.Errorf("%w: %d bytes free on %s", storage.ErrFull, free, b.dir)
		}
		return b.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Exec(ctx, storage.WriteProbe)
			return err
		})
	}
	return b.read.PingContext(ctx)
}

// RunJobs works the River queues until ctx ends. First it frees what gone processes on this
// file hold (a dead leader's term, their running jobs: a crash, SIGKILL); while it runs, it
// retries the jobs of clients that go away every few seconds. Whether a client is gone is its
// presence lock (presence.go).
func (b *Backend) RunJobs(ctx context.Context) error {
	b.takeOver(ctx)
	var orphans *jobs.Orphans[*sql.Tx]
	if b.works && b.presence != nil {
		orphans = jobs.NewOrphans(b.river, riversqlite.New(b.write), "", b.presence.Alive, b.logger)
	}
	return jobs.Run(ctx, b.river, b.works, b.drain, orphans)
}

// checkpointLoop copies the WAL into the database every interval without blocking writers
// (PASSIVE), and once more on close.
func (b *Backend) checkpointLoop(interval time.Duration) {
	defer close(b.checkpointDone)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-b.stopCheckpoint:
			b.runCheckpoint()
			return
		case <-tick.C:
			b.runCheckpoint()
		}
	}
}

// fullHeadroom is the free space a database whose disk was full needs before it reports
// ready again.
const fullHeadroom = 4 << 20

// freeBytes is the space available to this process on the filesystem of dir.
func freeBytes(dir string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", dir, err)
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil //nolint:gosec,unconvert // field types differ by platform
}

// walTruncatePages is the WAL length, in pages (4 KiB by default), past which the checkpointer
// stops being polite: PASSIVE checkpoints copy pages but cannot restart the WAL while readers
// and writers keep it in use, so under sustained load it grows without bound (62 MB against a
// 2 MB database was measured). A TRUNCATE checkpoint waits for readers, holds writers off for
// the copy, and empties the file.
const walTruncatePages = 4096

func (b *Backend) runCheckpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var busy, log, done int
	if err := b.checkpoint.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &done); err != nil {
		b.logger.Warn("sqlite wal checkpoint", "error", err)
		return
	}
	if log < walTruncatePages {
		return
	}
	if err := b.checkpoint.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &log, &done); err != nil {
		b.logger.Warn("sqlite wal checkpoint (truncate)", "error", err)
	}
}

// Close stops the checkpointer and closes the pools.
func (b *Backend) Close() error {
	var errs []error
	if b.stopCheckpoint != nil {
		close(b.stopCheckpoint)
		<-b.checkpointDone
		errs = append(errs, b.checkpoint.Close())
	}
	if b.read != nil {
		errs = append(errs, b.read.Close())
	}
	if b.presence != nil {
		errs = append(errs, b.presence.close())
	}
	return errors.Join(append(errs, b.write.Close())...)
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// translate turns driver errors into the storage sentinels.
func translate(err error) error {
	// Already translated (an error a transaction's function returned): keep its message.
	if err == nil || errors.Is(err, storage.ErrConflict) || errors.Is(err, storage.ErrNotFound) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return storage.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		if se.Code()&0xff == sqlite3.SQLITE_FULL {
			return fmt.Errorf("%w: %w", storage.ErrFull, err)
		}
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return storage.NewConflict(err, false)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			// A row referencing one that a concurrent change removed (or the reverse).
			return storage.NewConflict(err, true)
		}
	}
	return err
}
