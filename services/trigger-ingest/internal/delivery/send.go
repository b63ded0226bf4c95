package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/tracking"
	"github.com/accessflow/accessflow/pkg/version"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/catalogue"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/credentials"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/store"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/subscriptions"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/webhooks"
)

// response is what a subscriber answered.
type response struct {
	status     int
	body       []byte
	retryAfter time.Duration
	err        error
	latency    time.Duration
}

// deliver makes one attempt of a PENDING delivery and records its outcome. It returns a
// River snooze for a retry, nil when the delivery is settled or no longer pending.
func (d *Deliverer) deliver(ctx context.Context, id string) error {
	work, err := d.store.Work(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // purged by retention
	}
	if err != nil {
		return err
	}
	del := work.Delivery
	if del.Status != store.StatusPending {
		return nil
	}
	if work.Subscription == nil {
		return d.settle(ctx, id, "the subscription was deleted")
	}
	sub := work.Subscription.Sub
	if sub.GetType() == "WORKFLOW" {
		if !sub.GetEnabled() && del.Kind == store.KindRealTime {
			return d.settle(ctx, id, "the subscription is disabled; re-enable and replay it to run its workflow")
		}
		return d.runWorkflow(ctx, work, sub)
	}
	if sub.GetType() != "HTTP" {
		return d.settle(ctx, id, "the subscription no longer delivers over HTTP")
	}
	if !sub.GetEnabled() && del.Kind == store.KindRealTime {
		return d.settle(ctx, id, "the subscription is disabled; re-enable and replay it to deliver")
	}
	trigger, _ := d.cat.Get(del.TriggerID)
	rr := trigger.Type == catalogue.RequestResponse
	deadline, err := subscriptions.ResponseDeadline(sub)
	if err != nil {
		return fmt.Errorf("subscription %s: %w", sub.GetId(), err)
	}
	invocationDeadline := del.Created.Add(deadline)

	attempt := del.Attempts + 1
	// The cap is on requests in flight: the slot is held for the request only, not while the
	// outcome is recorded.
	release, ok := d.slots.acquire(ctx, sub.GetId(), busyWait)
	if !ok {
		if ctx.Err() != nil {
			return ctx.Err() // shutting down: not an attempt
		}
		return river.JobSnooze(busySnooze)
	}
	started := d.now()
	res := d.send(ctx, work, sub, rr)
	release()
	if res.err != nil && ctx.Err() != nil {
		return ctx.Err() // shutting down: not an attempt
	}
	now := d.now().UTC()
	o := store.Outcome{
		Attempt:          store.Attempt{Number: attempt, Started: started.UTC(), Latency: res.latency, StatusCode: res.status, Error: errorText(res.err)},
		Now:              now,
		AutoDisableAfter: d.cfg.AutoDisableAfter,
	}
	d.judge(&o, res, del, sub, rr, invocationDeadline)
	var retry time.Duration
	if o.Status == store.StatusPending {
		retry = d.retryDelay(attempt, res.retryAfter)
		if rr && now.Add(retry).After(invocationDeadline) {
			o.Status, o.Error = store.StatusFailed, fmt.Sprintf("no successful answer before the invocation's deadline (last: %s)", o.Attempt.Error)
		}
	}
	if o.Status == store.StatusFailed || o.Status == store.StatusSucceeded {
		o.Now = now
	}
	// Record even if the job's context ends now: the request was made.
	recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), RecordTimeout)
	defer cancel()
	disabled, err := d.store.RecordAttempt(recordCtx, del, o)
	if errors.Is(err, storage.ErrPreconditionFailed) {
		return nil // completed meanwhile (an ASYNC subscriber that called back at once)
	}
	if err != nil {
		return err
	}
	if disabled {
		d.logger.WarnContext(ctx, "subscription disabled: its deliveries kept failing", "subscription_id", sub.GetId(), "after", d.cfg.AutoDisableAfter)
	}
	if o.Status == store.StatusPending {
		return river.JobSnooze(retry)
	}
	return nil
}

// settle fails a delivery without an attempt.
func (d *Deliverer) settle(ctx context.Context, id, reason string) error {
	now := d.now().UTC()
	_, err := d.store.UpdateDelivery(ctx, id, func(del *store.Delivery) error {
		if del.Status == store.StatusPending {
			del.Status, del.Error, del.Completed = store.StatusFailed, reason, now
		}
		return nil
	})
	return err
}

