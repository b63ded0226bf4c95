package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/riverqueue/river"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/services/action-execution/internal/script"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

// publish publishes idn:post-provisioning for run of a flow, with the flow's id (and run, for
// a retried flow) as the idempotency key: a retried job publishes once.
func (e *Engine) publish(ctx context.Context, flowID string, run int) error {
	st, err := e.store.GetFlow(ctx, flowID)
	if err != nil {
		if storageNotFound(err) {
			return nil
		}
		return err
	}
	if st.Flow.Runs != run || !store.Ended(st.Flow.Status) {
		return nil // a retry started a newer run, which publishes its own end
	}
	if e.peers.Events == nil {
		return errors.New("publish idn:post-provisioning: no trigger-ingest service configured")
	}
	providers := map[string]*actionv1.Provider{}
	for i := range st.Scripts {
		sc := &st.Scripts[i]
		t, err := script.Parse(sc.Type, sc.Def.GetProvider())
		if err != nil || t.Class != script.ClassProvider {
			continue
		}
		if _, seen := providers[t.ProviderKey]; seen {
			continue
		}
		if p, err := e.store.GetProvider(ctx, t.ProviderKey); err == nil {
			providers[t.ProviderKey] = p.Provider
		} else if !storageNotFound(err) {
			return err
		}
	}
	event, err := structpb.NewStruct(PostProvisioningEvent(st, providers))
	if err != nil {
		return fmt.Errorf("encode idn:post-provisioning: %w", err)
	}
	key := st.Flow.ID
	if run > 1 {
		key = fmt.Sprintf("%s/run-%d", st.Flow.ID, run)
	}
	_, err = e.peers.Events.PublishEvent(ctx, &triggerv1.PublishEventRequest{TriggerId: PostProvisioningTrigger, Event: event, IdempotencyKey: key})
	if c := status.Code(err); c == codes.InvalidArgument || c == codes.FailedPrecondition {
		e.logger.ErrorContext(ctx, "idn:post-provisioning refused; not retrying", "flow_id", flowID, "error", err)
		return river.JobCancel(err)
	}
	if err != nil {
		return fmt.Errorf("publish idn:post-provisioning: %w", err)
	}
	return nil
}

// PostProvisioningEvent is the idn:post-provisioning event of a flow that ended, in the shape
// of the reference's Provisioning Completed trigger: one account request per provider script
// that touched (or tried to touch) an account. A ticket a script of the flow opened (a GitLab
// issue) is the ticketId of every account request that has none of its own; a script that
// only opened a ticket is an account request of its own only when the flow touched no account.
func PostProvisioningEvent(st store.FlowState, providers map[string]*actionv1.Provider) map[string]any {
	c := st.Flow.Context
	var (
		requests   []any
		ticketOnly []any
		sources    []string
		flowTicket string
	)
	for i := range st.Scripts {
		if id := st.Scripts[i].State.TicketID; id != "" && st.Scripts[i].Status == store.StatusSucceeded {
			flowTicket = id
		}
	}
	for i := range st.Scripts {
		sc := &st.Scripts[i]
		t, err := script.Parse(sc.Type, sc.Def.GetProvider())
		if err == nil && t.Class == script.ClassEveryAccount {
			requests = append(requests, everyAccountRequests(sc, t, flowTicket)...)
			continue
		}
		if err != nil || t.Class != script.ClassProvider {
			continue
		}
		op := sc.State.AccountOperation
		if op == "" {
			op = t.AccountOperation
		}
		var result string
		switch sc.Status {
		case store.StatusSucceeded:
			result = "SUCCESS"
		case store.StatusFailed:
			result = "FAILED"
		case store.StatusRunning, store.StatusWaiting:
			result = "PENDING"
		default:
			continue // never ran
		}
		if op == "" && sc.State.AccountID == "" && sc.State.TicketID == "" {
			continue // touched no account (a notification)
		}
		onlyTicket := op == "" && sc.State.AccountID == ""
		if op == "" {
			op = "Modify"
		}
		p := providers[t.ProviderKey]
		target := p.GetName()
		if target == "" {
			target = t.ProviderKey
		}
		sourceName := p.GetSourceName()
		if sourceName == "" {
			sourceName = target
		}
		sourceID := p.GetSourceId()
		if sourceID == "" {
			sourceID = t.ProviderKey
		}
		attrs := []any{}
		for _, a := range sc.State.AttributeRequests {
			for _, v := range values(a.Value) {
				attrs = append(attrs, map[string]any{"attributeName": a.Name, "attributeValue": v, "operation": a.Operation})
			}
		}
		var ticket any
		switch {
		case sc.State.TicketID != "":
			ticket = sc.State.TicketID
		case flowTicket != "":
			ticket = flowTicket
		}
		request := map[string]any{
			"source":             map[string]any{"id": sourceID, "type": "SOURCE", "name": sourceName},
			"accountId":          sc.State.AccountID,
			"accountOperation":   op,
			"provisioningResult": result,
			"provisioningTarget": target,
			"ticketId":           ticket,
			"attributeRequests":  attrs,
		}
		if onlyTicket {
			ticketOnly = append(ticketOnly, request)
			continue
		}
		requests = append(requests, request)
	}
	if requests == nil {
		requests = ticketOnly
	}
	if requests == nil {
		requests = []any{}
	}
	for _, r := range requests {
		if name := r.(map[string]any)["source"].(map[string]any)["name"].(string); !slices.Contains(sources, name) {
			sources = append(sources, name)
		}
	}
	var requester any
	if r := c.GetRequester(); r.GetId() != "" {
		requester = identityRef(r)
	}
	return map[string]any{
		"trackingNumber":  st.Flow.TrackingNumber,
		"sources":         strings.Join(sources, ", "),
		"action":          action(c),
		"errors":          stringList(st.Flow.Errors),
		"warnings":        stringList(st.Flow.Warnings),
		"recipient":       identityRef(c.GetRecipient()),
		"requester":       requester,
		"accountRequests": requests,
	}
}

