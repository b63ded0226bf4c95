package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/policy/internal/store"
)

func runPolicies(t *testing.T, newStore NewStore) {
	t.Run("PolicyRoundTrip", func(t *testing.T) { testPolicyRoundTrip(t, newStore(t)) })
	t.Run("PolicyOnePerUsageType", func(t *testing.T) { testPolicyOnePerUsageType(t, newStore(t)) })
	t.Run("PolicyNotFound", func(t *testing.T) { testPolicyNotFound(t, newStore(t)) })
	t.Run("PolicyUpdate", func(t *testing.T) { testPolicyUpdate(t, newStore(t)) })
	t.Run("PolicyConcurrentUpdatesAreNotLost", func(t *testing.T) { testPolicyConcurrentUpdates(t, newStore(t)) })
	t.Run("PolicyReplaceAllOrNothing", func(t *testing.T) { testPolicyReplaceAll(t, newStore(t)) })
	t.Run("PolicyDeleteAndVersion", func(t *testing.T) { testPolicyDelete(t, newStore(t)) })
	t.Run("PolicyListPage", func(t *testing.T) { testPolicyList(t, newStore(t)) })
	t.Run("SourceDeleteCascades", func(t *testing.T) { testSourceDeleteCascades(t, newStore(t)) })
}

// newPolicy returns the seed issue's policy for usageType.
func newPolicy(usageType string) *policyv1.ProvisioningPolicy {
	transform, _ := structpb.NewStruct(map[string]any{"type": "rule", "attributes": map[string]any{"name": "Create Unique LDAP Attribute"}})
	attrs, _ := structpb.NewStruct(map[string]any{
		"template": "${firstname}.${lastname}${uniqueCounter}", "cloudMaxUniqueChecks": "50", "cloudMaxSize": "20", "cloudRequired": "true",
	})
	return &policyv1.ProvisioningPolicy{
		Name:        "example provisioning policy for inactive identities",
		Description: "this provisioning policy creates access based on an identity going inactive",
		UsageType:   usageType,
		Fields: []*policyv1.FieldDetails{{
			Name: "userName", Transform: transform, Attributes: attrs, Type: "string",
		}},
	}
}

// createSource stores a new source and returns its id.
func createSource(t *testing.T, s *store.Store) string {
	t.Helper()
	src := newSource("source " + ids.New())
	require.NoError(t, s.CreateSource(t.Context(), src))
	return src.GetId()
}

func testPolicyRoundTrip(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sourceID := createSource(t, s)
	want := newPolicy("CREATE")
	created, err := s.CreatePolicy(ctx, sourceID, want)
	require.NoError(t, err)
	require.NotEmpty(t, created.Version)

	got, err := s.GetPolicy(ctx, sourceID, "CREATE")
	require.NoError(t, err)
	if diff := cmp.Diff(want, got.Policy, protocmp.Transform()); diff != "" {
		t.Errorf("GetPolicy (-want +got):\n%s", diff)
	}
	require.Equal(t, created.Version, got.Version)
	v, err := s.PolicyVersion(ctx, sourceID, "CREATE")
	require.NoError(t, err)
	require.Equal(t, created.Version, v)
}

func testPolicyOnePerUsageType(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sourceID, other := createSource(t, s), createSource(t, s)
	_, err := s.CreatePolicy(ctx, sourceID, newPolicy("CREATE"))
	require.NoError(t, err)
	_, err = s.CreatePolicy(ctx, sourceID, newPolicy("CREATE"))
	require.ErrorIs(t, err, storage.ErrConflict)
	require.ErrorContains(t, err, "CREATE")
	_, err = s.CreatePolicy(ctx, sourceID, newPolicy("UPDATE"))
	require.NoError(t, err, "another usage type of the same source")
	_, err = s.CreatePolicy(ctx, other, newPolicy("CREATE"))
	require.NoError(t, err, "the same usage type of another source")
}

