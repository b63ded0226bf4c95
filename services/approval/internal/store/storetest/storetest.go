// Package storetest is the conformance suite of the approval store: every backend runs it.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/approval/internal/store"
)

// NewStore returns an empty store on a fresh database of the backend under test.
type NewStore func(t *testing.T) *store.Store

// Run runs every conformance test against stores made by newStore.
func Run(t *testing.T, newStore NewStore) {
	t.Run("IdentityUpsertAndSubject", func(t *testing.T) { testIdentities(t, newStore(t)) })
	t.Run("GroupsListFilterPage", func(t *testing.T) { testGroups(t, newStore(t)) })
	t.Run("RelationshipsAndChains", func(t *testing.T) { testRelationshipsAndChains(t, newStore(t)) })
	t.Run("FlowsAndAssignees", func(t *testing.T) { testFlows(t, newStore(t)) })
	t.Run("RequestIdempotencyKey", func(t *testing.T) { testRequestKey(t, newStore(t)) })
	t.Run("ConcurrentFlowWrites", func(t *testing.T) { testConcurrentFlowWrites(t, newStore(t)) })
	t.Run("RollbackKeepsNothing", func(t *testing.T) { testRollback(t, newStore(t)) })
	t.Run("ConcurrentFailuresRollBackAlone", func(t *testing.T) { testConcurrentFailures(t, newStore(t)) })
}

// filedBy is the traceparent of a call that filed an access request.
const filedBy = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

var when = timestamppb.New(time.Date(2026, 11, 25, 10, 0, 0, 123_000_000, time.UTC))

func inTx(t *testing.T, s *store.Store, fn func(ctx context.Context, tx *store.Tx) error) error {
	t.Helper()
	return s.InTx(t.Context(), fn)
}

func identity(id, subject string) *approvalv1.Identity {
	attrs, _ := structpb.NewStruct(map[string]any{"department": "sales"})
	return &approvalv1.Identity{Id: id, Name: "name " + id, Email: id + "@example.com", Subject: subject, Attributes: attrs, Created: when, Modified: when}
}

func testIdentities(t *testing.T, s *store.Store) {
	ctx := t.Context()
	want := identity("alice", "client:alice")
	require.NoError(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error { return tx.PutIdentity(ctx, want) }))
	got, err := s.Read().Identity(ctx, "alice")
	require.NoError(t, err)
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("Identity (-want +got):\n%s", diff)
	}
	bySubject, err := s.Read().IdentityBySubject(ctx, "client:alice")
	require.NoError(t, err)
	require.Equal(t, "alice", bySubject.GetId())

	// Upsert replaces; a subject is bound to one identity only; unbound identities share none.
	want.Name = "Alice"
	require.NoError(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error { return tx.PutIdentity(ctx, want) }))
	got, err = s.Read().Identity(ctx, "alice")
	require.NoError(t, err)
	require.Equal(t, "Alice", got.GetName())
	err = inTx(t, s, func(ctx context.Context, tx *store.Tx) error {
		return tx.PutIdentity(ctx, identity("bob", "client:alice"))
	})
	require.ErrorIs(t, err, storage.ErrConflict)
	for _, id := range []string{"bob", "carol"} {
		require.NoError(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error { return tx.PutIdentity(ctx, identity(id, "")) }))
	}
	_, err = s.Read().IdentityBySubject(ctx, "")
	require.ErrorIs(t, err, storage.ErrNotFound)

	for _, id := range []string{"nobody", "'; DROP TABLE identities; --", "%"} {
		_, err := s.Read().Identity(ctx, id)
		require.ErrorIs(t, err, storage.ErrNotFound, id)
		require.ErrorIs(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error { return tx.DeleteIdentity(ctx, id) }), storage.ErrNotFound)
	}
	list, err := s.Read().Identities(ctx, store.Query{Page: collection.Page{Limit: 2}})
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "alice", list[0].GetId(), "by name: Alice < name bob")
	n, err := s.Read().CountIdentities(ctx, store.Query{})
	require.NoError(t, err)
	require.Equal(t, 3, n)
}

