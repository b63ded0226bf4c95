package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/accessflow/accessflow/pkg/storage"
)

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type dbtx struct{ q querier }

func (d dbtx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := d.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, translate(err)
	}
	n, err := res.RowsAffected()
	return n, translate(err)
}

func (d dbtx) Query(ctx context.Context, query string, args ...any) (storage.Rows, error) {
	rows, err := d.q.QueryContext(ctx, query, args...) //nolint:rowserrcheck // the caller checks Err on the returned Rows
	if err != nil {
		return nil, translate(err)
	}
	return rowsAdapter{rows}, nil
}

func (d dbtx) QueryRow(ctx context.Context, query string, args ...any) storage.Row {
	return rowAdapter{d.q.QueryRowContext(ctx, query, args...)}
}

type rowsAdapter struct{ *sql.Rows }

func (r rowsAdapter) Err() error { return translate(r.Rows.Err()) }

type rowAdapter struct{ row *sql.Row }

func (r rowAdapter) Scan(dest ...any) error { return translate(r.row.Scan(dest...)) }

type txn struct {
	dbtx
	tx    *sql.Tx
	river *river.Client[*sql.Tx]
}

func (t *txn) InsertJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if _, err := t.river.InsertTx(ctx, t.tx, args, opts); err != nil {
		return fmt.Errorf("insert %s job: %w", args.Kind(), translate(err))
	}
	return nil
}

func (t *txn) InsertJobs(ctx context.Context, jobs []river.InsertManyParams) error {
	if len(jobs) == 0 {
		return nil
	}
	if _, err := t.river.InsertManyFastTx(ctx, t.tx, jobs); err != nil {
		return fmt.Errorf("insert %d jobs: %w", len(jobs), translate(err))
	}
	return nil
}
