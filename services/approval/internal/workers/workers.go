// Package workers runs the approval service's River jobs: flow timers (reminders,
// escalations, timeouts, grant expiry, periodic reviews), action-flow starts in
// action-execution, and event publication through trigger-ingest. A timer whose flow moved on
// does nothing; calls to other services carry an idempotency key and the flow's
// trackingNumber, so a retry never acts twice.
package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/logging"
	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/pkg/tracking"
	"github.com/accessflow/accessflow/services/approval/internal/engine"
	"github.com/accessflow/accessflow/services/approval/internal/events"
	"github.com/accessflow/accessflow/services/approval/internal/jobargs"
	"github.com/accessflow/accessflow/services/approval/internal/store"
)

// Workers works the approval service's jobs. River needs them when the backend opens, before
// the store exists: Attach binds the store and peers before any job runs.
type Workers struct {
	mu     sync.Mutex
	store  *store.Store
	peers  *service.Peers
	logger *slog.Logger
	now    func() time.Time

	actions actionv1.ActionServiceClient
	events  triggerv1.EventServiceClient
}

// New returns unattached workers.
func New() *Workers { return &Workers{logger: logging.Discard(), now: time.Now} }

// Attach binds the store the jobs read and write and the peers they call.
func (w *Workers) Attach(st *store.Store, peers *service.Peers, logger *slog.Logger) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.store, w.peers, w.logger = st, peers, logger
}

// Add registers the workers.
func (w *Workers) Add(workers *river.Workers) {
	river.AddWorker(workers, river.WorkFunc(w.fire))
	river.AddWorker(workers, river.WorkFunc(w.startAction))
	river.AddWorker(workers, river.WorkFunc(w.publish))
	river.AddWorker(workers, river.WorkFunc(w.preApproval))
	river.AddWorker(workers, river.WorkFunc(w.dynamicApprover))
}

func (w *Workers) attached() (*store.Store, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.store == nil {
		return nil, errors.New("approval workers not attached")
	}
	return w.store, nil
}

// withTracking makes the flow's trackingNumber — its access request's — the one the job works
// and calls under, so that one trackingNumber follows the request from filing to provisioning.
// Jobs inserted since flows keep their filing call's span carry it already (jobs.Caused: their
// span is that call's child, linked to the approver's call or timer that caused them); older
// ones carry their cause's trackingNumber.
func withTracking(ctx context.Context, n string) context.Context {
	if tn, err := tracking.Parse(n); err == nil {
		return tracking.NewContext(ctx, tn)
	}
	return ctx
}

// fire applies a timer to its flow, unless the flow moved on.
func (w *Workers) fire(ctx context.Context, job *river.Job[jobargs.Timer]) error {
	st, err := w.attached()
	if err != nil {
		return err
	}
	return st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		f, err := tx.Flow(ctx, job.Args.FlowID)
		if err != nil {
			return err
		}
		ctx = withTracking(ctx, f.GetTrackingNumber())
		r := tx.Reader()
		rel, err := r.Relationship(ctx, f.GetRelationshipId())
		if err != nil {
			return err
		}
		step := &engine.Step{Flow: f.Approval, Relationship: rel, Dir: r, Now: w.now().UTC().Truncate(time.Millisecond)}
		fired, err := step.Fire(ctx, job.Args)
		if err != nil || !fired {
			return err
		}
		if err := tx.SaveFlow(ctx, f); err != nil {
			return err
		}
		return insertEffects(ctx, tx, f, step)
	})
}

// insertEffects inserts the timers and action-flow starts a step of flow f caused: under the
// flow's trackingNumber, children of its filing call's span, linked to the job that caused them.
func insertEffects(ctx context.Context, tx *store.Tx, f store.Flow, step *engine.Step) error {
	ctx = jobs.Caused(ctx, f.GetTrackingNumber(), f.Traceparent)
	for _, t := range step.Effects.Timers {
		if err := tx.InsertJob(ctx, t.Args, &river.InsertOpts{ScheduledAt: t.At}); err != nil {
			return fmt.Errorf("schedule %s: %w", t.Args.What, err)
		}
	}
	for _, a := range step.Effects.StartActions {
		if err := tx.InsertJob(ctx, a, nil); err != nil {
			return fmt.Errorf("start action flow: %w", err)
		}
	}
	for _, d := range step.Effects.DynamicApprovers {
		if err := tx.InsertJob(ctx, d, nil); err != nil {
			return fmt.Errorf("ask dynamic approver: %w", err)
		}
	}
	return nil
}

