package store

import (
	"context"
	"fmt"
	"strings"

	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	trackingv1 "github.com/accessflow/accessflow/api/accessflow/tracking/v1"
	"github.com/accessflow/accessflow/pkg/timeline"
)

// Timeline kinds of the approval service's records.
const (
	KindAccessRequest = "access-request"
	KindApproval      = "approval"
	KindDecision      = "approval.decision"
)

// Timeline lists the access requests made with a trackingNumber, their approval flows (with
// where each stands) and every decision of those flows (who, when, what): a timeline.Source.
func (s *Store) Timeline(ctx context.Context, trackingNumber string) ([]*trackingv1.TimelineEntry, error) {
	r := s.Read()
	requests, err := listDocs(ctx, r.q, "timeline access requests",
		`SELECT doc FROM requests WHERE tracking_number = $1 ORDER BY created_us, id LIMIT $2`,
		[]any{trackingNumber, timeline.MaxEntries}, func() *approvalv1.AccessRequest { return &approvalv1.AccessRequest{} })
	if err != nil {
		return nil, err
	}
	var out []*trackingv1.TimelineEntry
	for _, req := range requests {
		e, err := timeline.Entry(micros(req.GetCreated()), KindAccessRequest, req.GetId(), req.GetRequestType(),
			fmt.Sprintf("%s of %s for %s requested by %s", req.GetRequestType(), strings.Join(req.GetRelationshipIds(), ", "), req.GetRecipientId(), req.GetRequesterId()),
			map[string]any{
				"requestType": req.GetRequestType(), "requesterId": req.GetRequesterId(), "recipientId": req.GetRecipientId(),
				"relationshipIds": toAny(req.GetRelationshipIds()), "approvalIds": toAny(req.GetApprovalIds()),
			})
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if len(requests) == 0 {
		return out, nil
	}
	flows, err := listDocs(ctx, r.q, "timeline approvals",
		`SELECT f.doc FROM flows f JOIN requests r ON r.id = f.request_id WHERE r.tracking_number = $1 ORDER BY f.created_us, f.id LIMIT $2`,
		[]any{trackingNumber, timeline.MaxEntries}, func() *approvalv1.Approval { return &approvalv1.Approval{} })
	if err != nil {
		return nil, err
	}
	for _, f := range flows {
		details := map[string]any{"accessRequestId": f.GetAccessRequestId(), "relationshipId": f.GetRelationshipId(), "chainId": f.GetChainId()}
		if f.GetCompletedDate() != nil {
			details["completed"] = f.GetCompletedDate().AsTime().Format("2006-01-02T15:04:05.000000Z07:00")
		}
		if len(f.GetActionFlowIds()) > 0 {
			ids := map[string]any{}
			for op, id := range f.GetActionFlowIds() {
				ids[op] = id
			}
			details["actionFlowIds"] = ids
		}
		e, err := timeline.Entry(micros(f.GetCreatedDate()), KindApproval, f.GetId(), f.GetStatus(), f.GetName(), details)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		for _, d := range f.GetHistory() {
			who := d.GetActor().GetName()
			if who == "" {
				who = d.GetActor().GetIdentityId()
			}
			summary := d.GetAction() + " on " + f.GetName()
			if who != "" {
				summary += " by " + who
			}
			dd := map[string]any{"approvalId": f.GetId(), "level": float64(d.GetLevel())}
			if id := d.GetActor().GetIdentityId(); id != "" {
				dd["actorId"] = id
			}
			if d.GetComment() != "" {
				dd["comment"] = d.GetComment()
			}
			e, err := timeline.Entry(micros(d.GetCreated()), KindDecision, d.GetId(), d.GetAction(), summary, dd)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
	}
	return out, nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
