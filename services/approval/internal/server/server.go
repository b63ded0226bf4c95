// Package server implements accessflow.approval.v1.ApprovalService: the directory
// (identities, groups), approvable relationships and their chains, access requests, and the
// decisions on approval flows. State changes run the engine inside one store transaction that
// also inserts the jobs they cause (timers, action-flow starts, events).
package server

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/tracking"
	"github.com/accessflow/accessflow/services/approval/internal/engine"
	"github.com/accessflow/accessflow/services/approval/internal/events"
	"github.com/accessflow/accessflow/services/approval/internal/jobargs"
	"github.com/accessflow/accessflow/services/approval/internal/store"
)

// Service serves ApprovalService from a store.
type Service struct {
	approvalv1.UnimplementedApprovalServiceServer

	store   *store.Store
	now     func() time.Time
	sources SourceChecker
}

// SourceChecker checks that a source exists: nil, an InvalidArgument naming field, or the
// error of asking.
type SourceChecker interface {
	Check(ctx context.Context, field, id string) error
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock (default: the wall clock).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithSources checks relationships' sources with c (default: not checked).
func WithSources(c SourceChecker) Option { return func(s *Service) { s.sources = c } }

// New returns the service.
func New(st *store.Store, opts ...Option) *Service {
	s := &Service{store: st, now: time.Now}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

func (s *Service) timestamp() *timestamppb.Timestamp { return timestamppb.New(s.clock()) }

// setCount sends a list's total count in the x-total-count header.
func setCount(ctx context.Context, want bool, count func() (int, error)) error {
	if !want {
		return nil
	}
	n, err := count()
	if err != nil {
		return err
	}
	return grpc.SetHeader(ctx, metadata.Pairs(collection.TotalCountHeader, strconv.Itoa(n)))
}

func query(filters string, allowed collection.Allowed, page collection.Page) (store.Query, error) {
	conds, err := collection.ParseFilters(filters, allowed)
	if err != nil {
		return store.Query{}, err
	}
	return store.Query{Filters: conds, Page: page}, nil
}

// caller is who is calling: its token subject, whether it is an administrator, and the
// identity its subject is bound to (nil when none).
type caller struct {
	subject  string
	admin    bool
	identity *approvalv1.Identity
}

// callerOf maps the caller's token to an identity: the identity whose subject equals the
// token's. ORG_ADMIN tokens, and client tokens without user levels (integrations), are
// administrators; any other (e.g. APPROVER) acts only as its own identity.
func callerOf(ctx context.Context, r *store.Reader) (caller, error) {
	claims, ok := auth.FromContext(ctx)
	if !ok {
		return caller{admin: true}, nil // no token verification configured (bare test stack)
	}
	c := caller{subject: claims.Subject, admin: len(claims.UserLevels) == 0 || slices.Contains(claims.UserLevels, auth.LevelOrgAdmin)}
	ident, err := r.IdentityBySubject(ctx, claims.Subject)
	switch {
	case err == nil:
		c.identity = ident
	case !errors.Is(err, storage.ErrNotFound):
		return caller{}, err
	}
	return c, nil
}

// actAs returns the identity the caller acts as: explicit (field names it in errors) when
// given, which a non-administrator may only name as itself, else the caller's own identity.
func (c caller) actAs(ctx context.Context, r *store.Reader, explicit, field string) (*approvalv1.Identity, error) {
	if explicit == "" {
		if c.identity == nil {
			return nil, apierror.InvalidField(field, "required: the caller's token (subject %q) is bound to no identity", c.subject)
		}
		return c.identity, nil
	}
	ident, err := r.Identity(ctx, explicit)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, apierror.InvalidField(field, "no identity %q", explicit)
	}
	if err != nil {
		return nil, err
	}
	if !c.admin && (c.identity == nil || c.identity.GetId() != explicit) {
		return nil, status.Errorf(codes.PermissionDenied, "a caller without ORG_ADMIN may act only as its own identity, not %s", explicit)
	}
	return ident, nil
}

// apply inserts the jobs a step caused, in the step's transaction.
func apply(ctx context.Context, tx *store.Tx, st *engine.Step, request *approvalv1.AccessRequest) error {
	for _, t := range st.Effects.Timers {
		if err := tx.InsertJob(ctx, t.Args, &river.InsertOpts{ScheduledAt: t.At}); err != nil {
			return fmt.Errorf("schedule %s: %w", t.Args.What, err)
		}
	}
	for _, p := range st.Effects.PreApprovals {
		if err := tx.InsertJob(ctx, p, nil); err != nil {
			return fmt.Errorf("ask pre-approval: %w", err)
		}
	}
	var published []jobargs.Publish
	for _, d := range st.Effects.Decisions {
		job, err := events.PostApproval(st.Flow, st.Relationship, request, d)
		if err != nil {
			return err
		}
		published = append(published, job)
	}
	for i, a := range st.Effects.StartActions {
		if i == 0 { // the decision's events ride with the action-flow start
			a.Events, published = published, nil
		}
		if err := tx.InsertJob(ctx, a, nil); err != nil {
			return fmt.Errorf("start action flow: %w", err)
		}
	}
	for _, d := range st.Effects.DynamicApprovers {
		if err := tx.InsertJob(ctx, d, nil); err != nil {
			return fmt.Errorf("ask dynamic approver: %w", err)
		}
	}
	for _, e := range published {
		if err := tx.InsertJob(ctx, e, nil); err != nil {
			return fmt.Errorf("publish decision: %w", err)
		}
	}
	return nil
}

// onFlow runs change on the flow with id in a transaction and stores the result with the jobs
// it causes.
func (s *Service) onFlow(ctx context.Context, id string, change func(ctx context.Context, r *store.Reader, c caller, st *engine.Step) error) (*approvalv1.Approval, error) {
	var out *approvalv1.Approval
	err := s.store.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r := tx.Reader()
		c, err := callerOf(ctx, r)
		if err != nil {
			return err
		}
		f, err := tx.Flow(ctx, id)
		if err != nil {
			return err
		}
		rel, err := r.Relationship(ctx, f.GetRelationshipId())
		if err != nil {
			return err
		}
		st := &engine.Step{Flow: f.Approval, Relationship: rel, Dir: r, Now: s.clock()}
		if err := change(ctx, r, c, st); err != nil {
			return err
		}
		if err := tx.SaveFlow(ctx, f); err != nil {
			return err
		}
		var request *approvalv1.AccessRequest
		if len(st.Effects.Decisions) > 0 {
			if request, err = r.Request(ctx, f.GetAccessRequestId()); err != nil {
				return err
			}
		}
		out = proto.CloneOf(f.Approval)
		// What the change causes belongs to the flow's request: its trackingNumber, and its
		// filing call's span as parent, linked to this call.
		return apply(jobs.Caused(ctx, f.GetTrackingNumber(), f.Traceparent), tx, st, request)
	})
	return out, err
}

