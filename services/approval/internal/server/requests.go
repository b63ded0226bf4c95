package server

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/approval/internal/engine"
	"github.com/accessflow/accessflow/services/approval/internal/events"
	"github.com/accessflow/accessflow/services/approval/internal/store"
)

// CreateAccessRequest stores the request and starts one approval flow per relationship, with
// the jobs they cause and the idn:access-requested event, in one transaction. With an
// idempotency key it creates one request per key: a repeated call answers the first one.
func (s *Service) CreateAccessRequest(ctx context.Context, in *approvalv1.CreateAccessRequestRequest) (*approvalv1.CreateAccessRequestResponse, error) {
	key := in.GetIdempotencyKey()
	if key != "" {
		prior, err := s.store.Read().RequestByKey(ctx, key)
		if err == nil {
			return sameRequest(prior, in.GetAccessRequest())
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
	}
	out, err := s.createAccessRequest(ctx, in.GetAccessRequest(), key)
	if key != "" && errors.Is(err, storage.ErrConflict) {
		// A concurrent call with the same key created it first.
		prior, rerr := s.store.Read().RequestByKey(ctx, key)
		if rerr != nil {
			return nil, rerr
		}
		return sameRequest(prior, in.GetAccessRequest())
	}
	return out, err
}

// sameRequest answers prior, created earlier with the idempotency key of asked, when asked is
// the same request (an unset requester is the same as any).
func sameRequest(prior, asked *approvalv1.AccessRequest) (*approvalv1.CreateAccessRequestResponse, error) {
	if prior.GetRequestType() != asked.GetRequestType() || prior.GetRecipientId() != asked.GetRecipientId() ||
		(asked.GetRequesterId() != "" && prior.GetRequesterId() != asked.GetRequesterId()) ||
		!slices.Equal(prior.GetRelationshipIds(), asked.GetRelationshipIds()) {
		return nil, status.Errorf(codes.FailedPrecondition, "idempotency key already used by access request %s, which asked for something else", prior.GetId())
	}
	return &approvalv1.CreateAccessRequestResponse{AccessRequest: prior}, nil
}

func (s *Service) createAccessRequest(ctx context.Context, asked *approvalv1.AccessRequest, key string) (*approvalv1.CreateAccessRequestResponse, error) {
	req := proto.CloneOf(asked)
	now := s.clock()
	req.Id = newID()
	req.Created = s.timestamp()
	req.TrackingNumber = trackingNumber(ctx)
	req.ApprovalIds = nil
	if e := req.GetEndDate(); e != nil && !e.AsTime().After(now) {
		return nil, apierror.InvalidField("accessRequest.endDate", "must be in the future")
	}
	err := s.store.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r := tx.Reader()
		c, err := callerOf(ctx, r)
		if err != nil {
			return err
		}
		requester, err := c.actAs(ctx, r, req.GetRequesterId(), "accessRequest.requesterId")
		if err != nil {
			return err
		}
		req.RequesterId = requester.GetId()
		recipient, err := r.Identity(ctx, req.GetRecipientId())
		if errors.Is(err, storage.ErrNotFound) {
			return apierror.InvalidField("accessRequest.recipientId", "no identity %q", req.GetRecipientId())
		}
		if err != nil {
			return err
		}
		rels := make([]*approvalv1.Relationship, len(req.GetRelationshipIds()))
		chains := make([]*approvalv1.ApprovalChain, len(rels))
		for i, id := range req.GetRelationshipIds() {
			field := fmt.Sprintf("accessRequest.relationshipIds[%d]", i)
			if rels[i], chains[i], err = s.chainFor(ctx, r, id, field, req, recipient); err != nil {
				return err
			}
		}
		req.ApprovalIds = make([]string, len(rels))
		for i := range rels {
			req.ApprovalIds[i] = newID()
		}
		if err := tx.InsertRequest(ctx, req, key); err != nil {
			return err
		}
		for i, rel := range rels {
			f := &approvalv1.Approval{
				Id:              req.GetApprovalIds()[i],
				Type:            "ACCESS_REQUEST_APPROVAL",
				Operation:       req.GetRequestType(),
				IsRevoke:        req.GetRequestType() == engine.Revoke,
				Name:            fmt.Sprintf("%s %s for %s", req.GetRequestType(), rel.GetName(), recipient.GetName()),
				AccessRequestId: req.GetId(),
				RelationshipId:  rel.GetId(),
				Requester:       engine.ApprovalIdentity(requester),
				Requestee:       engine.ApprovalIdentity(recipient),
				TrackingNumber:  req.GetTrackingNumber(),
			}
			if req.GetEndDate() != nil && req.GetRequestType() == engine.Grant {
				f.Grant = &approvalv1.Grant{ExpiresAt: req.GetEndDate()}
			}
			st := &engine.Step{Flow: f, Relationship: rel, Dir: r, Now: now}
			if err := st.Start(ctx, chains[i]); err != nil {
				return err
			}
			// This call's span is the parent of every job the flow causes later (jobs.Caused).
			if err := tx.InsertFlow(ctx, f, jobs.Traceparent(ctx)); err != nil {
				return err
			}
			if err := apply(ctx, tx, st, req); err != nil {
				return err
			}
		}
		job, err := events.Requested(req, engine.ApprovalIdentity(requester), engine.ApprovalIdentity(recipient), rels)
		if err != nil {
			return err
		}
		return tx.InsertJob(ctx, job, nil)
	})
	if err != nil {
		return nil, err
	}
	return &approvalv1.CreateAccessRequestResponse{AccessRequest: req}, nil
}