func (w *Workers) actionClient() (actionv1.ActionServiceClient, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.actions == nil {
		conn, err := w.peers.Conn(service.ActionExecution, "af:action-flows:start")
		if err != nil {
			return nil, err
		}
		w.actions = actionv1.NewActionServiceClient(conn)
	}
	return w.actions, nil
}

func (w *Workers) eventClient() (triggerv1.EventServiceClient, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.events == nil {
		conn, err := w.peers.Conn(service.TriggerIngest, "af:events:publish", "sp:trigger-service-invocation-status:read")
		if err != nil {
			return nil, err
		}
		w.events = triggerv1.NewEventServiceClient(conn)
	}
	return w.events, nil
}

// startAction starts the relationship's action chain for a flow, idempotently on
// "<flow id>:<operation>", and records the action flow's id on the approval flow.
func (w *Workers) startAction(ctx context.Context, job *river.Job[jobargs.StartAction]) error {
	st, err := w.attached()
	if err != nil {
		return err
	}
	r := st.Read()
	f, err := r.Approval(ctx, job.Args.FlowID)
	if err != nil {
		return err
	}
	ctx = withTracking(ctx, f.GetTrackingNumber())
	rel, err := r.Relationship(ctx, f.GetRelationshipId())
	if err != nil {
		return err
	}
	recipient, err := flowIdentity(ctx, r, f.GetRequestee())
	if err != nil {
		return err
	}
	requester, err := flowIdentity(ctx, r, f.GetRequester())
	if err != nil {
		return err
	}
	chainID := rel.GetProvisioningChainId()
	if job.Args.Operation == engine.Revoke {
		chainID = rel.GetDeprovisioningChainId()
	}
	client, err := w.actionClient()
	if err != nil {
		return err
	}
	resp, err := client.StartActionFlow(ctx, &actionv1.StartActionFlowRequest{
		ChainId:        chainID,
		IdempotencyKey: f.GetId() + ":" + job.Args.Operation,
		Context: &actionv1.FlowContext{
			Operation: job.Args.Operation,
			Recipient: recipient,
			Requester: requester,
			Relationship: &actionv1.Relationship{
				Id: rel.GetId(), Name: rel.GetName(), SourceId: rel.GetSourceId(),
				TargetKind: rel.GetTargetKind(), TargetId: rel.GetTargetId(), TargetName: rel.GetTargetName(),
			},
			ApprovalFlowId:  f.GetId(),
			AccessRequestId: f.GetAccessRequestId(),
		},
	})
	if err != nil {
		return fmt.Errorf("start %s action flow of approval %s: %w", job.Args.Operation, f.GetId(), err)
	}
	if f.GetActionFlowIds()[job.Args.Operation] != resp.GetFlow().GetId() {
		err := st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			f, err := tx.Flow(ctx, job.Args.FlowID)
			if err != nil {
				return err
			}
			if f.ActionFlowIds == nil {
				f.ActionFlowIds = map[string]string{}
			}
			f.ActionFlowIds[job.Args.Operation] = resp.GetFlow().GetId()
			return tx.SaveFlow(ctx, f)
		})
		if err != nil {
			return err
		}
	}
	for _, ev := range job.Args.Events {
		if err := w.publishOne(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// flowIdentity is an identity as action flows see it: the stored identity when it still
// exists, else what the approval recorded.
func flowIdentity(ctx context.Context, r *store.Reader, a *approvalv1.ApprovalIdentity) (*actionv1.Identity, error) {
	out := &actionv1.Identity{Id: a.GetIdentityId(), Name: a.GetName(), Email: a.GetEmail()}
	ident, err := r.Identity(ctx, a.GetIdentityId())
	if err != nil {
		return out, nil //nolint:nilerr // a deleted identity still has a recorded name
	}
	out.Name, out.Email, out.Attributes = ident.GetName(), ident.GetEmail(), ident.GetAttributes()
	if out.GetAttributes() == nil {
		out.Attributes = &structpb.Struct{}
	}
	return out, nil
}

// publish publishes an event; an event trigger-ingest refuses (unknown trigger, invalid
// payload) is logged and dropped, anything else is retried.
func (w *Workers) publish(ctx context.Context, job *river.Job[jobargs.Publish]) error {
	return w.publishOne(ctx, job.Args)
}

// publishOne publishes one event; a refusal is logged and dropped (nil), anything else is
// returned for a retry.
func (w *Workers) publishOne(ctx context.Context, p jobargs.Publish) error {
	client, err := w.eventClient()
	if err != nil {
		return err
	}
	ev := &structpb.Struct{}
	if err := ev.UnmarshalJSON(p.Event); err != nil {
		w.logger.ErrorContext(ctx, "undecodable event: dropped", "trigger", p.TriggerID, "key", p.Key, "error", err)
		return nil
	}
	_, err = client.PublishEvent(ctx, &triggerv1.PublishEventRequest{TriggerId: p.TriggerID, Event: ev, IdempotencyKey: p.Key})
	switch status.Code(err) {
	case codes.OK:
		return nil
	case codes.InvalidArgument, codes.NotFound, codes.FailedPrecondition:
		w.logger.WarnContext(ctx, "event refused by trigger-ingest: dropped", "trigger", p.TriggerID, "key", p.Key, "error", err)
		return nil
	default:
		return fmt.Errorf("publish %s: %w", p.TriggerID, err)
	}
}

// preApprovalPoll is how long the pre-approval job waits before asking again for an answer.
const preApprovalPoll = 250 * time.Millisecond

// preApproval publishes a flow's idn:access-request-pre-approval input (idempotently, so each
// run finds the same event) and reads the invocation's outcome from the event's deliveries:
// none (no subscriber), an answer, a failure (e.g. the deadline passed), or still waiting, in
// which case the job snoozes and asks again.
func (w *Workers) preApproval(ctx context.Context, job *river.Job[jobargs.PreApproval]) error {
	st, err := w.attached()
	if err != nil {
		return err
	}
	r := st.Read()
	f, err := r.Approval(ctx, job.Args.FlowID)
	if err != nil || f.GetStatus() != engine.StatusPreApproval {
		return err
	}
	ctx = withTracking(ctx, f.GetTrackingNumber())
	req, err := r.Request(ctx, f.GetAccessRequestId())
	if err != nil {
		return err
	}
	rel, err := r.Relationship(ctx, f.GetRelationshipId())
	if err != nil {
		return err
	}
	answer, err := w.askPreApproval(ctx, f, req, rel)
	if err != nil {
		return err
	}
	if answer == nil {
		return river.JobSnooze(preApprovalPoll)
	}
	return st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		f, err := tx.Flow(ctx, job.Args.FlowID)
		if err != nil {
			return err
		}
		step := &engine.Step{Flow: f.Approval, Relationship: rel, Dir: tx.Reader(), Now: w.now().UTC().Truncate(time.Millisecond)}
		changed, err := step.PreApproved(ctx, *answer)
		if err != nil || !changed {
			return err
		}
		if err := tx.SaveFlow(ctx, f); err != nil {
			return err
		}
		return insertEffects(ctx, tx, f, step)
	})
}

