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

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/policy/internal/store"
	"github.com/accessflow/accessflow/services/policy/internal/transform"
)

const hour = time.Hour

func runReservations(t *testing.T, newStore NewStore) {
	t.Run("ClaimFirstFree", func(t *testing.T) { testClaimFirstFree(t, newStore(t)) })
	t.Run("ClaimScope", func(t *testing.T) { testClaimScope(t, newStore(t)) })
	t.Run("ClaimAgainForSameHolder", func(t *testing.T) { testClaimAgainForSameHolder(t, newStore(t)) })
	t.Run("ClaimSkipsAccountIndex", func(t *testing.T) { testClaimSkipsAccountIndex(t, newStore(t)) })
	t.Run("ClaimExhausted", func(t *testing.T) { testClaimExhausted(t, newStore(t)) })
	t.Run("ClaimConcurrent", func(t *testing.T) { testClaimConcurrent(t, newStore(t)) })
	t.Run("ReservationExpiry", func(t *testing.T) {
		clk := &clock{t: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
		testReservationExpiry(t, newStore(t, store.WithClock(clk.now)), clk)
	})
	t.Run("ReservationConfirm", func(t *testing.T) { testReservationConfirm(t, newStore(t)) })
	t.Run("ReservationRelease", func(t *testing.T) { testReservationRelease(t, newStore(t)) })
	t.Run("RecordAccount", func(t *testing.T) { testRecordAccount(t, newStore(t)) })
	t.Run("Checker", func(t *testing.T) { testChecker(t, newStore(t)) })
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// counterCandidates returns base, base1, … up to n candidates, like the seed policy's
// generator.
func counterCandidates(base string, n int) []string {
	out := []string{base}
	for i := 1; i < n; i++ {
		out = append(out, fmt.Sprintf("%s%d", base, i))
	}
	return out
}

func claim(t *testing.T, c *store.Claimer, attribute string, candidates ...string) string {
	t.Helper()
	v, err := c.Claim(t.Context(), attribute, candidates)
	require.NoError(t, err)
	return v
}

func testClaimFirstFree(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sourceID := createSource(t, s)
	c := s.NewClaimer(store.Holder{SourceID: sourceID, IdentityID: "id-1", TrackingNumber: "4b4d982dddff4267ab12f0f1e72b5a6d", TTL: hour})
	cands := counterCandidates("John.Smith", 5)
	require.Equal(t, "John.Smith", claim(t, c, "userName", cands...))
	require.Equal(t, "John.Smith1", claim(t, c, "userName", cands...))
	require.Equal(t, "John.Smith2", claim(t, c, "userName", "JOHN.SMITH", "john.smith1", "John.Smith2"), "taken case-insensitively")

	got := c.Reservations()
	require.Len(t, got, 3)
	stored, err := s.GetReservation(ctx, got[1].GetId())
	require.NoError(t, err)
	if diff := cmp.Diff(got[1], stored, protocmp.Transform()); diff != "" {
		t.Errorf("GetReservation (-want +got):\n%s", diff)
	}
	require.Equal(t, "John.Smith1", stored.GetValue())
	require.Equal(t, "id-1", stored.GetIdentityId())
	require.Equal(t, "4b4d982dddff4267ab12f0f1e72b5a6d", stored.GetTrackingNumber())
	require.False(t, stored.GetConfirmed())
	require.NotNil(t, stored.GetExpires())
}

// testClaimAgainForSameHolder: an evaluation run again for the same request (a script retried
// after a crash) gets the value the first run reserved; other holders, and holders without an
// identity and trackingNumber, do not.
func testClaimAgainForSameHolder(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sourceID := createSource(t, s)
	const tn, other = "4b4d982dddff4267ab12f0f1e72b5a6d", "5c5e093eeeff4267ab12f0f1e72b5a6d"
	holder := store.Holder{SourceID: sourceID, IdentityID: "id-1", TrackingNumber: tn, TTL: hour}
	cands := counterCandidates("john.smith", 5)
	first := s.NewClaimer(holder)
	require.Equal(t, "john.smith", claim(t, first, "userName", cands...))

	require.Equal(t, "JOHN.SMITH", claim(t, s.NewClaimer(holder), "userName", "JOHN.SMITH", "john.smith1"), "the same request's evaluation run again, case-insensitively")
	again := s.NewClaimer(holder)
	require.Equal(t, "john.smith", claim(t, again, "userName", cands...), "and again")
	require.Equal(t, "john.smith1", claim(t, again, "userName", cands...), "a Claimer does not get its own value twice")

	require.Equal(t, "john.smith2", claim(t, s.NewClaimer(store.Holder{SourceID: sourceID, IdentityID: "id-1", TrackingNumber: other, TTL: hour}), "userName", cands...), "another request of the identity")
	require.Equal(t, "john.smith3", claim(t, s.NewClaimer(store.Holder{SourceID: sourceID, IdentityID: "id-2", TrackingNumber: tn, TTL: hour}), "userName", cands...), "another identity")

	anon := store.Holder{SourceID: sourceID, TTL: hour}
	require.Equal(t, "jdoe", claim(t, s.NewClaimer(anon), "userName", "jdoe", "jdoe1"))
	require.Equal(t, "jdoe1", claim(t, s.NewClaimer(anon), "userName", "jdoe", "jdoe1"), "holders without identity and trackingNumber share nothing")

	// One reservation per value: the one taken over replaced the first.
	got := again.Reservations()[0]
	stored, err := s.GetReservation(ctx, got.GetId())
	require.NoError(t, err)
	require.Equal(t, "john.smith", stored.GetValue())
	_, err = s.GetReservation(ctx, first.Reservations()[0].GetId())
	require.ErrorIs(t, err, storage.ErrNotFound, "the first run's reservation was taken over")
	free, err := s.NewChecker(sourceID).Claim(ctx, "userName", cands)
	require.NoError(t, err)
	require.Equal(t, "john.smith4", free, "a dry run sees every reservation taken")
}

func testClaimScope(t *testing.T, s *store.Store) {
	sourceID, other := createSource(t, s), createSource(t, s)
	c := s.NewClaimer(store.Holder{SourceID: sourceID, TTL: hour})
	require.Equal(t, "jsmith", claim(t, c, "userName", "jsmith", "jsmith1"))
	require.Equal(t, "jsmith", claim(t, c, "email", "jsmith", "jsmith1"), "values are unique per attribute")
	o := s.NewClaimer(store.Holder{SourceID: other, TTL: hour})
	require.Equal(t, "jsmith", claim(t, o, "userName", "jsmith", "jsmith1"), "and per source")
}

func testClaimSkipsAccountIndex(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sourceID := createSource(t, s)
	require.NoError(t, s.RecordAccount(ctx, sourceID, "uid=1", map[string]string{"userName": "JOHN.SMITH"}))
	require.NoError(t, s.RecordAccount(ctx, sourceID, "uid=2", map[string]string{"userName": "john.smith1", "email": "x@example.com"}))
	c := s.NewClaimer(store.Holder{SourceID: sourceID, TTL: hour})
	require.Equal(t, "John.Smith2", claim(t, c, "userName", counterCandidates("John.Smith", 50)...))
	require.NoError(t, s.ForgetAccount(ctx, sourceID, "uid=1"))
	require.Equal(t, "John.Smith", claim(t, c, "userName", counterCandidates("John.Smith", 50)...), "a forgotten account frees its value")
}

func testClaimExhausted(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sourceID := createSource(t, s)
	c := s.NewClaimer(store.Holder{SourceID: sourceID, TTL: hour})
	cands := counterCandidates("John.Smith", 50)
	for range 50 {
		claim(t, c, "userName", cands...)
	}
	_, err := c.Claim(ctx, "userName", cands)
	require.ErrorIs(t, err, transform.ErrUniqueValuesExhausted)
	require.ErrorContains(t, err, `all 50 candidate values for "userName" ("John.Smith" … "John.Smith49") are taken`)
	require.Len(t, c.Reservations(), 50, "a failed claim reserves nothing")
}

// testClaimConcurrent races claimers over one candidate list: every candidate goes to exactly
// one of them and the rest learn that the values are exhausted.
func testClaimConcurrent(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sourceID := createSource(t, s)
	cands := counterCandidates("John.Smith", 20)
	const claimers = 32
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		values    []string
		exhausted int
		other     []error
	)
	for range claimers {
		wg.Go(func() {
			v, err := s.NewClaimer(store.Holder{SourceID: sourceID, TTL: hour}).Claim(ctx, "userName", cands)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				values = append(values, v)
			case errors.Is(err, transform.ErrUniqueValuesExhausted):
				exhausted++
			default:
				other = append(other, err)
			}
		})
	}
	wg.Wait()
	require.Empty(t, other)
	require.ElementsMatch(t, cands, values, "each candidate handed out exactly once")
	require.Equal(t, claimers-len(cands), exhausted)
}

