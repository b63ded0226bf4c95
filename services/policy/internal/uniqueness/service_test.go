package uniqueness_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/services/policy/internal/policytest"
	"github.com/accessflow/accessflow/services/policy/internal/uniqueness"
)

func wantStatus(t *testing.T, err error, code codes.Code, reason typev1.ErrorReason, texts ...string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, status.Code(err), err.Error())
	require.Equal(t, reason.String(), policytest.Reason(err), err.Error())
	for _, text := range texts {
		require.Contains(t, status.Convert(err).Message(), text)
	}
}

// reserve evaluates the seed policy for first last and returns the reservation it made.
func reserve(t *testing.T, s *policytest.Server, sourceID, first, last string) *policyv1.Reservation {
	t.Helper()
	attrs, err := structpb.NewStruct(map[string]any{"firstname": first, "lastname": last})
	require.NoError(t, err)
	resp, err := s.Policies().EvaluateProvisioningPolicy(t.Context(), &policyv1.EvaluateProvisioningPolicyRequest{
		SourceId: sourceID, UsageType: "CREATE", Identity: &policyv1.EvaluationIdentity{Id: ids.New(), Attributes: attrs},
	})
	require.NoError(t, err)
	require.Len(t, resp.GetReservations(), 1)
	return resp.GetReservations()[0]
}

func seedSource(t *testing.T, s *policytest.Server) string {
	t.Helper()
	sourceID := policytest.CreateSource(t, s)
	_, err := s.Policies().CreateProvisioningPolicy(t.Context(), &policyv1.CreateProvisioningPolicyRequest{
		SourceId: sourceID, Policy: policytest.Policy(t, policytest.SeedPolicy),
	})
	require.NoError(t, err)
	return sourceID
}