func testPolicyNotFound(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sourceID := createSource(t, s)
	unknown := ids.New()
	keep := func(c store.StoredPolicy) (*policyv1.ProvisioningPolicy, error) { return c.Policy, nil }
	cases := []struct {
		name, source, mentions string
	}{
		{"unknown source", unknown, "source " + fmt.Sprintf("%q", unknown)},
		{"source without the policy", sourceID, "provisioning policy CREATE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.GetPolicy(ctx, tc.source, "CREATE")
			require.ErrorIs(t, err, storage.ErrNotFound)
			require.ErrorContains(t, err, tc.mentions)
			_, err = s.PolicyVersion(ctx, tc.source, "CREATE")
			require.ErrorIs(t, err, storage.ErrNotFound)
			_, err = s.UpdatePolicy(ctx, tc.source, "CREATE", keep)
			require.ErrorIs(t, err, storage.ErrNotFound)
			require.ErrorContains(t, err, tc.mentions)
			require.ErrorIs(t, s.DeletePolicy(ctx, tc.source, "CREATE", nil), storage.ErrNotFound)
			_, err = s.ReplacePolicies(ctx, tc.source, []*policyv1.ProvisioningPolicy{newPolicy("CREATE")})
			require.ErrorIs(t, err, storage.ErrNotFound)
		})
	}
	_, err := s.CreatePolicy(ctx, unknown, newPolicy("CREATE"))
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, err = s.ListPolicies(ctx, unknown, collection.Page{Limit: 10})
	require.ErrorIs(t, err, storage.ErrNotFound)
	list, err := s.ListPolicies(ctx, sourceID, collection.Page{Limit: 10})
	require.NoError(t, err, "a known source without policies lists none")
	require.Empty(t, list)
}

func testPolicyUpdate(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sourceID := createSource(t, s)
	created, err := s.CreatePolicy(ctx, sourceID, newPolicy("CREATE"))
	require.NoError(t, err)

	updated, err := s.UpdatePolicy(ctx, sourceID, "CREATE", func(c store.StoredPolicy) (*policyv1.ProvisioningPolicy, error) {
		require.Equal(t, created.Version, c.Version)
		next := proto.CloneOf(c.Policy)
		next.Description = "changed"
		return next, nil
	})
	require.NoError(t, err)
	require.NotEqual(t, created.Version, updated.Version)
	got, err := s.GetPolicy(ctx, sourceID, "CREATE")
	require.NoError(t, err)
	require.Equal(t, "changed", got.Policy.GetDescription())
	require.Equal(t, updated.Version, got.Version)

	// An update that refuses (e.g. a failed If-Match) changes nothing.
	refused := fmt.Errorf("stale: %w", storage.ErrPreconditionFailed)
	_, err = s.UpdatePolicy(ctx, sourceID, "CREATE", func(store.StoredPolicy) (*policyv1.ProvisioningPolicy, error) { return nil, refused })
	require.ErrorIs(t, err, refused)
	after, err := s.GetPolicy(ctx, sourceID, "CREATE")
	require.NoError(t, err)
	require.Equal(t, got.Version, after.Version)
}

