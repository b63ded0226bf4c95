package service

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"time"

	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc/credentials"

	auditv1 "github.com/accessflow/accessflow/api/accessflow/audit/v1"
	trackingv1 "github.com/accessflow/accessflow/api/accessflow/tracking/v1"
	"github.com/accessflow/accessflow/pkg/audit"
	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/grpcserver"
	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/secrets"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/postgres"
	"github.com/accessflow/accessflow/pkg/storage/sqlite"
	"github.com/accessflow/accessflow/pkg/timeline"
)

// Spec describes one service to the runner.
type Spec struct {
	// Name is the service's name: its SQLite file (<name>.db) and PostgreSQL schema derive from it.
	Name string
	// Migrations returns the service's migrations for a backend.
	Migrations func(backend string) (fs.FS, error)
	// Jobs returns the service's River configuration (workers, queues, periodic jobs); nil
	// means the service only inserts jobs, if any.
	Jobs func() jobs.Config
	// Register builds the service's handlers from deps and registers them on srv.
	Register func(srv *grpcserver.Server, deps Deps) error
	// BindFlags registers the service's own flags (optional). The values they set live in the
	// service's config, which Validate, Jobs and Register read after parsing.
	BindFlags func(fs *flag.FlagSet)
	// Validate checks the service's own configuration (optional).
	Validate func() error
	// Timeline lists the service's own records of a trackingNumber (optional); the service's
	// timeline also shows the calls its audit log recorded.
	Timeline func(backend storage.Backend) timeline.Source
}

// Deps are what a service's handlers are built from.
type Deps struct {
	// Backend is the service's opened, migrated store.
	Backend storage.Backend
	// Secrets seals and opens secrets kept at rest.
	Secrets *secrets.Ring
	// Logger is the service's logger.
	Logger *slog.Logger
	// Peers dials the other services this one calls (with service tokens); the service closes
	// them when it stops.
	Peers *Peers
}

// Service is an opened service, ready to Run.
type Service struct {
	spec    Spec
	cfg     Config
	logger  *slog.Logger
	backend storage.Backend
	peers   *Peers
	server  *grpcserver.Server
}

// Open opens and migrates the service's backend and builds its gRPC server. On failure it
// releases what it acquired.
func Open(ctx context.Context, spec Spec, cfg Config, logger *slog.Logger, opts ...grpcserver.Option) (*Service, error) {
	logger = logger.With("service", spec.Name)
	if spec.Validate != nil {
		if err := spec.Validate(); err != nil {
			return nil, fmt.Errorf("%s: invalid configuration: %w", spec.Name, err)
		}
	}
	backend, err := OpenBackend(ctx, spec, cfg, logger)
	if err != nil {
		return nil, err
	}
	verifier, err := cfg.Verifier(ctx)
	if err != nil {
		return nil, errors.Join(err, backend.Close())
	}
	rules := auth.NewRules()
	if cfg.TLS.Enabled() {
		tlsCfg, err := cfg.TLS.ServerConfig()
		if err != nil {
			return nil, errors.Join(err, backend.Close())
		}
		opts = append(opts, grpcserver.WithTransportCredentials(credentials.NewTLS(tlsCfg)))
	}
	opts = append([]grpcserver.Option{
		grpcserver.WithLogger(logger),
		grpcserver.WithDrainTimeout(cfg.DrainTimeout()),
		grpcserver.WithDefaultTimeout(cfg.RPCTimeout),
		grpcserver.WithUnaryInterceptors(
			auth.UnaryServerInterceptor(verifier, rules),
			audit.NewRecorder(backend, func(ctx context.Context, err error) {
				logger.ErrorContext(ctx, "audit event lost", "error", err)
			}).UnaryServerInterceptor(),
		),
		grpcserver.WithStreamInterceptors(auth.StreamServerInterceptor(verifier, rules)),
	}, opts...)
	server, err := grpcserver.New(opts...)
	if err != nil {
		return nil, errors.Join(err, backend.Close())
	}
	ring, err := cfg.SecretRing()
	if err != nil {
		return nil, errors.Join(err, backend.Close())
	}
	peers, err := cfg.Peers(spec.Name)
	if err != nil {
		return nil, errors.Join(err, backend.Close())
	}
	server.Register(&auditv1.AuditService_ServiceDesc, audit.NewService(backend, spec.Name))
	var sources []timeline.Source
	if spec.Timeline != nil {
		sources = append(sources, spec.Timeline(backend))
	}
	server.Register(&trackingv1.TimelineService_ServiceDesc, timeline.NewService(spec.Name, backend, sources...))
	if err := spec.Register(server, Deps{Backend: backend, Secrets: ring, Logger: logger, Peers: peers}); err != nil {
		return nil, errors.Join(fmt.Errorf("%s: register: %w", spec.Name, err), peers.Close(), backend.Close())
	}
	return &Service{spec: spec, cfg: cfg, logger: logger, backend: backend, peers: peers, server: server}, nil
}

