package store

import (
	"context"
	"fmt"
	"slices"

	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	"github.com/accessflow/accessflow/pkg/collection"
)

// RequestFilterFields are the fields and operators ListAccessRequests accepts.
var RequestFilterFields = collection.Allowed{
	"id":          {collection.OpEq, collection.OpIn},
	"requesterId": {collection.OpEq, collection.OpIn},
	"recipientId": {collection.OpEq, collection.OpIn},
}

var requestColumns = map[string]string{"id": "id", "requesterId": "requester_id", "recipientId": "recipient_id"}

// InsertRequest stores a new access request. A non-empty idempotencyKey is unique: a second
// request with the same key fails with storage.ErrConflict.
func (t *Tx) InsertRequest(ctx context.Context, r *approvalv1.AccessRequest, idempotencyKey string) error {
	doc, err := marshal(r)
	if err != nil {
		return err
	}
	if _, err := t.tx.Exec(ctx, `INSERT INTO requests (id, requester_id, recipient_id, doc, created_us, idempotency_key, tracking_number)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		r.GetId(), r.GetRequesterId(), r.GetRecipientId(), doc, micros(r.GetCreated()), nullable(idempotencyKey), r.GetTrackingNumber()); err != nil {
		return fmt.Errorf("create access request: %w", err)
	}
	return nil
}

// Request returns the access request with id, or storage.ErrNotFound.
func (r *Reader) Request(ctx context.Context, id string) (*approvalv1.AccessRequest, error) {
	return getDoc(ctx, r.q, "access request", `SELECT doc FROM requests WHERE id = $1`, id, &approvalv1.AccessRequest{})
}

// RequestByKey returns the access request created with idempotency key key, or
// storage.ErrNotFound.
func (r *Reader) RequestByKey(ctx context.Context, key string) (*approvalv1.AccessRequest, error) {
	return getDoc(ctx, r.q, "access request with idempotency key", `SELECT doc FROM requests WHERE idempotency_key = $1`, key, &approvalv1.AccessRequest{})
}

// Requests returns a page of access requests, newest first.
func (r *Reader) Requests(ctx context.Context, q Query) ([]*approvalv1.AccessRequest, error) {
	return page(ctx, r.q, "requests", "created_us DESC, id", requestColumns, q, func() *approvalv1.AccessRequest { return &approvalv1.AccessRequest{} })
}

// CountRequests counts the access requests q's filters select.
func (r *Reader) CountRequests(ctx context.Context, q Query) (int, error) {
	return count(ctx, r.q, "requests", requestColumns, q)
}

// ApprovalFilterFields are the fields and operators ListApprovals accepts.
var ApprovalFilterFields = collection.Allowed{
	"id":              {collection.OpEq, collection.OpIn},
	"status":          {collection.OpEq, collection.OpIn},
	"accessRequestId": {collection.OpEq, collection.OpIn},
	"relationshipId":  {collection.OpEq, collection.OpIn},
	"requesterId":     {collection.OpEq},
	"requesteeId":     {collection.OpEq},
}

var flowColumns = map[string]string{
	"id": "f.id", "status": "f.status", "accessRequestId": "f.request_id", "relationshipId": "f.relationship_id",
	"requesterId": "f.requester_id", "requesteeId": "f.recipient_id",
}

// Flow is a stored approval flow and the row version it was read at.
type Flow struct {
	*approvalv1.Approval
	Rev int64
	// Traceparent is the W3C traceparent of the call that filed the flow's access request (""
	// for flows filed before it was kept): the parent of every job the flow causes
	// (jobs.Caused).
	Traceparent string
	// assignees are the pending approvers as read, so that a write that leaves them alone
	// leaves their rows alone.
	assignees []string
}

func assigneesOf(f *approvalv1.Approval) []string {
	out := make([]string, len(f.GetApprovers()))
	for i, a := range f.GetApprovers() {
		out[i] = a.GetIdentityId()
	}
	return out
}

// InsertFlow stores a new flow and its pending assignees, with traceparent, the W3C
// traceparent of the call that filed its access request.
func (t *Tx) InsertFlow(ctx context.Context, f *approvalv1.Approval, traceparent string) error {
	doc, err := marshal(f)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx,
		`INSERT INTO flows (id, request_id, relationship_id, requester_id, recipient_id, status, rev, doc, created_us, modified_us, traceparent)
		 VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $10)`,
		f.GetId(), f.GetAccessRequestId(), f.GetRelationshipId(), f.GetRequester().GetIdentityId(), f.GetRequestee().GetIdentityId(),
		f.GetStatus(), doc, micros(f.GetCreatedDate()), micros(f.GetModifiedDate()), traceparent)
	if err != nil {
		return fmt.Errorf("create approval flow: %w", err)
	}
	return t.setAssignees(ctx, f)
}

// Flow reads a flow for an update in this transaction.
func (t *Tx) Flow(ctx context.Context, id string) (Flow, error) {
	var (
		doc, traceparent string
		rev              int64
	)
	if err := t.tx.QueryRow(ctx, `SELECT doc, rev, traceparent FROM flows WHERE id = $1`, id).Scan(&doc, &rev, &traceparent); err != nil {
		return Flow{}, fmt.Errorf("approval %q: %w", id, err)
	}
	f, err := unmarshal(doc, &approvalv1.Approval{})
	if err != nil {
		return Flow{}, err
	}
	return Flow{Approval: f, Rev: rev, Traceparent: traceparent, assignees: assigneesOf(f)}, nil
}

// SaveFlow writes f back if nobody wrote it since it was read at f.Rev; otherwise the
// transaction fails and InTx runs it again.
func (t *Tx) SaveFlow(ctx context.Context, f Flow) error {
	doc, err := marshal(f.Approval)
	if err != nil {
		return err
	}
	n, err := t.tx.Exec(ctx, `UPDATE flows SET status = $3, rev = rev + 1, doc = $4, modified_us = $5 WHERE id = $1 AND rev = $2`,
		f.GetId(), f.Rev, f.GetStatus(), doc, micros(f.GetModifiedDate()))
	if err != nil {
		return fmt.Errorf("update approval %q: %w", f.GetId(), err)
	}
	if n == 0 {
		return fmt.Errorf("approval %q: %w", f.GetId(), errStale)
	}
	if slices.Equal(f.assignees, assigneesOf(f.Approval)) {
		return nil
	}
	return t.setAssignees(ctx, f.Approval)
}

func (t *Tx) setAssignees(ctx context.Context, f *approvalv1.Approval) error {
	if _, err := t.tx.Exec(ctx, `DELETE FROM flow_assignees WHERE flow_id = $1`, f.GetId()); err != nil {
		return fmt.Errorf("clear assignees: %w", err)
	}
	for _, a := range f.GetApprovers() {
		if _, err := t.tx.Exec(ctx, `INSERT INTO flow_assignees (identity_id, flow_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			a.GetIdentityId(), f.GetId()); err != nil {
			return fmt.Errorf("assign %q: %w", a.GetIdentityId(), err)
		}
	}
	return nil
}

