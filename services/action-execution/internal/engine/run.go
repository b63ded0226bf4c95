package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/credentials"
	"github.com/accessflow/accessflow/services/action-execution/internal/jobargs"
	"github.com/accessflow/accessflow/services/action-execution/internal/script"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

// runScript runs script idx of a flow: it claims the script (RUNNING, one more attempt), runs
// it, and records the outcome with the job that comes next in one transaction.
func (e *Engine) runScript(ctx context.Context, flowID string, idx int) error {
	st, err := e.store.GetFlow(ctx, flowID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if idx >= len(st.Scripts) || store.Ended(st.Flow.Status) || store.Ended(st.Scripts[idx].Status) {
		return nil // a duplicate or stale job
	}
	sc := st.Scripts[idx]
	t, err := script.Parse(sc.Type, sc.Def.GetProvider())
	if err == nil && t.Class == script.ClassEveryAccount {
		return e.runEveryAccount(ctx, st, idx, t)
	}
	if err != nil || t.Class != script.ClassProvider {
		return e.runLocal(ctx, flowID, idx)
	}
	if t.Approval && sc.Status == store.StatusWaiting {
		return e.expireApproval(ctx, flowID, idx) // the job scheduled for its deadline
	}
	now := e.now().UTC()
	claimed, err := e.store.ClaimScript(ctx, flowID, sc.ID, now)
	if err != nil || !claimed {
		return err
	}
	sc.Attempts++
	st.Scripts[idx] = sc
	res, provider, runErr := e.call(ctx, st, idx)
	if runErr != nil && ctx.Err() != nil {
		return runErr // shutting down or timed out: River runs the job again
	}
	var retryIn time.Duration
	_, err = e.store.UpdateFlow(ctx, flowID, func(st *store.FlowState) error {
		sc := &st.Scripts[idx]
		if store.Ended(sc.Status) {
			return errNothingToDo
		}
		now := e.now().UTC()
		st.Flow.Modified = now
		switch {
		case runErr == nil && t.Approval:
			e.await(st, idx, res, now)
		case runErr == nil:
			e.succeed(st, idx, res, now)
			recordAccount(st, t.ProviderKey, provider, res, now)
		case !connector.IsPermanent(runErr) && sc.Attempts < maxAttempts(sc.Def):
			// PENDING again until the retry claims it: a cancel meanwhile stops it.
			sc.Status, sc.Error = store.StatusPending, runErr.Error()
			retryIn = backoff(sc.Def.GetBackoff().AsDuration(), sc.Attempts)
		default:
			e.fail(st, idx, runErr, now)
		}
		return nil
	})
	if err != nil {
		return ignoreNothing(err)
	}
	if retryIn > 0 {
		e.logger.WarnContext(ctx, "script failed; retrying", "flow_id", flowID, "script", sc.Name, "retry_in", retryIn, "error", runErr)
		return river.JobSnooze(retryIn)
	}
	return nil
}

// runLocal runs a script that calls nothing (none, sleep) in one transaction: a sleep marks
// itself WAITING and snoozes its job until it wakes.
func (e *Engine) runLocal(ctx context.Context, flowID string, idx int) error {
	var snooze time.Duration
	_, err := e.store.UpdateFlow(ctx, flowID, func(st *store.FlowState) error {
		sc := &st.Scripts[idx]
		if store.Ended(st.Flow.Status) || store.Ended(sc.Status) {
			return errNothingToDo
		}
		now := e.now().UTC()
		if sc.Started.IsZero() {
			sc.Started = now
		}
		st.Flow.Modified = now
		t, err := script.Parse(sc.Type, sc.Def.GetProvider())
		switch {
		case err != nil: // the chain was checked when saved: only a corrupted record gets here
			sc.Attempts++
			e.fail(st, idx, err, now)
		case t.Class == script.ClassSleep:
			if sc.State.WakeAt == 0 {
				sc.Attempts++
				sc.State.WakeAt = now.Add(sc.Def.GetDuration().AsDuration()).UnixMicro()
			}
			if wake := time.UnixMicro(sc.State.WakeAt); now.Before(wake) {
				sc.Status, st.Flow.Status = store.StatusWaiting, store.StatusWaiting
				snooze = wake.Sub(now)
				return nil
			}
			e.succeed(st, idx, connector.Result{}, now)
		default:
			sc.Attempts++
			e.succeed(st, idx, connector.Result{}, now)
		}
		return nil
	})
	if err != nil {
		return ignoreNothing(err)
	}
	if snooze > 0 {
		return river.JobSnooze(snooze)
	}
	return nil
}

func maxAttempts(def *actionv1.ActionChainScript) int {
	if n := int(def.GetMaxAttempts()); n > 0 {
		return n
	}
	return DefaultMaxAttempts
}

// call runs a provider script: the policy evaluation first (once, kept for retries), then the
// connector. An account script that has no account from an earlier script and whose metadata
// names none acts on the recipient's account in the registry (resolveAccount).
func (e *Engine) call(ctx context.Context, st store.FlowState, idx int) (connector.Result, *actionv1.Provider, error) {
	sc := st.Scripts[idx]
	t, err := script.Parse(sc.Type, sc.Def.GetProvider())
	if err != nil {
		return connector.Result{}, nil, connector.Permanent(err)
	}
	account := accountOf(st, idx)
	return e.operate(ctx, st, idx, operation{
		t: t, accountID: account, key: sc.ID, eval: sc.State.Evaluation,
		resolve: account == "" && t.AccountOperation != "" && t.AccountOperation != connector.AccountCreate,
		keep:    func(sc *store.Script, ev store.Evaluation) { sc.State.Evaluation = ev },
	})
}

// operation is one connector operation of script idx: the script's own, or one account of an
// every_account_<operation> script.
type operation struct {
	// t names the provider, the operation and its policy usage type.
	t         script.Type
	accountID string
	// key is the idempotency key the connector gets.
	key string
	// eval is the evaluation an earlier attempt kept; keep stores a new one in the script.
	eval store.Evaluation
	keep func(*store.Script, store.Evaluation)
	// resolve asks for the recipient's registry account when the metadata names no account.
	resolve bool
	// checkSupport refuses an operation the provider's connector lacks before calling it (the
	// chain's check cannot know the providers of an every_account script).
	checkSupport bool
}

// operate runs op: it renders the script's metadata over the flow for op's provider,
// evaluates the provider's source's provisioning policy once (kept for retries) and calls the
// connector. It returns the provider it used.
func (e *Engine) operate(ctx context.Context, st store.FlowState, idx int, op operation) (connector.Result, *actionv1.Provider, error) {
	sc := st.Scripts[idx]
	t := op.t
	stored, err := e.store.GetProvider(ctx, t.ProviderKey)
	if err != nil {
		return connector.Result{}, nil, fmt.Errorf("provider %q: %w", t.ProviderKey, err)
	}
	p, err := credentials.Connector(e.ring, stored)
	if err != nil {
		return connector.Result{}, stored.Provider, connector.Permanent(err)
	}
	conn, ok := e.reg.Get(p.Kind)
	if !ok {
		return connector.Result{}, stored.Provider, connector.Permanent(fmt.Errorf("no %s connector in this build", p.Kind))
	}
	if op.checkSupport {
		if err := e.reg.Supports(p, t.Operation); err != nil {
			return connector.Result{}, stored.Provider, connector.Permanent(err)
		}
	}
	data := templateData(st, stored.Provider)
	params, err := script.Render(sc.Def.GetMetadata().AsMap(), data)
	if err != nil {
		return connector.Result{}, stored.Provider, connector.Permanent(err)
	}
	if op.resolve && !namesAccount(params) {
		if op.accountID, err = e.resolveAccount(ctx, st, t.ProviderKey); err != nil {
			return connector.Result{}, stored.Provider, err
		}
	}
	if t.UsageType != "" && stored.Provider.GetSourceId() != "" && !op.eval.Evaluated {
		if op.eval, err = e.evaluate(ctx, st, idx, t.UsageType, stored.Provider.GetSourceId(), op.keep); err != nil {
			return connector.Result{}, stored.Provider, err
		}
	}
	if t.Approval {
		links, err := e.approvalLinks(st.Flow.ID, sc.ID)
		if err != nil {
			return connector.Result{}, stored.Provider, err
		}
		for k, v := range links {
			params[k] = v
		}
	}
	req := connector.Request{
		Operation:      t.Operation,
		Params:         params,
		Attributes:     op.eval.Attributes,
		AccountID:      op.accountID,
		IdempotencyKey: op.key,
		TrackingNumber: st.Flow.TrackingNumber,
	}
	res, err := conn.Run(ctx, p, req)
	return res, stored.Provider, err
}

// evaluate asks the policy service for the operation's attributes and keeps them in script
// idx (keep), with the reservations to settle, before the connector runs: a retry reuses them
// instead of reserving again.
func (e *Engine) evaluate(ctx context.Context, st store.FlowState, idx int, usageType, sourceID string, keep func(*store.Script, store.Evaluation)) (store.Evaluation, error) {
	if e.peers.Policies == nil {
		return store.Evaluation{}, connector.Permanent(errors.New("no policy service configured"))
	}
	recipient := st.Flow.Context.GetRecipient()
	resp, err := e.peers.Policies.EvaluateProvisioningPolicy(ctx, &policyv1.EvaluateProvisioningPolicyRequest{
		SourceId:  sourceID,
		UsageType: usageType,
		Identity:  &policyv1.EvaluationIdentity{Id: recipient.GetId(), Name: recipient.GetName(), Attributes: recipient.GetAttributes()},
	})
	ev := store.Evaluation{Evaluated: true}
	switch status.Code(err) {
	case codes.OK:
		ev.Attributes = resp.GetAttributes().AsMap()
		ev.Warnings = resp.GetWarnings()
		for _, r := range resp.GetReservations() {
			ev.Reservations = append(ev.Reservations, r.GetId())
		}
	case codes.NotFound: // the source has no policy for this usage type: nothing to compute
	case codes.InvalidArgument, codes.FailedPrecondition:
		return store.Evaluation{}, connector.Permanent(fmt.Errorf("evaluate %s provisioning policy of source %s: %w", usageType, sourceID, err))
	default:
		return store.Evaluation{}, fmt.Errorf("evaluate %s provisioning policy of source %s: %w", usageType, sourceID, err)
	}
	_, err = e.store.UpdateFlow(ctx, st.Flow.ID, func(fs *store.FlowState) error {
		keep(&fs.Scripts[idx], ev)
		return nil
	})
	return ev, err
}

// accountOf is the account the flow's earlier scripts touched last, which later ones act on.
func accountOf(st store.FlowState, idx int) string {
	for i := idx - 1; i >= 0; i-- {
		if id := st.Scripts[i].State.AccountID; id != "" {
			return id
		}
	}
	return ""
}

// templateData is the flow's context as metadata templates read it.
func templateData(st store.FlowState, provider *actionv1.Provider) script.Data {
	c := st.Flow.Context
	d := script.Data{
		FlowID:          st.Flow.ID,
		TrackingNumber:  st.Flow.TrackingNumber,
		Operation:       c.GetOperation(),
		Recipient:       identity(c.GetRecipient()),
		Requester:       identity(c.GetRequester()),
		ApprovalFlowID:  c.GetApprovalFlowId(),
		AccessRequestID: c.GetAccessRequestId(),
		Inputs:          structMap(c.GetInputs()),
		Scripts:         map[string]any{},
	}
	if r := c.GetRelationship(); r != nil {
		d.Relationship = script.Relationship{ID: r.GetId(), Name: r.GetName(), SourceID: r.GetSourceId(), TargetKind: r.GetTargetKind(), TargetID: r.GetTargetId(), TargetName: r.GetTargetName()}
	}
	if provider != nil {
		d.Source = script.Source{ID: provider.GetSourceId(), Name: provider.GetSourceName()}
	}
	for i := range st.Scripts {
		// A failed every_account script's output still lists what it did.
		if sc := &st.Scripts[i]; sc.Status == store.StatusSucceeded || (sc.Status == store.StatusFailed && len(sc.State.Accounts) > 0) {
			out := map[string]any{}
			for k, v := range sc.State.Output {
				out[k] = v
			}
			if sc.State.AccountID != "" {
				out["accountId"] = sc.State.AccountID
			}
			d.Scripts[sc.Name] = out
		}
	}
	return d
}

func identity(id *actionv1.Identity) script.Identity {
	return script.Identity{ID: id.GetId(), Name: id.GetName(), Email: id.GetEmail(), Attributes: structMap(id.GetAttributes())}
}

func structMap(s *structpb.Struct) map[string]any {
	if s == nil {
		return map[string]any{}
	}
	return s.AsMap()
}

// succeed records script idx's result and moves the flow on.
func (e *Engine) succeed(st *store.FlowState, idx int, res connector.Result, now time.Time) {
	sc := &st.Scripts[idx]
	sc.Status, sc.Error, sc.Finished = store.StatusSucceeded, "", now
	sc.State.Output = res.Output
	sc.State.AccountID = res.AccountID
	sc.State.AccountOperation = res.AccountOperation
	sc.State.TicketID = res.TicketID
	sc.State.AttributeRequests = nil
	for _, a := range res.AttributeRequests {
		sc.State.AttributeRequests = append(sc.State.AttributeRequests, store.AttributeRequest{Name: a.Name, Value: a.Value, Operation: a.Operation})
	}
	st.Flow.Warnings = append(st.Flow.Warnings, sc.State.Warnings...)
	if len(sc.State.Reservations) > 0 || (sc.State.Evaluated && res.AccountID != "") {
		st.Enqueue(jobargs.Settle{FlowID: st.Flow.ID, Index: idx}, nil)
	}
	e.advance(st, idx, true, now)
}

// await records that approval script idx sent its message: it waits for the answer
// (Decide), until its deadline when it has one.
func (e *Engine) await(st *store.FlowState, idx int, res connector.Result, now time.Time) {
	sc := &st.Scripts[idx]
	sc.Status, sc.Error, st.Flow.Status = store.StatusWaiting, "", store.StatusWaiting
	sc.State.Output, sc.State.TicketID = res.Output, res.TicketID
	if d := sc.Def.GetDuration().AsDuration(); d > 0 {
		deadline := now.Add(d)
		sc.State.WakeAt = deadline.UnixMicro()
		st.Enqueue(jobargs.RunScript{FlowID: st.Flow.ID, Index: idx}, &river.InsertOpts{ScheduledAt: deadline})
	}
}

// fail records script idx's failure and applies its on-failure behaviour.
func (e *Engine) fail(st *store.FlowState, idx int, err error, now time.Time) {
	sc := &st.Scripts[idx]
	sc.Status, sc.Error, sc.Finished = store.StatusFailed, err.Error(), now
	st.Flow.Errors = append(st.Flow.Errors, fmt.Sprintf("%s failed: %v", scriptLabel(sc), err))
	if len(sc.State.Reservations) > 0 {
		st.Enqueue(jobargs.Settle{FlowID: st.Flow.ID, Index: idx}, nil)
	}
	e.advance(st, idx, false, now)
}

// advance enqueues what follows script idx, or ends the flow. A cancelled flow goes no
// further.
func (e *Engine) advance(st *store.FlowState, idx int, ok bool, now time.Time) {
	if st.Flow.Status == store.StatusCancelled {
		return
	}
	sc := &st.Scripts[idx]
	if sc.Compensation {
		e.skipFrom(st, idx+1)
		e.finish(st, store.StatusFailed, now)
		return
	}
	if !ok {
		switch sc.Def.GetOnFailure() {
		case OnFailureContinue:
		case OnFailureCompensate:
			if idx+1 < len(st.Scripts) && st.Scripts[idx+1].Compensation {
				st.Enqueue(jobargs.RunScript{FlowID: st.Flow.ID, Index: idx + 1}, nil)
				return
			}
			fallthrough
		default:
			e.skipFrom(st, idx+1)
			e.finish(st, store.StatusFailed, now)
			return
		}
	}
	next := idx + 1
	for next < len(st.Scripts) && st.Scripts[next].Compensation {
		if st.Scripts[next].Status == store.StatusPending {
			st.Scripts[next].Status = store.StatusSkipped
		}
		next++
	}
	if next < len(st.Scripts) {
		st.Flow.Status = store.StatusRunning
		st.Enqueue(jobargs.RunScript{FlowID: st.Flow.ID, Index: next}, nil)
		return
	}
	final := store.StatusSucceeded
	for i := range st.Scripts {
		if s := &st.Scripts[i]; s.Status == store.StatusFailed && !s.Compensation {
			final = store.StatusFailed
		}
	}
	e.finish(st, final, now)
}

func (e *Engine) skipFrom(st *store.FlowState, from int) {
	for i := from; i < len(st.Scripts); i++ {
		if !store.Ended(st.Scripts[i].Status) {
			st.Scripts[i].Status = store.StatusSkipped
			if !st.Scripts[i].Compensation {
				st.Flow.Warnings = append(st.Flow.Warnings, scriptLabel(&st.Scripts[i])+" skipped after an earlier failure")
			}
		}
	}
}

// finish ends the flow's current run and enqueues its idn:post-provisioning event.
func (e *Engine) finish(st *store.FlowState, final string, now time.Time) {
	st.Flow.Status, st.Flow.Completed, st.Flow.Modified = final, now, now
	st.Enqueue(jobargs.Publish{FlowID: st.Flow.ID, Run: st.Flow.Runs}, nil)
}
