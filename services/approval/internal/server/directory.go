package server

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/approval/internal/store"
)

// mustExist reports an InvalidArgument naming field when the identity id does not exist.
func mustExist(ctx context.Context, r *store.Reader, field, id string) error {
	_, err := r.Identity(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return apierror.InvalidField(field, "no identity %q", id)
	}
	return err
}

// keepCreated keeps the creation time of the object already stored under id, if any.
func keepCreated[T interface {
	GetCreated() *timestamppb.Timestamp
}](old T, err error) (*timestamppb.Timestamp, error) {
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return old.GetCreated(), nil
}

// PutIdentity creates or replaces an identity.
func (s *Service) PutIdentity(ctx context.Context, req *approvalv1.PutIdentityRequest) (*approvalv1.PutIdentityResponse, error) {
	id := proto.CloneOf(req.GetIdentity())
	id.Id = req.GetId()
	id.Modified = s.timestamp()
	if id.GetManagerId() == id.GetId() {
		return nil, apierror.InvalidField("identity.managerId", "an identity cannot be its own manager")
	}
	err := s.store.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r := tx.Reader()
		if m := id.GetManagerId(); m != "" {
			if err := mustExist(ctx, r, "identity.managerId", m); err != nil {
				return err
			}
		}
		created, err := keepCreated(r.Identity(ctx, id.GetId()))
		if err != nil {
			return err
		}
		id.Created = created
		if id.GetCreated() == nil {
			id.Created = id.GetModified()
		}
		return tx.PutIdentity(ctx, id)
	})
	if err != nil {
		return nil, err
	}
	return &approvalv1.PutIdentityResponse{Identity: id}, nil
}

// GetIdentity returns one identity.
func (s *Service) GetIdentity(ctx context.Context, req *approvalv1.GetIdentityRequest) (*approvalv1.GetIdentityResponse, error) {
	id, err := s.store.Read().Identity(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return &approvalv1.GetIdentityResponse{Identity: id}, nil
}

// ListIdentities lists identities by name. Filters: id (eq, in), name (eq, sw), subject (eq),
// managerId (eq).
func (s *Service) ListIdentities(ctx context.Context, req *approvalv1.ListIdentitiesRequest) (*approvalv1.ListIdentitiesResponse, error) {
	q, err := query(req.GetFilters(), store.IdentityFilterFields, collection.NewPage(req.Limit, req.GetOffset()))
	if err != nil {
		return nil, err
	}
	r := s.store.Read()
	list, err := r.Identities(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := setCount(ctx, req.GetCount(), func() (int, error) { return r.CountIdentities(ctx, q) }); err != nil {
		return nil, err
	}
	return &approvalv1.ListIdentitiesResponse{Identities: list}, nil
}

// DeleteIdentity deletes an identity.
func (s *Service) DeleteIdentity(ctx context.Context, req *approvalv1.DeleteIdentityRequest) (*approvalv1.DeleteIdentityResponse, error) {
	if err := s.store.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.DeleteIdentity(ctx, req.GetId()) }); err != nil {
		return nil, err
	}
	return &approvalv1.DeleteIdentityResponse{}, nil
}

// PutGroup creates or replaces a group; its members must exist.
func (s *Service) PutGroup(ctx context.Context, req *approvalv1.PutGroupRequest) (*approvalv1.PutGroupResponse, error) {
	g := proto.CloneOf(req.GetGroup())
	g.Id = req.GetId()
	g.Modified = s.timestamp()
	err := s.store.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r := tx.Reader()
		for i, m := range g.GetMemberIds() {
			if err := mustExist(ctx, r, fmt.Sprintf("group.memberIds[%d]", i), m); err != nil {
				return err
			}
		}
		created, err := keepCreated(r.Group(ctx, g.GetId()))
		if err != nil {
			return err
		}
		g.Created = created
		if g.GetCreated() == nil {
			g.Created = g.GetModified()
		}
		return tx.PutGroup(ctx, g)
	})
	if err != nil {
		return nil, err
	}
	return &approvalv1.PutGroupResponse{Group: g}, nil
}

