// Package grpcclient dials Accessflow services: OpenTelemetry client stats, the trackingNumber
// of the calling context in x-tracking-number metadata, and retries of UNAVAILABLE calls.
package grpcclient

import (
	"context"
	"fmt"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/accessflow/accessflow/pkg/tracking"
)

// retryPolicy retries calls that found the service unavailable (a restarting replica, a
// draining server): a few times, with backoff. Mutating calls carry idempotency keys, so a
// retry cannot apply twice.
const retryPolicy = `{
  "methodConfig": [{
    "name": [{}],
    "retryPolicy": {
      "maxAttempts": 4,
      "initialBackoff": "0.1s",
      "maxBackoff": "2s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
}`

// New returns a client connection to target (host:port). Extra options come last and win.
func New(target string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	base := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler()),
		grpc.WithChainUnaryInterceptor(trackingUnary),
		grpc.WithChainStreamInterceptor(trackingStream),
		grpc.WithDefaultServiceConfig(retryPolicy),
	}
	conn, err := grpc.NewClient(target, append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("grpc client %s: %w", target, err)
	}
	return conn, nil
}

func trackingUnary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	return invoker(withTracking(ctx), method, req, reply, cc, opts...)
}

func trackingStream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return streamer(withTracking(ctx), desc, cc, method, opts...)
}

func withTracking(ctx context.Context) context.Context {
	n, ok := tracking.FromContext(ctx)
	if !ok {
		return ctx
	}
	if md, ok := metadata.FromOutgoingContext(ctx); ok && len(md.Get(tracking.MetadataKey)) > 0 {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, tracking.MetadataKey, n.String())
}
