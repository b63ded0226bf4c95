package grpcclient_test

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/accessflow/accessflow/pkg/grpcclient"
	"github.com/accessflow/accessflow/pkg/mtls/mtlstest"
)

// replica is a gRPC server counting the calls it serves.
type replica struct {
	addr  string
	calls atomic.Int64
}

func startReplica(t *testing.T, opts ...grpc.ServerOption) *replica {
	t.Helper()
	r := &replica{}
	lis, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r.addr = lis.Addr().String()
	srv := grpc.NewServer(append(opts, grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		r.calls.Add(1)
		return h(ctx, req)
	}))...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return r
}

func TestNewSpreadsCallsOverReplicas(t *testing.T) {
	ca := mtlstest.NewCA(t)
	serverTLS, err := ca.Issue(t, t.TempDir(), "server").ServerConfig()
	require.NoError(t, err)
	clientTLS, err := ca.Issue(t, t.TempDir(), "client").ClientConfig()
	require.NoError(t, err)

	for _, tc := range []struct {
		name   string
		tls    bool
		target func(a, b *replica) string
	}{
		{"comma-separated list", false, func(a, b *replica) string { return a.addr + "," + b.addr }},
		{"list with spaces and mutual TLS", true, func(a, b *replica) string { return a.addr + " , " + b.addr + "," }},
		{"host names with mutual TLS", true, func(a, b *replica) string {
			return strings.Replace(a.addr, "127.0.0.1", "localhost", 1) + "," + strings.Replace(b.addr, "127.0.0.1", "localhost", 1)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var srvOpts []grpc.ServerOption
			var dialOpts []grpc.DialOption
			if tc.tls {
				srvOpts = append(srvOpts, grpc.Creds(credentials.NewTLS(serverTLS)))
				dialOpts = append(dialOpts, grpc.WithTransportCredentials(credentials.NewTLS(clientTLS)))
			}
			a, b := startReplica(t, srvOpts...), startReplica(t, srvOpts...)
			conn, err := grpcclient.New(tc.target(a, b), dialOpts...)
			require.NoError(t, err)
			defer conn.Close()
			client := healthpb.NewHealthClient(conn)
			call := func() {
				_, err := client.Check(t.Context(), &healthpb.HealthCheckRequest{})
				require.NoError(t, err)
			}
			// Until both connections are ready, round_robin picks among the ready ones.
			require.Eventually(t, func() bool {
				call()
				return a.calls.Load() > 0 && b.calls.Load() > 0
			}, 10*time.Second, time.Millisecond, "both replicas serve calls")
			a0, b0 := a.calls.Load(), b.calls.Load()
			const calls = 20
			for range calls {
				call()
			}
			t.Logf("calls per replica after both were ready: %d, %d", a.calls.Load()-a0, b.calls.Load()-b0)
			require.Equal(t, int64(calls/2), a.calls.Load()-a0, "round robin")
			require.Equal(t, int64(calls/2), b.calls.Load()-b0, "round robin")
		})
	}
}

func TestNewFailsOverToTheLiveReplica(t *testing.T) {
	a, b := startReplica(t), startReplica(t)
	lis, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := lis.Addr().String()
	require.NoError(t, lis.Close()) // nothing listens there any more
	conn, err := grpcclient.New(strings.Join([]string{dead, a.addr, b.addr}, ","))
	require.NoError(t, err)
	defer conn.Close()
	for range 10 {
		_, err := healthpb.NewHealthClient(conn).Check(t.Context(), &healthpb.HealthCheckRequest{})
		require.NoError(t, err, "a dead replica in the list does not fail calls")
	}
	require.Equal(t, int64(10), a.calls.Load()+b.calls.Load())
}

func TestNewRejectsBadLists(t *testing.T) {
	for _, target := range []string{"a:1,b", ",", "a:1,:2", "a:1,b:"} {
		_, err := grpcclient.New(target)
		require.Error(t, err, target)
		require.NotContains(t, err.Error(), "panic")
	}
}
