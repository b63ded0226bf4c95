// Package grpcclient dials Accessflow services: OpenTelemetry client stats, the trackingNumber
// of the calling context in x-tracking-number metadata, retries of UNAVAILABLE calls, and calls
// spread round-robin over every replica a target names.
package grpcclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"

	"github.com/accessflow/accessflow/pkg/tracking"
)

// serviceConfig spreads calls round-robin over every address the target resolves to (the
// replicas of a comma-separated list, or of a dns:/// name such as a Kubernetes headless
// Service), and retries calls that found the service unavailable (a restarting replica, a
// draining server): a few times, with backoff, on another replica when there is one. Mutating
// calls carry idempotency keys, so a retry cannot apply twice.
const serviceConfig = `{
  "loadBalancingConfig": [{"round_robin": {}}],
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

// listScheme is the scheme of the resolver of a comma-separated target.
const listScheme = "accessflow-list"

// New returns a client connection to target: host:port, any gRPC target URI (dns:///name:port
// resolves to every address of name and is re-resolved when connections fail), or a
// comma-separated list of host:port, one per replica. Calls go round-robin over the addresses.
// Extra options come last and win.
func New(target string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	var listOpts []grpc.DialOption
	if isList(target) {
		addrs, err := parseList(target)
		if err != nil {
			return nil, err
		}
		r := manual.NewBuilderWithScheme(listScheme)
		state := resolver.State{}
		for _, a := range addrs {
			host, _, _ := net.SplitHostPort(a)
			// Each replica's certificate is checked against its own host, not the list.
			state.Addresses = append(state.Addresses, resolver.Address{Addr: a, ServerName: host})
		}
		r.InitialState(state)
		listOpts = append(listOpts, grpc.WithResolvers(r))
		target = listScheme + ":///" + addrs[0]
	}
	base := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler()),
		grpc.WithChainUnaryInterceptor(trackingUnary),
		grpc.WithChainStreamInterceptor(trackingStream),
		grpc.WithDefaultServiceConfig(serviceConfig),
	}
	base = append(base, listOpts...)
	conn, err := grpc.NewClient(target, append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("grpc client %s: %w", target, err)
	}
	return conn, nil
}

// isList reports whether target is a comma-separated list of addresses rather than a target URI
// of a registered resolver (ipv4:a:1,b:2 and dns:///name are gRPC's own).
func isList(target string) bool {
	if !strings.Contains(target, ",") {
		return false
	}
	scheme, _, _ := strings.Cut(target, ":")
	return resolver.Get(scheme) == nil
}

// parseList splits a comma-separated list of host:port addresses, checking each.
func parseList(target string) ([]string, error) {
	var addrs []string
	for a := range strings.SplitSeq(target, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			return nil, fmt.Errorf("grpc client %q: %q is not host:port: %w", target, a, err)
		}
		if host == "" || port == "" {
			return nil, fmt.Errorf("grpc client %q: %q needs a host and a port", target, a)
		}
		addrs = append(addrs, a)
	}
	if len(addrs) == 0 {
		return nil, errors.New("grpc client: empty address list")
	}
	return addrs, nil
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
