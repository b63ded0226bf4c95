package store

import (
	"context"
	"fmt"

	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	"github.com/accessflow/accessflow/pkg/collection"
)

// RelationshipFilterFields are the fields and operators ListRelationships accepts.
var RelationshipFilterFields = collection.Allowed{
	"id":       {collection.OpEq, collection.OpIn},
	"name":     {collection.OpEq, collection.OpSw},
	"sourceId": {collection.OpEq, collection.OpIn},
}

var relationshipColumns = map[string]string{"id": "id", "name": "name", "sourceId": "source_id"}

// CreateRelationship stores a new relationship.
func (t *Tx) CreateRelationship(ctx context.Context, r *approvalv1.Relationship) error {
	doc, err := marshal(r)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx,
		`INSERT INTO relationships (id, name, source_id, doc, created_us, modified_us) VALUES ($1, $2, $3, $4, $5, $6)`,
		r.GetId(), r.GetName(), r.GetSourceId(), doc, micros(r.GetCreated()), micros(r.GetModified()))
	if err != nil {
		return fmt.Errorf("create relationship: %w", err)
	}
	return nil
}

// UpdateRelationship replaces a relationship, keeping its creation time; storage.ErrNotFound
// when there is none.
func (t *Tx) UpdateRelationship(ctx context.Context, r *approvalv1.Relationship) (*approvalv1.Relationship, error) {
	old, err := t.Reader().Relationship(ctx, r.GetId())
	if err != nil {
		return nil, err
	}
	r.Created = old.GetCreated()
	doc, err := marshal(r)
	if err != nil {
		return nil, err
	}
	if _, err := t.tx.Exec(ctx, `UPDATE relationships SET name = $2, source_id = $3, doc = $4, modified_us = $5 WHERE id = $1`,
		r.GetId(), r.GetName(), r.GetSourceId(), doc, micros(r.GetModified())); err != nil {
		return nil, fmt.Errorf("update relationship: %w", err)
	}
	return r, nil
}

// Relationship returns the relationship with id, or storage.ErrNotFound.
func (r *Reader) Relationship(ctx context.Context, id string) (*approvalv1.Relationship, error) {
	return getDoc(ctx, r.q, "relationship", `SELECT doc FROM relationships WHERE id = $1`, id, &approvalv1.Relationship{})
}

// Relationships returns a page of relationships by name.
func (r *Reader) Relationships(ctx context.Context, q Query) ([]*approvalv1.Relationship, error) {
	return page(ctx, r.q, "relationships", "name, id", relationshipColumns, q, func() *approvalv1.Relationship { return &approvalv1.Relationship{} })
}

// CountRelationships counts the relationships q's filters select.
func (r *Reader) CountRelationships(ctx context.Context, q Query) (int, error) {
	return count(ctx, r.q, "relationships", relationshipColumns, q)
}

// DeleteRelationship deletes a relationship and its chains; storage.ErrConflict while flows
// refer to it.
func (t *Tx) DeleteRelationship(ctx context.Context, id string) error {
	return deleteRow(ctx, t.tx, "relationships", "relationship", id)
}

// ChainFilterFields are the fields and operators ListApprovalChains accepts.
var ChainFilterFields = collection.Allowed{
	"id":      {collection.OpEq, collection.OpIn},
	"groupId": {collection.OpEq},
}

var chainColumns = map[string]string{"id": "id", "groupId": "group_id", "relationshipId": "relationship_id"}

// CreateChain stores a new chain; storage.ErrConflict when its relationship does not exist.
func (t *Tx) CreateChain(ctx context.Context, c *approvalv1.ApprovalChain) error {
	doc, err := marshal(c)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx,
		`INSERT INTO chains (id, relationship_id, group_id, priority, doc, created_us, modified_us) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.GetId(), c.GetRelationshipId(), c.GetGroupId(), c.GetPriority(), doc, micros(c.GetCreated()), micros(c.GetModified()))
	if err != nil {
		return fmt.Errorf("create chain: %w", err)
	}
	return nil
}

// UpdateChain replaces a chain, keeping its relationship and creation time.
func (t *Tx) UpdateChain(ctx context.Context, c *approvalv1.ApprovalChain) (*approvalv1.ApprovalChain, error) {
	old, err := t.Reader().Chain(ctx, c.GetId())
	if err != nil {
		return nil, err
	}
	c.Created, c.RelationshipId = old.GetCreated(), old.GetRelationshipId()
	doc, err := marshal(c)
	if err != nil {
		return nil, err
	}
	if _, err := t.tx.Exec(ctx, `UPDATE chains SET group_id = $2, priority = $3, doc = $4, modified_us = $5 WHERE id = $1`,
		c.GetId(), c.GetGroupId(), c.GetPriority(), doc, micros(c.GetModified())); err != nil {
		return nil, fmt.Errorf("update chain: %w", err)
	}
	return c, nil
}

// Chain returns the chain with id, or storage.ErrNotFound.
func (r *Reader) Chain(ctx context.Context, id string) (*approvalv1.ApprovalChain, error) {
	return getDoc(ctx, r.q, "approval chain", `SELECT doc FROM chains WHERE id = $1`, id, &approvalv1.ApprovalChain{})
}

// Chains returns a page of a relationship's chains: the default first, then by priority.
func (r *Reader) Chains(ctx context.Context, relationshipID string, q Query) ([]*approvalv1.ApprovalChain, error) {
	q.Filters = append([]collection.Condition{{Field: "relationshipId", Op: collection.OpEq, Values: []any{relationshipID}}}, q.Filters...)
	return page(ctx, r.q, "chains", "CASE WHEN group_id = '' THEN 0 ELSE 1 END, priority, id", chainColumns, q, func() *approvalv1.ApprovalChain { return &approvalv1.ApprovalChain{} })
}

// CountChains counts a relationship's chains that q's filters select.
func (r *Reader) CountChains(ctx context.Context, relationshipID string, q Query) (int, error) {
	q.Filters = append([]collection.Condition{{Field: "relationshipId", Op: collection.OpEq, Values: []any{relationshipID}}}, q.Filters...)
	return count(ctx, r.q, "chains", chainColumns, q)
}

// DeleteChain deletes a chain, or storage.ErrNotFound.
func (t *Tx) DeleteChain(ctx context.Context, id string) error {
	return deleteRow(ctx, t.tx, "chains", "approval chain", id)
}

// AllChains returns every chain of a relationship (the default first, then by priority).
func (r *Reader) AllChains(ctx context.Context, relationshipID string) ([]*approvalv1.ApprovalChain, error) {
	return listDocs(ctx, r.q, "chains", `SELECT doc FROM chains WHERE relationship_id = $1 ORDER BY CASE WHEN group_id = '' THEN 0 ELSE 1 END, priority, id`,
		[]any{relationshipID}, func() *approvalv1.ApprovalChain { return &approvalv1.ApprovalChain{} })
}