func testReservationExpiry(t *testing.T, s *store.Store, clk *clock) {
	ctx := t.Context()
	sourceID := createSource(t, s)
	c := s.NewClaimer(store.Holder{SourceID: sourceID, TTL: hour})
	require.Equal(t, "jsmith", claim(t, c, "userName", "jsmith", "jsmith1"))
	old := c.Reservations()[0]
	require.True(t, clk.now().Add(hour).Equal(old.GetExpires().AsTime()))

	clk.advance(hour - time.Second)
	require.Equal(t, "jsmith1", claim(t, c, "userName", "jsmith", "jsmith1"), "held until it expires")
	clk.advance(time.Second)
	require.Equal(t, "jsmith", claim(t, c, "userName", "jsmith", "jsmith1"), "an expired reservation is free at once, swept or not")
	_, err := s.ConfirmReservation(ctx, old.GetId(), "")
	require.ErrorIs(t, err, storage.ErrNotFound, "a reservation taken over cannot be confirmed")

	clk.advance(2 * hour)
	n, err := s.DeleteExpiredReservations(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, int64(1), n, "the sweep honours its limit")
	n, err = s.DeleteExpiredReservations(ctx, 100)
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
	fresh := s.NewClaimer(store.Holder{SourceID: sourceID, TTL: hour})
	claim(t, fresh, "userName", "fresh")
	n, err = s.DeleteExpiredReservations(ctx, 100)
	require.NoError(t, err)
	require.Zero(t, n, "unexpired reservations stay")
}

