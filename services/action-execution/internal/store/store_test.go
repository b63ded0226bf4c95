package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/postgres"
	"github.com/accessflow/accessflow/pkg/storage/sqlite"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
	"github.com/accessflow/accessflow/services/action-execution/internal/store/storetest"
)

// The suite inserts jobs but works none: an insert-only River client.
var insertOnly = jobs.Config{}

func TestStoreSQLite(t *testing.T) {
	migrations, err := store.Migrations(storage.BackendSQLite)
	require.NoError(t, err)
	storetest.Run(t, func(t *testing.T) storetest.Opened {
		b, err := sqlite.Open(t.Context(), storagetest.SQLitePath(t), sqlite.Options{Migrations: migrations, Jobs: insertOnly})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, b.Close()) })
		return storetest.Opened{Store: store.New(b), Backend: b}
	})
}

func TestStorePostgres(t *testing.T) {
	migrations, err := store.Migrations(storage.BackendPostgres)
	require.NoError(t, err)
	open := func(ctx context.Context, url string) (*postgres.Backend, error) {
		return postgres.Open(ctx, url, postgres.Options{Schema: "action_execution", Migrations: migrations, Jobs: insertOnly})
	}
	storetest.Run(t, func(t *testing.T) storetest.Opened {
		url := storagetest.NewPostgresDatabase(t, "action_execution", migrations, func(ctx context.Context, url string) error {
			b, err := open(ctx, url)
			if err != nil {
				return err
			}
			return b.Close()
		})
		b, err := open(t.Context(), url)
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, b.Close()) })
		return storetest.Opened{Store: store.New(b), Backend: b}
	})
}
