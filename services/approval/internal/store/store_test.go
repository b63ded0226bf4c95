package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/postgres"
	"github.com/accessflow/accessflow/pkg/storage/sqlite"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
	"github.com/accessflow/accessflow/services/approval/internal/store"
	"github.com/accessflow/accessflow/services/approval/internal/store/storetest"
)

func TestStoreSQLite(t *testing.T) {
	migrations, err := store.Migrations(storage.BackendSQLite)
	require.NoError(t, err)
	storetest.Run(t, func(t *testing.T) *store.Store {
		b, err := sqlite.Open(t.Context(), storagetest.SQLitePath(t), sqlite.Options{Migrations: migrations})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, b.Close()) })
		return store.New(b)
	})
}

func TestStorePostgres(t *testing.T) {
	migrations, err := store.Migrations(storage.BackendPostgres)
	require.NoError(t, err)
	open := func(ctx context.Context, url string) (*postgres.Backend, error) {
		return postgres.Open(ctx, url, postgres.Options{Schema: "approval", Migrations: migrations})
	}
	storetest.Run(t, func(t *testing.T) *store.Store {
		url := storagetest.NewPostgresDatabase(t, "approval", migrations, func(ctx context.Context, url string) error {
			b, err := open(ctx, url)
			if err != nil {
				return err
			}
			return b.Close()
		})
		b, err := open(t.Context(), url)
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, b.Close()) })
		return store.New(b)
	})
}