func testReservationConfirm(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sourceID := createSource(t, s)
	c := s.NewClaimer(store.Holder{SourceID: sourceID, IdentityID: "id-7", TrackingNumber: "4b4d982dddff4267ab12f0f1e72b5a6d", TTL: hour})
	claim(t, c, "userName", "jsmith")
	claim(t, c, "email", "jsmith@example.com")
	user, mail := c.Reservations()[0], c.Reservations()[1]

	confirmed, err := s.ConfirmReservation(ctx, user.GetId(), "")
	require.NoError(t, err)
	want := &policyv1.Reservation{
		Id: user.GetId(), Attribute: "userName", Value: "jsmith", SourceId: sourceID, IdentityId: "id-7",
		TrackingNumber: "4b4d982dddff4267ab12f0f1e72b5a6d", Confirmed: true, AccountId: "jsmith",
	}
	if diff := cmp.Diff(want, confirmed, protocmp.Transform()); diff != "" {
		t.Errorf("ConfirmReservation (-want +got):\n%s", diff)
	}
	got, err := s.GetReservation(ctx, user.GetId())
	require.NoError(t, err)
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("GetReservation (-want +got):\n%s", diff)
	}
	again, err := s.ConfirmReservation(ctx, user.GetId(), "")
	require.NoError(t, err, "confirming twice is a no-op")
	require.True(t, again.GetConfirmed())

	_, err = s.ConfirmReservation(ctx, mail.GetId(), "jsmith")
	require.NoError(t, err, "a second attribute of the same account")

	// The values stay taken through the account index, and ForgetAccount frees them.
	_, err = s.NewClaimer(store.Holder{SourceID: sourceID, TTL: hour}).Claim(ctx, "userName", []string{"JSmith"})
	require.ErrorIs(t, err, transform.ErrUniqueValuesExhausted)
	require.ErrorIs(t, s.ReleaseReservations(ctx, user.GetId()), storage.ErrPreconditionFailed, "a confirmed reservation cannot be released")
	require.NoError(t, s.ForgetAccount(ctx, sourceID, "jsmith"))
	_, err = s.GetReservation(ctx, user.GetId())
	require.ErrorIs(t, err, storage.ErrNotFound)
	v, err := s.NewClaimer(store.Holder{SourceID: sourceID, TTL: hour}).Claim(ctx, "userName", []string{"JSmith"})
	require.NoError(t, err)
	require.Equal(t, "JSmith", v)

	_, err = s.ConfirmReservation(ctx, ids.New(), "")
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func testReservationRelease(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sourceID := createSource(t, s)
	c := s.NewClaimer(store.Holder{SourceID: sourceID, TTL: hour})
	claim(t, c, "userName", "a")
	claim(t, c, "userName", "a", "b")
	a, b := c.Reservations()[0].GetId(), c.Reservations()[1].GetId()

	require.ErrorIs(t, s.ReleaseReservations(ctx, a, ids.New()), storage.ErrNotFound)
	_, err := s.GetReservation(ctx, a)
	require.NoError(t, err, "a failed release frees nothing")

	require.NoError(t, s.ReleaseReservations(ctx, a, b))
	for _, id := range []string{a, b} {
		_, err := s.GetReservation(ctx, id)
		require.ErrorIs(t, err, storage.ErrNotFound)
	}
	require.ErrorIs(t, s.ReleaseReservations(ctx, a), storage.ErrNotFound)
	require.Equal(t, "a", claim(t, c, "userName", "a", "b"), "released values are free")
}

