// Package storetest is the conformance suite of the policy store: every backend runs it.
package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/policy/internal/store"
)

// NewStore returns an empty store, made with opts, on a fresh database of the backend under
// test.
type NewStore func(t *testing.T, opts ...store.Option) *store.Store

// Run runs every conformance test against stores made by newStore.
func Run(t *testing.T, newStore NewStore) {
	t.Run("SourceRoundTrip", func(t *testing.T) { testSourceRoundTrip(t, newStore(t)) })
	t.Run("SourceNameUnique", func(t *testing.T) { testSourceNameUnique(t, newStore(t)) })
	t.Run("SourceNotFound", func(t *testing.T) { testSourceNotFound(t, newStore(t)) })
	t.Run("SourceUpdate", func(t *testing.T) { testSourceUpdate(t, newStore(t)) })
	t.Run("SourceListFilterPage", func(t *testing.T) { testSourceList(t, newStore(t)) })
	t.Run("SourceConcurrentCreates", func(t *testing.T) { testSourceConcurrentCreates(t, newStore(t)) })
	runPolicies(t, newStore)
	runReservations(t, newStore)
}

func newSource(name string) *policyv1.Source {
	now := timestamppb.New(time.Date(2026, 11, 25, 10, 0, 0, 123_000_000, time.UTC))
	attrs, _ := structpb.NewStruct(map[string]any{"healthCheckTimeout": 30.0, "authSearchAttributes": []any{"cn", "uid"}})
	return &policyv1.Source{
		Id:                  ids.New(),
		Name:                name,
		Description:         "the " + name + " directory",
		Owner:               &typev1.Reference{Type: "IDENTITY", Id: "2c91808568c529c60168cca6f90c1313", Name: "William Wilson"},
		Connector:           "openldap",
		ConnectorAttributes: attrs,
		Features:            []string{"PROVISIONING", "ENABLE"},
		Type:                "OpenLDAP - Direct",
		Authoritative:       true,
		DeleteThreshold:     10,
		Created:             now,
		Modified:            now,
	}
}

func testSourceRoundTrip(t *testing.T, s *store.Store) {
	ctx := t.Context()
	want := newSource("Corp LDAP")
	require.NoError(t, s.CreateSource(ctx, want))
	got, err := s.GetSource(ctx, want.GetId())
	require.NoError(t, err)
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("GetSource (-want +got):\n%s", diff)
	}
}

func testSourceNameUnique(t *testing.T, s *store.Store) {
	ctx := t.Context()
	require.NoError(t, s.CreateSource(ctx, newSource("Corp AD")))
	err := s.CreateSource(ctx, newSource("corp ad"))
	require.ErrorIs(t, err, storage.ErrConflict, "names are unique case-insensitively")
	require.EqualError(t, err, `source with name "corp ad" already exists`, "the conflict names the field and value, never the database's text")
	other := newSource("Other")
	require.NoError(t, s.CreateSource(ctx, other))
	other.Name = "CORP AD"
	_, err = s.UpdateSource(ctx, other)
	require.ErrorIs(t, err, storage.ErrConflict, "a rename onto a taken name conflicts")
	require.EqualError(t, err, `source with name "CORP AD" already exists`)
}

func testSourceNotFound(t *testing.T, s *store.Store) {
	ctx := t.Context()
	for _, id := range []string{ids.New(), "not-an-id", "'; DROP TABLE sources; --", "%"} {
		_, err := s.GetSource(ctx, id)
		require.ErrorIs(t, err, storage.ErrNotFound, id)
		require.ErrorIs(t, s.DeleteSource(ctx, id), storage.ErrNotFound, id)
		src := newSource("ghost")
		src.Id = id
		_, err = s.UpdateSource(ctx, src)
		require.ErrorIs(t, err, storage.ErrNotFound, id)
	}
}