func testGroups(t *testing.T, s *store.Store) {
	ctx := t.Context()
	for i, name := range []string{"sales", "sales ops", "engineering", "50%_off"} {
		g := &approvalv1.Group{Id: fmt.Sprintf("g%d", i), Name: name, MemberIds: []string{"a", "b"}, Created: when, Modified: when}
		require.NoError(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error { return tx.PutGroup(ctx, g) }))
	}
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{`name sw "sales"`, []string{"g0", "g1"}},
		{`name sw "50%"`, []string{"g3"}},
		{`name sw "5_"`, nil},
		{`id in ("g2", "g0")`, []string{"g2", "g0"}},
		{`name eq "engineering"`, []string{"g2"}},
	} {
		conds, err := collection.ParseFilters(tc.filter, store.GroupFilterFields)
		require.NoError(t, err)
		q := store.Query{Filters: conds, Page: collection.Page{Limit: 10}}
		list, err := s.Read().Groups(ctx, q)
		require.NoError(t, err)
		var got []string
		for _, g := range list {
			got = append(got, g.GetId())
		}
		require.Equal(t, tc.want, got, tc.filter)
		n, err := s.Read().CountGroups(ctx, q)
		require.NoError(t, err)
		require.Equal(t, len(tc.want), n, tc.filter)
	}
	page, err := s.Read().Groups(ctx, store.Query{Page: collection.Page{Limit: 2, Offset: 2}})
	require.NoError(t, err)
	require.Len(t, page, 2)
	require.Equal(t, "sales", page[0].GetName())
}

func relationship() *approvalv1.Relationship {
	return &approvalv1.Relationship{
		Id: ids.New(), Name: "member of sales", SourceId: "corp-ad", TargetKind: "GROUP", TargetId: "cn=sales",
		ProvisioningChainId: "p", DeprovisioningChainId: "d", Requestable: true, Created: when, Modified: when,
	}
}

func testRelationshipsAndChains(t *testing.T, s *store.Store) {
	ctx := t.Context()
	rel := relationship()
	require.NoError(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error { return tx.CreateRelationship(ctx, rel) }))
	chain := func(group string, priority int32) *approvalv1.ApprovalChain {
		return &approvalv1.ApprovalChain{
			Id: ids.New(), RelationshipId: rel.GetId(), Name: "c" + group, GroupId: group, Priority: priority,
			Levels: []*approvalv1.ApprovalLevel{{Approvers: []*approvalv1.Approver{{Type: "MANAGER_OF_RECIPIENT"}}}}, Created: when, Modified: when,
		}
	}
	late, def, early := chain("g1", 5), chain("", 0), chain("g2", 1)
	for _, c := range []*approvalv1.ApprovalChain{late, def, early} {
		require.NoError(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error { return tx.CreateChain(ctx, c) }))
	}
	all, err := s.Read().AllChains(ctx, rel.GetId())
	require.NoError(t, err)
	require.Equal(t, []string{def.GetId(), early.GetId(), late.GetId()}, []string{all[0].GetId(), all[1].GetId(), all[2].GetId()},
		"the default first, then by priority")

	orphan := chain("", 0)
	orphan.RelationshipId = "missing"
	require.ErrorIs(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error { return tx.CreateChain(ctx, orphan) }), storage.ErrConflict)

	changed := chain("g9", 7)
	changed.Id, changed.RelationshipId, changed.Created = late.GetId(), "other", timestamppb.New(time.Unix(0, 0))
	require.NoError(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error { _, err := tx.UpdateChain(ctx, changed); return err }))
	got, err := s.Read().Chain(ctx, late.GetId())
	require.NoError(t, err)
	require.Equal(t, "g9", got.GetGroupId())
	require.Equal(t, rel.GetId(), got.GetRelationshipId(), "a chain stays with its relationship")
	require.True(t, when.AsTime().Equal(got.GetCreated().AsTime()))

	require.NoError(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error { return tx.DeleteRelationship(ctx, rel.GetId()) }))
	_, err = s.Read().Chain(ctx, def.GetId())
	require.ErrorIs(t, err, storage.ErrNotFound, "chains go with their relationship")
}

