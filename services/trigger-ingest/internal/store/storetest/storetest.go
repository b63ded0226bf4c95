// Package storetest is the conformance suite of the trigger-ingest store: every backend runs it.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/testing/protocmp"

	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/store"
)

// NewStore returns an empty store on a fresh database of the backend under test.
type NewStore func(t *testing.T) *store.Store

// Run runs every conformance test against stores made by newStore.
func Run(t *testing.T, newStore NewStore) {
	t.Run("SubscriptionRoundTrip", func(t *testing.T) { testSubscriptionRoundTrip(t, newStore(t)) })
	t.Run("SubscriptionLimitUnderConcurrency", func(t *testing.T) { testSubscriptionLimit(t, newStore(t)) })
	t.Run("SubscriptionListFilterPage", func(t *testing.T) { testSubscriptionList(t, newStore(t)) })
	t.Run("PublishIdempotency", func(t *testing.T) { testPublishIdempotency(t, newStore(t)) })
	t.Run("PublishConcurrentSameKey", func(t *testing.T) { testPublishConcurrentSameKey(t, newStore(t)) })
	t.Run("PublishConcurrentFailuresAreIsolated", func(t *testing.T) { testPublishIsolation(t, newStore(t)) })
	t.Run("DeliveryAttempts", func(t *testing.T) { testDeliveryAttempts(t, newStore(t)) })
	t.Run("AutoDisable", func(t *testing.T) { testAutoDisable(t, newStore(t)) })
	t.Run("Purge", func(t *testing.T) { testPurge(t, newStore(t)) })
	t.Run("EventSources", func(t *testing.T) { testEventSources(t, newStore(t)) })
	t.Run("EventTraceparent", func(t *testing.T) { testEventTraceparent(t, newStore(t)) })
}

// testEventTraceparent: an event keeps the traceparent of the call that published it (a
// replay's deliveries descend from it); one published without a span has none.
func testEventTraceparent(t *testing.T, s *store.Store) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c},
		SpanID:  trace.SpanID{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31}, TraceFlags: trace.FlagsSampled,
	})
	ctx := trace.ContextWithSpanContext(t.Context(), sc)
	traced, plain := newEvent("scope traced"), newEvent("scope plain")
	_, _, err := s.PublishEvent(ctx, traced, deliverTo())
	require.NoError(t, err)
	_, _, err = s.PublishEvent(t.Context(), plain, deliverTo())
	require.NoError(t, err)
	got, err := s.GetEvent(t.Context(), traced.ID)
	require.NoError(t, err)
	require.Equal(t, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", got.Traceparent)
	list, err := s.EventsReceived(t.Context(), traced.TriggerID, t0.Add(-time.Hour), t0.Add(time.Hour), 10)
	require.NoError(t, err)
	byID := map[string]string{}
	for i := range list {
		byID[list[i].ID] = list[i].Traceparent
	}
	require.Equal(t, got.Traceparent, byID[traced.ID])
	require.Contains(t, byID, plain.ID)
	require.Empty(t, byID[plain.ID])
}

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func newSub(triggerID, name string) store.Subscription {
	enabled := true
	return store.Subscription{
		Sub: &triggerv1.Subscription{
			Id: ids.New(), Name: name, TriggerId: triggerID, Type: "HTTP", Enabled: &enabled, ResponseDeadline: "PT1H",
			HttpConfig: &triggerv1.HttpConfig{Url: "https://example.com/" + name, HttpDispatchMode: "SYNC", HttpAuthenticationType: "NO_AUTH"},
			Filter:     `$[?($.identity.name == "john.doe")]`,
		},
		Secrets:  "v1:k:sealed",
		Created:  t0,
		Modified: t0,
	}
}

func newEvent(key string) store.Event {
	return store.Event{
		ID: ids.New(), TriggerID: "idn:identity-attributes-changed", TrackingNumber: ids.New(), IdempotencyKey: key,
		RequestHash: "h1", Payload: []byte(`{"identity":{"name":"john.doe"}}`), Received: t0,
	}
}

// deliverTo plans one delivery per subscription.
func deliverTo(subs ...store.Subscription) store.Planner {
	return func(_ context.Context, _ storage.DBTX, ev store.Event) ([]store.Delivery, error) {
		var out []store.Delivery
		for _, s := range subs {
			out = append(out, store.Delivery{
				ID: ids.New(), EventID: ev.ID, SubscriptionID: s.Sub.GetId(), SubscriptionName: s.Sub.GetName(),
				TriggerID: ev.TriggerID, TrackingNumber: ev.TrackingNumber, Kind: store.KindRealTime, Status: store.StatusPending, Created: ev.Received,
			})
		}
		return out, nil
	}
}

