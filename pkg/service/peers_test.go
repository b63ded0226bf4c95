package service_test

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/pkg/tracking"
)

// TestPeersCarryServiceTokenAndTrackingNumber calls a real gRPC server through Peers and checks
// what the callee sees: a service token of the caller with exactly the scopes asked for, and the
// caller's trackingNumber.
func TestPeersCarryServiceTokenAndTrackingNumber(t *testing.T) {
	t.Parallel()
	key, err := auth.NewKey()
	require.NoError(t, err)
	keys, err := auth.NewKeySet(key)
	require.NoError(t, err)
	issuer, err := auth.NewIssuer(keys, "accessflow", "accessflow")
	require.NoError(t, err)

	seen := make(chan metadata.MD, 1)
	srv := grpc.NewServer(grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		md, _ := metadata.FromIncomingContext(ctx)
		seen <- md
		return h(ctx, req)
	}))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)

	peers := service.NewPeers(service.Approval, service.Targets{service.ActionExecution: lis.Addr().String()}, issuer)
	t.Cleanup(func() { require.NoError(t, peers.Close()) })
	conn, err := peers.Conn(service.ActionExecution, "af:action-flows:start")
	require.NoError(t, err)

	n := tracking.New()
	_, err = healthpb.NewHealthClient(conn).Check(tracking.NewContext(t.Context(), n), &healthpb.HealthCheckRequest{})
	require.NoError(t, err)

	md := <-seen
	require.Equal(t, []string{n.String()}, md.Get(tracking.MetadataKey))
	raw, ok := auth.BearerToken(first(md.Get("authorization")))
	require.True(t, ok, "a bearer token")
	claims, err := auth.NewLocalVerifier(keys.Public(), "accessflow", "accessflow").Verify(t.Context(), raw)
	require.NoError(t, err)
	require.Equal(t, "service:approval", claims.Subject)
	require.Equal(t, []string{"af:action-flows:start"}, claims.Scopes)
}

func TestPeersUnknownTarget(t *testing.T) {
	t.Parallel()
	peers := service.NewPeers(service.Approval, service.Targets{}, nil)
	_, err := peers.Conn(service.Policy)
	require.ErrorContains(t, err, "--policy-target")

	var none *service.Peers
	_, err = none.Conn(service.Policy)
	require.Error(t, err)
	require.NoError(t, none.Close())
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}
