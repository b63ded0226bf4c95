package groupcommit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/backendtest"
	"github.com/accessflow/accessflow/pkg/storage/postgres"
	"github.com/accessflow/accessflow/pkg/storage/sqlite"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
	"github.com/accessflow/accessflow/pkg/tracking"
)

// countingBackend counts the transactions a Group opens.
type countingBackend struct {
	storage.Backend
	txs atomic.Int64
}

func (b *countingBackend) InTx(ctx context.Context, fn func(context.Context, storage.Tx) error) error {
	b.txs.Add(1)
	return b.Backend.InTx(ctx, fn)
}

// backends opens the test schema on each backend (River configured but not working, so that
// inserted jobs stay in river_job to be read). PostgreSQL is skipped, loudly, without
// ACCESSFLOW_TEST_DATABASE_URL: trigger-ingest and action-execution group commits there too.
func backends(t *testing.T) map[string]func(t *testing.T) storage.Backend {
	cfg, _ := backendtest.JobsConfig()
	return map[string]func(t *testing.T) storage.Backend{
		storage.BackendSQLite: func(t *testing.T) storage.Backend {
			b, err := sqlite.Open(t.Context(), storagetest.SQLitePath(t), sqlite.Options{Migrations: backendtest.Migrations(), Jobs: cfg})
			require.NoError(t, err)
			t.Cleanup(func() { require.NoError(t, b.Close()) })
			return b
		},
		storage.BackendPostgres: func(t *testing.T) storage.Backend {
			const schema = "groupcommit"
			url := storagetest.NewPostgresDatabase(t, "groupcommit", backendtest.Migrations(), func(ctx context.Context, url string) error {
				b, err := postgres.Open(ctx, url, postgres.Options{Schema: schema, Migrations: backendtest.Migrations()})
				if err != nil {
					return err
				}
				return b.Close()
			})
			b, err := postgres.Open(t.Context(), url, postgres.Options{Schema: schema, Migrations: backendtest.Migrations(), Jobs: cfg})
			require.NoError(t, err)
			t.Cleanup(func() { require.NoError(t, b.Close()) })
			return b
		},
	}
}