// decide approves or rejects a flow as the caller (or, for administrators, approverID).
func (s *Service) decide(ctx context.Context, id string, approve bool, comment, approverID string) (*approvalv1.Approval, error) {
	return s.onFlow(ctx, id, func(ctx context.Context, r *store.Reader, c caller, st *engine.Step) error {
		actor, err := c.actAs(ctx, r, approverID, "overrideApproverID")
		if err != nil {
			return err
		}
		return st.Decide(ctx, actor, approve, comment, c.subject)
	})
}

// ApproveApproval approves the current level of a flow.
func (s *Service) ApproveApproval(ctx context.Context, req *approvalv1.ApproveApprovalRequest) (*approvalv1.ApproveApprovalResponse, error) {
	f, err := s.decide(ctx, req.GetId(), true, req.GetComment(), req.GetApproverId())
	if err != nil {
		return nil, err
	}
	return &approvalv1.ApproveApprovalResponse{Approval: f}, nil
}

// RejectApproval rejects a flow.
func (s *Service) RejectApproval(ctx context.Context, req *approvalv1.RejectApprovalRequest) (*approvalv1.RejectApprovalResponse, error) {
	f, err := s.decide(ctx, req.GetId(), false, req.GetComment(), req.GetApproverId())
	if err != nil {
		return nil, err
	}
	return &approvalv1.RejectApprovalResponse{Approval: f}, nil
}

// ReassignApproval forwards an assignment to another identity.
func (s *Service) ReassignApproval(ctx context.Context, req *approvalv1.ReassignApprovalRequest) (*approvalv1.ReassignApprovalResponse, error) {
	f, err := s.onFlow(ctx, req.GetId(), func(ctx context.Context, r *store.Reader, c caller, st *engine.Step) error {
		from, err := c.actAs(ctx, r, req.GetReassignFrom(), "reassignFrom")
		if err != nil {
			return err
		}
		to, err := r.Identity(ctx, req.GetReassignTo())
		if errors.Is(err, storage.ErrNotFound) {
			return apierror.InvalidField("reassignTo", "no identity %q", req.GetReassignTo())
		}
		if err != nil {
			return err
		}
		actor := from
		if c.identity != nil {
			actor = c.identity
		}
		return st.Reassign(from, to, actor, req.GetComment(), c.subject)
	})
	if err != nil {
		return nil, err
	}
	return &approvalv1.ReassignApprovalResponse{Approval: f}, nil
}