// testPolicyConcurrentUpdates runs read-modify-write updates from many goroutines: each adds
// one field, and none may be lost.
func testPolicyConcurrentUpdates(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sourceID := createSource(t, s)
	_, err := s.CreatePolicy(ctx, sourceID, newPolicy("CREATE"))
	require.NoError(t, err)
	const writers = 12
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for i := range writers {
		wg.Go(func() {
			_, err := s.UpdatePolicy(ctx, sourceID, "CREATE", func(c store.StoredPolicy) (*policyv1.ProvisioningPolicy, error) {
				next := proto.CloneOf(c.Policy)
				next.Fields = append(next.Fields, &policyv1.FieldDetails{Name: fmt.Sprintf("f%d", i)})
				return next, nil
			})
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Empty(t, errs)
	got, err := s.GetPolicy(ctx, sourceID, "CREATE")
	require.NoError(t, err)
	require.Len(t, got.Policy.GetFields(), 1+writers)
}

func testPolicyReplaceAll(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sourceID := createSource(t, s)
	for _, u := range []string{"CREATE", "UPDATE"} {
		_, err := s.CreatePolicy(ctx, sourceID, newPolicy(u))
		require.NoError(t, err)
	}
	changed := func(u, desc string) *policyv1.ProvisioningPolicy {
		p := newPolicy(u)
		p.Description = desc
		return p
	}
	_, err := s.ReplacePolicies(ctx, sourceID, []*policyv1.ProvisioningPolicy{changed("CREATE", "bulk"), changed("ENABLE", "bulk")})
	require.ErrorIs(t, err, storage.ErrNotFound)
	require.ErrorContains(t, err, "ENABLE")
	got, err := s.GetPolicy(ctx, sourceID, "CREATE")
	require.NoError(t, err)
	require.NotEqual(t, "bulk", got.Policy.GetDescription(), "a failed bulk update changes nothing")

	out, err := s.ReplacePolicies(ctx, sourceID, []*policyv1.ProvisioningPolicy{changed("UPDATE", "bulk"), changed("CREATE", "bulk")})
	require.NoError(t, err)
	require.Len(t, out, 2)
	require.Equal(t, "UPDATE", out[0].Policy.GetUsageType(), "request order")
	for _, u := range []string{"CREATE", "UPDATE"} {
		got, err := s.GetPolicy(ctx, sourceID, u)
		require.NoError(t, err)
		require.Equal(t, "bulk", got.Policy.GetDescription())
	}
}

func testPolicyDelete(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sourceID := createSource(t, s)
	first, err := s.CreatePolicy(ctx, sourceID, newPolicy("DISABLE"))
	require.NoError(t, err)

	refused := fmt.Errorf("stale: %w", storage.ErrPreconditionFailed)
	require.ErrorIs(t, s.DeletePolicy(ctx, sourceID, "DISABLE", func(store.StoredPolicy) error { return refused }), refused)
	_, err = s.GetPolicy(ctx, sourceID, "DISABLE")
	require.NoError(t, err, "a refused delete keeps the policy")

	require.NoError(t, s.DeletePolicy(ctx, sourceID, "DISABLE", nil))
	_, err = s.GetPolicy(ctx, sourceID, "DISABLE")
	require.ErrorIs(t, err, storage.ErrNotFound)
	require.ErrorIs(t, s.DeletePolicy(ctx, sourceID, "DISABLE", nil), storage.ErrNotFound)

	// A policy created again starts at revision 1 too; its version must still differ, or a
	// stale ETag would match it.
	again, err := s.CreatePolicy(ctx, sourceID, newPolicy("DISABLE"))
	require.NoError(t, err)
	require.NotEqual(t, first.Version, again.Version)
}

func testPolicyList(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sourceID, other := createSource(t, s), createSource(t, s)
	for _, u := range []string{"UPDATE", "CREATE", "UNLOCK", "DISABLE"} {
		_, err := s.CreatePolicy(ctx, sourceID, newPolicy(u))
		require.NoError(t, err)
	}
	_, err := s.CreatePolicy(ctx, other, newPolicy("ASSIGN"))
	require.NoError(t, err)
	usageTypes := func(page collection.Page) []string {
		t.Helper()
		list, err := s.ListPolicies(ctx, sourceID, page)
		require.NoError(t, err)
		out := []string{}
		for _, p := range list {
			out = append(out, p.Policy.GetUsageType())
			require.NotEmpty(t, p.Version)
		}
		return out
	}
	require.Equal(t, []string{"CREATE", "DISABLE", "UNLOCK", "UPDATE"}, usageTypes(collection.Page{Limit: 250}))
	require.Equal(t, []string{"DISABLE", "UNLOCK"}, usageTypes(collection.Page{Limit: 2, Offset: 1}))
	require.Empty(t, usageTypes(collection.Page{Limit: 2, Offset: 10}))
	n, err := s.CountPolicies(ctx, sourceID)
	require.NoError(t, err)
	require.Equal(t, 4, n)
}

func testSourceDeleteCascades(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sourceID := createSource(t, s)
	_, err := s.CreatePolicy(ctx, sourceID, newPolicy("CREATE"))
	require.NoError(t, err)
	c := s.NewClaimer(store.Holder{SourceID: sourceID, TTL: hour})
	_, err = c.Claim(ctx, "userName", []string{"john.smith"})
	require.NoError(t, err)
	require.NoError(t, s.RecordAccount(ctx, sourceID, "acct", map[string]string{"userName": "jane"}))

	require.NoError(t, s.DeleteSource(ctx, sourceID))
	_, err = s.GetPolicy(ctx, sourceID, "CREATE")
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, err = s.GetReservation(ctx, c.Reservations()[0].GetId())
	require.ErrorIs(t, err, storage.ErrNotFound, "reservations go with their source")
	_, err = s.ListPolicies(ctx, sourceID, collection.Page{Limit: 1})
	require.ErrorIs(t, err, storage.ErrNotFound)
}
