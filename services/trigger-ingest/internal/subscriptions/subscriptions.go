// Package subscriptions implements accessflow.trigger.v1.SubscriptionService: who receives
// which trigger's events, filtered how, delivered where and signed with what.
package subscriptions

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"buf.build/go/protovalidate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/jsonpath"
	"github.com/accessflow/accessflow/pkg/outbound"
	"github.com/accessflow/accessflow/pkg/secrets"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/catalogue"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/credentials"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/fanout"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/store"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/webhooks"
)

// Limits of the reference API: subscriptions per trigger, by trigger type.
const (
	MaxFireAndForget   = 50
	MaxRequestResponse = 1
)

// DefaultRotationOverlap is how long a replaced signing secret keeps signing by default.
const DefaultRotationOverlap = 24 * time.Hour

// MaxReplay bounds the events one replay queues.
const MaxReplay = 10_000

// Service serves SubscriptionService.
type Service struct {
	triggerv1.UnimplementedSubscriptionServiceServer

	store     *store.Store
	cat       *catalogue.Catalogue
	ring      *secrets.Ring
	planner   *fanout.Planner
	validator protovalidate.Validator
	guard     *outbound.Guard
	now       func() time.Time
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock (default: the wall clock).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithGuard sets the outbound guard subscriber URLs are checked against when saved (default:
// one that refuses every internal address).
func WithGuard(g *outbound.Guard) Option { return func(s *Service) { s.guard = g } }

// New returns the service.
func New(st *store.Store, cat *catalogue.Catalogue, ring *secrets.Ring, planner *fanout.Planner, opts ...Option) (*Service, error) {
	v, err := protovalidate.New()
	if err != nil {
		return nil, fmt.Errorf("protovalidate: %w", err)
	}
	s := &Service{store: st, cat: cat, ring: ring, planner: planner, validator: v, guard: outbound.NewGuard(), now: time.Now}
	for _, opt := range opts {
		opt(s)
	}
	return s, nil
}

// CreateSubscription validates the subscription, generates its id and signing secret, and
// stores it within its trigger's limit.
func (s *Service) CreateSubscription(ctx context.Context, req *triggerv1.CreateSubscriptionRequest) (*triggerv1.CreateSubscriptionResponse, error) {
	sub := proto.CloneOf(req.GetSubscription())
	sub.Id = ids.New()
	sub.TriggerName, sub.SigningSecret = "", nil
	trigger, ok := s.cat.Get(sub.GetTriggerId())
	if sub.GetTriggerId() == "" {
		return nil, apierror.InvalidField("subscription.triggerId", "is required")
	}
	if !ok {
		return nil, apierror.InvalidField("subscription.triggerId", "unknown trigger %q: GET /beta/triggers lists them", sub.GetTriggerId())
	}
	var creds credentials.Subscription
	if err := normalize(sub, &creds, "subscription"); err != nil {
		return nil, err
	}
	if err := s.checkWorkflowTrigger(sub, "subscription"); err != nil {
		return nil, err
	}
	if err := s.checkTarget(ctx, sub, "subscription"); err != nil {
		return nil, err
	}
	secret := webhooks.NewSecret()
	creds.Signing = webhooks.Keys{{Secret: secret}}
	sealed, err := credentials.SealSubscription(s.ring, sub.GetId(), creds)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	limit := MaxFireAndForget
	if trigger.Type == catalogue.RequestResponse {
		limit = MaxRequestResponse
	}
	err = s.store.CreateSubscription(ctx, store.Subscription{Sub: sub, Secrets: sealed, Created: now, Modified: now}, limit)
	if errors.Is(err, store.ErrLimitReached) {
		return nil, apierror.InvalidField("subscription.triggerId", "%s trigger %s already has its maximum of %d subscription(s)", trigger.Type, trigger.ID, limit)
	}
	if err != nil {
		return nil, err
	}
	out := s.present(sub)
	out.SigningSecret = &secret
	return &triggerv1.CreateSubscriptionResponse{Subscription: out}, nil
}

// GetSubscription returns one subscription, its secrets withheld.
func (s *Service) GetSubscription(ctx context.Context, req *triggerv1.GetSubscriptionRequest) (*triggerv1.GetSubscriptionResponse, error) {
	rec, err := s.store.GetSubscription(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return &triggerv1.GetSubscriptionResponse{Subscription: s.present(rec.Sub)}, nil
}

// ListSubscriptions returns a page of subscriptions and, when asked, their total count.
func (s *Service) ListSubscriptions(ctx context.Context, req *triggerv1.ListSubscriptionsRequest) (*triggerv1.ListSubscriptionsResponse, error) {
	filters, err := collection.ParseFilters(req.GetFilters(), store.SubscriptionFilterFields)
	if err != nil {
		return nil, err
	}
	q := store.SubscriptionQuery{Filters: filters, Page: collection.NewPage(req.Limit, req.GetOffset())}
	recs, err := s.store.ListSubscriptions(ctx, q)
	if err != nil {
		return nil, err
	}
	if req.GetCount() {
		n, err := s.store.CountSubscriptions(ctx, q)
		if err != nil {
			return nil, err
		}
		if err := grpc.SetHeader(ctx, metadata.Pairs(collection.TotalCountHeader, strconv.Itoa(n))); err != nil {
			return nil, err
		}
	}
	out := make([]*triggerv1.Subscription, len(recs))
	for i, rec := range recs {
		out[i] = s.present(rec.Sub)
	}
	return &triggerv1.ListSubscriptionsResponse{Subscriptions: out}, nil
}

// UpdateSubscription replaces a subscription. id and triggerId are immutable; secrets left
// out (or null) keep their stored values.
func (s *Service) UpdateSubscription(ctx context.Context, req *triggerv1.UpdateSubscriptionRequest) (*triggerv1.UpdateSubscriptionResponse, error) {
	in := req.GetSubscription()
	if in.GetId() != "" && in.GetId() != req.GetId() {
		return nil, apierror.InvalidField("subscription.id", "is immutable")
	}
	rec, err := s.replace(ctx, req.GetId(), func(prev *triggerv1.Subscription) (*triggerv1.Subscription, error) {
		if in.GetTriggerId() != "" && in.GetTriggerId() != prev.GetTriggerId() {
			return nil, apierror.InvalidField("subscription.triggerId", "is immutable")
		}
		return proto.CloneOf(in), nil
	}, "subscription")
	if err != nil {
		return nil, err
	}
	return &triggerv1.UpdateSubscriptionResponse{Subscription: s.present(rec.Sub)}, nil
}

// DeleteSubscription deletes a subscription.
func (s *Service) DeleteSubscription(ctx context.Context, req *triggerv1.DeleteSubscriptionRequest) (*triggerv1.DeleteSubscriptionResponse, error) {
	if err := s.store.DeleteSubscription(ctx, req.GetId()); err != nil {
		return nil, err
	}
	return &triggerv1.DeleteSubscriptionResponse{}, nil
}

// ValidateSubscriptionFilter checks a filter against a mock input. A filter that does not
// parse is an answer (isValidJSONPath false), not an error.
func (s *Service) ValidateSubscriptionFilter(ctx context.Context, req *triggerv1.ValidateSubscriptionFilterRequest) (*triggerv1.ValidateSubscriptionFilterResponse, error) {
	res := jsonpath.Validate(ctx, req.GetFilter(), req.GetInput().AsMap())
	if res.Err != nil && !errors.Is(res.Err, jsonpath.ErrSyntax) && !errors.Is(res.Err, jsonpath.ErrLimitExceeded) {
		return nil, res.Err // the context ended
	}
	return &triggerv1.ValidateSubscriptionFilterResponse{
		IsValid: res.IsValid, IsValidJsonPath: res.IsValidJSONPath, IsPathExist: res.IsPathExist,
	}, nil
}

// RotateSubscriptionSecret issues a new signing secret; the old one keeps signing beside it
// for the overlap.
func (s *Service) RotateSubscriptionSecret(ctx context.Context, req *triggerv1.RotateSubscriptionSecretRequest) (*triggerv1.RotateSubscriptionSecretResponse, error) {
	overlap := DefaultRotationOverlap
	if req.GetOverlap() != nil {
		overlap = req.GetOverlap().AsDuration()
	}
	secret := webhooks.NewSecret()
	rec, err := s.store.UpdateSubscription(ctx, req.GetId(), func(rec *store.Subscription) error {
		creds, err := credentials.OpenSubscription(s.ring, rec.Sub.GetId(), rec.Secrets)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		creds.Signing = creds.Signing.Rotate(secret, now, overlap)
		if rec.Secrets, err = credentials.SealSubscription(s.ring, rec.Sub.GetId(), creds); err != nil {
			return err
		}
		rec.Modified = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := s.present(rec.Sub)
	out.SigningSecret = &secret
	return &triggerv1.RotateSubscriptionSecretResponse{Subscription: out}, nil
}

// ReplaySubscription re-enables the subscription and queues again every stored event of its
// trigger, received in the range, that its filter matches.
func (s *Service) ReplaySubscription(ctx context.Context, req *triggerv1.ReplaySubscriptionRequest) (*triggerv1.ReplaySubscriptionResponse, error) {
	from := req.GetFrom().AsTime()
	to := s.now()
	if req.GetTo() != nil {
		to = req.GetTo().AsTime()
	}
	if !from.Before(to) {
		return nil, apierror.InvalidField("from", "must be before to")
	}
	rec, err := s.store.UpdateSubscription(ctx, req.GetId(), func(rec *store.Subscription) error {
		if rec.Sub.GetType() != "HTTP" && rec.Sub.GetType() != "WORKFLOW" {
			return apierror.InvalidField("id", "only HTTP and WORKFLOW subscriptions deliver events")
		}
		enabled := true
		rec.Sub.Enabled = &enabled
		rec.FailingSince = time.Time{}
		rec.Modified = s.now().UTC()
		return nil
	})
	if err != nil {
		return nil, err
	}
	events, err := s.store.EventsReceived(ctx, rec.Sub.GetTriggerId(), from, to, MaxReplay)
	if err != nil {
		return nil, err
	}
	var deliveries []store.Delivery
	for i := range events {
		ev := &events[i]
		ok, err := fanout.Matches(ctx, rec.Sub, ev.Payload)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		d, _, err := s.planner.NewDelivery(*ev, rec.Sub, store.KindReplay, "")
		if err != nil {
			return nil, err
		}
		d.Traceparent = ev.Traceparent // in the event's trace, linked to this call
		deliveries = append(deliveries, d)
	}
	if err := s.store.InsertDeliveries(ctx, deliveries); err != nil {
		return nil, err
	}
	return &triggerv1.ReplaySubscriptionResponse{Count: int32(len(deliveries))}, nil //nolint:gosec // at most MaxReplay
}

// replace applies next to the stored subscription with id: next returns the new state (its
// id and trigger are kept), which is validated and normalized as on create.
func (s *Service) replace(ctx context.Context, id string, next func(prev *triggerv1.Subscription) (*triggerv1.Subscription, error), field string) (store.Subscription, error) {
	return s.store.UpdateSubscription(ctx, id, func(rec *store.Subscription) error {
		sub, err := next(rec.Sub)
		if err != nil {
			return err
		}
		if err := s.validator.Validate(sub); err != nil {
			return err
		}
		sub.Id, sub.TriggerId = rec.Sub.GetId(), rec.Sub.GetTriggerId()
		sub.TriggerName, sub.SigningSecret = "", nil
		creds, err := credentials.OpenSubscription(s.ring, rec.Sub.GetId(), rec.Secrets)
		if err != nil {
			return err
		}
		if err := normalize(sub, &creds, field); err != nil {
			return err
		}
		if err := s.checkWorkflowTrigger(sub, field); err != nil {
			return err
		}
		if err := s.checkTarget(ctx, sub, field); err != nil {
			return err
		}
		if rec.Secrets, err = credentials.SealSubscription(s.ring, sub.GetId(), creds); err != nil {
			return err
		}
		rec.Sub = sub
		rec.Modified = s.now().UTC()
		return nil
	})
}

// checkWorkflowTrigger refuses a WORKFLOW subscription to a REQUEST_RESPONSE trigger, whose
// invocations wait for an answer a workflow does not give.
func (s *Service) checkWorkflowTrigger(sub *triggerv1.Subscription, field string) error {
	if t, ok := s.cat.Get(sub.GetTriggerId()); ok && sub.GetType() == "WORKFLOW" && t.Type == catalogue.RequestResponse {
		return apierror.InvalidField(field+".type", "%s is a REQUEST_RESPONSE trigger, which needs a subscriber that answers: use HTTP", t.ID)
	}
	return nil
}

// checkTarget refuses an HTTP subscriber URL that can never be delivered to: a literal
// loopback, private, link-local or metadata address, or a name the hosts file maps only to
// such addresses. Names resolved by DNS are checked again at every dial.
func (s *Service) checkTarget(ctx context.Context, sub *triggerv1.Subscription, field string) error {
	if sub.GetType() != "HTTP" {
		return nil
	}
	u, err := url.Parse(sub.GetHttpConfig().GetUrl())
	if err != nil {
		return nil // normalize reported it
	}
	if err := s.guard.CheckHost(ctx, u.Hostname()); err != nil {
		return apierror.InvalidField(field+".httpConfig.url",
			"cannot be delivered: %v; an operator may allow such a network with --outbound-allow-cidrs", err)
	}
	return nil
}

// present is the API form of a stored subscription: its trigger's name, secrets as null.
func (s *Service) present(stored *triggerv1.Subscription) *triggerv1.Subscription {
	sub := proto.CloneOf(stored)
	if t, ok := s.cat.Get(sub.GetTriggerId()); ok {
		sub.TriggerName = t.Name
	}
	withholdSecrets(sub)
	return sub
}
