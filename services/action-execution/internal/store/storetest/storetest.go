// Package storetest is the conformance suite of the action-execution store: every backend
// runs it (store_test.go), so SQLite and PostgreSQL behave alike.
package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/action-execution/internal/jobargs"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

// Opened is a fresh store and the backend under it (to count the jobs it enqueued).
type Opened struct {
	Store   *store.Store
	Backend storage.Backend
}

// Run runs the suite; open returns a fresh, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) Opened) {
	t.Run("Providers", func(t *testing.T) { testProviders(t, open(t)) })
	t.Run("Chains", func(t *testing.T) { testChains(t, open(t)) })
	t.Run("StartFlowIsIdempotent", func(t *testing.T) { testStartFlow(t, open(t)) })
	t.Run("UpdateFlow", func(t *testing.T) { testUpdateFlow(t, open(t)) })
	t.Run("ListFlows", func(t *testing.T) { testListFlows(t, open(t)) })
	t.Run("ClaimScript", func(t *testing.T) { testClaimScript(t, open(t)) })
	t.Run("Accounts", func(t *testing.T) { testAccounts(t, open(t)) })
}

var now = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func provider(key string) store.Provider {
	return store.Provider{
		Provider: &actionv1.Provider{Key: key, Name: "Corp " + key, Kind: "REST", Endpoint: "https://" + key + ".example.com", SourceId: "src-" + key, CredentialNames: []string{"token"}},
		Secrets:  "v1:k:sealed-" + key, Created: now, Modified: now,
	}
}

func chain(name string, providers ...string) store.Chain {
	c := &actionv1.ActionChain{
		Id: ids.New(), Name: name, Created: timestamppb.New(now), Modified: timestamppb.New(now),
		Scripts: []*actionv1.ActionChainScript{{Name: "wait", Type: "sleep", Duration: durationpb.New(time.Second)}},
	}
	return store.Chain{Chain: c, ProviderKeys: providers}
}

func jobCount(t *testing.T, o Opened, kind string) int {
	t.Helper()
	var n int
	require.NoError(t, o.Backend.DB().QueryRow(t.Context(), `SELECT count(*) FROM river_job WHERE kind = $1`, kind).Scan(&n))
	return n
}