// GetGroup returns one group.
func (s *Service) GetGroup(ctx context.Context, req *approvalv1.GetGroupRequest) (*approvalv1.GetGroupResponse, error) {
	g, err := s.store.Read().Group(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return &approvalv1.GetGroupResponse{Group: g}, nil
}

// ListGroups lists groups by name. Filters: id (eq, in), name (eq, sw).
func (s *Service) ListGroups(ctx context.Context, req *approvalv1.ListGroupsRequest) (*approvalv1.ListGroupsResponse, error) {
	q, err := query(req.GetFilters(), store.GroupFilterFields, collection.NewPage(req.Limit, req.GetOffset()))
	if err != nil {
		return nil, err
	}
	r := s.store.Read()
	list, err := r.Groups(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := setCount(ctx, req.GetCount(), func() (int, error) { return r.CountGroups(ctx, q) }); err != nil {
		return nil, err
	}
	return &approvalv1.ListGroupsResponse{Groups: list}, nil
}

// DeleteGroup deletes a group.
func (s *Service) DeleteGroup(ctx context.Context, req *approvalv1.DeleteGroupRequest) (*approvalv1.DeleteGroupResponse, error) {
	if err := s.store.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.DeleteGroup(ctx, req.GetId()) }); err != nil {
		return nil, err
	}
	return &approvalv1.DeleteGroupResponse{}, nil
}

// checkRelationship checks that a relationship's owners exist.
func checkRelationship(ctx context.Context, r *store.Reader, rel *approvalv1.Relationship) error {
	for i, o := range rel.GetOwnerIds() {
		if err := mustExist(ctx, r, fmt.Sprintf("relationship.ownerIds[%d]", i), o); err != nil {
			return err
		}
	}
	if o := rel.GetSourceOwnerId(); o != "" {
		return mustExist(ctx, r, "relationship.sourceOwnerId", o)
	}
	return nil
}

// checkSource asks the policy service whether the relationship's source exists (before any
// transaction: a read, nothing to undo).
func (s *Service) checkSource(ctx context.Context, rel *approvalv1.Relationship) error {
	if s.sources == nil {
		return nil
	}
	return s.sources.Check(ctx, "relationship.sourceId", rel.GetSourceId())
}

// CreateRelationship creates an approvable relationship on an existing source.
func (s *Service) CreateRelationship(ctx context.Context, req *approvalv1.CreateRelationshipRequest) (*approvalv1.CreateRelationshipResponse, error) {
	rel := proto.CloneOf(req.GetRelationship())
	rel.Id = newID()
	rel.Created, rel.Modified = s.timestamp(), s.timestamp()
	if err := s.checkSource(ctx, rel); err != nil {
		return nil, err
	}
	err := s.store.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := checkRelationship(ctx, tx.Reader(), rel); err != nil {
			return err
		}
		return tx.CreateRelationship(ctx, rel)
	})
	if err != nil {
		return nil, err
	}
	return &approvalv1.CreateRelationshipResponse{Relationship: rel}, nil
}

// UpdateRelationship replaces a relationship's writable fields.
func (s *Service) UpdateRelationship(ctx context.Context, req *approvalv1.UpdateRelationshipRequest) (*approvalv1.UpdateRelationshipResponse, error) {
	rel := proto.CloneOf(req.GetRelationship())
	rel.Id = req.GetId()
	rel.Modified = s.timestamp()
	if err := s.checkSource(ctx, rel); err != nil {
		return nil, err
	}
	var out *approvalv1.Relationship
	err := s.store.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := checkRelationship(ctx, tx.Reader(), rel); err != nil {
			return err
		}
		var err error
		out, err = tx.UpdateRelationship(ctx, rel)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &approvalv1.UpdateRelationshipResponse{Relationship: out}, nil
}

