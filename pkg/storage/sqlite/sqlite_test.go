package sqlite_test

import (
	"testing"

	"github.com/stretchr/testify/require"

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
