package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/tracking"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/store"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/workflows"
)

// runWorkflow makes one attempt of a WORKFLOW subscription's delivery: it runs the workflow
// (idempotently on the event and the subscription) with the event's trackingNumber and records
// the outcome as an attempt. A failure is retried on the delivery schedule, except inputs the
// event does not hold, which fail at once.
func (d *Deliverer) runWorkflow(ctx context.Context, work store.Work, sub *triggerv1.Subscription) error {
	del := work.Delivery
	if d.workflows == nil {
		return d.settle(ctx, del.ID, "this trigger-ingest runs no workflows")
	}
	if n, err := tracking.Parse(del.TrackingNumber); err == nil {
		ctx = tracking.NewContext(ctx, n)
	}
	attempt := del.Attempts + 1
	started := d.now()
	callCtx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	output, err := d.workflows.Run(callCtx, workflows.Run{
		EventID: del.EventID, SubscriptionID: sub.GetId(), Config: sub.GetWorkflowConfig(), Payload: work.Payload,
	})
	cancel()
	if err != nil && ctx.Err() != nil {
		return ctx.Err() // shutting down: not an attempt
	}
	now := d.now().UTC()
	o := store.Outcome{
		Attempt:          store.Attempt{Number: attempt, Started: started.UTC(), Latency: now.Sub(started), Error: errorText(err)},
		Now:              now,
		Healthy:          err == nil,
		AutoDisableAfter: d.cfg.AutoDisableAfter,
	}
	var retry time.Duration
	switch {
	case err == nil:
		o.Status, o.Output = store.StatusSucceeded, output
	case errors.Is(err, workflows.ErrInputs):
		o.Status, o.Error = store.StatusFailed, err.Error()
	case attempt > len(d.cfg.RetrySchedule):
		o.Status, o.Error = store.StatusFailed, fmt.Sprintf("gave up after %d attempts; last: %s", attempt, err)
	default:
		o.Status = store.StatusPending
		retry = d.retryDelay(attempt, 0)
	}
	recordCtx, cancelRecord := context.WithTimeout(context.WithoutCancel(ctx), RecordTimeout)
	defer cancelRecord()
	disabled, rerr := d.store.RecordAttempt(recordCtx, del, o)
	if errors.Is(rerr, storage.ErrPreconditionFailed) {
		return nil
	}
	if rerr != nil {
		return rerr
	}
	if disabled {
		d.logger.WarnContext(ctx, "subscription disabled: its workflow kept failing", "subscription_id", sub.GetId(), "after", d.cfg.AutoDisableAfter)
	}
	if o.Status == store.StatusPending {
		d.logger.InfoContext(ctx, "workflow failed; retrying", "subscription_id", sub.GetId(), "delivery_id", del.ID, "attempt", attempt, "error", err)
		return river.JobSnooze(retry)
	}
	return nil
}
