// Package invocations implements accessflow.trigger.v1.InvocationService: the status of
// invocations (deliveries as the reference API shows them), the completion of asynchronous
// REQUEST_RESPONSE invocations, and test invocations.
package invocations

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/secrets"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/tracking"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/catalogue"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/credentials"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/delivery"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/fanout"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/ingest"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/store"
)

// Service serves InvocationService.
type Service struct {
	triggerv1.UnimplementedInvocationServiceServer

	store   *store.Store
	cat     *catalogue.Catalogue
	ring    *secrets.Ring
	planner *fanout.Planner
	now     func() time.Time
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock (default: the wall clock).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns the service.
func New(st *store.Store, cat *catalogue.Catalogue, ring *secrets.Ring, planner *fanout.Planner, opts ...Option) *Service {
	s := &Service{store: st, cat: cat, ring: ring, planner: planner, now: time.Now}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// ListInvocationStatuses returns a page of invocations, newest first.
func (s *Service) ListInvocationStatuses(ctx context.Context, req *triggerv1.ListInvocationStatusesRequest) (*triggerv1.ListInvocationStatusesResponse, error) {
	filters, err := collection.ParseFilters(req.GetFilters(), store.InvocationFilterFields)
	if err != nil {
		return nil, err
	}
	q := store.DeliveryQuery{Filters: filters, Page: collection.NewPage(req.Limit, req.GetOffset())}
	ds, err := s.store.ListDeliveries(ctx, q)
	if err != nil {
		return nil, err
	}
	if req.GetCount() {
		n, err := s.store.CountDeliveries(ctx, q)
		if err != nil {
			return nil, err
		}
		if err := grpc.SetHeader(ctx, metadata.Pairs(collection.TotalCountHeader, strconv.Itoa(n))); err != nil {
			return nil, err
		}
	}
	out := make([]*triggerv1.InvocationStatus, 0, len(ds))
	inputs := map[string]*structpb.Value{}
	for i := range ds {
		d := &ds[i]
		input, ok := inputs[d.EventID]
		if !ok {
			ev, err := s.store.GetEvent(ctx, d.EventID)
			switch {
			case err == nil:
				input = ingest.JSONValue(string(ev.Payload))
			case errors.Is(err, storage.ErrNotFound):
				input = structpb.NewNullValue()
			default:
				return nil, err
			}
			inputs[d.EventID] = input
		}
		out = append(out, s.status(d, input))
	}
	return &triggerv1.ListInvocationStatusesResponse{InvocationStatuses: out}, nil
}

func (s *Service) status(d *store.Delivery, input *structpb.Value) *triggerv1.InvocationStatus {
	typ := "REAL_TIME"
	if d.Kind == store.KindTest {
		typ = "TEST"
	}
	st := &triggerv1.InvocationStatus{
		Id: d.ID, TriggerId: d.TriggerID, SubscriptionName: d.SubscriptionName, SubscriptionId: d.SubscriptionID,
		Type: typ, Created: timestamppb.New(d.Created), Status: d.Status, TrackingNumber: d.TrackingNumber,
		StartInvocationInput: &triggerv1.StartInvocationInput{TriggerId: d.TriggerID, Input: input, ContentJson: contentJSON(d.ContentJSON)},
	}
	if !d.Completed.IsZero() {
		st.Completed = timestamppb.New(d.Completed)
	}
	if t, ok := s.cat.Get(d.TriggerID); ok && t.Type == catalogue.RequestResponse && d.Terminal() {
		c := &triggerv1.CompleteInvocationInput{}
		if d.Output != "" {
			c.Output = ingest.JSONValue(d.Output)
		}
		if d.Status == store.StatusFailed {
			c.LocalizedError = &triggerv1.LocalizedMessage{Locale: "en-US", Message: d.Error}
		}
		st.CompleteInvocationInput = c
	}
	return st
}

func contentJSON(s string) *structpb.Struct {
	out := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	if s == "" {
		return out
	}
	var m map[string]any
	if json.Unmarshal([]byte(s), &m) != nil {
		return out
	}
	if st, err := structpb.NewStruct(m); err == nil {
		return st
	}
	return out
}

// CompleteInvocation completes a REQUEST_RESPONSE invocation with its output or an error. The
// invocation's secret authenticates the caller; a wrong one is 401.
func (s *Service) CompleteInvocation(ctx context.Context, req *triggerv1.CompleteInvocationRequest) (*triggerv1.CompleteInvocationResponse, error) {
	unauthenticated := fmt.Errorf("%w: invocation %q: wrong or unknown secret", apierror.ErrUnauthenticated, req.GetId())
	now := s.now().UTC()
	_, err := s.store.UpdateDelivery(ctx, req.GetId(), func(d *store.Delivery) error {
		t, ok := s.cat.Get(d.TriggerID)
		if !ok || t.Type != catalogue.RequestResponse || d.Secret == "" {
			return unauthenticated
		}
		secret, err := credentials.OpenInvocation(s.ring, d.ID, d.Secret)
		if err != nil || subtle.ConstantTimeCompare([]byte(secret), []byte(req.GetSecret())) != 1 {
			return unauthenticated
		}
		switch {
		case d.Terminal():
			return apierror.InvalidField("id", "invocation %s is already %s", d.ID, d.Status)
		case d.Status == store.StatusAwaitingResponse && !now.Before(d.Deadline):
			return apierror.InvalidField("id", "invocation %s passed its deadline (%s)", d.ID, d.Deadline.Format(time.RFC3339))
		}
		if req.GetError() != "" {
			d.Status, d.Error, d.Completed = store.StatusFailed, req.GetError(), now
			return nil
		}
		if req.GetOutput() == nil {
			return apierror.InvalidField("output", "is required unless error is set")
		}
		raw, err := req.GetOutput().MarshalJSON()
		if err != nil {
			return apierror.InvalidField("output", "%v", err)
		}
		out, err := delivery.ValidateOutput(s.cat, d.TriggerID, raw)
		if err != nil {
			return apierror.InvalidField("output", "%v", err)
		}
		d.Status, d.Output, d.Error, d.Completed = store.StatusSucceeded, out, "", now
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, unauthenticated // no probing for invocation ids
	}
	if err != nil {
		return nil, err
	}
	return &triggerv1.CompleteInvocationResponse{}, nil
}

// StartTestInvocation sends a test event to the trigger's subscribers (or the listed ones),
// enabled or not, where their filters match it.
func (s *Service) StartTestInvocation(ctx context.Context, req *triggerv1.StartTestInvocationRequest) (*triggerv1.StartTestInvocationResponse, error) {
	t, ok := s.cat.Get(req.GetTriggerId())
	if !ok {
		return nil, apierror.InvalidField("triggerId", "unknown trigger %q", req.GetTriggerId())
	}
	payload := []byte(t.ExampleInput)
	if req.GetInput() != nil {
		var err error
		if payload, err = json.Marshal(req.GetInput().AsMap()); err != nil {
			return nil, apierror.InvalidField("input", "%v", err)
		}
	}
	var doc any
	if err := json.Unmarshal(payload, &doc); err != nil {
		return nil, apierror.InvalidField("input", "%v", err)
	}
	if err := s.cat.ValidateInput(t.ID, doc); err != nil {
		return nil, apierror.InvalidField("input", "%v", err)
	}
	content, err := json.Marshal(req.GetContentJson().AsMap())
	if err != nil {
		return nil, apierror.InvalidField("contentJson", "%v", err)
	}
	subs, err := s.store.ListSubscriptions(ctx, store.SubscriptionQuery{
		Filters: []collection.Condition{{Field: "triggerId", Op: collection.OpEq, Values: []any{t.ID}}},
		Page:    collection.Page{Limit: 1000},
	})
	if err != nil {
		return nil, err
	}
	for _, id := range req.GetSubscriptionIds() {
		if !slices.ContainsFunc(subs, func(sub store.Subscription) bool { return sub.Sub.GetId() == id }) {
			return nil, apierror.InvalidField("subscriptionIds", "%q is not a subscription of %s", id, t.ID)
		}
	}
	n, ok := tracking.FromContext(ctx)
	if !ok {
		n = tracking.New()
	}
	ev := store.Event{ID: ids.New(), TriggerID: t.ID, TrackingNumber: n.String(), RequestHash: "test", Payload: payload, Received: s.now().UTC()}
	var (
		deliveries  []store.Delivery
		invocations []*triggerv1.Invocation
	)
	for _, rec := range subs {
		sub := rec.Sub
		if sub.GetType() != "HTTP" || (len(req.GetSubscriptionIds()) > 0 && !slices.Contains(req.GetSubscriptionIds(), sub.GetId())) {
			continue
		}
		if ok, err := fanout.Matches(ctx, sub, payload); err != nil || !ok {
			continue
		}
		d, secret, err := s.planner.NewDelivery(ev, sub, store.KindTest, string(content))
		if err != nil {
			return nil, err
		}
		deliveries = append(deliveries, d)
		invocations = append(invocations, &triggerv1.Invocation{Id: d.ID, TriggerId: t.ID, Secret: secret, ContentJson: req.GetContentJson()})
	}
	if len(deliveries) > 0 {
		if err := s.store.PublishTestEvent(ctx, ev, deliveries); err != nil {
			return nil, err
		}
	}
	return &triggerv1.StartTestInvocationResponse{Invocations: invocations}, nil
}