// chainFor checks that relationship id may be requested as req asks and picks its chain: the
// first group chain (by priority) whose group holds the recipient, else the default.
func (s *Service) chainFor(ctx context.Context, r *store.Reader, id, field string, req *approvalv1.AccessRequest, recipient *approvalv1.Identity) (*approvalv1.Relationship, *approvalv1.ApprovalChain, error) {
	rel, err := r.Relationship(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, apierror.InvalidField(field, "no approvable relationship %q", id)
	}
	if err != nil {
		return nil, nil, err
	}
	switch {
	case req.GetRequestType() == engine.Grant && !rel.GetRequestable():
		return nil, nil, apierror.InvalidField(field, "relationship %q is not requestable", id)
	case req.GetRequestType() == engine.Revoke && !rel.GetRevocable():
		return nil, nil, apierror.InvalidField(field, "relationship %q is not revocable", id)
	case rel.GetRequestCommentRequired() && req.GetComment() == "":
		return nil, nil, apierror.InvalidField("accessRequest.comment", "relationship %q requires a comment", id)
	}
	chains, err := r.AllChains(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var def *approvalv1.ApprovalChain
	for _, c := range chains { // the default (no group) sorts first, then by priority
		if c.GetGroupId() == "" {
			def = c
			continue
		}
		g, err := r.Group(ctx, c.GetGroupId())
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if slices.Contains(g.GetMemberIds(), recipient.GetId()) {
			return rel, c, nil
		}
	}
	if def == nil {
		return nil, nil, apierror.InvalidField(field, "relationship %q has no default approval chain", id)
	}
	return rel, def, nil
}

// GetAccessRequest returns one access request.
func (s *Service) GetAccessRequest(ctx context.Context, req *approvalv1.GetAccessRequestRequest) (*approvalv1.GetAccessRequestResponse, error) {
	ar, err := s.store.Read().Request(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return &approvalv1.GetAccessRequestResponse{AccessRequest: ar}, nil
}

// ListAccessRequests lists access requests, newest first.
func (s *Service) ListAccessRequests(ctx context.Context, req *approvalv1.ListAccessRequestsRequest) (*approvalv1.ListAccessRequestsResponse, error) {
	q, err := query(req.GetFilters(), store.RequestFilterFields, collection.NewPage(req.Limit, req.GetOffset()))
	if err != nil {
		return nil, err
	}
	r := s.store.Read()
	list, err := r.Requests(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := setCount(ctx, req.GetCount(), func() (int, error) { return r.CountRequests(ctx, q) }); err != nil {
		return nil, err
	}
	return &approvalv1.ListAccessRequestsResponse{AccessRequests: list}, nil
}

// CancelAccessRequest cancels the pending flows of a request, as its requester.
func (s *Service) CancelAccessRequest(ctx context.Context, req *approvalv1.CancelAccessRequestRequest) (*approvalv1.CancelAccessRequestResponse, error) {
	var ar *approvalv1.AccessRequest
	err := s.store.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r := tx.Reader()
		var err error
		if ar, err = r.Request(ctx, req.GetId()); err != nil {
			return err
		}
		c, err := callerOf(ctx, r)
		if err != nil {
			return err
		}
		actor, err := c.actAs(ctx, r, req.GetRequesterId(), "requesterId")
		if err != nil {
			return err
		}
		if actor.GetId() != ar.GetRequesterId() {
			return status.Errorf(codes.PermissionDenied, "only the requester (%s) may cancel access request %s", ar.GetRequesterId(), ar.GetId())
		}
		cancelled := 0
		for _, id := range ar.GetApprovalIds() {
			f, err := tx.Flow(ctx, id)
			if err != nil {
				return err
			}
			st := &engine.Step{Flow: f.Approval, Dir: r, Now: s.clock()}
			if !st.Cancel(actor, req.GetComment(), c.subject) {
				continue
			}
			cancelled++
			if err := tx.SaveFlow(ctx, f); err != nil {
				return err
			}
		}
		if cancelled == 0 {
			return status.Errorf(codes.FailedPrecondition, "access request %s has no pending approval to cancel", ar.GetId())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &approvalv1.CancelAccessRequestResponse{AccessRequest: ar}, nil
}
