package postgres_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

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

// A server that accepts TCP connections but never answers fails Open within the connect
// timeout, with an error naming its address, instead of hanging start-up.
func TestConnectTimeout(t *testing.T) {
	t.Parallel()
	lis, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, lis.Close()) })
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	// The test's own deadline is far longer: hanging until it would fail the assertions.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	url := "postgres://accessflow@" + lis.Addr().String() + "/accessflow"
	_, err = postgres.Open(ctx, url, postgres.Options{Schema: schema, Migrations: backendtest.Migrations(), ConnectTimeout: 300 * time.Millisecond})
	require.Error(t, err)
	require.ErrorContains(t, err, "postgres at "+lis.Addr().String()+" did not answer within 300ms")
	require.NoError(t, ctx.Err(), "Open returned within the connect timeout, not at the caller's deadline")
}