// invocation is the outcome of a REQUEST_RESPONSE invocation as trigger-ingest reports it.
type invocation struct {
	// none: the trigger has no subscriber.
	none bool
	// pending: the subscriber has not answered yet.
	pending bool
	// failed is why the invocation failed (refused input, deadline passed, bad answer).
	failed string
	// output is the subscriber's answer.
	output map[string]*structpb.Value
}

// invoke publishes a REQUEST_RESPONSE trigger's input (idempotently: every run finds the same
// event) and reads the invocation's outcome from the event's deliveries.
func (w *Workers) invoke(ctx context.Context, pub jobargs.Publish) (invocation, error) {
	client, err := w.eventClient()
	if err != nil {
		return invocation{}, err
	}
	ev := &structpb.Struct{}
	if err := ev.UnmarshalJSON(pub.Event); err != nil {
		return invocation{}, err
	}
	published, err := client.PublishEvent(ctx, &triggerv1.PublishEventRequest{TriggerId: pub.TriggerID, Event: ev, IdempotencyKey: pub.Key})
	switch status.Code(err) {
	case codes.OK:
	case codes.InvalidArgument, codes.NotFound, codes.FailedPrecondition:
		return invocation{failed: "trigger-ingest refused the " + pub.TriggerID + " input: " + status.Convert(err).Message()}, nil
	default:
		return invocation{}, fmt.Errorf("publish %s input: %w", pub.TriggerID, err)
	}
	deliveries, err := client.ListDeliveries(ctx, &triggerv1.ListDeliveriesRequest{Filters: fmt.Sprintf("eventId eq %q", published.GetId())})
	if err != nil {
		return invocation{}, fmt.Errorf("%s invocation status: %w", pub.TriggerID, err)
	}
	if len(deliveries.GetDeliveries()) == 0 {
		return invocation{none: true}, nil
	}
	d := deliveries.GetDeliveries()[0]
	switch d.GetStatus() {
	case "SUCCEEDED":
		return invocation{output: d.GetOutput().GetStructValue().GetFields()}, nil
	case "FAILED":
		reason := d.GetError()
		if reason == "" {
			reason = "the subscriber did not answer"
		}
		return invocation{failed: reason}, nil
	default:
		return invocation{pending: true}, nil
	}
}