func TestUniqueness(t *testing.T) {
	policytest.Backends(t, func(t *testing.T, s *policytest.Server) {
		client := s.Uniqueness()

		t.Run("confirm moves the value into the account index", func(t *testing.T) {
			sourceID := seedSource(t, s)
			r := reserve(t, s, sourceID, "John", "Smith")
			got, err := client.GetReservation(t.Context(), &policyv1.GetReservationRequest{Id: r.GetId()})
			require.NoError(t, err)
			require.False(t, got.GetReservation().GetConfirmed())

			confirmed, err := client.ConfirmReservation(t.Context(), &policyv1.ConfirmReservationRequest{Id: r.GetId(), AccountId: "uid=jsmith,ou=people"})
			require.NoError(t, err)
			require.True(t, confirmed.GetReservation().GetConfirmed())
			require.Equal(t, "uid=jsmith,ou=people", confirmed.GetReservation().GetAccountId())
			require.Nil(t, confirmed.GetReservation().GetExpires(), "a confirmed value does not expire")
			again, err := client.ConfirmReservation(t.Context(), &policyv1.ConfirmReservationRequest{Id: r.GetId()})
			require.NoError(t, err, "confirming twice is a no-op")
			require.Equal(t, "uid=jsmith,ou=people", again.GetReservation().GetAccountId())

			_, err = client.ReleaseReservation(t.Context(), &policyv1.ReleaseReservationRequest{Id: r.GetId()})
			wantStatus(t, err, codes.FailedPrecondition, typev1.ErrorReason_ERROR_REASON_PRECONDITION_FAILED, "confirmed", "forget the account")
			require.Equal(t, "John.Smith1", reserve(t, s, sourceID, "John", "Smith").GetValue(), "the confirmed value stays taken")

			_, err = client.ForgetAccount(t.Context(), &policyv1.ForgetAccountRequest{SourceId: sourceID, AccountId: "uid=jsmith,ou=people"})
			require.NoError(t, err)
			_, err = client.GetReservation(t.Context(), &policyv1.GetReservationRequest{Id: r.GetId()})
			wantStatus(t, err, codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND)
			require.Equal(t, "John.Smith", reserve(t, s, sourceID, "John", "Smith").GetValue(), "a forgotten account frees its value")
		})

		t.Run("release frees the value", func(t *testing.T) {
			sourceID := seedSource(t, s)
			r := reserve(t, s, sourceID, "Jane", "Doe")
			_, err := client.ReleaseReservation(t.Context(), &policyv1.ReleaseReservationRequest{Id: r.GetId()})
			require.NoError(t, err)
			_, err = client.ReleaseReservation(t.Context(), &policyv1.ReleaseReservationRequest{Id: r.GetId()})
			wantStatus(t, err, codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND)
			_, err = client.ConfirmReservation(t.Context(), &policyv1.ConfirmReservationRequest{Id: r.GetId()})
			wantStatus(t, err, codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND, "reservation")
			require.Equal(t, "Jane.Doe", reserve(t, s, sourceID, "Jane", "Doe").GetValue())
		})

		t.Run("record and forget accounts", func(t *testing.T) {
			sourceID := seedSource(t, s)
			_, err := client.RecordAccount(t.Context(), &policyv1.RecordAccountRequest{SourceId: sourceID, AccountId: "1", Attributes: map[string]string{"userName": "ann.lee"}})
			require.NoError(t, err)
			require.Equal(t, "Ann.Lee1", reserve(t, s, sourceID, "Ann", "Lee").GetValue())
			_, err = client.RecordAccount(t.Context(), &policyv1.RecordAccountRequest{SourceId: sourceID, AccountId: "1", Attributes: map[string]string{"userName": "ann.lee2"}})
			require.NoError(t, err)
			require.Equal(t, "Ann.Lee", reserve(t, s, sourceID, "Ann", "Lee").GetValue(), "a re-recorded account replaces its values")
			_, err = client.ForgetAccount(t.Context(), &policyv1.ForgetAccountRequest{SourceId: sourceID, AccountId: "1"})
			require.NoError(t, err)
			_, err = client.ForgetAccount(t.Context(), &policyv1.ForgetAccountRequest{SourceId: sourceID, AccountId: "1"})
			wantStatus(t, err, codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND, "account")
		})

		t.Run("errors", func(t *testing.T) {
			unknown := ids.New()
			cases := []struct {
				name   string
				call   func() error
				code   codes.Code
				reason typev1.ErrorReason
				texts  []string
			}{
				{"get unknown", func() error {
					_, err := client.GetReservation(t.Context(), &policyv1.GetReservationRequest{Id: unknown})
					return err
				}, codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND, []string{unknown}},
				{"confirm unknown", func() error {
					_, err := client.ConfirmReservation(t.Context(), &policyv1.ConfirmReservationRequest{Id: unknown})
					return err
				}, codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND, []string{unknown}},
				{"release unknown", func() error {
					_, err := client.ReleaseReservation(t.Context(), &policyv1.ReleaseReservationRequest{Id: unknown})
					return err
				}, codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND, []string{unknown}},
				{"get without id", func() error {
					_, err := client.GetReservation(t.Context(), &policyv1.GetReservationRequest{})
					return err
				}, codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT, []string{"id"}},
				{"record on an unknown source", func() error {
					_, err := client.RecordAccount(t.Context(), &policyv1.RecordAccountRequest{SourceId: unknown, AccountId: "1", Attributes: map[string]string{"userName": "x"}})
					return err
				}, codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND, []string{"source"}},
				{"record without account id", func() error {
					_, err := client.RecordAccount(t.Context(), &policyv1.RecordAccountRequest{SourceId: unknown})
					return err
				}, codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT, []string{"accountId"}},
				{"record an empty attribute name", func() error {
					_, err := client.RecordAccount(t.Context(), &policyv1.RecordAccountRequest{SourceId: unknown, AccountId: "1", Attributes: map[string]string{"": "x"}})
					return err
				}, codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT, []string{"attributes"}},
				{"forget on an unknown source", func() error {
					_, err := client.ForgetAccount(t.Context(), &policyv1.ForgetAccountRequest{SourceId: unknown, AccountId: "1"})
					return err
				}, codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND, []string{"source"}},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					wantStatus(t, tc.call(), tc.code, tc.reason, tc.texts...)
				})
			}
		})
	})
}

// TestSweep runs the service with a one-second reservation TTL: the periodic River job
// deletes the reservation soon after it expires.
func TestSweep(t *testing.T) {
	policytest.Backends(t, func(t *testing.T, s *policytest.Server) {
		sourceID := seedSource(t, s)
		r := reserve(t, s, sourceID, "John", "Smith")
		require.WithinDuration(t, time.Now().Add(time.Second), r.GetExpires().AsTime(), 500*time.Millisecond, "the TTL flag applies")
		require.Eventually(t, func() bool {
			_, err := s.Uniqueness().GetReservation(t.Context(), &policyv1.GetReservationRequest{Id: r.GetId()})
			return status.Code(err) == codes.NotFound
		}, 30*time.Second, 50*time.Millisecond, "the sweep deletes the expired reservation")
	}, policytest.WithFlags("--reservation-ttl=1s"))
}

func TestSweepInterval(t *testing.T) {
	t.Parallel()
	for ttl, want := range map[time.Duration]time.Duration{
		time.Second:      time.Second,
		30 * time.Second: 3 * time.Second,
		time.Hour:        time.Minute,
	} {
		require.Equal(t, want, uniqueness.SweepInterval(ttl), ttl)
	}
}
