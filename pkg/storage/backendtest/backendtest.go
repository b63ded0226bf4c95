// Package backendtest is the conformance suite every storage.Backend passes: transactions
// commit and roll back, driver errors become the storage sentinels, and River jobs inserted in
// a transaction run exactly when it commits, with the inserting request's trackingNumber.
package backendtest

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/tracking"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// Migrations are the test schema the suite's backends must be opened with.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		panic(err) // the embedded path is fixed at compile time
	}
	return sub
}

// NoteArgs is the suite's job.
type NoteArgs struct {
	ID string `json:"id"`
}

// Kind names the job.
func (NoteArgs) Kind() string { return "backendtest_note" }

// Worker records the jobs it ran.
type Worker struct {
	river.WorkerDefaults[NoteArgs]
	ran chan ran
}

type ran struct {
	id     string
	number tracking.Number
}

// Work records the job and the trackingNumber its context carries.
func (w *Worker) Work(ctx context.Context, job *river.Job[NoteArgs]) error {
	n, _ := tracking.FromContext(ctx)
	w.ran <- ran{id: job.Args.ID, number: n}
	return nil
}

// JobsConfig returns the River configuration to open a backend under test with, and its worker.
func JobsConfig() (jobs.Config, *Worker) {
	w := &Worker{ran: make(chan ran, 16)}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	cfg := jobs.DefaultConfig()
	cfg.Workers = workers
	return cfg, w
}

// Run runs the suite against b, which was opened with Migrations() and JobsConfig().
func Run(t *testing.T, b storage.Backend, w *Worker) {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- b.RunJobs(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})

	t.Run("commit", func(t *testing.T) {
		err := b.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO things (id, note) VALUES ($1, $2)", "a", "first")
			return err
		})
		require.NoError(t, err)
		var note string
		require.NoError(t, b.DB().QueryRow(ctx, "SELECT note FROM things WHERE id = $1", "a").Scan(&note))
		require.Equal(t, "first", note)
	})

	t.Run("rollback on error", func(t *testing.T) {
		boom := errors.New("boom")
		err := b.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO things (id, note) VALUES ($1, $2)", "b", "never"); err != nil {
				return err
			}
			return boom
		})
		require.ErrorIs(t, err, boom)
		err = b.DB().QueryRow(ctx, "SELECT note FROM things WHERE id = $1", "b").Scan(new(string))
		require.ErrorIs(t, err, storage.ErrNotFound)
	})

	t.Run("unique violation is ErrConflict", func(t *testing.T) {
		err := b.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO things (id, note) VALUES ($1, $2)", "a", "again")
			return err
		})
		require.ErrorIs(t, err, storage.ErrConflict)
		requireCleanConflict(t, err)
		named := storage.Conflict(err, "thing", "id", "a")
		require.ErrorIs(t, named, storage.ErrConflict)
		require.EqualError(t, named, `thing with id "a" already exists`)
	})

	t.Run("foreign key violation is ErrConflict", func(t *testing.T) {
		err := b.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO thing_notes (thing_id, note) VALUES ($1, $2)", "no-such-thing", "orphan")
			return err
		})
		require.ErrorIs(t, err, storage.ErrConflict)
		requireCleanConflict(t, err)
	})

	t.Run("query rows", func(t *testing.T) {
		rows, err := b.DB().Query(ctx, "SELECT id FROM things ORDER BY id")
		require.NoError(t, err)
		var ids []string
		for rows.Next() {
			var id string
			require.NoError(t, rows.Scan(&id))
			ids = append(ids, id)
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		require.Equal(t, []string{"a"}, ids)
	})

	t.Run("jobs commit with the transaction", func(t *testing.T) {
		n := tracking.New()
		reqCtx := tracking.NewContext(ctx, n)
		// A rolled-back job never runs…
		err := b.InTx(reqCtx, func(ctx context.Context, tx storage.Tx) error {
			if err := tx.InsertJob(ctx, NoteArgs{ID: "rolled-back"}, nil); err != nil {
				return err
			}
			return errors.New("abort")
		})
		require.Error(t, err)
		// …a committed one does, carrying the request's trackingNumber.
		err = b.InTx(reqCtx, func(ctx context.Context, tx storage.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO things (id, note) VALUES ($1, $2)", "c", "with job"); err != nil {
				return err
			}
			return tx.InsertJob(ctx, NoteArgs{ID: "committed"}, nil)
		})
		require.NoError(t, err)
		select {
		case got := <-w.ran:
			require.Equal(t, ran{id: "committed", number: n}, got)
		case <-time.After(30 * time.Second):
			t.Fatal("committed job did not run within 30s")
		}
	})

	t.Run("ready", func(t *testing.T) {
		require.NoError(t, b.Ready(ctx))
	})
}

// requireCleanConflict checks that a conflict's message is the API's, not the driver's: no
// table, constraint or driver wording reaches callers, while the driver's error stays reachable.
func requireCleanConflict(t *testing.T, err error) {
	t.Helper()
	var ce *storage.ConflictError
	require.ErrorAs(t, err, &ce)
	require.Error(t, errors.Unwrap(ce), "the driver's error is kept for logs")
	for _, leak := range []string{"UNIQUE", "FOREIGN KEY", "constraint", "SQLSTATE", "things", "violates"} {
		require.NotContains(t, err.Error(), leak)
	}
}