// everyAccountRequests are the account requests of an every_account script: one per account
// it acted on or tried to (an account a disable skipped as already DISABLED is not one).
func everyAccountRequests(sc *store.Script, t script.Type, flowTicket string) []any {
	if sc.Status == store.StatusPending || sc.Status == store.StatusSkipped || sc.Status == store.StatusCancelled && sc.Attempts == 0 {
		return nil // never ran
	}
	var out []any
	for i := range sc.State.Accounts {
		r := &sc.State.Accounts[i]
		if r.Status == store.StatusSkippedDisabled {
			continue
		}
		op := r.AccountOperation
		if op == "" {
			op = t.AccountOperation
		}
		target := r.ProviderName
		if target == "" {
			target = r.ProviderKey
		}
		sourceID, sourceName := r.SourceID, r.SourceName
		if sourceID == "" {
			sourceID = r.ProviderKey
		}
		if sourceName == "" {
			sourceName = target
		}
		attrs := []any{}
		for _, a := range r.AttributeRequests {
			for _, v := range values(a.Value) {
				attrs = append(attrs, map[string]any{"attributeName": a.Name, "attributeValue": v, "operation": a.Operation})
			}
		}
		var ticket any
		if flowTicket != "" {
			ticket = flowTicket
		}
		out = append(out, map[string]any{
			"source":             map[string]any{"id": sourceID, "type": "SOURCE", "name": sourceName},
			"accountId":          r.AccountID,
			"accountOperation":   op,
			"provisioningResult": runResult(r.Status),
			"provisioningTarget": target,
			"ticketId":           ticket,
			"attributeRequests":  attrs,
		})
	}
	return out
}

// action names what caused the flow, in the reference's words where it has one.
func action(c *actionv1.FlowContext) string {
	switch {
	case c.GetAccessRequestId() != "":
		return "AccessRequest"
	case c.GetOperation() == "REVOKE":
		return "Revoke"
	default:
		return "Grant"
	}
}

func identityRef(id *actionv1.Identity) map[string]any {
	name := id.GetName()
	if name == "" {
		name = id.GetId()
	}
	return map[string]any{"type": "IDENTITY", "id": id.GetId(), "name": name}
}

// values flattens an attribute value into the strings attributeValue carries, one request
// per value of a multi-valued attribute.
func values(v any) []any {
	switch x := v.(type) {
	case nil:
		return []any{nil}
	case string:
		return []any{x}
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			out = append(out, values(e)...)
		}
		return out
	default:
		return []any{fmt.Sprint(x)}
	}
}

func stringList(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}