func newFlow(rel, request string, assignees ...string) *approvalv1.Approval {
	f := &approvalv1.Approval{
		Id: ids.New(), Status: "PENDING", AccessRequestId: request, RelationshipId: rel, Operation: "GRANT",
		Requester: &approvalv1.ApprovalIdentity{IdentityId: "alice"}, Requestee: &approvalv1.ApprovalIdentity{IdentityId: "alice"},
		CreatedDate: when, ModifiedDate: when,
	}
	for _, a := range assignees {
		f.Approvers = append(f.Approvers, &approvalv1.ApprovalIdentity{IdentityId: a})
	}
	return f
}

func setupRequest(t *testing.T, s *store.Store) (rel, request string) {
	t.Helper()
	r := relationship()
	req := &approvalv1.AccessRequest{Id: ids.New(), RequestType: "GRANT", RequesterId: "alice", RecipientId: "alice", RelationshipIds: []string{r.GetId()}, Created: when}
	require.NoError(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error {
		if err := tx.CreateRelationship(ctx, r); err != nil {
			return err
		}
		return tx.InsertRequest(ctx, req, "")
	}))
	return r.GetId(), req.GetId()
}

// testRequestKey: a request's idempotency key finds it, and a second request with the key is a
// conflict that stores nothing; requests without a key do not clash.
func testRequestKey(t *testing.T, s *store.Store) {
	ctx := t.Context()
	rel, _ := setupRequest(t, s) // no key
	newReq := func() *approvalv1.AccessRequest {
		return &approvalv1.AccessRequest{Id: ids.New(), RequestType: "GRANT", RequesterId: "alice", RecipientId: "alice", RelationshipIds: []string{rel}, Created: when, TrackingNumber: "tn-1"}
	}
	first := newReq()
	require.NoError(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error { return tx.InsertRequest(ctx, first, "event-1/sub-1") }))
	require.NoError(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error { return tx.InsertRequest(ctx, newReq(), "") }))
	err := inTx(t, s, func(ctx context.Context, tx *store.Tx) error { return tx.InsertRequest(ctx, newReq(), "event-1/sub-1") })
	require.ErrorIs(t, err, storage.ErrConflict)
	got, err := s.Read().RequestByKey(ctx, "event-1/sub-1")
	require.NoError(t, err)
	require.Equal(t, first.GetId(), got.GetId())
	_, err = s.Read().RequestByKey(ctx, "event-2/sub-1")
	require.ErrorIs(t, err, storage.ErrNotFound)
	n, err := s.Read().CountRequests(ctx, store.Query{})
	require.NoError(t, err)
	require.Equal(t, 3, n)
}

