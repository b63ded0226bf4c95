package storage

import (
	"context"

	"github.com/riverqueue/river"
)

// DBTX is what a service's SQL needs from a pool or a transaction, on either backend. Queries
// use $1, $2… placeholders, which both PostgreSQL and SQLite understand, so each service writes
// its SQL once. Implementations translate driver errors: a unique violation is ErrConflict, no
// row from QueryRow is ErrNotFound.
type DBTX interface {
	Exec(ctx context.Context, query string, args ...any) (rowsAffected int64, err error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Rows iterates over a query's result.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Row is the single row of QueryRow.
type Row interface {
	Scan(dest ...any) error
}

// JobInserter enqueues River jobs in the caller's transaction, so that a state change and the
// jobs it causes commit together or not at all.
type JobInserter interface {
	InsertJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
	// InsertJobs enqueues many jobs in one statement: on SQLite each River insert is a large
	// statement parsed anew, so a fan-out's jobs cost one parse instead of one each.
	InsertJobs(ctx context.Context, jobs []river.InsertManyParams) error
}

// Tx is a transaction: queries plus job inserts.
type Tx interface {
	DBTX
	JobInserter
}

// Backend is one service's database and its River client.
type Backend interface {
	// Name is BackendSQLite or BackendPostgres.
	Name() string
	// DB runs queries outside a transaction.
	DB() DBTX
	// InTx runs fn in a transaction, committed when fn returns nil and rolled back otherwise.
	InTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
	// Ready reports whether the database answers.
	Ready(ctx context.Context) error
	// RunJobs works the service's River queues until ctx ends, then stops fetching and waits up
	// to drainTimeout for running jobs before cancelling them (River retries them later).
	RunJobs(ctx context.Context) error
	// Close releases the database.
	Close() error
}