// askPreApproval returns the pre-approval answer, or nil while the subscriber has not answered.
func (w *Workers) askPreApproval(ctx context.Context, f *approvalv1.Approval, req *approvalv1.AccessRequest, rel *approvalv1.Relationship) (*engine.PreApprovalAnswer, error) {
	pub, err := events.PreApprovalInput(f, req, rel)
	if err != nil {
		return nil, err
	}
	inv, err := w.invoke(ctx, pub)
	switch {
	case err != nil || inv.pending:
		return nil, err
	case inv.none:
		return &engine.PreApprovalAnswer{NoSubscriber: true}, nil
	case inv.failed != "":
		return &engine.PreApprovalAnswer{Failed: inv.failed}, nil
	}
	out := inv.output
	return &engine.PreApprovalAnswer{Approved: out["approved"].GetBoolValue(), Comment: out["comment"].GetStringValue(), Approver: out["approver"].GetStringValue()}, nil
}

// dynamicApprover asks the idn:access-request-dynamic-approver trigger for a level's EXTERNAL
// approver and adds the answer, unless the flow left that level meanwhile.
func (w *Workers) dynamicApprover(ctx context.Context, job *river.Job[jobargs.DynamicApprover]) error {
	st, err := w.attached()
	if err != nil {
		return err
	}
	r := st.Read()
	f, err := r.Approval(ctx, job.Args.FlowID)
	if err != nil || !engine.Open(f) || f.GetEpoch() != job.Args.Epoch {
		return err
	}
	ctx = withTracking(ctx, f.GetTrackingNumber())
	req, err := r.Request(ctx, f.GetAccessRequestId())
	if err != nil {
		return err
	}
	rel, err := r.Relationship(ctx, f.GetRelationshipId())
	if err != nil {
		return err
	}
	pub, err := events.DynamicApproverInput(f, req, rel, job.Args.Epoch)
	if err != nil {
		return err
	}
	inv, err := w.invoke(ctx, pub)
	if err != nil {
		return err
	}
	if inv.pending {
		return river.JobSnooze(preApprovalPoll)
	}
	answer := engine.ExternalAnswer{NoSubscriber: inv.none, Failed: inv.failed}
	if inv.output != nil {
		answer.ID, answer.Name, answer.Type = inv.output["id"].GetStringValue(), inv.output["name"].GetStringValue(), inv.output["type"].GetStringValue()
	}
	return st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		f, err := tx.Flow(ctx, job.Args.FlowID)
		if err != nil {
			return err
		}
		step := &engine.Step{Flow: f.Approval, Relationship: rel, Dir: tx.Reader(), Now: w.now().UTC().Truncate(time.Millisecond)}
		changed, err := step.ExternalApprover(ctx, job.Args.Epoch, answer)
		if err != nil || !changed {
			return err
		}
		if err := tx.SaveFlow(ctx, f); err != nil {
			return err
		}
		return insertEffects(ctx, tx, f, step)
	})
}
