// Package eventsources implements accessflow.trigger.v1.EventSourceService: the external
// systems allowed to send events signed with Standard Webhooks, and their signing secrets.
package eventsources

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/secrets"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/credentials"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/store"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/webhooks"
)

// DefaultOverlap is how long a replaced secret stays valid by default.
const DefaultOverlap = 24 * time.Hour

// Service serves EventSourceService.
type Service struct {
	triggerv1.UnimplementedEventSourceServiceServer

	store *store.Store
	ring  *secrets.Ring
	now   func() time.Time
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock (default: the wall clock).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns the service.
func New(st *store.Store, ring *secrets.Ring, opts ...Option) *Service {
	s := &Service{store: st, ring: ring, now: time.Now}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// CreateEventSource registers a source with a fresh signing secret, returned this once.
func (s *Service) CreateEventSource(ctx context.Context, req *triggerv1.CreateEventSourceRequest) (*triggerv1.CreateEventSourceResponse, error) {
	in := req.GetEventSource()
	secret := webhooks.NewSecret()
	sealed, err := credentials.SealSource(s.ring, in.GetName(), credentials.Source{Signing: webhooks.Keys{{Secret: secret}}})
	if err != nil {
		return nil, err
	}
	src := store.EventSource{Name: in.GetName(), Description: in.GetDescription(), Secrets: sealed, Created: s.now().UTC().Truncate(time.Millisecond)}
	if err := s.store.CreateEventSource(ctx, src); err != nil {
		return nil, err
	}
	out := s.present(src, webhooks.Keys{{Secret: secret}})
	out.SigningSecret = &secret
	return &triggerv1.CreateEventSourceResponse{EventSource: out}, nil
}

// ListEventSources lists the sources, their secrets withheld.
func (s *Service) ListEventSources(ctx context.Context, _ *triggerv1.ListEventSourcesRequest) (*triggerv1.ListEventSourcesResponse, error) {
	srcs, err := s.store.ListEventSources(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*triggerv1.EventSource, 0, len(srcs))
	for _, src := range srcs {
		creds, err := credentials.OpenSource(s.ring, src.Name, src.Secrets)
		if err != nil {
			return nil, err
		}
		out = append(out, s.present(src, creds.Signing))
	}
	return &triggerv1.ListEventSourcesResponse{EventSources: out}, nil
}

// RotateEventSourceSecret issues a new secret; the previous one stays valid for the overlap.
func (s *Service) RotateEventSourceSecret(ctx context.Context, req *triggerv1.RotateEventSourceSecretRequest) (*triggerv1.RotateEventSourceSecretResponse, error) {
	overlap := DefaultOverlap
	if req.GetOverlap() != nil {
		overlap = req.GetOverlap().AsDuration()
	}
	secret := webhooks.NewSecret()
	var keys webhooks.Keys
	src, err := s.store.UpdateEventSourceSecrets(ctx, req.GetName(), func(src *store.EventSource) error {
		creds, err := credentials.OpenSource(s.ring, src.Name, src.Secrets)
		if err != nil {
			return err
		}
		keys = creds.Signing.Rotate(secret, s.now(), overlap)
		src.Secrets, err = credentials.SealSource(s.ring, src.Name, credentials.Source{Signing: keys})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := s.present(src, keys)
	out.SigningSecret = &secret
	return &triggerv1.RotateEventSourceSecretResponse{EventSource: out}, nil
}

// DeleteEventSource removes a source.
func (s *Service) DeleteEventSource(ctx context.Context, req *triggerv1.DeleteEventSourceRequest) (*triggerv1.DeleteEventSourceResponse, error) {
	if err := s.store.DeleteEventSource(ctx, req.GetName()); err != nil {
		return nil, err
	}
	return &triggerv1.DeleteEventSourceResponse{}, nil
}

func (s *Service) present(src store.EventSource, keys webhooks.Keys) *triggerv1.EventSource {
	out := &triggerv1.EventSource{Name: src.Name, Description: src.Description, Created: timestamppb.New(src.Created)}
	if exp := keys.PreviousExpires(s.now()); !exp.IsZero() {
		out.PreviousSecretExpires = timestamppb.New(exp)
	}
	return out
}