func testProviders(t *testing.T, o Opened) {
	ctx := t.Context()
	s := o.Store
	require.NoError(t, s.CreateProvider(ctx, provider("corpad")))
	require.NoError(t, s.CreateProvider(ctx, provider("okta")))
	require.ErrorIs(t, s.CreateProvider(ctx, provider("okta")), storage.ErrConflict)

	got, err := s.GetProvider(ctx, "corpad")
	require.NoError(t, err)
	require.Equal(t, "Corp corpad", got.Provider.GetName())
	require.Equal(t, "v1:k:sealed-corpad", got.Secrets)
	require.Equal(t, now, got.Created)
	_, err = s.GetProvider(ctx, "nope")
	require.ErrorIs(t, err, storage.ErrNotFound)

	page, err := s.ListProviders(ctx, collection.Page{Limit: 1, Offset: 1})
	require.NoError(t, err)
	require.Len(t, page, 1)
	require.Equal(t, "okta", page[0].Provider.GetKey())
	n, err := s.CountProviders(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, n)

	later := now.Add(time.Hour)
	upd, err := s.UpdateProvider(ctx, "okta", func(p *store.Provider) error {
		p.Provider.Endpoint, p.Secrets, p.Modified = "https://new.example.com", "v1:k:new", later
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, "https://new.example.com", upd.Provider.GetEndpoint())
	got, err = s.GetProvider(ctx, "okta")
	require.NoError(t, err)
	require.Equal(t, "v1:k:new", got.Secrets)
	require.Equal(t, later, got.Modified)
	boom := errors.New("boom")
	_, err = s.UpdateProvider(ctx, "okta", func(p *store.Provider) error {
		p.Secrets = "lost"
		return boom
	})
	require.ErrorIs(t, err, boom)
	got, err = s.GetProvider(ctx, "okta")
	require.NoError(t, err)
	require.Equal(t, "v1:k:new", got.Secrets, "a failed change writes nothing")
	_, err = s.UpdateProvider(ctx, "nope", func(*store.Provider) error { return nil })
	require.ErrorIs(t, err, storage.ErrNotFound)

	c := chain("uses corpad", "corpad")
	require.NoError(t, s.CreateChain(ctx, c))
	require.ErrorIs(t, s.DeleteProvider(ctx, "corpad"), store.ErrInUse)
	require.NoError(t, s.DeleteChain(ctx, c.Chain.GetId()))
	require.NoError(t, s.DeleteProvider(ctx, "corpad"))
	require.ErrorIs(t, s.DeleteProvider(ctx, "corpad"), storage.ErrNotFound)
}

func testChains(t *testing.T, o Opened) {
	ctx := t.Context()
	s := o.Store
	require.NoError(t, s.CreateProvider(ctx, provider("corpad")))
	b := chain("b chain", "corpad")
	a := chain("a chain")
	require.NoError(t, s.CreateChain(ctx, b))
	require.NoError(t, s.CreateChain(ctx, a))
	require.Error(t, s.CreateChain(ctx, chain("unknown provider", "ghost")), "a chain cannot name a provider that does not exist")

	got, err := s.GetChain(ctx, b.Chain.GetId())
	require.NoError(t, err)
	require.Equal(t, "b chain", got.GetName())
	require.Equal(t, "sleep", got.GetScripts()[0].GetType())
	_, err = s.GetChain(ctx, "nope")
	require.ErrorIs(t, err, storage.ErrNotFound)

	list, err := s.ListChains(ctx, collection.Page{Limit: 10})
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "a chain", list[0].GetName(), "by name")
	n, err := s.CountChains(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, n)

	b.Chain.Name = "b renamed"
	b.ProviderKeys = nil
	require.NoError(t, s.ReplaceChain(ctx, b))
	got, err = s.GetChain(ctx, b.Chain.GetId())
	require.NoError(t, err)
	require.Equal(t, "b renamed", got.GetName())
	require.NoError(t, s.DeleteProvider(ctx, "corpad"), "the replaced chain no longer names it")
	require.ErrorIs(t, s.ReplaceChain(ctx, chain("ghost")), storage.ErrNotFound)
	require.NoError(t, s.DeleteChain(ctx, a.Chain.GetId()))
	require.ErrorIs(t, s.DeleteChain(ctx, a.Chain.GetId()), storage.ErrNotFound)
}

func newFlow(key, hash, recipient, tracking string) *store.FlowState {
	f := store.Flow{
		ID: ids.New(), ChainID: "chain-1", ChainName: "grant", Status: store.StatusPending, IdempotencyKey: key, RequestHash: hash,
		TrackingNumber: tracking, Runs: 1, Created: now, Modified: now,
		Context: &actionv1.FlowContext{Operation: "GRANT", Recipient: &actionv1.Identity{Id: recipient, Name: "William Wilson"}},
	}
	st := &store.FlowState{Flow: f}
	for i, name := range []string{"create", "notify"} {
		st.Scripts = append(st.Scripts, store.Script{
			ID: ids.New(), Index: i, Name: name, Type: "corpad_api_" + name, Status: store.StatusPending,
			Def: &actionv1.ActionChainScript{Name: name, Type: "corpad_api_" + name},
		})
	}
	st.Enqueue(jobargs.RunScript{FlowID: f.ID, Index: 0}, nil)
	return st
}