// GetRelationship returns one relationship.
func (s *Service) GetRelationship(ctx context.Context, req *approvalv1.GetRelationshipRequest) (*approvalv1.GetRelationshipResponse, error) {
	rel, err := s.store.Read().Relationship(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return &approvalv1.GetRelationshipResponse{Relationship: rel}, nil
}

// ListRelationships lists relationships by name. Filters: id (eq, in), name (eq, sw),
// sourceId (eq, in).
func (s *Service) ListRelationships(ctx context.Context, req *approvalv1.ListRelationshipsRequest) (*approvalv1.ListRelationshipsResponse, error) {
	q, err := query(req.GetFilters(), store.RelationshipFilterFields, collection.NewPage(req.Limit, req.GetOffset()))
	if err != nil {
		return nil, err
	}
	r := s.store.Read()
	list, err := r.Relationships(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := setCount(ctx, req.GetCount(), func() (int, error) { return r.CountRelationships(ctx, q) }); err != nil {
		return nil, err
	}
	return &approvalv1.ListRelationshipsResponse{Relationships: list}, nil
}

// DeleteRelationship deletes a relationship and its chains; refused (409) while flows refer
// to it.
func (s *Service) DeleteRelationship(ctx context.Context, req *approvalv1.DeleteRelationshipRequest) (*approvalv1.DeleteRelationshipResponse, error) {
	if err := s.store.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.DeleteRelationship(ctx, req.GetId()) }); err != nil {
		return nil, err
	}
	return &approvalv1.DeleteRelationshipResponse{}, nil
}

// checkChain checks that a chain's group, approvers and fallback chains exist, and that a
// relationship has one default chain.
func checkChain(ctx context.Context, r *store.Reader, c *approvalv1.ApprovalChain) error {
	if g := c.GetGroupId(); g != "" {
		if _, err := r.Group(ctx, g); errors.Is(err, storage.ErrNotFound) {
			return apierror.InvalidField("approvalChain.groupId", "no group %q", g)
		} else if err != nil {
			return err
		}
	} else {
		chains, err := r.AllChains(ctx, c.GetRelationshipId())
		if err != nil {
			return err
		}
		for _, other := range chains {
			if other.GetGroupId() == "" && other.GetId() != c.GetId() {
				return apierror.InvalidField("approvalChain.groupId", "relationship %s already has a default chain (%s): set groupId", c.GetRelationshipId(), other.GetId())
			}
		}
	}
	for i, l := range c.GetLevels() {
		for j, a := range l.GetApprovers() {
			field := fmt.Sprintf("approvalChain.levels[%d].approvers[%d]", i, j)
			switch a.GetType() {
			case "USER":
				if err := mustExist(ctx, r, field+".id", a.GetId()); err != nil {
					return err
				}
			case "GROUP":
				if _, err := r.Group(ctx, a.GetId()); errors.Is(err, storage.ErrNotFound) {
					return apierror.InvalidField(field+".id", "no group %q", a.GetId())
				} else if err != nil {
					return err
				}
			}
		}
		if e := l.GetEscalationConfig(); e.GetEnabled() {
			field := fmt.Sprintf("approvalChain.levels[%d].escalationConfig", i)
			if e.GetAfter() == nil {
				return apierror.InvalidField(field+".after", "required when escalation is enabled")
			}
			fb, err := r.Chain(ctx, e.GetFallbackChainId())
			if errors.Is(err, storage.ErrNotFound) || (err == nil && fb.GetRelationshipId() != c.GetRelationshipId()) {
				return apierror.InvalidField(field+".fallbackChainId", "no chain %q of this relationship", e.GetFallbackChainId())
			}
			if err != nil {
				return err
			}
		}
		if t := l.GetTimeoutConfig(); t.GetEnabled() && t.GetAfter() == nil {
			return apierror.InvalidField(fmt.Sprintf("approvalChain.levels[%d].timeoutConfig.after", i), "required when the timeout is enabled")
		}
		if rc := l.GetReminderConfig(); rc.GetEnabled() && rc.GetInterval() == nil {
			return apierror.InvalidField(fmt.Sprintf("approvalChain.levels[%d].reminderConfig.interval", i), "required when reminders are enabled")
		}
	}
	return nil
}

