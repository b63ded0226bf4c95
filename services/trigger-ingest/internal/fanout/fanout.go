// Package fanout decides which subscriptions an event goes to and makes their deliveries.
// It keeps every subscription's compiled filter in memory and reloads them only when the
// store's subscription version moves, which it reads inside the transaction that stores the
// event, so an event never misses a subscription committed before it.
package fanout

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/jsonpath"
	"github.com/accessflow/accessflow/pkg/logging"
	"github.com/accessflow/accessflow/pkg/secrets"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/catalogue"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/credentials"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/store"
)

// Planner makes deliveries.
type Planner struct {
	cat    *catalogue.Catalogue
	ring   *secrets.Ring
	now    func() time.Time
	logger *slog.Logger

	mu        sync.Mutex
	loaded    bool
	version   int64
	byTrigger map[string][]entry
}

type entry struct {
	sub    *triggerv1.Subscription
	filter *jsonpath.Path // nil: every event
}

// Option configures a Planner.
type Option func(*Planner)

// WithClock sets the clock stamping deliveries (default: the wall clock).
func WithClock(now func() time.Time) Option { return func(p *Planner) { p.now = now } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(p *Planner) { p.logger = l } }

// New returns a planner.
func New(cat *catalogue.Catalogue, ring *secrets.Ring, opts ...Option) *Planner {
	p := &Planner{cat: cat, ring: ring, now: time.Now, logger: logging.Discard()}
	for _, opt := range opts {
		opt(p)
	}
	return p
}

// For returns the store.Planner of an event whose decoded JSON is doc (nil: decode the
// payload when a filter needs it): one delivery per enabled HTTP or WORKFLOW subscription of
// its trigger whose filter matches. A WORKFLOW subscription's delivery runs its workflow
// (package workflows) from the same durable job, retried on the same schedule.
func (p *Planner) For(doc any) store.Planner {
	return func(ctx context.Context, q storage.DBTX, ev store.Event) ([]store.Delivery, error) {
		entries, err := p.subscriptions(ctx, q, ev.TriggerID)
		if err != nil {
			return nil, err
		}
		var out []store.Delivery
		for _, e := range entries {
			if !e.sub.GetEnabled() || !delivers(e.sub) {
				continue
			}
			if e.filter != nil {
				if doc == nil {
					if err := json.Unmarshal(ev.Payload, &doc); err != nil {
						return nil, fmt.Errorf("decode event %s: %w", ev.ID, err)
					}
				}
				ok, err := e.filter.Match(ctx, doc)
				if err != nil {
					p.logger.WarnContext(ctx, "subscription filter failed; event not delivered to it",
						"subscription_id", e.sub.GetId(), "event_id", ev.ID, "error", err)
					continue
				}
				if !ok {
					continue
				}
			}
			d, _, err := p.NewDelivery(ev, e.sub, store.KindRealTime, "")
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
		return out, nil
	}
}

// delivers reports whether a subscription gets deliveries: HTTP ones, and WORKFLOW ones that
// name their workflow's kind (those stored before workflows ran have none and stay inert).
func delivers(sub *triggerv1.Subscription) bool {
	switch sub.GetType() {
	case "HTTP":
		return true
	case "WORKFLOW":
		return sub.GetWorkflowConfig().GetKind() != ""
	}
	return false
}

// Matches reports whether sub's filter selects something from the event ev.
func Matches(ctx context.Context, sub *triggerv1.Subscription, payload []byte) (bool, error) {
	if sub.GetFilter() == "" {
		return true, nil
	}
	path, err := jsonpath.Compile(sub.GetFilter())
	if err != nil {
		return false, fmt.Errorf("subscription %s filter: %w", sub.GetId(), err)
	}
	var doc any
	if err := json.Unmarshal(payload, &doc); err != nil {
		return false, fmt.Errorf("decode event: %w", err)
	}
	return path.Match(ctx, doc)
}

// NewDelivery makes a PENDING delivery of ev to sub. For a REQUEST_RESPONSE trigger it also
// makes the invocation secret, returned in clear (and stored sealed).
func (p *Planner) NewDelivery(ev store.Event, sub *triggerv1.Subscription, kind, contentJSON string) (store.Delivery, string, error) {
	d := store.Delivery{
		ID:               ids.New(),
		EventID:          ev.ID,
		SubscriptionID:   sub.GetId(),
		SubscriptionName: sub.GetName(),
		TriggerID:        ev.TriggerID,
		TrackingNumber:   ev.TrackingNumber,
		Kind:             kind,
		Status:           store.StatusPending,
		ContentJSON:      contentJSON,
		Created:          p.now().UTC(),
	}
	var secret string
	if t, ok := p.cat.Get(ev.TriggerID); ok && t.Type == catalogue.RequestResponse {
		secret = ids.New()
		sealed, err := credentials.SealInvocation(p.ring, d.ID, secret)
		if err != nil {
			return store.Delivery{}, "", err
		}
		d.Secret = sealed
	}
	return d, secret, nil
}

func (p *Planner) subscriptions(ctx context.Context, q storage.DBTX, triggerID string) ([]entry, error) {
	v, err := store.SubscriptionsVersion(ctx, q)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.loaded || v != p.version {
		subs, err := store.AllSubscriptions(ctx, q)
		if err != nil {
			return nil, err
		}
		byTrigger := map[string][]entry{}
		for _, sub := range subs {
			e := entry{sub: sub}
			if sub.GetFilter() != "" {
				if e.filter, err = jsonpath.Compile(sub.GetFilter()); err != nil {
					// Filters are checked when written; one that no longer compiles (a stricter
					// parser) delivers nothing rather than everything.
					p.logger.ErrorContext(ctx, "subscription filter does not compile", "subscription_id", sub.GetId(), "error", err)
					continue
				}
			}
			byTrigger[sub.GetTriggerId()] = append(byTrigger[sub.GetTriggerId()], e)
		}
		p.byTrigger, p.version, p.loaded = byTrigger, v, true
	}
	return p.byTrigger[triggerID], nil
}