func testSubscriptionRoundTrip(t *testing.T, s *store.Store) {
	ctx := t.Context()
	want := newSub("idn:identity-attributes-changed", "app")
	require.NoError(t, s.CreateSubscription(ctx, want, 50))
	got, err := s.GetSubscription(ctx, want.Sub.GetId())
	require.NoError(t, err)
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("GetSubscription (-want +got):\n%s", diff)
	}
	updated, err := s.UpdateSubscription(ctx, want.Sub.GetId(), func(rec *store.Subscription) error {
		rec.Sub.Name, rec.Secrets, rec.Modified = "renamed", "v1:k:other", t0.Add(time.Hour)
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, "renamed", updated.Sub.GetName())
	got, err = s.GetSubscription(ctx, want.Sub.GetId())
	require.NoError(t, err)
	require.Equal(t, "renamed", got.Sub.GetName())
	require.Equal(t, "v1:k:other", got.Secrets)
	require.True(t, got.Created.Equal(t0))

	boom := errors.New("boom")
	_, err = s.UpdateSubscription(ctx, want.Sub.GetId(), func(rec *store.Subscription) error {
		rec.Sub.Name = "never"
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = s.UpdateSubscription(ctx, want.Sub.GetId(), func(rec *store.Subscription) error {
		rec.Sub.TriggerId = "idn:other"
		return nil
	})
	require.Error(t, err, "the trigger is immutable")

	for _, id := range []string{ids.New(), "'; DROP TABLE subscriptions; --"} {
		_, err := s.GetSubscription(ctx, id)
		require.ErrorIs(t, err, storage.ErrNotFound)
		require.ErrorIs(t, s.DeleteSubscription(ctx, id), storage.ErrNotFound)
		_, err = s.UpdateSubscription(ctx, id, func(*store.Subscription) error { return nil })
		require.ErrorIs(t, err, storage.ErrNotFound)
	}
	require.NoError(t, s.DeleteSubscription(ctx, want.Sub.GetId()))
	_, err = s.GetSubscription(ctx, want.Sub.GetId())
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func testSubscriptionLimit(t *testing.T, s *store.Store) {
	ctx := t.Context()
	const writers, limit = 12, 5
	var (
		wg          sync.WaitGroup
		mu          sync.Mutex
		ok, limited int
		other       []error
	)
	for i := range writers {
		wg.Go(func() {
			err := s.CreateSubscription(ctx, newSub("idn:account-created", fmt.Sprint("s", i)), limit)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrLimitReached):
				limited++
			default:
				other = append(other, err)
			}
		})
	}
	wg.Wait()
	require.Empty(t, other)
	require.Equal(t, limit, ok, "never more than the limit, however many race")
	require.Equal(t, writers-limit, limited)

	subs, err := s.ListSubscriptions(ctx, store.SubscriptionQuery{Page: collection.Page{Limit: 100}})
	require.NoError(t, err)
	require.NoError(t, s.DeleteSubscription(ctx, subs[0].Sub.GetId()))
	require.NoError(t, s.CreateSubscription(ctx, newSub("idn:account-created", "again"), limit), "a delete frees a slot")
	require.ErrorIs(t, s.CreateSubscription(ctx, newSub("idn:account-created", "over"), limit), store.ErrLimitReached)
}

func testSubscriptionList(t *testing.T, s *store.Store) {
	ctx := t.Context()
	for _, n := range []string{"b", "a", "c"} {
		require.NoError(t, s.CreateSubscription(ctx, newSub("idn:source-created", n), 50))
	}
	wf := newSub("idn:source-deleted", "w")
	wf.Sub.Type = "WORKFLOW"
	require.NoError(t, s.CreateSubscription(ctx, wf, 50))
	names := func(q store.SubscriptionQuery) []string {
		t.Helper()
		got, err := s.ListSubscriptions(ctx, q)
		require.NoError(t, err)
		n, err := s.CountSubscriptions(ctx, q)
		require.NoError(t, err)
		require.GreaterOrEqual(t, n, len(got))
		var out []string
		for _, sub := range got {
			out = append(out, sub.Sub.GetName())
		}
		return out
	}
	cond := func(f string, op collection.Op, v string) []collection.Condition {
		return []collection.Condition{{Field: f, Op: op, Values: []any{v}}}
	}
	all := collection.Page{Limit: 100}
	require.Equal(t, []string{"a", "b", "c", "w"}, names(store.SubscriptionQuery{Page: all}))
	require.Equal(t, []string{"b"}, names(store.SubscriptionQuery{Page: collection.Page{Limit: 1, Offset: 1}}))
	require.Equal(t, []string{"a", "b", "c"}, names(store.SubscriptionQuery{Filters: cond("triggerId", collection.OpEq, "idn:source-created"), Page: all}))
	require.Equal(t, []string{"w"}, names(store.SubscriptionQuery{Filters: cond("id", collection.OpEq, wf.Sub.GetId()), Page: all}))
	require.Equal(t, []string{"a", "b", "c"}, names(store.SubscriptionQuery{Filters: cond("type", collection.OpLe, "HTTP"), Page: all}))

	v1, err := store.SubscriptionsVersion(ctx, s.Reader())
	require.NoError(t, err)
	require.NoError(t, s.DeleteSubscription(ctx, wf.Sub.GetId()))
	v2, err := store.SubscriptionsVersion(ctx, s.Reader())
	require.NoError(t, err)
	require.NotEqual(t, v1, v2, "every write moves the version")
	subs, err := store.AllSubscriptions(ctx, s.Reader())
	require.NoError(t, err)
	require.Len(t, subs, 3)
}

func testPublishIdempotency(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sub := newSub("idn:identity-attributes-changed", "app")
	require.NoError(t, s.CreateSubscription(ctx, sub, 50))
	ev := newEvent("scope key-1")
	stored, replayed, err := s.PublishEvent(ctx, ev, deliverTo(sub))
	require.NoError(t, err)
	require.False(t, replayed)
	require.Equal(t, ev.ID, stored.ID)

	again := newEvent("scope key-1")
	stored, replayed, err = s.PublishEvent(ctx, again, deliverTo(sub))
	require.NoError(t, err)
	require.True(t, replayed)
	require.Equal(t, ev.ID, stored.ID)
	require.Equal(t, ev.TrackingNumber, stored.TrackingNumber)

	other := newEvent("scope key-1")
	other.RequestHash = "h2"
	_, _, err = s.PublishEvent(ctx, other, deliverTo(sub))
	require.ErrorIs(t, err, store.ErrKeyReused)

	ds, err := s.ListDeliveries(ctx, store.DeliveryQuery{Page: collection.Page{Limit: 10}})
	require.NoError(t, err)
	require.Len(t, ds, 1, "stored once")

	// Keys are scoped: the same key in another scope is another event, and no key never clashes.
	_, replayed, err = s.PublishEvent(ctx, newEvent("other key-1"), deliverTo())
	require.NoError(t, err)
	require.False(t, replayed)
	for range 2 {
		_, replayed, err = s.PublishEvent(ctx, newEvent(""), deliverTo())
		require.NoError(t, err)
		require.False(t, replayed)
	}

	// A planner failure stores nothing.
	boom := errors.New("boom")
	failing := newEvent("scope key-2")
	_, _, err = s.PublishEvent(ctx, failing, func(context.Context, storage.DBTX, store.Event) ([]store.Delivery, error) { return nil, boom })
	require.ErrorIs(t, err, boom)
	_, err = s.GetEvent(ctx, failing.ID)
	require.ErrorIs(t, err, storage.ErrNotFound)

	got, err := s.GetEvent(ctx, ev.ID)
	require.NoError(t, err)
	require.Equal(t, string(ev.Payload), string(got.Payload))
	in, err := s.EventsReceived(ctx, ev.TriggerID, t0, t0.Add(time.Second), 10)
	require.NoError(t, err)
	require.Len(t, in, 4)
}

func testPublishConcurrentSameKey(t *testing.T, s *store.Store) {
	ctx := t.Context()
	const callers = 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = map[string]int{}
		bad  []error
	)
	for range callers {
		wg.Go(func() {
			stored, _, err := s.PublishEvent(ctx, newEvent("scope same"), deliverTo())
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				bad = append(bad, err)
				return
			}
			seen[stored.ID]++
		})
	}
	wg.Wait()
	require.Empty(t, bad)
	require.Len(t, seen, 1, "one event, whoever wins the race")
}