func testFlows(t *testing.T, s *store.Store) {
	ctx := t.Context()
	rel, request := setupRequest(t, s)
	a, b := newFlow(rel, request, "mgr"), newFlow(rel, request, "mgr", "g1")
	require.NoError(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error {
		if err := tx.InsertFlow(ctx, a, filedBy); err != nil {
			return err
		}
		return tx.InsertFlow(ctx, b, "")
	}))
	pending := func(who string) []string {
		list, err := s.Read().Approvals(ctx, store.ApprovalQuery{Assignee: who, Query: store.Query{Page: collection.Page{Limit: 10}}})
		require.NoError(t, err)
		var out []string
		for _, f := range list {
			out = append(out, f.GetId())
		}
		return out
	}
	require.ElementsMatch(t, []string{a.GetId(), b.GetId()}, pending("mgr"))
	require.Equal(t, []string{b.GetId()}, pending("g1"))

	// A flow keeps the traceparent of the call that filed it (none for b) across writes.
	traceparents := func() (string, string) {
		var ta, tb string
		require.NoError(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error {
			fa, err := tx.Flow(ctx, a.GetId())
			if err != nil {
				return err
			}
			fb, err := tx.Flow(ctx, b.GetId())
			ta, tb = fa.Traceparent, fb.Traceparent
			return err
		}))
		return ta, tb
	}
	ta, tb := traceparents()
	require.Equal(t, filedBy, ta)
	require.Empty(t, tb)

	// A write moves the assignees with the flow.
	require.NoError(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error {
		f, err := tx.Flow(ctx, b.GetId())
		if err != nil {
			return err
		}
		f.Approvers = f.Approvers[1:]
		f.Status = "REVIEW_PENDING"
		return tx.SaveFlow(ctx, f)
	}))
	require.Equal(t, []string{a.GetId()}, pending("mgr"))
	require.NoError(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error {
		f, err := tx.Flow(ctx, a.GetId())
		if err != nil {
			return err
		}
		f.Name = "renamed"
		return tx.SaveFlow(ctx, f)
	}))
	ta, _ = traceparents()
	require.Equal(t, filedBy, ta, "a write keeps the traceparent")
	conds, err := collection.ParseFilters(`status eq "REVIEW_PENDING"`, store.ApprovalFilterFields)
	require.NoError(t, err)
	n, err := s.Read().CountApprovals(ctx, store.ApprovalQuery{Assignee: "g1", Query: store.Query{Filters: conds}})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	flows, err := s.Read().FlowIDsOfRequest(ctx, request)
	require.NoError(t, err)
	require.Len(t, flows, 2)
	require.ErrorIs(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error { return tx.DeleteRelationship(ctx, rel) }), storage.ErrConflict,
		"a relationship with flows cannot be deleted")
}

// testConcurrentFlowWrites has many writers append to one flow at once: optimistic concurrency
// retries the losers, and no write is lost.
func testConcurrentFlowWrites(t *testing.T, s *store.Store) {
	rel, request := setupRequest(t, s)
	f := newFlow(rel, request)
	require.NoError(t, inTx(t, s, func(ctx context.Context, tx *store.Tx) error { return tx.InsertFlow(ctx, f, filedBy) }))
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			errs <- s.InTx(context.Background(), func(ctx context.Context, tx *store.Tx) error {
				got, err := tx.Flow(ctx, f.GetId())
				if err != nil {
					return err
				}
				got.History = append(got.History, &approvalv1.Decision{Id: fmt.Sprint(i), Action: "COMMENT"})
				return tx.SaveFlow(ctx, got)
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := s.Read().Approval(t.Context(), f.GetId())
	require.NoError(t, err)
	require.Len(t, got.GetHistory(), writers, "no write lost")
}

func testRollback(t *testing.T, s *store.Store) {
	boom := errors.New("boom")
	err := inTx(t, s, func(ctx context.Context, tx *store.Tx) error {
		if err := tx.PutIdentity(ctx, identity("ghost", "")); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = s.Read().Identity(t.Context(), "ghost")
	require.ErrorIs(t, err, storage.ErrNotFound)
}

// testConcurrentFailures runs many transactions at once (on SQLite they share commits), half
// of which fail after writing: exactly the others' writes remain.
func testConcurrentFailures(t *testing.T, s *store.Store) {
	const n = 40
	boom := errors.New("boom")
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			err := s.InTx(context.Background(), func(ctx context.Context, tx *store.Tx) error {
				if err := tx.PutIdentity(ctx, identity(fmt.Sprint("id", i), "")); err != nil {
					return err
				}
				if i%2 == 1 {
					return boom
				}
				return nil
			})
			if i%2 == 1 {
				assert.ErrorIs(t, err, boom)
			} else {
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	for i := range n {
		_, err := s.Read().Identity(t.Context(), fmt.Sprint("id", i))
		if i%2 == 1 {
			require.ErrorIs(t, err, storage.ErrNotFound, "failed transaction %d left nothing", i)
		} else {
			require.NoError(t, err, "transaction %d committed", i)
		}
	}
}
