package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/storage/backendtest"
	"github.com/accessflow/accessflow/pkg/storage/postgres"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
)

const schema = "backendtest"

func newDatabase(t *testing.T) string {
	t.Helper()
	return storagetest.NewPostgresDatabase(t, "backend", backendtest.Migrations(), func(ctx context.Context, url string) error {
		b, err := postgres.Open(ctx, url, postgres.Options{Schema: schema, Migrations: backendtest.Migrations()})
		if err != nil {
			return err
		}
		return b.Close()
	})
}

func TestBackendConformance(t *testing.T) {
	url := newDatabase(t)
	cfg, worker := backendtest.JobsConfig()
	b, err := postgres.Open(t.Context(), url, postgres.Options{Schema: schema, Migrations: backendtest.Migrations(), Jobs: cfg})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	backendtest.Run(t, b, worker)
}

// Replicas starting together against an empty database migrate it once, without errors.
func TestConcurrentMigrations(t *testing.T) {
	url := storagetest.NewPostgresDatabase(t, "empty", nil, func(context.Context, string) error { return nil })
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			b, err := postgres.Open(t.Context(), url, postgres.Options{Schema: "racing", Migrations: backendtest.Migrations()})
			if err == nil {
				err = b.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}
