// Package events builds the events the approval service publishes through trigger-ingest, in
// the shapes of the reference trigger catalogue: idn:access-requested for a new request and
// idn:access-request-post-approval for each decision.
package events

import (
	"encoding/json"
	"fmt"

	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	"github.com/accessflow/accessflow/services/approval/internal/jobargs"
)

// Trigger IDs.
const (
	TriggerAccessRequested = "idn:access-requested"
	TriggerPostApproval    = "idn:access-request-post-approval"
	TriggerPreApproval     = "idn:access-request-pre-approval"
	TriggerDynamicApprover = "idn:access-request-dynamic-approver"
)

type identityRef struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

func ref(a *approvalv1.ApprovalIdentity) identityRef {
	return identityRef{Type: "IDENTITY", ID: a.GetIdentityId(), Name: a.GetName()}
}

type item struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	Description  *string        `json:"description"`
	Type         string         `json:"type"`
	Operation    string         `json:"operation"`
	Comment      *string        `json:"comment"`
	ApprovalInfo []approvalInfo `json:"approvalInfo,omitempty"`
}

type approvalInfo struct {
	ApprovalComment  *string     `json:"approvalComment"`
	ApprovalDecision string      `json:"approvalDecision"`
	ApproverName     string      `json:"approverName"`
	Approver         identityRef `json:"approver"`
}

// itemType maps a relationship's target kind to the catalogue's item types.
func itemType(kind string) string {
	if kind == "ROLE" {
		return "ROLE"
	}
	return "ENTITLEMENT"
}

func operation(op string) string {
	if op == "REVOKE" {
		return "Remove"
	}
	return "Add"
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func newItem(rel *approvalv1.Relationship, op, comment string) item {
	return item{
		ID: rel.GetId(), Name: rel.GetName(), Description: optional(rel.GetDescription()), Type: itemType(rel.GetTargetKind()),
		Operation: operation(op), Comment: optional(comment),
	}
}

// Requested is the idn:access-requested event of a new request, published once per request.
func Requested(req *approvalv1.AccessRequest, requester, recipient *approvalv1.ApprovalIdentity, rels []*approvalv1.Relationship) (jobargs.Publish, error) {
	return submitted(TriggerAccessRequested, req.GetId(), req, requester, recipient, rels)
}

// PreApprovalInput is the idn:access-request-pre-approval input of one flow: the request with
// the flow's relationship; published once per flow (key "<flow id>:pre-approval").
func PreApprovalInput(f *approvalv1.Approval, req *approvalv1.AccessRequest, rel *approvalv1.Relationship) (jobargs.Publish, error) {
	return submitted(TriggerPreApproval, f.GetId()+":pre-approval", req, f.GetRequester(), f.GetRequestee(), []*approvalv1.Relationship{rel})
}

// DynamicApproverInput is the idn:access-request-dynamic-approver input of one flow's level
// (epoch), published once per level (key "<flow id>:dynamic-approver:<epoch>").
func DynamicApproverInput(f *approvalv1.Approval, req *approvalv1.AccessRequest, rel *approvalv1.Relationship, epoch int64) (jobargs.Publish, error) {
	return submitted(TriggerDynamicApprover, fmt.Sprintf("%s:dynamic-approver:%d", f.GetId(), epoch), req, f.GetRequester(), f.GetRequestee(), []*approvalv1.Relationship{rel})
}

func submitted(trigger, key string, req *approvalv1.AccessRequest, requester, recipient *approvalv1.ApprovalIdentity, rels []*approvalv1.Relationship) (jobargs.Publish, error) {
	items := make([]item, len(rels))
	for i, rel := range rels {
		items[i] = newItem(rel, req.GetRequestType(), req.GetComment())
	}
	return publish(trigger, key, map[string]any{
		"accessRequestId": req.GetId(),
		"requestedFor":    ref(recipient),
		"requestedItems":  items,
		"requestedBy":     ref(requester),
	})
}

// PostApproval is the idn:access-request-post-approval event of decision d on flow f, with
// every approve and reject decision of the flow so far; published once per decision.
func PostApproval(f *approvalv1.Approval, rel *approvalv1.Relationship, req *approvalv1.AccessRequest, d *approvalv1.Decision) (jobargs.Publish, error) {
	it := newItem(rel, f.GetOperation(), req.GetComment())
	it.ApprovalInfo = []approvalInfo{}
	for _, h := range f.GetHistory() {
		decision := ""
		switch h.GetAction() {
		case "APPROVE", "REVIEW_APPROVE":
			decision = "APPROVED"
		case "REJECT", "REVIEW_REJECT":
			decision = "DENIED"
		default:
			continue
		}
		it.ApprovalInfo = append(it.ApprovalInfo, approvalInfo{
			ApprovalComment: optional(h.GetComment()), ApprovalDecision: decision,
			ApproverName: h.GetActor().GetName(), Approver: ref(h.GetActor()),
		})
	}
	return publish(TriggerPostApproval, d.GetId(), map[string]any{
		"accessRequestId":      f.GetAccessRequestId(),
		"requestedFor":         ref(f.GetRequestee()),
		"requestedItemsStatus": []item{it},
		"requestedBy":          ref(f.GetRequester()),
	})
}

func publish(trigger, key string, event map[string]any) (jobargs.Publish, error) {
	b, err := json.Marshal(event)
	if err != nil {
		return jobargs.Publish{}, fmt.Errorf("encode %s event: %w", trigger, err)
	}
	return jobargs.Publish{TriggerID: trigger, Key: key, Event: b}, nil
}
