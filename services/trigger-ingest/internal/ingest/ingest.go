// Package ingest implements accessflow.trigger.v1.EventService: events come in over gRPC,
// over REST and, signed with Standard Webhooks, from registered event sources; each is
// validated against its trigger's input schema and stored, with one delivery per matching
// subscription, before the call returns. Idempotency keys make retries safe.
package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/fanout"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/store"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/webhooks"
)

// IdempotencyKeyHeader is the metadata key (HTTP header Idempotency-Key) of REST ingestion.
const IdempotencyKeyHeader = "idempotency-key"

// maxKeyLen bounds idempotency keys and webhook ids.
const maxKeyLen = 256

// Service serves EventService.
type Service struct {
	triggerv1.UnimplementedEventServiceServer

	store   *store.Store
	cat     *catalogue.Catalogue
	ring    *secrets.Ring
	planner *fanout.Planner
	now     func() time.Time
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock (default: the wall clock); it also judges webhook timestamps.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns the service.
func New(st *store.Store, cat *catalogue.Catalogue, ring *secrets.Ring, planner *fanout.Planner, opts ...Option) *Service {
	s := &Service{store: st, cat: cat, ring: ring, planner: planner, now: time.Now}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// PublishEvent accepts an event from a gRPC caller; the idempotency key comes from the
// request or, failing that, the idempotency-key metadata.
func (s *Service) PublishEvent(ctx context.Context, req *triggerv1.PublishEventRequest) (*triggerv1.PublishEventResponse, error) {
	body, err := json.Marshal(req.GetEvent().AsMap())
	if err != nil {
		return nil, apierror.InvalidField("event", "%v", err)
	}
	key := req.GetIdempotencyKey()
	if key == "" {
		key = firstMD(ctx, IdempotencyKeyHeader)
	}
	ev, err := s.accept(ctx, req.GetTriggerId(), body, "", key)
	if err != nil {
		return nil, err
	}
	return &triggerv1.PublishEventResponse{Id: ev.ID, TrackingNumber: ev.TrackingNumber}, nil
}

// IngestEvent accepts an event over REST; Idempotency-Key is the idempotency key.
func (s *Service) IngestEvent(ctx context.Context, req *triggerv1.IngestEventRequest) (*triggerv1.IngestEventResponse, error) {
	ev, err := s.accept(ctx, req.GetTriggerId(), req.GetBody().GetData(), "", firstMD(ctx, IdempotencyKeyHeader))
	if err != nil {
		return nil, err
	}
	return &triggerv1.IngestEventResponse{Id: ev.ID, TrackingNumber: ev.TrackingNumber}, nil
}

// IngestSignedEvent accepts an event from a registered event source after checking its
// Standard Webhooks signature over the exact bytes received; webhook-id is the idempotency
// key. Any failure to authenticate is the same 401, so that callers cannot probe which
// sources exist.
func (s *Service) IngestSignedEvent(ctx context.Context, req *triggerv1.IngestSignedEventRequest) (*triggerv1.IngestSignedEventResponse, error) {
	body := req.GetBody().GetData()
	h := http.Header{}
	for _, k := range []string{webhooks.HeaderID, webhooks.HeaderTimestamp, webhooks.HeaderSignature} {
		h.Set(k, firstMD(ctx, k))
	}
	if err := s.verify(ctx, req.GetSource(), body, h); err != nil {
		return nil, err
	}
	ev, err := s.accept(ctx, req.GetTriggerId(), body, req.GetSource(), h.Get(webhooks.HeaderID))
	if err != nil {
		return nil, err
	}
	return &triggerv1.IngestSignedEventResponse{Id: ev.ID, TrackingNumber: ev.TrackingNumber}, nil
}

func (s *Service) verify(ctx context.Context, source string, body []byte, h http.Header) error {
	unauthenticated := func(reason string) error {
		return fmt.Errorf("%w: event source %q: %s", apierror.ErrUnauthenticated, source, reason)
	}
	src, err := s.store.GetEventSource(ctx, source)
	if errors.Is(err, storage.ErrNotFound) {
		return unauthenticated("no matching signature")
	}
	if err != nil {
		return err
	}
	creds, err := credentials.OpenSource(s.ring, src.Name, src.Secrets)
	if err != nil {
		return err
	}
	switch err := webhooks.Verify(body, h, s.now(), creds.Signing.Live(s.now())...); {
	case errors.Is(err, webhooks.ErrMissingHeaders), errors.Is(err, webhooks.ErrStale):
		return unauthenticated(err.Error())
	case err != nil:
		return unauthenticated("no matching signature")
	}
	return nil
}

// accept validates an event and stores it with its deliveries. scope is the event source
// ("" for authenticated callers): keys are unique per scope.
func (s *Service) accept(ctx context.Context, triggerID string, body []byte, source, key string) (store.Event, error) {
	if _, ok := s.cat.Get(triggerID); !ok {
		return store.Event{}, apierror.InvalidField("triggerId", "unknown trigger %q: GET /beta/triggers lists them", triggerID)
	}
	if len(key) > maxKeyLen {
		return store.Event{}, apierror.InvalidField("Idempotency-Key", "longer than %d characters", maxKeyLen)
	}
	doc, canonical, err := decode(body)
	if err != nil {
		return store.Event{}, err
	}
	if err := s.cat.ValidateInput(triggerID, doc); err != nil {
		return store.Event{}, schemaError(err)
	}
	n, ok := tracking.FromContext(ctx)
	if !ok {
		n = tracking.New()
	}
	ev := store.Event{
		ID:             ids.New(),
		TriggerID:      triggerID,
		TrackingNumber: n.String(),
		Source:         source,
		RequestHash:    hash(triggerID, canonical),
		Payload:        body,
		Received:       s.now().UTC(),
	}
	if key != "" {
		ev.IdempotencyKey = source + " " + key
	}
	stored, _, err := s.store.PublishEvent(ctx, ev, s.planner.For(doc))
	if errors.Is(err, store.ErrKeyReused) {
		return store.Event{}, fmt.Errorf("%w: %w", apierror.ErrIdempotencyKeyReused, err)
	}
	return stored, err
}

// decode parses an event: a JSON object, nothing after it. It returns the decoded value and
// its canonical encoding (sorted keys, no spaces), which the idempotency hash covers so that
// a resent event matches whatever its formatting.
func decode(body []byte) (any, []byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, apierror.InvalidField("event", "not valid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, apierror.InvalidField("event", "unexpected data after the JSON object")
	}
	if _, ok := doc.(map[string]any); !ok {
		return nil, nil, apierror.InvalidField("event", "must be a JSON object")
	}
	canonical, err := json.Marshal(doc)
	if err != nil {
		return nil, nil, apierror.InvalidField("event", "%v", err)
	}
	return doc, canonical, nil
}

func hash(triggerID string, canonical []byte) string {
	h := sha256.New()
	h.Write([]byte(triggerID))
	h.Write([]byte{0})
	h.Write(canonical)
	return hex.EncodeToString(h.Sum(nil))
}

// schemaError names each schema violation as a field of the request.
func schemaError(err error) error {
	var verr *catalogue.ValidationError
	if !errors.As(err, &verr) {
		return err
	}
	out := &apierror.InvalidFieldsError{}
	for _, v := range verr.Violations {
		path := v.Path
		if path == "" {
			path = "/"
		}
		out.Violations = append(out.Violations, apierror.FieldViolation{Field: "event" + path, Description: v.Message})
	}
	if verr.Omitted > 0 {
		out.Violations = append(out.Violations, apierror.FieldViolation{Field: "event", Description: fmt.Sprintf("and %d more violations", verr.Omitted)})
	}
	return out
}

func firstMD(ctx context.Context, key string) string {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

// ListDeliveries returns a page of deliveries with their attempts, newest first.
func (s *Service) ListDeliveries(ctx context.Context, req *triggerv1.ListDeliveriesRequest) (*triggerv1.ListDeliveriesResponse, error) {
	filters, err := collection.ParseFilters(req.GetFilters(), store.DeliveryFilterFields)
	if err != nil {
		return nil, err
	}
	q := store.DeliveryQuery{Filters: filters, Page: collection.NewPage(req.Limit, req.GetOffset()), WithAttempts: true}
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
	out := make([]*triggerv1.Delivery, len(ds))
	for i := range ds {
		out[i] = DeliveryProto(&ds[i])
	}
	return &triggerv1.ListDeliveriesResponse{Deliveries: out}, nil
}

// DeliveryProto is the API form of a delivery.
func DeliveryProto(d *store.Delivery) *triggerv1.Delivery {
	pb := &triggerv1.Delivery{
		Id: d.ID, EventId: d.EventID, SubscriptionId: d.SubscriptionID, TriggerId: d.TriggerID,
		TrackingNumber: d.TrackingNumber, Status: d.Status, Kind: d.Kind, Created: timestamppb.New(d.Created), Error: d.Error,
	}
	if !d.Completed.IsZero() {
		pb.Completed = timestamppb.New(d.Completed)
	}
	if d.Output != "" {
		pb.Output = JSONValue(d.Output)
	}
	for _, a := range d.AttemptLog {
		pb.Attempts = append(pb.Attempts, &triggerv1.DeliveryAttempt{
			Attempt: int32(a.Number), Started: timestamppb.New(a.Started), LatencyMs: a.Latency.Milliseconds(), //nolint:gosec // attempt numbers are small
			StatusCode: int32(a.StatusCode), Error: a.Error, //nolint:gosec // HTTP statuses
		})
	}
	return pb
}

// JSONValue decodes stored JSON into a Value (null when it does not decode).
func JSONValue(s string) *structpb.Value {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return structpb.NewNullValue()
	}
	pv, err := structpb.NewValue(v)
	if err != nil {
		return structpb.NewNullValue()
	}
	return pv
}