// insert is a write adding the thing id.
func insert(id string) func(context.Context, storage.Tx) error {
	return func(ctx context.Context, tx storage.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO things (id, note) VALUES ($1, 'x')`, id)
		return err
	}
}

// runGrouped runs first, and then writes while first is still running, so that writes all
// queue behind it and commit in one transaction. It returns each write's error.
func runGrouped(t *testing.T, g *Group, first func(context.Context, storage.Tx) error, writes []func(context.Context, storage.Tx) error, ctxs []context.Context) (errs []error, firstErr error) {
	t.Helper()
	release := make(chan struct{})
	started := make(chan struct{})
	firstDone := make(chan error, 1)
	go func() {
		firstDone <- g.Do(t.Context(), func(ctx context.Context, tx storage.Tx) error {
			close(started)
			<-release
			return first(ctx, tx)
		})
	}()
	<-started
	errs = make([]error, len(writes))
	var wg sync.WaitGroup
	for i, w := range writes {
		ctx := t.Context()
		if ctxs != nil {
			ctx = ctxs[i]
		}
		wg.Go(func() { errs[i] = g.Do(ctx, w) })
		// One at a time, so that they queue, and run, in order.
		require.Eventually(t, func() bool {
			g.mu.Lock()
			defer g.mu.Unlock()
			return len(g.queue) == i+1
		}, 10*time.Second, time.Millisecond, "writes queue behind the running group")
	}
	close(release)
	wg.Wait()
	return errs, <-firstDone
}

func things(t *testing.T, b storage.Backend) map[string]bool {
	t.Helper()
	rows, err := b.DB().Query(t.Context(), `SELECT id FROM things`)
	require.NoError(t, err)
	defer func() { require.NoError(t, rows.Close()) }()
	got := map[string]bool{}
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		got[id] = true
	}
	require.NoError(t, rows.Err())
	return got
}

func TestGroup(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("concurrent writes share one commit", func(t *testing.T) {
				b := &countingBackend{Backend: open(t)}
				g := New(b)
				writes := make([]func(context.Context, storage.Tx) error, 10)
				want := map[string]bool{"first": true}
				for i := range writes {
					id := fmt.Sprint("w", i)
					writes[i], want[id] = insert(id), true
				}
				errs, firstErr := runGrouped(t, g, insert("first"), writes, nil)
				require.NoError(t, firstErr)
				for _, err := range errs {
					require.NoError(t, err)
				}
				require.Equal(t, int64(2), b.txs.Load(), "the first write's transaction, then one for the ten queued behind it")
				require.Equal(t, want, things(t, b))
			})

			t.Run("a failing write rolls back alone", func(t *testing.T) {
				b := &countingBackend{Backend: open(t)}
				g := New(b)
				boom := errors.New("boom")
				writes := []func(context.Context, storage.Tx) error{
					insert("a"),
					func(ctx context.Context, tx storage.Tx) error { // writes, then fails
						if err := insert("b")(ctx, tx); err != nil {
							return err
						}
						return boom
					},
					insert("a"), // a statement that fails: PostgreSQL aborts the transaction up to the savepoint
					insert("c"),
				}
				errs, firstErr := runGrouped(t, g, insert("first"), writes, nil)
				require.NoError(t, firstErr)
				require.NoError(t, errs[0])
				require.ErrorIs(t, errs[1], boom)
				require.ErrorIs(t, errs[2], storage.ErrConflict)
				require.NoError(t, errs[3])
				require.Equal(t, int64(2), b.txs.Load())
				require.Equal(t, map[string]bool{"first": true, "a": true, "c": true}, things(t, b))
			})

			t.Run("a write alone that fails commits nothing", func(t *testing.T) {
				b := open(t)
				boom := errors.New("boom")
				err := New(b).Do(t.Context(), func(ctx context.Context, tx storage.Tx) error {
					if err := insert("a")(ctx, tx); err != nil {
						return err
					}
					return boom
				})
				require.ErrorIs(t, err, boom)
				require.Empty(t, things(t, b))
			})

			t.Run("batched jobs keep their origin and die with their write", func(t *testing.T) {
				b := &countingBackend{Backend: open(t)}
				g := New(b, WithBatchedJobs())
				boom := errors.New("boom")
				job := func(id string, fail bool) func(context.Context, storage.Tx) error {
					return func(ctx context.Context, tx storage.Tx) error {
						if err := tx.InsertJob(ctx, backendtest.NoteArgs{ID: id}, nil); err != nil {
							return err
						}
						if fail {
							return boom
						}
						return nil
					}
				}
				numbers := make([]tracking.Number, 3)
				ctxs := make([]context.Context, 3)
				for i := range numbers {
					numbers[i] = tracking.New()
					ctxs[i] = tracking.NewContext(t.Context(), numbers[i])
				}
				errs, firstErr := runGrouped(t, g, job("first", false),
					[]func(context.Context, storage.Tx) error{job("j0", false), job("j1", true), job("j2", false)}, ctxs)
				require.NoError(t, firstErr)
				require.NoError(t, errs[0])
				require.ErrorIs(t, errs[1], boom)
				require.NoError(t, errs[2])
				require.Equal(t, int64(2), b.txs.Load())

				query := `SELECT args, metadata FROM river_job`
				if b.Name() == storage.BackendSQLite {
					query = `SELECT json(args), json(metadata) FROM river_job` // stored as JSONB
				}
				rows, err := b.DB().Query(t.Context(), query)
				require.NoError(t, err)
				got := map[string]string{}
				for rows.Next() {
					var args, metadata []byte
					require.NoError(t, rows.Scan(&args, &metadata))
					var a backendtest.NoteArgs
					require.NoError(t, json.Unmarshal(args, &a))
					var md map[string]any
					require.NoError(t, json.Unmarshal(metadata, &md))
					n, _ := md["tracking_number"].(string)
					got[a.ID] = n
				}
				require.NoError(t, rows.Err())
				require.NoError(t, rows.Close())
				require.Equal(t, map[string]string{"first": "", "j0": numbers[0].String(), "j2": numbers[2].String()}, got,
					"the rolled-back write's job is dropped; each other keeps its writer's trackingNumber")
			})

			t.Run("without savepoints an own outcome spares the group, other errors fail it", func(t *testing.T) {
				b := open(t)
				exhausted := errors.New("exhausted")
				g := New(b, WithoutSavepoints(func(err error) bool { return errors.Is(err, exhausted) }))
				fail := func(err error) func(context.Context, storage.Tx) error {
					return func(context.Context, storage.Tx) error { return err }
				}
				errs, firstErr := runGrouped(t, g, insert("first"),
					[]func(context.Context, storage.Tx) error{insert("a"), fail(exhausted), insert("b")}, nil)
				require.NoError(t, firstErr)
				require.NoError(t, errs[0])
				require.ErrorIs(t, errs[1], exhausted)
				require.NoError(t, errs[2])
				require.Equal(t, map[string]bool{"first": true, "a": true, "b": true}, things(t, b))

				boom := errors.New("boom")
				errs, firstErr = runGrouped(t, g, insert("second"),
					[]func(context.Context, storage.Tx) error{insert("c"), fail(boom), insert("d")}, nil)
				require.NoError(t, firstErr)
				require.ErrorIs(t, errs[0], boom, "a write in a failed transaction gets its error")
				require.ErrorIs(t, errs[1], boom)
				require.ErrorIs(t, errs[2], boom)
				require.Equal(t, map[string]bool{"first": true, "a": true, "b": true, "second": true}, things(t, b))
			})

			t.Run("a write outlives its caller's cancellation", func(t *testing.T) {
				b := open(t)
				ctx, cancel := context.WithCancel(t.Context())
				err := New(b).Do(ctx, func(ctx context.Context, tx storage.Tx) error {
					cancel()
					return insert("a")(ctx, tx)
				})
				require.NoError(t, err)
				require.Equal(t, map[string]bool{"a": true}, things(t, b))
			})
		})
	}
}

func TestMaxGroup(t *testing.T) {
	b := &countingBackend{Backend: backends(t)[storage.BackendSQLite](t)}
	g := New(b, WithMaxGroup(3))
	writes := make([]func(context.Context, storage.Tx) error, 7)
	for i := range writes {
		writes[i] = insert(fmt.Sprint("w", i))
	}
	errs, firstErr := runGrouped(t, g, insert("first"), writes, nil)
	require.NoError(t, firstErr)
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, int64(1+3), b.txs.Load(), "seven queued writes in groups of at most three")
	require.Len(t, things(t, b), 8)
}