// testPublishIsolation publishes concurrently, some writes failing: concurrent writes may share
// a transaction, and one's failure must roll back that write alone.
func testPublishIsolation(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sub := newSub("idn:identity-attributes-changed", "app")
	require.NoError(t, s.CreateSubscription(ctx, sub, 50))
	const writers = 32
	boom := errors.New("boom")
	evs := make([]store.Event, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		evs[i] = newEvent(fmt.Sprint("scope k", i))
		wg.Go(func() {
			plan := deliverTo(sub)
			if i%4 == 0 {
				// Fail after writing, so that the failed write's rows must be rolled back.
				plan = func(ctx context.Context, q storage.DBTX, ev store.Event) ([]store.Delivery, error) {
					if _, err := deliverTo(sub)(ctx, q, ev); err != nil {
						return nil, err
					}
					return nil, boom
				}
			}
			_, _, errs[i] = s.PublishEvent(ctx, evs[i], plan)
		})
	}
	wg.Wait()
	for i := range writers {
		_, err := s.GetEvent(ctx, evs[i].ID)
		if i%4 == 0 {
			require.ErrorIs(t, errs[i], boom)
			require.ErrorIs(t, err, storage.ErrNotFound, "a failed write leaves nothing")
			continue
		}
		require.NoError(t, errs[i])
		require.NoError(t, err)
	}
	n, err := s.CountDeliveries(ctx, store.DeliveryQuery{})
	require.NoError(t, err)
	require.Equal(t, writers-writers/4, n)
}

