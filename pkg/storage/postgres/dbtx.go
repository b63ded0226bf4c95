package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"

	"github.com/accessflow/accessflow/pkg/storage"
)

type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type dbtx struct{ q querier }

func (d dbtx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := d.q.Exec(ctx, query, args...)
	if err != nil {
		return 0, translate(err)
	}
	return tag.RowsAffected(), nil
}

func (d dbtx) Query(ctx context.Context, query string, args ...any) (storage.Rows, error) {
	rows, err := d.q.Query(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	return rowsAdapter{rows}, nil
}

func (d dbtx) QueryRow(ctx context.Context, query string, args ...any) storage.Row {
	return rowAdapter{d.q.QueryRow(ctx, query, args...)}
}

type rowsAdapter struct{ rows pgx.Rows }

func (r rowsAdapter) Next() bool             { return r.rows.Next() }
func (r rowsAdapter) Scan(dest ...any) error { return translate(r.rows.Scan(dest...)) }
func (r rowsAdapter) Err() error             { return translate(r.rows.Err()) }
func (r rowsAdapter) Close() error {
	r.rows.Close()
	return translate(r.rows.Err())
}

type rowAdapter struct{ row pgx.Row }

func (r rowAdapter) Scan(dest ...any) error { return translate(r.row.Scan(dest...)) }

type txn struct {
	dbtx
	tx    pgx.Tx
	river *river.Client[pgx.Tx]
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