func testStartFlow(t *testing.T, o Opened) {
	ctx := t.Context()
	s := o.Store
	first, created, err := s.StartFlow(ctx, newFlow("key-1", "h1", "id-1", "4b4d982dddff4267ab12f0f1e72b5a6d"))
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, 1, jobCount(t, o, jobargs.RunScript{}.Kind()))

	again, created, err := s.StartFlow(ctx, newFlow("key-1", "h1", "id-1", "4b4d982dddff4267ab12f0f1e72b5a6d"))
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, first.Flow.ID, again.Flow.ID, "the same key answers the first flow")
	require.Len(t, again.Scripts, 2)
	require.Equal(t, 1, jobCount(t, o, jobargs.RunScript{}.Kind()), "a repeated start enqueues nothing")

	_, _, err = s.StartFlow(ctx, newFlow("key-1", "other", "id-1", "4b4d982dddff4267ab12f0f1e72b5a6d"))
	require.ErrorIs(t, err, apierror.ErrIdempotencyKeyReused)

	got, err := s.GetFlow(ctx, first.Flow.ID)
	require.NoError(t, err)
	require.Equal(t, "GRANT", got.Flow.Context.GetOperation())
	require.Equal(t, "grant", got.Flow.ChainName)
	require.Equal(t, []string{"create", "notify"}, []string{got.Scripts[0].Name, got.Scripts[1].Name})
	require.Equal(t, "corpad_api_notify", got.Scripts[1].Def.GetType())
	_, err = s.GetFlow(ctx, "nope")
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func testUpdateFlow(t *testing.T, o Opened) {
	ctx := t.Context()
	s := o.Store
	started, _, err := s.StartFlow(ctx, newFlow("key-u", "h", "id-1", "4b4d982dddff4267ab12f0f1e72b5a6d"))
	require.NoError(t, err)
	id := started.Flow.ID
	later := now.Add(time.Minute)
	_, err = s.UpdateFlow(ctx, id, func(st *store.FlowState) error {
		sc := &st.Scripts[0]
		sc.Status, sc.Attempts, sc.Started, sc.Finished = store.StatusSucceeded, 2, now, later
		sc.State = store.ScriptState{
			Output: map[string]any{"userId": "u-7"}, AccountID: "CN=Rob", AccountOperation: "Create",
			AttributeRequests: []store.AttributeRequest{{Name: "memberOf", Value: "CN=sales", Operation: "Add"}},
			Evaluation:        store.Evaluation{Evaluated: true, Reservations: []string{"r1"}},
		}
		st.Flow.Status, st.Flow.Modified = store.StatusRunning, later
		st.Flow.Warnings = []string{"w"}
		st.Enqueue(jobargs.RunScript{FlowID: id, Index: 1}, nil)
		st.Enqueue(jobargs.Settle{FlowID: id, Index: 0}, nil)
		return nil
	})
	require.NoError(t, err)
	got, err := s.GetFlow(ctx, id)
	require.NoError(t, err)
	require.Equal(t, store.StatusRunning, got.Flow.Status)
	require.Equal(t, []string{"w"}, got.Flow.Warnings)
	sc := got.Scripts[0]
	require.Equal(t, store.StatusSucceeded, sc.Status)
	require.Equal(t, 2, sc.Attempts)
	require.Equal(t, later, sc.Finished)
	require.Equal(t, "u-7", sc.State.Output["userId"])
	require.Equal(t, "CN=Rob", sc.State.AccountID)
	require.Equal(t, []string{"r1"}, sc.State.Reservations)
	require.Equal(t, store.StatusPending, got.Scripts[1].Status)
	require.Equal(t, 2, jobCount(t, o, jobargs.RunScript{}.Kind()))
	require.Equal(t, 1, jobCount(t, o, jobargs.Settle{}.Kind()))

	boom := errors.New("boom")
	_, err = s.UpdateFlow(ctx, id, func(st *store.FlowState) error {
		st.Flow.Status = store.StatusFailed
		st.Scripts[1].Status = store.StatusFailed
		st.Enqueue(jobargs.Publish{FlowID: id, Run: 1}, nil)
		return boom
	})
	require.ErrorIs(t, err, boom)
	got, err = s.GetFlow(ctx, id)
	require.NoError(t, err)
	require.Equal(t, store.StatusRunning, got.Flow.Status, "an aborted change writes nothing")
	require.Equal(t, store.StatusPending, got.Scripts[1].Status)
	require.Equal(t, 0, jobCount(t, o, jobargs.Publish{}.Kind()), "nor enqueues anything")

	completed := later.Add(time.Second)
	_, err = s.UpdateFlow(ctx, id, func(st *store.FlowState) error {
		st.Flow.Status, st.Flow.Completed, st.Flow.Errors = store.StatusFailed, completed, []string{"notify failed"}
		return nil
	})
	require.NoError(t, err)
	got, err = s.GetFlow(ctx, id)
	require.NoError(t, err)
	require.Equal(t, completed, got.Flow.Completed)
	require.Equal(t, []string{"notify failed"}, got.Flow.Errors)
	_, err = s.UpdateFlow(ctx, "nope", func(*store.FlowState) error { return nil })
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func testListFlows(t *testing.T, o Opened) {
	ctx := t.Context()
	s := o.Store
	tracking := "0123456789abcdef0123456789abcdef"
	var idsInOrder []string
	for i, rec := range []string{"alice", "bob", "alice"} {
		st := newFlow("k"+string(rune('a'+i)), "h", rec, tracking)
		st.Flow.Created = now.Add(time.Duration(i) * time.Second)
		if i == 1 {
			st.Flow.TrackingNumber = "ffffffffffffffffffffffffffffffff"
		}
		_, _, err := s.StartFlow(ctx, st)
		require.NoError(t, err)
		idsInOrder = append([]string{st.Flow.ID}, idsInOrder...)
	}
	_, err := s.UpdateFlow(ctx, idsInOrder[0], func(st *store.FlowState) error {
		st.Flow.Status = store.StatusSucceeded
		return nil
	})
	require.NoError(t, err)

	all, err := s.ListFlows(ctx, store.FlowQuery{Page: collection.Page{Limit: 10}})
	require.NoError(t, err)
	require.Len(t, all, 3)
	require.Equal(t, idsInOrder[0], all[0].Flow.ID, "newest first")
	require.Len(t, all[0].Scripts, 2, "with their scripts")

	for _, tc := range []struct {
		filter string
		want   int
	}{
		{`recipientId eq "alice"`, 2},
		{`status eq "SUCCEEDED"`, 1},
		{`status in ("PENDING", "SUCCEEDED")`, 3},
		{`trackingNumber eq "` + tracking + `"`, 2},
		{`chainId eq "chain-1" and recipientId eq "bob"`, 1},
		{`chainId eq "other"`, 0},
	} {
		conds, err := collection.ParseFilters(tc.filter, store.FlowFilterFields)
		require.NoError(t, err, tc.filter)
		got, err := s.ListFlows(ctx, store.FlowQuery{Filters: conds, Page: collection.Page{Limit: 10}})
		require.NoError(t, err, tc.filter)
		require.Len(t, got, tc.want, tc.filter)
		n, err := s.CountFlows(ctx, store.FlowQuery{Filters: conds})
		require.NoError(t, err, tc.filter)
		require.Equal(t, tc.want, n, tc.filter)
	}
	page, err := s.ListFlows(ctx, store.FlowQuery{Page: collection.Page{Limit: 1, Offset: 2}})
	require.NoError(t, err)
	require.Len(t, page, 1)
	require.Equal(t, idsInOrder[2], page[0].Flow.ID)
}

func testClaimScript(t *testing.T, o Opened) {
	ctx := t.Context()
	s := o.Store
	st, _, err := s.StartFlow(ctx, newFlow("key-c", "h", "id-1", "4b4d982dddff4267ab12f0f1e72b5a6d"))
	require.NoError(t, err)
	id, first, second := st.Flow.ID, st.Scripts[0].ID, st.Scripts[1].ID
	later := now.Add(time.Minute)

	claimed, err := s.ClaimScript(ctx, id, first, now)
	require.NoError(t, err)
	require.True(t, claimed)
	got, err := s.GetFlow(ctx, id)
	require.NoError(t, err)
	require.Equal(t, store.StatusRunning, got.Flow.Status)
	require.Equal(t, store.StatusRunning, got.Scripts[0].Status)
	require.Equal(t, 1, got.Scripts[0].Attempts)
	require.Equal(t, now, got.Scripts[0].Started)

	claimed, err = s.ClaimScript(ctx, id, first, later)
	require.NoError(t, err)
	require.True(t, claimed, "a rescued run claims its RUNNING script again")
	got, err = s.GetFlow(ctx, id)
	require.NoError(t, err)
	require.Equal(t, 2, got.Scripts[0].Attempts)
	require.Equal(t, now, got.Scripts[0].Started, "the first start is kept")

	_, err = s.UpdateFlow(ctx, id, func(st *store.FlowState) error {
		st.Scripts[0].Status = store.StatusSucceeded
		return nil
	})
	require.NoError(t, err)
	claimed, err = s.ClaimScript(ctx, id, first, later)
	require.NoError(t, err)
	require.False(t, claimed, "an ended script is not claimed")
	claimed, err = s.ClaimScript(ctx, "other-flow", second, later)
	require.NoError(t, err)
	require.False(t, claimed, "the script must belong to the flow")

	_, err = s.UpdateFlow(ctx, id, func(st *store.FlowState) error {
		st.Flow.Status = store.StatusCancelled
		return nil
	})
	require.NoError(t, err)
	claimed, err = s.ClaimScript(ctx, id, second, later)
	require.NoError(t, err)
	require.False(t, claimed, "nothing is claimed in an ended flow")
}

// recordAccount writes a registry row the way the engine does: with a flow's change.
func recordAccount(t *testing.T, s *store.Store, flowID string, a store.Account, fail bool) error {
	t.Helper()
	_, err := s.UpdateFlow(t.Context(), flowID, func(st *store.FlowState) error {
		st.Flow.Modified = a.Updated
		st.RecordAccount(a)
		if fail {
			return errors.New("rolled back")
		}
		return nil
	})
	return err
}

func testAccounts(t *testing.T, o Opened) {
	ctx := t.Context()
	s := o.Store
	f1, _, err := s.StartFlow(ctx, newFlow("acc-1", "h", "id-1", "tn-1"))
	require.NoError(t, err)
	f2, _, err := s.StartFlow(ctx, newFlow("acc-2", "h", "id-1", "tn-2"))
	require.NoError(t, err)
	dn := "uid=ann.lee,ou=people,dc=example,dc=com"
	acc := func(provider, id, identity, status, op string, flow store.FlowState, at time.Duration) store.Account {
		return store.Account{
			ProviderKey: provider, AccountID: id, IdentityID: identity, SourceID: "src-" + provider, SourceName: "Corp " + provider,
			Status: status, LastOperation: op, LastFlowID: flow.Flow.ID, TrackingNumber: flow.Flow.TrackingNumber, Updated: now.Add(at),
		}
	}
	require.NoError(t, recordAccount(t, s, f1.Flow.ID, acc("corpad", dn, "id-1", store.AccountActive, "Create", f1, 0), false))
	require.NoError(t, recordAccount(t, s, f1.Flow.ID, acc("okta", "00u1", "id-1", store.AccountActive, "Create", f1, time.Second), false))
	require.NoError(t, recordAccount(t, s, f1.Flow.ID, acc("okta", "00u2", "id-2", store.AccountActive, "Create", f1, 2*time.Second), false))
	require.Error(t, recordAccount(t, s, f1.Flow.ID, acc("okta", "00u3", "id-3", store.AccountActive, "Create", f1, 3*time.Second), true))
	_, err = s.GetAccount(ctx, "okta", "00u3")
	require.ErrorIs(t, err, storage.ErrNotFound, "a rolled-back flow change writes no account")

	got, err := s.GetAccount(ctx, "corpad", dn)
	require.NoError(t, err)
	require.Equal(t, store.Account{
		ProviderKey: "corpad", AccountID: dn, IdentityID: "id-1", SourceID: "src-corpad", SourceName: "Corp corpad", Status: store.AccountActive,
		LastOperation: "Create", CreatedByFlowID: f1.Flow.ID, LastFlowID: f1.Flow.ID, TrackingNumber: "tn-1", Created: now, Updated: now,
	}, got)

	// A Modify keeps the status; a Disable by another flow keeps the creating flow and time.
	require.NoError(t, recordAccount(t, s, f2.Flow.ID, acc("corpad", dn, "id-1", store.AccountDisabled, "Disable", f2, time.Minute), false))
	require.NoError(t, recordAccount(t, s, f2.Flow.ID, acc("corpad", dn, "id-1", "", "Modify", f2, 2*time.Minute), false))
	got, err = s.GetAccount(ctx, "corpad", dn)
	require.NoError(t, err)
	require.Equal(t, store.AccountDisabled, got.Status, "a Modify does not re-enable")
	require.Equal(t, "Modify", got.LastOperation)
	require.Equal(t, f1.Flow.ID, got.CreatedByFlowID)
	require.Equal(t, f2.Flow.ID, got.LastFlowID)
	require.Equal(t, "tn-2", got.TrackingNumber)
	require.Equal(t, now, got.Created)
	require.Equal(t, now.Add(2*time.Minute), got.Updated)
	require.NoError(t, recordAccount(t, s, f2.Flow.ID, acc("okta", "00u1", "id-1", store.AccountDeleted, "Delete", f2, 3*time.Minute), false))
	// A Modify of an account the registry does not know yet makes it ACTIVE.
	require.NoError(t, recordAccount(t, s, f2.Flow.ID, acc("corpad", "uid=x", "id-4", "", "Modify", f2, 4*time.Minute), false))
	got, err = s.GetAccount(ctx, "corpad", "uid=x")
	require.NoError(t, err)
	require.Equal(t, store.AccountActive, got.Status)

	list := func(filters string, page collection.Page) []string {
		t.Helper()
		conds, err := collection.ParseFilters(filters, store.AccountFilterFields)
		require.NoError(t, err)
		q := store.AccountQuery{Filters: conds, Page: page}
		accounts, err := s.ListAccounts(ctx, q)
		require.NoError(t, err)
		n, err := s.CountAccounts(ctx, q)
		require.NoError(t, err)
		out := []string{fmt.Sprint(n)}
		for i := range accounts {
			out = append(out, accounts[i].ProviderKey+"/"+accounts[i].AccountID+"/"+accounts[i].Status)
		}
		return out
	}
	all := collection.Page{Limit: 250}
	require.Equal(t, []string{"4", "corpad/uid=x/ACTIVE", "okta/00u1/DELETED", "corpad/" + dn + "/DISABLED", "okta/00u2/ACTIVE"}, list("", all))
	require.Equal(t, []string{"2", "okta/00u1/DELETED", "corpad/" + dn + "/DISABLED"}, list(`identityId eq "id-1"`, all))
	require.Equal(t, []string{"2", "okta/00u1/DELETED", "okta/00u2/ACTIVE"}, list(`providerKey eq "okta"`, all))
	require.Equal(t, []string{"2", "corpad/uid=x/ACTIVE", "corpad/" + dn + "/DISABLED"}, list(`sourceId eq "src-corpad"`, all))
	require.Equal(t, []string{"1", "okta/00u2/ACTIVE"}, list(`status eq "ACTIVE" and providerKey eq "okta"`, all))
	require.Equal(t, []string{"3", "corpad/uid=x/ACTIVE", "corpad/" + dn + "/DISABLED", "okta/00u2/ACTIVE"}, list(`status in ("ACTIVE", "DISABLED")`, all))
	require.Equal(t, []string{"4", "okta/00u1/DELETED", "corpad/" + dn + "/DISABLED"}, list("", collection.Page{Limit: 2, Offset: 1}))

	live, err := s.LiveAccounts(ctx, "id-1", "")
	require.NoError(t, err)
	require.Len(t, live, 1, "a DELETED account is not live")
	require.Equal(t, dn, live[0].AccountID)
	live, err = s.LiveAccounts(ctx, "id-1", "okta")
	require.NoError(t, err)
	require.Empty(t, live)
	live, err = s.LiveAccounts(ctx, "id-2", "okta")
	require.NoError(t, err)
	require.Len(t, live, 1)
}
