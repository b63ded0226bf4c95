// Package gateway is Accessflow's REST front door: one grpc-gateway mux over every service,
// speaking the reference API's wire conventions (lowerCamelCase JSON, enum names as strings,
// bare-array lists with X-Total-Count, 201/204/202 where the reference has them, and its
// ErrorResponseDto for every error), plus /healthz, /readyz and /openapi.json (the generated
// document completed with the build's version and the security schemes: openapi.go).
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/accessflow/accessflow/pkg/logging"
	"github.com/accessflow/accessflow/pkg/version"
)

// mimeJSONPatch is the media type of RFC 6902 JSON Patch request bodies.
const mimeJSONPatch = "application/json-patch+json"

// Backends are the client connections to the services the gateway fronts.
type Backends struct {
	Policy   *grpc.ClientConn
	Trigger  *grpc.ClientConn
	Approval *grpc.ClientConn
	Action   *grpc.ClientConn
}

func (b Backends) all() map[string]*grpc.ClientConn {
	return map[string]*grpc.ClientConn{"policy": b.Policy, "trigger-ingest": b.Trigger, "approval": b.Approval, "action-execution": b.Action}
}

// Gateway is the REST gateway.
type Gateway struct {
	handler       http.Handler
	backends      Backends
	logger        *slog.Logger
	maxBodyBytes  int64
	successStatus map[string]int
	drainTimeout  time.Duration
	tokens        *TokenService
	limiter       *rateLimiter
}

// Option configures a Gateway.
type Option func(*Gateway)

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(g *Gateway) { g.logger = l } }

// WithMaxBodyBytes caps request bodies; larger ones get 413 (default 1 MiB).
func WithMaxBodyBytes(n int64) Option { return func(g *Gateway) { g.maxBodyBytes = n } }

// WithTokenService serves Accessflow's own OAuth2 token endpoint and JWKS (the embedded
// default); without it, tokens come from an external issuer.
func WithTokenService(ts *TokenService) Option { return func(g *Gateway) { g.tokens = ts } }

// WithRateLimit limits each client (by bearer token, else by remote address) to perSecond
// requests with bursts of burst; excess requests get 429 with Retry-After. Zero disables it.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(g *Gateway) {
		if perSecond > 0 {
			g.limiter = newRateLimiter(perSecond, burst)
		}
	}
}

// WithDrainTimeout bounds how long Run waits for in-flight requests on shutdown (default 5s).
func WithDrainTimeout(d time.Duration) Option { return func(g *Gateway) { g.drainTimeout = d } }

// New builds the gateway over backends.
func New(ctx context.Context, backends Backends, opts ...Option) (*Gateway, error) {
	g := &Gateway{backends: backends, logger: logging.Discard(), maxBodyBytes: 1 << 20, drainTimeout: 5 * time.Second}
	for _, opt := range opts {
		opt(g)
	}
	g.logger = g.logger.With(logging.KeyService, "gateway")
	for name, conn := range backends.all() {
		if conn == nil {
			return nil, fmt.Errorf("gateway: no connection to %s", name)
		}
	}
	g.successStatus = successStatuses()

	jsonMarshaler := &runtime.JSONPb{
		MarshalOptions: protojson.MarshalOptions{EmitDefaultValues: true},
		// Reference payloads carry fields we do not model (cluster, schemas…): accept them.
		UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: true},
	}
	mux := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, rawBody{describedErrors{jsonMarshaler}}),
		// PATCH bodies are RFC 6902 JSON Patch documents: JSON arrays the same decoder reads.
		runtime.WithMarshalerOption(mimeJSONPatch, describedErrors{jsonMarshaler}),
		runtime.WithErrorHandler(g.handleError),
		runtime.WithRoutingErrorHandler(g.handleRoutingError),
		runtime.WithForwardResponseOption(g.setSuccessStatus),
		runtime.WithOutgoingHeaderMatcher(outgoingHeader),
		runtime.WithIncomingHeaderMatcher(incomingHeader),
		runtime.WithDisablePathLengthFallback(),
	)
	for _, r := range routes {
		if err := r.register(ctx, mux, backends); err != nil {
			return nil, fmt.Errorf("register %s routes: %w", r.service, err)
		}
	}

	root := http.NewServeMux()
	root.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	root.HandleFunc("GET /readyz", g.readyz)
	doc, err := openAPIDocument(version.String())
	if err != nil {
		return nil, err
	}
	root.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	})
	if g.tokens != nil {
		root.HandleFunc("POST "+tokenPath, g.token)
		root.HandleFunc("GET /.well-known/jwks.json", g.jwks)
	}
	for pattern, h := range map[string]http.HandlerFunc{
		"GET /v1/audit-events":              g.auditEvents,
		"GET /v1/tracking/{trackingNumber}": g.trackingTimeline,
	} {
		if !slices.Contains(CustomRoutes, pattern) {
			return nil, fmt.Errorf("gateway: %s is missing from CustomRoutes", pattern)
		}
		root.HandleFunc(pattern, h)
	}
	root.Handle("/", mux)
	g.handler = g.middleware(root)
	return g, nil
}

// Handler is the gateway's HTTP handler.
func (g *Gateway) Handler() http.Handler { return g.handler }

// Run serves on lis until ctx ends, then stops accepting requests and waits up to the drain
// timeout for in-flight ones.
func (g *Gateway) Run(ctx context.Context, lis net.Listener) error {
	srv := &http.Server{
		Handler:           g.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	g.logger.Info("gateway serving", "http_addr", lis.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("gateway serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.drainTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = srv.Close()
	}
	if serveErr := <-errc; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	return err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func slogLevel(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelInfo
	default:
		return slog.LevelDebug
	}
}
