package store

import (
	"context"
	"fmt"

	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/storage"
)

// IdentityFilterFields are the fields and operators ListIdentities accepts.
var IdentityFilterFields = collection.Allowed{
	"id":        {collection.OpEq, collection.OpIn},
	"name":      {collection.OpEq, collection.OpSw},
	"subject":   {collection.OpEq},
	"managerId": {collection.OpEq},
}

var identityColumns = map[string]string{"id": "id", "name": "name", "subject": "subject", "managerId": "manager_id"}

// PutIdentity creates or replaces the identity with id's; the first creation time stays.
// A subject bound to another identity is storage.ErrConflict.
func (t *Tx) PutIdentity(ctx context.Context, id *approvalv1.Identity) error {
	doc, err := marshal(id)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx,
		`INSERT INTO identities (id, subject, name, manager_id, doc, created_us, modified_us) VALUES ($1, $2, $3, $4, $5, $6, $7)
		 ON CONFLICT (id) DO UPDATE SET subject = excluded.subject, name = excluded.name, manager_id = excluded.manager_id,
		 doc = excluded.doc, modified_us = excluded.modified_us`,
		id.GetId(), nullable(id.GetSubject()), id.GetName(), id.GetManagerId(), doc, micros(id.GetCreated()), micros(id.GetModified()))
	if err != nil {
		return fmt.Errorf("put identity %q: %w", id.GetId(), err)
	}
	return nil
}

// Identity returns the identity with id, or storage.ErrNotFound.
func (r *Reader) Identity(ctx context.Context, id string) (*approvalv1.Identity, error) {
	return getDoc(ctx, r.q, "identity", `SELECT doc FROM identities WHERE id = $1`, id, &approvalv1.Identity{})
}

// IdentityBySubject returns the identity bound to a token subject, or storage.ErrNotFound.
func (r *Reader) IdentityBySubject(ctx context.Context, subject string) (*approvalv1.Identity, error) {
	return getDoc(ctx, r.q, "identity with subject", `SELECT doc FROM identities WHERE subject = $1`, subject, &approvalv1.Identity{})
}

// Identities returns a page of identities by name.
func (r *Reader) Identities(ctx context.Context, q Query) ([]*approvalv1.Identity, error) {
	return page(ctx, r.q, "identities", "name, id", identityColumns, q, func() *approvalv1.Identity { return &approvalv1.Identity{} })
}

// CountIdentities counts the identities q's filters select.
func (r *Reader) CountIdentities(ctx context.Context, q Query) (int, error) {
	return count(ctx, r.q, "identities", identityColumns, q)
}

// DeleteIdentity deletes an identity, or storage.ErrNotFound.
func (t *Tx) DeleteIdentity(ctx context.Context, id string) error {
	return deleteRow(ctx, t.tx, "identities", "identity", id)
}

// GroupFilterFields are the fields and operators ListGroups accepts.
var GroupFilterFields = collection.Allowed{
	"id":   {collection.OpEq, collection.OpIn},
	"name": {collection.OpEq, collection.OpSw},
}

var groupColumns = map[string]string{"id": "id", "name": "name"}

// PutGroup creates or replaces the group with g's id.
func (t *Tx) PutGroup(ctx context.Context, g *approvalv1.Group) error {
	doc, err := marshal(g)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx,
		`INSERT INTO approval_groups (id, name, doc, created_us, modified_us) VALUES ($1, $2, $3, $4, $5)
		 ON CONFLICT (id) DO UPDATE SET name = excluded.name, doc = excluded.doc, modified_us = excluded.modified_us`,
		g.GetId(), g.GetName(), doc, micros(g.GetCreated()), micros(g.GetModified()))
	if err != nil {
		return fmt.Errorf("put group %q: %w", g.GetId(), err)
	}
	return nil
}

// Group returns the group with id, or storage.ErrNotFound.
func (r *Reader) Group(ctx context.Context, id string) (*approvalv1.Group, error) {
	return getDoc(ctx, r.q, "group", `SELECT doc FROM approval_groups WHERE id = $1`, id, &approvalv1.Group{})
}

// Groups returns a page of groups by name.
func (r *Reader) Groups(ctx context.Context, q Query) ([]*approvalv1.Group, error) {
	return page(ctx, r.q, "approval_groups", "name, id", groupColumns, q, func() *approvalv1.Group { return &approvalv1.Group{} })
}

// CountGroups counts the groups q's filters select.
func (r *Reader) CountGroups(ctx context.Context, q Query) (int, error) {
	return count(ctx, r.q, "approval_groups", groupColumns, q)
}

// DeleteGroup deletes a group, or storage.ErrNotFound.
func (t *Tx) DeleteGroup(ctx context.Context, id string) error {
	return deleteRow(ctx, t.tx, "approval_groups", "group", id)
}

func deleteRow(ctx context.Context, q storage.DBTX, table, what, id string) error {
	n, err := q.Exec(ctx, `DELETE FROM `+table+` WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete %s %q: %w", what, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%s %q: %w", what, id, storage.ErrNotFound)
	}
	return nil
}
