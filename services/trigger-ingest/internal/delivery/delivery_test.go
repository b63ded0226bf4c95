package delivery

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/catalogue"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/store"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		status int
		header string
		want   time.Duration
	}{
		{"seconds on 503", http.StatusServiceUnavailable, "120", 2 * time.Minute},
		{"seconds on 429", http.StatusTooManyRequests, " 7 ", 7 * time.Second},
		{"HTTP date", http.StatusServiceUnavailable, now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"date in the past", http.StatusServiceUnavailable, now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"ignored on 500", http.StatusInternalServerError, "120", 0},
		{"garbage", http.StatusTooManyRequests, "soon", 0},
		{"negative", http.StatusTooManyRequests, "-5", 0},
		{"absent", http.StatusTooManyRequests, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{}}
			if tt.header != "" {
				resp.Header.Set("Retry-After", tt.header)
			}
			require.Equal(t, tt.want, retryAfter(resp, now))
		})
	}
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	d := New(Config{RetrySchedule: []time.Duration{time.Second, time.Minute}, MaxConcurrentPerSubscription: 1}, WithoutJitter())
	defer d.Close()
	require.Equal(t, time.Second, d.retryDelay(1, 0))
	require.Equal(t, time.Minute, d.retryDelay(2, 0))
	require.Equal(t, 5*time.Minute, d.retryDelay(1, 5*time.Minute), "Retry-After wins when longer")
	require.Equal(t, time.Minute, d.retryDelay(2, time.Second), "the schedule wins when longer")
	require.Equal(t, maxRetryAfter, d.retryDelay(1, 100*time.Hour), "Retry-After is capped")

	jittered := New(Config{RetrySchedule: []time.Duration{10 * time.Second}, MaxConcurrentPerSubscription: 1})
	defer jittered.Close()
	for range 100 {
		got := jittered.retryDelay(1, 0)
		require.GreaterOrEqual(t, got, 8*time.Second)
		require.LessOrEqual(t, got, 12*time.Second)
	}
}

func TestSlots(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newSlots(2)
	r1, ok := s.acquire(ctx, "a", 0)
	require.True(t, ok)
	r2, ok := s.acquire(ctx, "a", 0)
	require.True(t, ok)
	_, ok = s.acquire(ctx, "a", time.Millisecond)
	require.False(t, ok, "a third request to the same subscription waits, then gives up")
	rb, ok := s.acquire(ctx, "b", 0)
	require.True(t, ok, "other subscriptions are unaffected")

	// A waiter takes the slot the moment one is released, without a round through the queue.
	got := make(chan func(), 1)
	go func() {
		r, ok := s.acquire(ctx, "a", time.Minute)
		if ok {
			got <- r
		}
		close(got)
	}()
	r1()
	r3, ok := <-got
	require.True(t, ok, "the waiter got the released slot")
	r2()
	r3()
	rb()

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	r4, ok := s.acquire(cancelled, "a", time.Minute)
	require.True(t, ok, "free slots are taken even by an ending job")
	r5, ok := s.acquire(cancelled, "a", time.Minute)
	require.True(t, ok)
	_, ok = s.acquire(cancelled, "a", time.Minute)
	require.False(t, ok, "a cancelled job does not wait")
	r4()
	r5()
}

func TestJudge(t *testing.T) {
	t.Parallel()
	cat, err := catalogue.New()
	require.NoError(t, err)
	d := New(Config{RetrySchedule: []time.Duration{time.Second, time.Second}, MaxConcurrentPerSubscription: 1})
	defer d.Close()
	d.cat = cat
	const approver = "idn:access-request-dynamic-approver"
	deadline := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)
	sub := func(mode string) *triggerv1.Subscription {
		return &triggerv1.Subscription{HttpConfig: &triggerv1.HttpConfig{HttpDispatchMode: mode}}
	}
	tests := []struct {
		name     string
		res      response
		attempt  int
		trigger  string
		mode     string
		rr       bool
		status   string
		healthy  bool
		deadline bool
	}{
		{"fire and forget 204", response{status: 204}, 1, "idn:source-created", "SYNC", false, store.StatusSucceeded, true, false},
		{"fire and forget 503 retries", response{status: 503}, 1, "idn:source-created", "SYNC", false, store.StatusPending, false, false},
		{"schedule spent", response{status: 503}, 3, "idn:source-created", "SYNC", false, store.StatusFailed, false, false},
		{"SYNC valid output", response{status: 200, body: []byte(`{"id":"1","name":"n","type":"IDENTITY"}`)}, 1, approver, "SYNC", true, store.StatusSucceeded, true, false},
		{"SYNC invalid output", response{status: 200, body: []byte(`{"type":"ROBOT"}`)}, 1, approver, "SYNC", true, store.StatusFailed, true, false},
		{"SYNC not JSON", response{status: 200, body: []byte(`ok`)}, 1, approver, "SYNC", true, store.StatusFailed, true, false},
		{"ASYNC ack", response{status: 200, body: []byte(`{}`)}, 1, approver, "ASYNC", true, store.StatusAwaitingResponse, true, true},
		{"DYNAMIC 202 is async", response{status: 202}, 1, approver, "DYNAMIC", true, store.StatusAwaitingResponse, true, true},
		{"DYNAMIC 200 is sync", response{status: 200, body: []byte(`null`)}, 1, approver, "DYNAMIC", true, store.StatusSucceeded, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := store.Outcome{Attempt: store.Attempt{Number: tt.attempt, StatusCode: tt.res.status}}
			d.judge(&o, tt.res, store.Delivery{TriggerID: tt.trigger}, sub(tt.mode), tt.rr, deadline)
			require.Equal(t, tt.status, o.Status, o.Error)
			require.Equal(t, tt.healthy, o.Healthy)
			require.Equal(t, tt.deadline, o.Deadline.Equal(deadline))
		})
	}
}