func testDeliveryAttempts(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sub := newSub("idn:identity-attributes-changed", "app")
	require.NoError(t, s.CreateSubscription(ctx, sub, 50))
	ev := newEvent("")
	_, _, err := s.PublishEvent(ctx, ev, deliverTo(sub))
	require.NoError(t, err)
	ds, err := s.ListDeliveries(ctx, store.DeliveryQuery{Page: collection.Page{Limit: 10}})
	require.NoError(t, err)
	require.Len(t, ds, 1)
	d := ds[0]

	w, err := s.Work(ctx, d.ID)
	require.NoError(t, err)
	require.Equal(t, string(ev.Payload), string(w.Payload))
	require.NotNil(t, w.Subscription)

	fail := store.Outcome{Attempt: store.Attempt{Number: 1, Started: t0, Latency: 12 * time.Millisecond, StatusCode: 503, Error: "subscriber answered 503"}, Status: store.StatusPending, Now: t0}
	_, err = s.RecordAttempt(ctx, d, fail)
	require.NoError(t, err)
	ok := store.Outcome{Attempt: store.Attempt{Number: 2, Started: t0.Add(time.Second), Latency: 3 * time.Millisecond, StatusCode: 200}, Status: store.StatusSucceeded, Now: t0.Add(time.Second), Healthy: true}
	_, err = s.RecordAttempt(ctx, d, ok)
	require.NoError(t, err)
	_, err = s.RecordAttempt(ctx, d, ok)
	require.ErrorIs(t, err, storage.ErrPreconditionFailed, "a settled delivery takes no more attempts")

	q := store.DeliveryQuery{Filters: []collection.Condition{{Field: "trackingNumber", Op: collection.OpEq, Values: []any{ev.TrackingNumber}}}, Page: collection.Page{Limit: 10}, WithAttempts: true}
	ds, err = s.ListDeliveries(ctx, q)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.Equal(t, store.StatusSucceeded, ds[0].Status)
	require.Equal(t, 2, ds[0].Attempts)
	require.True(t, ds[0].Completed.Equal(t0.Add(time.Second)))
	require.Equal(t, []store.Attempt{fail.Attempt, ok.Attempt}, ds[0].AttemptLog)
	n, err := s.CountDeliveries(ctx, q)
	require.NoError(t, err)
	require.Equal(t, 1, n)

	// An invocation awaiting its response, then completed through UpdateDelivery.
	ev2 := newEvent("")
	_, _, err = s.PublishEvent(ctx, ev2, deliverTo(sub))
	require.NoError(t, err)
	ds, err = s.ListDeliveries(ctx, store.DeliveryQuery{Filters: []collection.Condition{{Field: "eventId", Op: collection.OpEq, Values: []any{ev2.ID}}}, Page: collection.Page{Limit: 10}})
	require.NoError(t, err)
	_, err = s.RecordAttempt(ctx, ds[0], store.Outcome{Attempt: store.Attempt{Number: 1, Started: t0, StatusCode: 200}, Status: store.StatusAwaitingResponse, Deadline: t0.Add(time.Hour), Now: t0, Healthy: true})
	require.NoError(t, err)
	done, err := s.UpdateDelivery(ctx, ds[0].ID, func(d *store.Delivery) error {
		require.Equal(t, store.StatusAwaitingResponse, d.Status)
		require.True(t, d.Deadline.Equal(t0.Add(time.Hour)))
		d.Status, d.Output, d.Completed = store.StatusSucceeded, `{"approved":true}`, t0.Add(time.Minute)
		return nil
	})
	require.NoError(t, err)
	got, err := s.GetDelivery(ctx, done.ID)
	require.NoError(t, err)
	require.Equal(t, `{"approved":true}`, got.Output)
	require.True(t, got.Terminal())

	require.NoError(t, s.DeleteSubscription(ctx, sub.Sub.GetId()))
	w, err = s.Work(ctx, d.ID)
	require.NoError(t, err)
	require.Nil(t, w.Subscription, "a deleted subscription's deliveries remain")
}

