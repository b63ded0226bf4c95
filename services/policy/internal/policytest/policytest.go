// Package policytest serves the policy service's gRPC API in-process for tests and
// benchmarks, opened by the service runner (service.Open with policy.Spec: flags, migrations,
// River jobs, the interceptor chain with token auth and the audit log) on SQLite or
// PostgreSQL, and called with a token that carries every scope.
package policytest

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/encoding/protojson"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/grpcserver"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/logging"
	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
	"github.com/accessflow/accessflow/services/policy"
	"github.com/accessflow/accessflow/services/policy/internal/store"
)

// SeedPolicy is the body of the seed issue's PUT example: a CREATE policy whose userName is
// "${firstname}.${lastname}${uniqueCounter}", unique, with up to 50 candidates of at most 20
// characters.
const SeedPolicy = `{
  "name": "example provisioning policy for inactive identities",
  "description": "this provisioning policy creates access based on an identity going inactive",
  "usageType": "CREATE",
  "fields": [
    {
      "name": "userName",
      "transform": {
        "type": "rule",
        "attributes": {
          "name": "Create Unique LDAP Attribute"
        }
      },
      "attributes": {
        "template": "${firstname}.${lastname}${uniqueCounter}",
        "cloudMaxUniqueChecks": "50",
        "cloudMaxSize": "20",
        "cloudRequired": "true"
      },
      "type": "string",
      "isMultiValued": false
    }
  ]
}`

// Server is the policy service serving on one backend until the test ends.
type Server struct {
	// Backend is storage.BackendSQLite or storage.BackendPostgres.
	Backend string
	// Conn is a client connection to the server.
	Conn *grpc.ClientConn
	// Addr is the loopback TCP address the server listens on (WithTCP only).
	Addr string
}

// Sources is a SourceService client.
func (s *Server) Sources() policyv1.SourceServiceClient {
	return policyv1.NewSourceServiceClient(s.Conn)
}

// Policies is a ProvisioningPolicyService client.
func (s *Server) Policies() policyv1.ProvisioningPolicyServiceClient {
	return policyv1.NewProvisioningPolicyServiceClient(s.Conn)
}

// Uniqueness is a UniquenessService client.
func (s *Server) Uniqueness() policyv1.UniquenessServiceClient {
	return policyv1.NewUniquenessServiceClient(s.Conn)
}

type options struct {
	flags []string
	tcp   bool
	bare  bool
}

// Option configures Start.
type Option func(*options)

// WithFlags parses the policy service's own flags, e.g. "--reservation-ttl=2s".
func WithFlags(args ...string) Option { return func(o *options) { o.flags = append(o.flags, args...) } }

// WithoutAuthAndAudit serves without the runner's token authentication and audit log
// interceptors (the rest of the chain stays), to measure what the service itself costs.
func WithoutAuthAndAudit() Option { return func(o *options) { o.bare = true } }

// WithTCP serves on a loopback TCP port instead of an in-memory pipe, so that a load run
// measures a real network stack.
func WithTCP() Option { return func(o *options) { o.tcp = true } }

// Start serves the policy service on backend (storage.BackendSQLite or
// storage.BackendPostgres, which skips without ACCESSFLOW_TEST_DATABASE_URL) until tb ends.
func Start(tb testing.TB, backend string, opts ...Option) *Server {
	tb.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	spec := policy.Spec()
	fs := flag.NewFlagSet(spec.Name, flag.ContinueOnError)
	spec.BindFlags(fs)
	require.NoError(tb, fs.Parse(o.flags))

	cfg := serviceConfig(tb, backend)
	var run func(context.Context, net.Listener) error
	if o.bare {
		run = bareService(tb, spec, cfg)
	} else {
		svc, err := service.Open(tb.Context(), spec, cfg, logging.Discard(), grpcserver.WithDrainTimeout(time.Second))
		require.NoError(tb, err)
		run = svc.Run
	}

	// Calls carry a token with every scope, as the admin's would, minted with the keys the
	// service trusts.
	keys, err := cfg.KeySet()
	require.NoError(tb, err)
	issuer, err := auth.NewIssuer(keys, cfg.Auth.Issuer, cfg.Auth.Audience)
	require.NoError(tb, err)
	dial := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(auth.NewServiceTokens(issuer, "policytest", auth.NewRules().Scopes()...)),
	}

	s := &Server{Backend: backend}
	var lis net.Listener
	target := "passthrough:///bufnet"
	if o.tcp {
		lis, err = (&net.ListenConfig{}).Listen(tb.Context(), "tcp", "127.0.0.1:0")
		require.NoError(tb, err)
		s.Addr, target = lis.Addr().String(), lis.Addr().String()
	} else {
		pipe := bufconn.Listen(1 << 20)
		lis = pipe
		dial = append(dial, grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return pipe.DialContext(ctx) }))
	}
	s.Conn, err = grpc.NewClient(target, dial...)
	require.NoError(tb, err)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, lis) }()
	tb.Cleanup(func() {
		require.NoError(tb, s.Conn.Close())
		cancel()
		require.NoError(tb, <-done)
	})
	health := healthpb.NewHealthClient(s.Conn)
	require.Eventually(tb, func() bool {
		resp, err := health.Check(tb.Context(), &healthpb.HealthCheckRequest{})
		return err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING
	}, 30*time.Second, 5*time.Millisecond, "the service turns SERVING")
	return s
}

