// Package actions implements accessflow.action.v1.ActionService: providers (credentials
// write-only), action chains checked when saved, and action flows started idempotently,
// listed, cancelled and retried; the engine runs them.
package actions

import (
	"time"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	"github.com/accessflow/accessflow/pkg/secrets"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/engine"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

// Service serves ActionService.
type Service struct {
	actionv1.UnimplementedActionServiceServer

	store  *store.Store
	engine *engine.Engine
	reg    *connector.Registry
	ring   *secrets.Ring
	now    func() time.Time
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock (default: the wall clock).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns the service.
func New(st *store.Store, eng *engine.Engine, reg *connector.Registry, ring *secrets.Ring, opts ...Option) *Service {
	s := &Service{store: st, engine: eng, reg: reg, ring: ring, now: time.Now}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