func testAutoDisable(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sub := newSub("idn:identity-attributes-changed", "app")
	require.NoError(t, s.CreateSubscription(ctx, sub, 50))
	var ds []store.Delivery
	for range 3 {
		_, _, err := s.PublishEvent(ctx, newEvent(""), deliverTo(sub))
		require.NoError(t, err)
	}
	ds, err := s.ListDeliveries(ctx, store.DeliveryQuery{Page: collection.Page{Limit: 10}})
	require.NoError(t, err)
	record := func(d store.Delivery, at time.Time, healthy bool) bool {
		t.Helper()
		disabled, err := s.RecordAttempt(ctx, d, store.Outcome{Attempt: store.Attempt{Number: 1, Started: at}, Status: store.StatusPending, Now: at, Healthy: healthy, AutoDisableAfter: time.Hour})
		require.NoError(t, err)
		return disabled
	}
	require.False(t, record(ds[0], t0, false), "the failing run starts")
	require.False(t, record(ds[1], t0.Add(30*time.Minute), true), "a success ends it")
	require.False(t, record(ds[2], t0.Add(40*time.Minute), false), "a new run starts")
	got, err := s.GetSubscription(ctx, sub.Sub.GetId())
	require.NoError(t, err)
	require.True(t, got.FailingSince.Equal(t0.Add(40*time.Minute)))
	disabled, err := s.RecordAttempt(ctx, ds[2], store.Outcome{Attempt: store.Attempt{Number: 2, Started: t0.Add(2 * time.Hour)}, Status: store.StatusPending, Now: t0.Add(2 * time.Hour), AutoDisableAfter: time.Hour})
	require.NoError(t, err)
	require.True(t, disabled, "failing longer than the limit disables")
	got, err = s.GetSubscription(ctx, sub.Sub.GetId())
	require.NoError(t, err)
	require.False(t, got.Sub.GetEnabled())
}

func testPurge(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sub := newSub("idn:identity-attributes-changed", "app")
	require.NoError(t, s.CreateSubscription(ctx, sub, 50))
	old, fresh := newEvent("scope old"), newEvent("scope fresh")
	fresh.Received = t0.Add(48 * time.Hour)
	for _, ev := range []*store.Event{&old, &fresh} {
		_, _, err := s.PublishEvent(ctx, *ev, deliverTo(sub))
		require.NoError(t, err)
	}
	n, err := s.Purge(ctx, t0.Add(24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
	_, err = s.GetEvent(ctx, old.ID)
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, err = s.GetEvent(ctx, fresh.ID)
	require.NoError(t, err)
	ds, err := s.ListDeliveries(ctx, store.DeliveryQuery{Page: collection.Page{Limit: 10}})
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.Equal(t, fresh.ID, ds[0].EventID)
	// The purged event's key is free again.
	_, replayed, err := s.PublishEvent(ctx, newEvent("scope old"), deliverTo())
	require.NoError(t, err)
	require.False(t, replayed)
}

func testEventSources(t *testing.T, s *store.Store) {
	ctx := t.Context()
	src := store.EventSource{Name: "hr", Description: "Workday", Secrets: "v1:k:a", Created: t0}
	require.NoError(t, s.CreateEventSource(ctx, src))
	err := s.CreateEventSource(ctx, src)
	require.ErrorIs(t, err, storage.ErrConflict)
	require.EqualError(t, err, `event source with name "hr" already exists`)
	got, err := s.GetEventSource(ctx, "hr")
	require.NoError(t, err)
	require.Equal(t, src, got)
	_, err = s.UpdateEventSourceSecrets(ctx, "hr", func(src *store.EventSource) error {
		src.Secrets = "v1:k:b"
		return nil
	})
	require.NoError(t, err)
	list, err := s.ListEventSources(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, "v1:k:b", list[0].Secrets)
	require.NoError(t, s.DeleteEventSource(ctx, "hr"))
	require.ErrorIs(t, s.DeleteEventSource(ctx, "hr"), storage.ErrNotFound)
	_, err = s.GetEventSource(ctx, "hr")
	require.ErrorIs(t, err, storage.ErrNotFound)
}
