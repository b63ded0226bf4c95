package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"syscall"
	"time"

	"github.com/accessflow/accessflow/pkg/logging"
	"github.com/accessflow/accessflow/pkg/telemetry"
	"github.com/accessflow/accessflow/pkg/version"
)

// Process is what every binary sets up once: its logger, telemetry and admin server.
type Process struct {
	Logger    *slog.Logger
	telemetry *telemetry.Telemetry
	cfg       Config
}

// StartProcess validates cfg and builds the logger (on w) and telemetry of a process.
func StartProcess(ctx context.Context, name string, cfg Config, w io.Writer) (*Process, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration: %w", err)
	}
	logger, err := logging.New(w, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return nil, err
	}
	logger = logger.With(logging.KeyService, name)
	slog.SetDefault(logger)
	tel, err := telemetry.Init(ctx, "accessflow-"+name, version.String())
	if err != nil {
		return nil, err
	}
	return &Process{Logger: logger, telemetry: tel, cfg: cfg}, nil
}

// AdminHandler serves /metrics (Prometheus) and /debug/pprof.
func (p *Process) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", p.telemetry.MetricsHandler())
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// RunAdmin serves the admin handler on lis until ctx ends. A nil lis (admin disabled) just
// waits.
func (p *Process) RunAdmin(ctx context.Context, lis net.Listener) error {
	if lis == nil {
		<-ctx.Done()
		return nil
	}
	srv := &http.Server{Handler: p.AdminHandler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	p.Logger.Info("admin serving", "admin_addr", lis.Addr().String(), "paths", "/metrics /debug/pprof/")
	select {
	case err := <-errc:
		return fmt.Errorf("admin serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	return err
}

// ListenAdmin opens the admin listener, or returns nil when the admin server is disabled.
func (p *Process) ListenAdmin(ctx context.Context) (net.Listener, error) {
	if p.cfg.AdminAddr == "" {
		return nil, nil
	}
	return Listen(ctx, p.cfg.AdminAddr)
}

// Shutdown flushes telemetry.
func (p *Process) Shutdown(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	return p.telemetry.Shutdown(ctx)
}

// Listen opens a TCP listener; port 0 picks a free port. Its error says the address once and
// the reason: "listen :9091: address already in use".
func Listen(ctx context.Context, addr string) (net.Listener, error) {
	lis, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		var errno syscall.Errno
		if errors.As(err, &errno) {
			err = errno
		}
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	return lis, nil
}
