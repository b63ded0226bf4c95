package mtls_test

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/accessflow/accessflow/pkg/mtls"
	"github.com/accessflow/accessflow/pkg/mtls/mtlstest"
)

func TestOnlyComponentsOfTheCACanCall(t *testing.T) {
	dir := t.TempDir()
	trusted := mtlstest.NewCA(t)
	serverFiles := trusted.Issue(t, dir, "policy")
	serverTLS, err := serverFiles.ServerConfig()
	require.NoError(t, err)

	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(serverTLS)))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)

	check := func(files mtls.Files) error {
		clientTLS, err := files.ClientConfig()
		require.NoError(t, err)
		conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(credentials.NewTLS(clientTLS)))
		require.NoError(t, err)
		defer conn.Close()
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		return err
	}
	require.NoError(t, check(trusted.Issue(t, dir, "gateway")), "a component of the CA is served")

	stranger := mtlstest.NewCA(t).Issue(t, dir, "stranger")
	stranger.CA = serverFiles.CA // trusts the server, but its own certificate is from another CA
	require.Error(t, check(stranger), "a certificate of another CA is refused")

	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(credentials.NewTLS(&tls13NoCert)))
	require.NoError(t, err)
	defer conn.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	require.Error(t, err, "a client without a certificate is refused")
}

func TestValidate(t *testing.T) {
	require.NoError(t, mtls.Files{}.Validate())
	require.Error(t, mtls.Files{Cert: "a"}.Validate())
	require.NoError(t, mtls.Files{Cert: "a", Key: "b", CA: "c"}.Validate())
}

// tls13NoCert trusts any server (InsecureSkipVerify) but presents no certificate: the server
// must refuse it.
var tls13NoCert = tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS13} //nolint:gosec // the point of the test
