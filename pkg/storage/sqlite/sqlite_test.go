package sqlite_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/backendtest"
	"github.com/accessflow/accessflow/pkg/storage/sqlite"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
)

func TestBackendConformance(t *testing.T) {
	cfg, worker := backendtest.JobsConfig()
	b, err := sqlite.Open(t.Context(), storagetest.SQLitePath(t), sqlite.Options{
		Migrations: backendtest.Migrations(),
		Jobs:       cfg,
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	backendtest.Run(t, b, worker)
}

func TestOpenIsIdempotent(t *testing.T) {
	path := storagetest.SQLitePath(t)
	for range 2 {
		b, err := sqlite.Open(t.Context(), path, sqlite.Options{Migrations: backendtest.Migrations()})
		require.NoError(t, err)
		require.NoError(t, b.Close())
	}
}

// A write that finds the storage full fails with storage.ErrFull (not an internal error).
// SQLite's max_page_count gives the database a size limit and the SQLITE_FULL a full disk
// gives; readiness is proved on a real full filesystem by trigger-ingest's TestDiskFull.
func TestStorageFull(t *testing.T) {
	ctx := t.Context()
	b, err := sqlite.Open(ctx, storagetest.SQLitePath(t), sqlite.Options{Migrations: backendtest.Migrations()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	setMaxPages := func(extra int) {
		require.NoError(t, b.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			var pages int
			if err := tx.QueryRow(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+extra))
			return err
		}))
	}
	setMaxPages(2)
	var full error
	for i := 0; i < 100 && full == nil; i++ {
		full = b.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO things (id, note) VALUES ($1, $2)`, fmt.Sprint(i), strings.Repeat("x", 8000))
			return err
		})
	}
	require.ErrorIs(t, full, storage.ErrFull)
	setMaxPages(1000)
	require.NoError(t, b.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO things (id, note) VALUES ('after', 'room again')`)
		return err
	}))
	require.NoError(t, b.Ready(ctx))
}
