package grpcserver_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
	"github.com/accessflow/accessflow/pkg/grpcserver"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/tracking"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sources answers GetSource by id: "panic" panics, "gone" is not found, "db" fails internally,
// "slow" blocks until its context ends; anything else echoes the caller's trackingNumber.
type sources struct {
	policyv1.UnimplementedSourceServiceServer
}

func (sources) GetSource(ctx context.Context, req *policyv1.GetSourceRequest) (*policyv1.GetSourceResponse, error) {
	switch req.GetId() {
	case "panic":
		panic("boom")
	case "gone":
		return nil, fmt.Errorf("source %q: %w", req.GetId(), storage.ErrNotFound)
	case "db":
		return nil, errors.New("connection refused: password=hunter2")
	case "slow":
		<-ctx.Done()
		return nil, ctx.Err()
	}
	n, _ := tracking.FromContext(ctx)
	return &policyv1.GetSourceResponse{Source: &policyv1.Source{Id: req.GetId(), Name: n.String()}}, nil
}

type harness struct {
	srv    *grpcserver.Server
	conn   *grpc.ClientConn
	cancel context.CancelFunc
	done   chan error
}

func newHarness(t *testing.T, opts ...grpcserver.Option) *harness {
	t.Helper()
	srv, err := grpcserver.New(opts...)
	require.NoError(t, err)
	srv.Register(&policyv1.SourceService_ServiceDesc, sources{})
	lis := bufconn.Listen(1 << 20)
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{srv: srv, conn: conn, cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- srv.Run(ctx, lis) }()
	t.Cleanup(func() {
		h.stop(t)
		require.NoError(t, conn.Close())
	})
	return h
}

func (h *harness) stop(t *testing.T) {
	t.Helper()
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	require.NoError(t, <-h.done)
}

func reason(t *testing.T, err error) string {
	t.Helper()
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

func TestHealthFollowsReadiness(t *testing.T) {
	h := newHarness(t)
	health := healthpb.NewHealthClient(h.conn)
	check := func(service string) healthpb.HealthCheckResponse_ServingStatus {
		resp, err := health.Check(t.Context(), &healthpb.HealthCheckRequest{Service: service})
		require.NoError(t, err)
		return resp.GetStatus()
	}
	require.Equal(t, healthpb.HealthCheckResponse_NOT_SERVING, check(""), "not serving until the store is ready")
	require.Equal(t, healthpb.HealthCheckResponse_NOT_SERVING, check("accessflow.policy.v1.SourceService"))
	h.srv.SetServing(true)
	require.Equal(t, healthpb.HealthCheckResponse_SERVING, check(""))
	require.Equal(t, healthpb.HealthCheckResponse_SERVING, check("accessflow.policy.v1.SourceService"))
}

func TestInterceptors(t *testing.T) {
	h := newHarness(t)
	client := policyv1.NewSourceServiceClient(h.conn)
	ctx := t.Context()

	t.Run("panic becomes Internal and the server lives on", func(t *testing.T) {
		_, err := client.GetSource(ctx, &policyv1.GetSourceRequest{Id: "panic"})
		require.Equal(t, codes.Internal, status.Code(err))
		_, err = client.GetSource(ctx, &policyv1.GetSourceRequest{Id: "fine"})
		require.NoError(t, err)
	})
	t.Run("domain errors are mapped with a reason", func(t *testing.T) {
		_, err := client.GetSource(ctx, &policyv1.GetSourceRequest{Id: "gone"})
		require.Equal(t, codes.NotFound, status.Code(err))
		require.Equal(t, typev1.ErrorReason_ERROR_REASON_NOT_FOUND.String(), reason(t, err))
	})
	t.Run("unexpected errors hide their cause", func(t *testing.T) {
		_, err := client.GetSource(ctx, &policyv1.GetSourceRequest{Id: "db"})
		require.Equal(t, codes.Internal, status.Code(err))
		require.NotContains(t, err.Error(), "hunter2")
	})
	t.Run("protovalidate rejects bad requests before the handler", func(t *testing.T) {
		_, err := client.GetSource(ctx, &policyv1.GetSourceRequest{Id: ""})
		require.Equal(t, codes.InvalidArgument, status.Code(err))
		require.Contains(t, status.Convert(err).Message(), "id")
	})
	t.Run("a trackingNumber is assigned and echoed", func(t *testing.T) {
		var header metadata.MD
		resp, err := client.GetSource(ctx, &policyv1.GetSourceRequest{Id: "x"}, grpc.Header(&header))
		require.NoError(t, err)
		n := resp.GetSource().GetName()
		_, err = tracking.Parse(n)
		require.NoError(t, err)
		require.Equal(t, []string{n}, header.Get(tracking.MetadataKey))
	})
	t.Run("a supplied trackingNumber is kept", func(t *testing.T) {
		n := tracking.New()
		resp, err := client.GetSource(metadata.AppendToOutgoingContext(ctx, tracking.MetadataKey, n.String()), &policyv1.GetSourceRequest{Id: "x"})
		require.NoError(t, err)
		require.Equal(t, n.String(), resp.GetSource().GetName())
	})
	t.Run("a malformed trackingNumber is InvalidArgument", func(t *testing.T) {
		_, err := client.GetSource(metadata.AppendToOutgoingContext(ctx, tracking.MetadataKey, "XYZ"), &policyv1.GetSourceRequest{Id: "x"})
		require.Equal(t, codes.InvalidArgument, status.Code(err))
		require.Equal(t, typev1.ErrorReason_ERROR_REASON_INVALID_TRACKING_NUMBER.String(), reason(t, err))
	})
}

func TestShutdownCancelsInFlightAfterDrain(t *testing.T) {
	h := newHarness(t, grpcserver.WithDrainTimeout(100*time.Millisecond))
	h.srv.SetServing(true)
	client := policyv1.NewSourceServiceClient(h.conn)
	errc := make(chan error, 1)
	go func() {
		_, err := client.GetSource(context.Background(), &policyv1.GetSourceRequest{Id: "slow"})
		errc <- err
	}()
	// Wait until the slow call is in flight: the server reports it through its handler count
	// only indirectly, so poll a second call's completion instead of sleeping.
	_, err := client.GetSource(t.Context(), &policyv1.GetSourceRequest{Id: "x"})
	require.NoError(t, err)
	start := time.Now()
	h.stop(t)
	require.Less(t, time.Since(start), 5*time.Second)
	require.Error(t, <-errc, "the in-flight call was cancelled, not left hanging")
}