func testSourceUpdate(t *testing.T, s *store.Store) {
	ctx := t.Context()
	src := newSource("Before")
	require.NoError(t, s.CreateSource(ctx, src))
	created := src.GetCreated()

	changed := newSource("After")
	changed.Id = src.GetId()
	changed.Created = timestamppb.New(time.Unix(0, 0)) // ignored: created is kept
	changed.Modified = timestamppb.New(created.AsTime().Add(time.Hour))
	changed.Features = nil
	stored, err := s.UpdateSource(ctx, changed)
	require.NoError(t, err)
	require.True(t, created.AsTime().Equal(stored.GetCreated().AsTime()))

	got, err := s.GetSource(ctx, src.GetId())
	require.NoError(t, err)
	require.Equal(t, "After", got.GetName())
	require.Empty(t, got.GetFeatures())
	require.True(t, created.AsTime().Equal(got.GetCreated().AsTime()))
	require.True(t, changed.GetModified().AsTime().Equal(got.GetModified().AsTime()))

	require.NoError(t, s.DeleteSource(ctx, src.GetId()))
	_, err = s.GetSource(ctx, src.GetId())
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func testSourceList(t *testing.T, s *store.Store) {
	ctx := t.Context()
	names := []string{"delta", "Alpha", "charlie", "Bravo", "alphabet", "50%_off"}
	byName := map[string]string{}
	for _, n := range names {
		src := newSource(n)
		require.NoError(t, s.CreateSource(ctx, src))
		byName[n] = src.GetId()
	}
	list := func(page collection.Page, conds ...collection.Condition) []string {
		t.Helper()
		q := store.SourceQuery{Filters: conds, Page: page}
		got, err := s.ListSources(ctx, q)
		require.NoError(t, err)
		n, err := s.CountSources(ctx, q)
		require.NoError(t, err)
		out := make([]string, len(got))
		for i, src := range got {
			out[i] = src.GetName()
		}
		require.GreaterOrEqual(t, n, len(out))
		return out
	}
	all := collection.Page{Limit: 250}
	cond := func(field string, op collection.Op, v ...any) collection.Condition {
		return collection.Condition{Field: field, Op: op, Values: v}
	}

	require.Equal(t, []string{"50%_off", "Alpha", "alphabet", "Bravo", "charlie", "delta"}, list(all))
	require.Equal(t, []string{"Bravo", "charlie"}, list(collection.Page{Limit: 2, Offset: 3}))
	require.Empty(t, list(collection.Page{Limit: 10, Offset: 100}))
	require.Equal(t, []string{"Alpha", "alphabet"}, list(all, cond("name", collection.OpSw, "ALPH")))
	require.Equal(t, []string{"alphabet"}, list(all, cond("name", collection.OpCo, "HAB")))
	require.Equal(t, []string{"50%_off"}, list(all, cond("name", collection.OpCo, "%_")), "LIKE wildcards are literal")
	require.Empty(t, list(all, cond("name", collection.OpCo, "_x")))
	require.Equal(t, []string{"Alpha"}, list(all, cond("name", collection.OpEq, "Alpha")))
	require.Equal(t, []string{"Bravo", "delta"}, list(all, cond("id", collection.OpIn, byName["delta"], byName["Bravo"])))
	require.Equal(t, []string{"alphabet"}, list(all, cond("name", collection.OpSw, "alph"), cond("id", collection.OpEq, byName["alphabet"])))

	n, err := s.CountSources(ctx, store.SourceQuery{Filters: []collection.Condition{cond("name", collection.OpSw, "a")}})
	require.NoError(t, err)
	require.Equal(t, 2, n)
}

func testSourceConcurrentCreates(t *testing.T, s *store.Store) {
	ctx := t.Context()
	const writers = 16
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		ok, clash int
		other     []error
	)
	for i := range writers {
		wg.Go(func() {
			// Half the writers race for one name; the rest use their own.
			name := "contended"
			if i%2 == 1 {
				name = fmt.Sprintf("own-%d", i)
			}
			err := s.CreateSource(ctx, newSource(name))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, storage.ErrConflict):
				clash++
			default:
				other = append(other, err)
			}
		})
	}
	wg.Wait()
	require.Empty(t, other)
	require.Equal(t, writers/2+1, ok)
	require.Equal(t, writers/2-1, clash)
}