// judge fills the outcome's status from the answer: success, an invocation awaiting its
// callback, a retry (PENDING) or, once the schedule is spent, a failure.
func (d *Deliverer) judge(o *store.Outcome, res response, del store.Delivery, sub *triggerv1.Subscription, rr bool, deadline time.Time) {
	ok := res.err == nil && res.status >= 200 && res.status < 300
	if !ok {
		o.Healthy = false
		if o.Attempt.Error == "" {
			o.Attempt.Error = fmt.Sprintf("subscriber answered %d", res.status)
		}
		if o.Attempt.Number > len(d.cfg.RetrySchedule) {
			o.Status = store.StatusFailed
			o.Error = fmt.Sprintf("gave up after %d attempts; last: %s", o.Attempt.Number, o.Attempt.Error)
			return
		}
		o.Status = store.StatusPending
		return
	}
	o.Healthy = true
	if !rr {
		o.Status = store.StatusSucceeded
		return
	}
	mode := sub.GetHttpConfig().GetHttpDispatchMode()
	async := mode == "ASYNC" || (mode == "DYNAMIC" && res.status == http.StatusAccepted)
	if async {
		o.Status, o.Deadline = store.StatusAwaitingResponse, deadline
		return
	}
	out, err := d.output(del.TriggerID, res.body)
	if err != nil {
		o.Status, o.Error = store.StatusFailed, err.Error()
		return
	}
	o.Status, o.Output = store.StatusSucceeded, out
}

// output validates a synchronous reply against the trigger's output schema and returns it as
// JSON.
func (d *Deliverer) output(triggerID string, body []byte) (string, error) {
	return ValidateOutput(d.cat, triggerID, body)
}

// ValidateOutput decodes a REQUEST_RESPONSE reply and checks it against the trigger's output
// schema, returning it re-encoded.
func ValidateOutput(cat *catalogue.Catalogue, triggerID string, body []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("the subscriber's output is not JSON: %w", err)
	}
	if err := cat.ValidateOutput(triggerID, v); err != nil {
		return "", fmt.Errorf("the subscriber's output does not match the trigger's output schema: %w", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode output: %w", err)
	}
	return string(b), nil
}

// send posts the delivery to the subscriber.
func (d *Deliverer) send(ctx context.Context, work store.Work, sub *triggerv1.Subscription, rr bool) response {
	del := work.Delivery
	cfg := sub.GetHttpConfig()
	creds, err := credentials.OpenSubscription(d.ring, sub.GetId(), work.Subscription.Secrets)
	if err != nil {
		return response{err: err}
	}
	body := work.Payload
	if rr {
		if body, err = d.withMetadata(work, cfg.GetHttpDispatchMode()); err != nil {
			return response{err: err}
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.GetUrl(), bytes.NewReader(body))
	if err != nil {
		return response{err: fmt.Errorf("request: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Accessflow-Webhooks/"+version.String())
	req.Header.Set(tracking.Header, del.TrackingNumber)
	if err := webhooks.SetHeaders(req.Header, del.ID, d.now(), body, creds.Signing.Live(d.now())...); err != nil {
		return response{err: err}
	}
	switch cfg.GetHttpAuthenticationType() {
	case "BASIC_AUTH":
		req.SetBasicAuth(cfg.GetBasicAuthConfig().GetUserName(), creds.Password)
	case "BEARER_TOKEN":
		req.Header.Set("Authorization", "Bearer "+creds.BearerToken)
	}
	start := time.Now()
	resp, err := d.client.Do(req)
	if err != nil {
		return response{err: err, latency: time.Since(start)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	res := response{status: resp.StatusCode, body: b, latency: time.Since(start), retryAfter: retryAfter(resp, d.now())}
	switch {
	case err != nil:
		res.err = fmt.Errorf("read answer: %w", err)
	case len(b) > MaxResponseBytes && rr:
		res.err = fmt.Errorf("answer larger than %d bytes", MaxResponseBytes)
	}
	return res
}

// withMetadata adds the REQUEST_RESPONSE _metadata object to the event.
func (d *Deliverer) withMetadata(work store.Work, mode string) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(work.Payload))
	dec.UseNumber()
	var event map[string]any
	if err := dec.Decode(&event); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	secret, err := credentials.OpenInvocation(d.ring, work.Delivery.ID, work.Delivery.Secret)
	if err != nil {
		return nil, err
	}
	if mode == "" {
		mode = "SYNC"
	}
	event["_metadata"] = map[string]any{
		"callbackURL":  strings.TrimSuffix(d.cfg.CallbackBaseURL, "/") + "/beta/trigger-invocations/" + work.Delivery.ID + "/complete",
		"responseMode": strings.ToLower(mode),
		"secret":       secret,
		"triggerId":    work.Delivery.TriggerID,
		"triggerType":  "requestResponse",
	}
	b, err := json.Marshal(event)
	if err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	return b, nil
}

// retryAfter reads Retry-After (seconds or an HTTP date) from a 429 or 503 answer.
func retryAfter(resp *http.Response, now time.Time) time.Duration {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0
	}
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