// CreateApprovalChain creates a chain for a relationship.
func (s *Service) CreateApprovalChain(ctx context.Context, req *approvalv1.CreateApprovalChainRequest) (*approvalv1.CreateApprovalChainResponse, error) {
	c := proto.CloneOf(req.GetApprovalChain())
	c.Id = newID()
	c.RelationshipId = req.GetRelationshipId()
	c.Created, c.Modified = s.timestamp(), s.timestamp()
	err := s.store.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r := tx.Reader()
		if _, err := r.Relationship(ctx, c.GetRelationshipId()); err != nil {
			return err
		}
		if err := checkChain(ctx, r, c); err != nil {
			return err
		}
		return tx.CreateChain(ctx, c)
	})
	if err != nil {
		return nil, err
	}
	return &approvalv1.CreateApprovalChainResponse{ApprovalChain: c}, nil
}

// UpdateApprovalChain replaces a chain's writable fields. Flows already on the chain read the
// new levels from their next level on.
func (s *Service) UpdateApprovalChain(ctx context.Context, req *approvalv1.UpdateApprovalChainRequest) (*approvalv1.UpdateApprovalChainResponse, error) {
	c := proto.CloneOf(req.GetApprovalChain())
	c.Id = req.GetId()
	c.Modified = s.timestamp()
	var out *approvalv1.ApprovalChain
	err := s.store.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r := tx.Reader()
		old, err := r.Chain(ctx, c.GetId())
		if err != nil {
			return err
		}
		c.RelationshipId = old.GetRelationshipId()
		if err := checkChain(ctx, r, c); err != nil {
			return err
		}
		out, err = tx.UpdateChain(ctx, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &approvalv1.UpdateApprovalChainResponse{ApprovalChain: out}, nil
}

// GetApprovalChain returns one chain.
func (s *Service) GetApprovalChain(ctx context.Context, req *approvalv1.GetApprovalChainRequest) (*approvalv1.GetApprovalChainResponse, error) {
	c, err := s.store.Read().Chain(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return &approvalv1.GetApprovalChainResponse{ApprovalChain: c}, nil
}

// ListApprovalChains lists a relationship's chains: the default first, then by priority.
// Filters: id (eq, in), groupId (eq).
func (s *Service) ListApprovalChains(ctx context.Context, req *approvalv1.ListApprovalChainsRequest) (*approvalv1.ListApprovalChainsResponse, error) {
	q, err := query(req.GetFilters(), store.ChainFilterFields, collection.NewPage(req.Limit, req.GetOffset()))
	if err != nil {
		return nil, err
	}
	r := s.store.Read()
	if _, err := r.Relationship(ctx, req.GetRelationshipId()); err != nil {
		return nil, err
	}
	list, err := r.Chains(ctx, req.GetRelationshipId(), q)
	if err != nil {
		return nil, err
	}
	if err := setCount(ctx, req.GetCount(), func() (int, error) { return r.CountChains(ctx, req.GetRelationshipId(), q) }); err != nil {
		return nil, err
	}
	return &approvalv1.ListApprovalChainsResponse{ApprovalChains: list}, nil
}

// DeleteApprovalChain deletes a chain. Flows on it keep their history but cannot move to a
// further level (they fail when they try).
func (s *Service) DeleteApprovalChain(ctx context.Context, req *approvalv1.DeleteApprovalChainRequest) (*approvalv1.DeleteApprovalChainResponse, error) {
	if err := s.store.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.DeleteChain(ctx, req.GetId()) }); err != nil {
		return nil, err
	}
	return &approvalv1.DeleteApprovalChainResponse{}, nil
}