// Approval returns the flow with id, or storage.ErrNotFound.
func (r *Reader) Approval(ctx context.Context, id string) (*approvalv1.Approval, error) {
	return getDoc(ctx, r.q, "approval", `SELECT doc FROM flows WHERE id = $1`, id, &approvalv1.Approval{})
}

// ApprovalQuery selects flows: q's filters, and only those pending for Assignee when set.
type ApprovalQuery struct {
	Query
	Assignee string
}

func (q ApprovalQuery) from() (string, []any) {
	if q.Assignee == "" {
		return "flows f", nil
	}
	return "flows f JOIN flow_assignees a ON a.flow_id = f.id AND a.identity_id = $1", []any{q.Assignee}
}

// Approvals returns a page of flows, newest first.
func (r *Reader) Approvals(ctx context.Context, q ApprovalQuery) ([]*approvalv1.Approval, error) {
	from, args := q.from()
	w, args := where(q.Filters, flowColumns, args)
	args = append(args, q.Page.Limit, q.Page.Offset)
	sql := fmt.Sprintf(`SELECT f.doc FROM %s%s ORDER BY f.created_us DESC, f.id LIMIT $%d OFFSET $%d`, from, w, len(args)-1, len(args))
	return listDocs(ctx, r.q, "approvals", sql, args, func() *approvalv1.Approval { return &approvalv1.Approval{} })
}

// CountApprovals counts the flows q selects.
func (r *Reader) CountApprovals(ctx context.Context, q ApprovalQuery) (int, error) {
	from, args := q.from()
	w, args := where(q.Filters, flowColumns, args)
	var n int
	if err := r.q.QueryRow(ctx, `SELECT count(*) FROM `+from+w, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count approvals: %w", err)
	}
	return n, nil
}

// FlowIDsOfRequest returns the ids of a request's flows.
func (r *Reader) FlowIDsOfRequest(ctx context.Context, requestID string) ([]string, error) {
	rows, err := r.q.Query(ctx, `SELECT id FROM flows WHERE request_id = $1 ORDER BY created_us, id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("flows of %q: %w", requestID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