// CommentApproval comments on a flow.
func (s *Service) CommentApproval(ctx context.Context, req *approvalv1.CommentApprovalRequest) (*approvalv1.CommentApprovalResponse, error) {
	f, err := s.onFlow(ctx, req.GetId(), func(ctx context.Context, r *store.Reader, c caller, st *engine.Step) error {
		author, err := c.actAs(ctx, r, "", "author")
		if err != nil {
			return err
		}
		st.Comment(author, req.GetComment(), c.subject)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &approvalv1.CommentApprovalResponse{Approval: f}, nil
}

func (s *Service) bulk(ctx context.Context, flowIDs []string, approve bool, comment string) []*approvalv1.BulkResult {
	out := make([]*approvalv1.BulkResult, len(flowIDs))
	for i, id := range flowIDs {
		_, err := s.decide(ctx, id, approve, comment, "")
		st, _ := apierror.ToStatus(err)
		out[i] = &approvalv1.BulkResult{Id: id, Status: "OK"}
		if err != nil {
			out[i].Status, out[i].Message = codeName(st.Code()), st.Message()
		}
	}
	return out
}

func codeName(c codes.Code) string {
	name := c.String()
	out := make([]byte, 0, len(name)+4)
	for i := range len(name) {
		if i > 0 && name[i] >= 'A' && name[i] <= 'Z' {
			out = append(out, '_')
		}
		out = append(out, name[i]&^0x20)
	}
	return string(out)
}

// BulkApproveApprovals approves several flows as the caller.
func (s *Service) BulkApproveApprovals(ctx context.Context, req *approvalv1.BulkApproveApprovalsRequest) (*approvalv1.BulkApproveApprovalsResponse, error) {
	return &approvalv1.BulkApproveApprovalsResponse{Results: s.bulk(ctx, req.GetApprovalIds(), true, req.GetComment())}, nil
}

// BulkRejectApprovals rejects several flows as the caller.
func (s *Service) BulkRejectApprovals(ctx context.Context, req *approvalv1.BulkRejectApprovalsRequest) (*approvalv1.BulkRejectApprovalsResponse, error) {
	return &approvalv1.BulkRejectApprovalsResponse{Results: s.bulk(ctx, req.GetApprovalIds(), false, req.GetComment())}, nil
}

// GetApproval returns a flow with its history.
func (s *Service) GetApproval(ctx context.Context, req *approvalv1.GetApprovalRequest) (*approvalv1.GetApprovalResponse, error) {
	f, err := s.store.Read().Approval(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return &approvalv1.GetApprovalResponse{Approval: f}, nil
}

// ListApprovals lists flows: pending for an approver, or by requester, requestee or filters.
func (s *Service) ListApprovals(ctx context.Context, req *approvalv1.ListApprovalsRequest) (*approvalv1.ListApprovalsResponse, error) {
	r := s.store.Read()
	q, err := query(req.GetFilters(), store.ApprovalFilterFields, collection.NewPage(req.Limit, req.GetOffset()))
	if err != nil {
		return nil, err
	}
	c, err := callerOf(ctx, r)
	if err != nil {
		return nil, err
	}
	aq := store.ApprovalQuery{Query: q}
	switch {
	case req.GetApproverId() != "":
		ident, err := c.actAs(ctx, r, req.GetApproverId(), "approverId")
		if err != nil {
			return nil, err
		}
		aq.Assignee = ident.GetId()
	case req.GetMine() || (!c.admin && req.GetRequesterId() == "" && req.GetRequesteeId() == ""):
		ident, err := c.actAs(ctx, r, "", "mine")
		if err != nil {
			return nil, err
		}
		aq.Assignee = ident.GetId()
	}
	for field, v := range map[string]string{"requesterId": req.GetRequesterId(), "requesteeId": req.GetRequesteeId()} {
		if v == "" {
			continue
		}
		if !c.admin && (c.identity == nil || c.identity.GetId() != v) {
			return nil, status.Errorf(codes.PermissionDenied, "%s must be the caller's own identity", field)
		}
		aq.Filters = append(aq.Filters, collection.Condition{Field: field, Op: collection.OpEq, Values: []any{v}})
	}
	list, err := r.Approvals(ctx, aq)
	if err != nil {
		return nil, err
	}
	if err := setCount(ctx, req.GetCount(), func() (int, error) { return r.CountApprovals(ctx, aq) }); err != nil {
		return nil, err
	}
	return &approvalv1.ListApprovalsResponse{Approvals: list}, nil
}

// trackingNumber is the caller's trackingNumber, which the request keeps.
func trackingNumber(ctx context.Context) string {
	if n, ok := tracking.FromContext(ctx); ok {
		return n.String()
	}
	return ""
}

// newID is a fresh id.
func newID() string { return ids.New() }