func testRecordAccount(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sourceID := createSource(t, s)
	c := s.NewClaimer(store.Holder{SourceID: sourceID, TTL: hour})
	claim(t, c, "userName", "jsmith")
	id := c.Reservations()[0].GetId()
	_, err := s.ConfirmReservation(ctx, id, "uid=1")
	require.NoError(t, err)

	// Re-recording the same value (an aggregation) keeps the reservation's provenance…
	require.NoError(t, s.RecordAccount(ctx, sourceID, "uid=1", map[string]string{"userName": "jsmith", "email": "j@example.com"}))
	_, err = s.GetReservation(ctx, id)
	require.NoError(t, err)
	// …a changed value drops it, and attributes not recorded any more are dropped.
	require.NoError(t, s.RecordAccount(ctx, sourceID, "uid=1", map[string]string{"userName": "jsmith2"}))
	_, err = s.GetReservation(ctx, id)
	require.ErrorIs(t, err, storage.ErrNotFound)
	checker := s.NewChecker(sourceID)
	for _, tc := range []struct{ attribute, want string }{
		{"userName", "jsmith"}, {"email", "j@example.com"},
	} {
		v, err := checker.Claim(ctx, tc.attribute, []string{tc.want})
		require.NoError(t, err, tc.attribute)
		require.Equal(t, tc.want, v)
	}
	_, err = checker.Claim(ctx, "userName", []string{"JSMITH2"})
	require.ErrorIs(t, err, transform.ErrUniqueValuesExhausted)

	require.NoError(t, s.RecordAccount(ctx, sourceID, "uid=1", nil), "no attributes forgets the account")
	require.ErrorIs(t, s.ForgetAccount(ctx, sourceID, "uid=1"), storage.ErrNotFound)
	require.ErrorIs(t, s.RecordAccount(ctx, ids.New(), "uid=1", map[string]string{"userName": "x"}), storage.ErrNotFound)
	err = s.ForgetAccount(ctx, ids.New(), "uid=1")
	require.ErrorIs(t, err, storage.ErrNotFound)
	require.ErrorContains(t, err, "source")
}

func testChecker(t *testing.T, s *store.Store) {
	ctx := t.Context()
	sourceID := createSource(t, s)
	claim(t, s.NewClaimer(store.Holder{SourceID: sourceID, TTL: hour}), "userName", "jsmith")
	checker := s.NewChecker(sourceID)
	for range 2 {
		v, err := checker.Claim(ctx, "userName", []string{"JSmith", "jsmith1"})
		require.NoError(t, err)
		require.Equal(t, "jsmith1", v, "checks without holding: the same answer twice")
	}
	_, err := checker.Claim(ctx, "userName", []string{"jsmith"})
	require.ErrorIs(t, err, transform.ErrUniqueValuesExhausted)
}