// bareService builds the service as the runner does, minus authentication and the audit log.
func bareService(tb testing.TB, spec service.Spec, cfg service.Config) func(context.Context, net.Listener) error {
	tb.Helper()
	logger := logging.Discard()
	b, err := service.OpenBackend(tb.Context(), spec, cfg, logger)
	require.NoError(tb, err)
	srv, err := grpcserver.New(grpcserver.WithLogger(logger), grpcserver.WithDrainTimeout(time.Second))
	require.NoError(tb, err)
	require.NoError(tb, spec.Register(srv, service.Deps{Backend: b, Logger: logger}))
	return func(ctx context.Context, lis net.Listener) error {
		g, ctx := errgroup.WithContext(ctx)
		g.Go(func() error { return srv.Run(ctx, lis) })
		g.Go(func() error { return b.RunJobs(ctx) })
		srv.SetServing(true)
		return errors.Join(g.Wait(), b.Close())
	}
}

// OpenStore opens the policy service's store on backend, migrated, without serving it: for
// benchmarks of the service without gRPC.
func OpenStore(tb testing.TB, backend string) *store.Store {
	tb.Helper()
	spec := policy.Spec()
	b, err := service.OpenBackend(tb.Context(), spec, serviceConfig(tb, backend), logging.Discard())
	require.NoError(tb, err)
	tb.Cleanup(func() { require.NoError(tb, b.Close()) })
	return store.New(b)
}

// serviceConfig is the runner's configuration for a fresh database of backend.
func serviceConfig(tb testing.TB, backend string) service.Config {
	tb.Helper()
	cfg := service.DefaultConfig()
	cfg.Storage.DataDir = tb.TempDir() // SQLite files, signing keys
	switch backend {
	case storage.BackendSQLite:
	case storage.BackendPostgres:
		// The service migrates its own schema when it opens, as in production.
		cfg.Storage.DatabaseURL = storagetest.NewPostgresDatabase(tb, "policysvc", nil, func(context.Context, string) error { return nil })
		cfg.SecretKeys = "test=" + strings.Repeat("ab", 32)
	default:
		tb.Fatalf("unknown backend %q", backend)
	}
	return cfg
}

// Backends runs fn once on each backend, each with a server of its own.
func Backends(t *testing.T, fn func(t *testing.T, s *Server), opts ...Option) {
	t.Helper()
	for _, backend := range []string{storage.BackendSQLite, storage.BackendPostgres} {
		t.Run(backend, func(t *testing.T) { fn(t, Start(t, backend, opts...)) })
	}
}

// CreateSource creates a source and returns its id.
func CreateSource(tb testing.TB, s *Server) string {
	tb.Helper()
	resp, err := s.Sources().CreateSource(tb.Context(), &policyv1.CreateSourceRequest{Source: &policyv1.Source{
		Name:      "source " + ids.New(),
		Owner:     &typev1.Reference{Type: "IDENTITY", Id: "2c91808568c529c60168cca6f90c1313", Name: "William Wilson"},
		Connector: "openldap",
	}})
	require.NoError(tb, err)
	return resp.GetSource().GetId()
}

// Policy decodes a policy from its REST JSON form.
func Policy(tb testing.TB, doc string) *policyv1.ProvisioningPolicy {
	tb.Helper()
	p := &policyv1.ProvisioningPolicy{}
	require.NoError(tb, protojson.Unmarshal([]byte(doc), p), doc)
	return p
}

// Reason returns the google.rpc.ErrorInfo reason of a gRPC error.
func Reason(err error) string {
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

// JSON decodes a JSON document into generic values, to compare documents semantically.
func JSON(tb testing.TB, doc []byte) any {
	tb.Helper()
	var v any
	require.NoError(tb, json.Unmarshal(doc, &v), string(doc))
	return v
}
