// Package grpcserver is the gRPC server every Accessflow service runs: the interceptor chain
// (see interceptors.go), OpenTelemetry stats, health that reports SERVING only while the
// service is ready, reflection, and graceful shutdown under a deadline.
package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"buf.build/go/protovalidate"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	"github.com/accessflow/accessflow/pkg/logging"
)

// Server is a gRPC server with Accessflow's platform concerns built in.
type Server struct {
	grpc     *grpc.Server
	health   *health.Server
	logger   *slog.Logger
	services []string
	drain    time.Duration
}

type options struct {
	logger       *slog.Logger
	unary        []grpc.UnaryServerInterceptor
	stream       []grpc.StreamServerInterceptor
	drainTimeout time.Duration
	maxRecvBytes int
	timeout      time.Duration
	creds        credentials.TransportCredentials
}

// Option configures a Server.
type Option func(*options)

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithUnaryInterceptors adds interceptors between logging and validation (e.g. auth).
func WithUnaryInterceptors(i ...grpc.UnaryServerInterceptor) Option {
	return func(o *options) { o.unary = append(o.unary, i...) }
}

// WithStreamInterceptors adds stream interceptors at the same place as WithUnaryInterceptors.
func WithStreamInterceptors(i ...grpc.StreamServerInterceptor) Option {
	return func(o *options) { o.stream = append(o.stream, i...) }
}

// WithDrainTimeout bounds how long Run waits for in-flight RPCs on shutdown before it cancels
// them (default 5s).
func WithDrainTimeout(d time.Duration) Option { return func(o *options) { o.drainTimeout = d } }

// WithDefaultTimeout gives every RPC that arrives without a deadline (or with a later one) this
// deadline, so no call can hold resources forever (default 30s).
func WithDefaultTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithTransportCredentials serves over the given credentials (e.g. mutual TLS) instead of
// plaintext.
func WithTransportCredentials(c credentials.TransportCredentials) Option {
	return func(o *options) { o.creds = c }
}

// WithMaxRecvBytes caps the size of a request message (default 4 MiB).
func WithMaxRecvBytes(n int) Option { return func(o *options) { o.maxRecvBytes = n } }

// New builds a server. Register services on GRPC(), then call Run.
func New(opts ...Option) (*Server, error) {
	o := options{logger: logging.Discard(), drainTimeout: 5 * time.Second, maxRecvBytes: 4 << 20, timeout: 30 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	validator, err := protovalidate.New()
	if err != nil {
		return nil, fmt.Errorf("protovalidate: %w", err)
	}
	serverOpts := []grpc.ServerOption{
		grpc.StatsHandler(trackingStatsHandler{next: otelgrpc.NewServerHandler()}),
		grpc.ChainUnaryInterceptor(unaryChain(o.logger, validator, o.timeout, o.unary)...),
		grpc.ChainStreamInterceptor(streamChain(o.logger, o.stream)...),
		grpc.MaxRecvMsgSize(o.maxRecvBytes),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	}
	if o.creds != nil {
		serverOpts = append(serverOpts, grpc.Creds(o.creds))
	}
	gs := grpc.NewServer(serverOpts...)
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	healthpb.RegisterHealthServer(gs, hs)
	reflection.Register(gs)
	return &Server{grpc: gs, health: hs, logger: o.logger, drain: o.drainTimeout}, nil
}

// Register adds a service implementation; its health starts NOT_SERVING until SetServing.
func (s *Server) Register(desc *grpc.ServiceDesc, impl any) {
	s.grpc.RegisterService(desc, impl)
	s.services = append(s.services, desc.ServiceName)
	s.health.SetServingStatus(desc.ServiceName, healthpb.HealthCheckResponse_NOT_SERVING)
}

// SetServing reports the server and each registered service SERVING (call once the store is
// ready) or NOT_SERVING.
func (s *Server) SetServing(serving bool) {
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if serving {
		st = healthpb.HealthCheckResponse_SERVING
	}
	s.health.SetServingStatus("", st)
	for _, name := range s.services {
		s.health.SetServingStatus(name, st)
	}
}

// Run serves on lis until ctx ends, then reports NOT_SERVING, stops taking new RPCs, waits up
// to the drain timeout for in-flight ones and cancels what is left.
func (s *Server) Run(ctx context.Context, lis net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.grpc.Serve(lis) }()
	select {
	case err := <-errc:
		return fmt.Errorf("grpc serve %s: %w", lis.Addr(), err)
	case <-ctx.Done():
	}
	s.health.Shutdown()
	stopped := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(stopped)
	}()
	timer := time.NewTimer(s.drain)
	defer timer.Stop()
	select {
	case <-stopped:
	case <-timer.C:
		s.logger.Warn("grpc drain timed out; cancelling in-flight RPCs", "addr", lis.Addr().String())
		s.grpc.Stop()
		<-stopped
	}
	if err := <-errc; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return fmt.Errorf("grpc serve %s: %w", lis.Addr(), err)
	}
	return nil
}