// OpenBackend opens (and migrates) the service's storage backend.
func OpenBackend(ctx context.Context, spec Spec, cfg Config, logger *slog.Logger) (storage.Backend, error) {
	backendName := cfg.Storage.Backend()
	migrations, err := spec.Migrations(backendName)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec.Name, err)
	}
	var jobsCfg jobs.Config
	if spec.Jobs != nil {
		jobsCfg = spec.Jobs()
	}
	platform, err := audit.Migrations(backendName)
	if err != nil {
		return nil, err
	}
	var backend storage.Backend
	switch backendName {
	case storage.BackendPostgres:
		backend, err = postgres.Open(ctx, cfg.Storage.DatabaseURL, postgres.Options{
			Schema:         storage.SchemaName(spec.Name),
			ConnectTimeout: cfg.Storage.ConnectTimeout,
			Platform:       platform,
			Migrations:     migrations,
			Jobs:           jobsCfg,
			DrainTimeout:   cfg.DrainTimeout(),
			Logger:         logger,
		})
	default:
		backend, err = sqlite.Open(ctx, cfg.Storage.SQLitePath(spec.Name), sqlite.Options{
			Synchronous:  cfg.Storage.SQLiteSynchronous,
			Platform:     platform,
			Migrations:   migrations,
			Jobs:         jobsCfg,
			DrainTimeout: cfg.DrainTimeout(),
			Logger:       logger,
		})
	}
	if err != nil {
		return nil, fmt.Errorf("%s: open %s store: %w", spec.Name, backendName, err)
	}
	return backend, nil
}

// Run serves on lis and works jobs until ctx ends, then drains both and closes the backend.
// Health turns SERVING once the store answers.
func (s *Service) Run(ctx context.Context, lis net.Listener) error {
	defer func() {
		if err := s.peers.Close(); err != nil {
			s.logger.Error("close peer connections", "error", err)
		}
		if err := s.backend.Close(); err != nil {
			s.logger.Error("close store", "error", err)
		}
	}()
	if err := s.backend.Ready(ctx); err != nil {
		return fmt.Errorf("%s: store not ready: %w", s.spec.Name, err)
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.server.Run(ctx, lis) })
	g.Go(func() error { return s.backend.RunJobs(ctx) })
	g.Go(func() error { s.watchReady(ctx); return nil })
	s.server.SetServing(true)
	s.logger.Info("serving", "grpc_addr", lis.Addr().String(), "store", s.backend.Name())
	err := g.Wait()
	s.logger.Info("stopped")
	return err
}

// readyInterval is how often a running service checks its store's readiness (a full disk
// fails it until a write succeeds again).
const readyInterval = time.Second

// watchReady reports NOT_SERVING while the store is not ready and SERVING once it is again,
// changing health only on a change of state so as not to undo the server's own shutdown.
func (s *Service) watchReady(ctx context.Context) {
	tick := time.NewTicker(readyInterval)
	defer tick.Stop()
	ready := true
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		checkCtx, cancel := context.WithTimeout(ctx, readyInterval)
		err := s.backend.Ready(checkCtx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if now := err == nil; now != ready {
			ready = now
			s.server.SetServing(ready)
			if !ready {
				s.logger.Warn("store not ready: reporting NOT_SERVING", "error", err)
			} else {
				s.logger.Info("store ready again: reporting SERVING")
			}
		}
	}
}

// Close releases the service's backend; only for a service that will not Run (Run closes it).
func (s *Service) Close() error { return errors.Join(s.peers.Close(), s.backend.Close()) }
