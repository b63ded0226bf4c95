package scenario_test

import (
	"context"
	"crypto/tls"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/internal/scenario"
	"github.com/accessflow/accessflow/pkg/mtls/mtlstest"
)

// TestDeploymentIsLockedDown checks what the scenarios rely on: every service speaks only
// mutual TLS with certificates of the deployment's CA, and even then answers only calls with a
// token signed by the shared keys.
func TestDeploymentIsLockedDown(t *testing.T) {
	d := scenario.Start(t, bins, scenario.Options{})
	t.Cleanup(func() { d.DumpLogsOnFailure(t) })
	call := func(t *testing.T, creds credentials.TransportCredentials, token string) error {
		t.Helper()
		conn, err := grpc.NewClient(d.Addr(scenario.Policy), grpc.WithTransportCredentials(creds))
		require.NoError(t, err)
		defer conn.Close()
		ctx := t.Context()
		if token != "" {
			ctx = metadataToken(ctx, token)
		}
		_, err = policyv1.NewSourceServiceClient(conn).ListSources(ctx, &policyv1.ListSourcesRequest{})
		return err
	}
	tlsWith := func(t *testing.T, ca mtlstest.CA) credentials.TransportCredentials {
		t.Helper()
		cfg, err := ca.Issue(t, t.TempDir(), "client").ClientConfig()
		require.NoError(t, err)
		return credentials.NewTLS(cfg)
	}
	token := d.Token(t, "admin")

	err := call(t, insecure.NewCredentials(), token)
	require.Equal(t, codes.Unavailable, status.Code(err), "plaintext is refused: %v", err)
	err = call(t, tlsWith(t, mtlstest.NewCA(t)), token)
	require.Equal(t, codes.Unavailable, status.Code(err), "another CA's certificate is refused: %v", err)
	err = call(t, credentials.NewTLS(&tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}), token) //nolint:gosec // proving the server wants a client certificate
	require.Equal(t, codes.Unavailable, status.Code(err), "no client certificate is refused: %v", err)
	err = call(t, tlsWith(t, d.CA), "")
	require.Equal(t, codes.Unauthenticated, status.Code(err), "a deployment certificate without a token: %v", err)
	require.NoError(t, call(t, tlsWith(t, d.CA), token), "the deployment's certificate and a token of its keys")
}

func metadataToken(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}
