package apierror_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"buf.build/go/protovalidate"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/tracking"
)

func TestToStatus(t *testing.T) {
	t.Parallel()
	_, trackingErr := tracking.Parse("nope")
	tests := []struct {
		name     string
		err      error
		code     codes.Code
		reason   typev1.ErrorReason
		msg      string
		expected bool
	}{
		{"not found", fmt.Errorf("source %q: %w", "x", storage.ErrNotFound), codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND, `source "x": not found`, true},
		{"conflict", fmt.Errorf("name: %w", storage.ErrConflict), codes.AlreadyExists, typev1.ErrorReason_ERROR_REASON_ALREADY_EXISTS, "name: already exists", true},
		{"precondition", storage.ErrPreconditionFailed, codes.FailedPrecondition, typev1.ErrorReason_ERROR_REASON_PRECONDITION_FAILED, "precondition failed", true},
		{"unique values exhausted", fmt.Errorf("%w: field %q: all 50 candidates are taken", apierror.ErrUniqueValuesExhausted, "userName"), codes.FailedPrecondition, typev1.ErrorReason_ERROR_REASON_UNIQUE_VALUES_EXHAUSTED, `unique values exhausted: field "userName": all 50 candidates are taken`, true},
		{"unauthenticated", fmt.Errorf("%w: event source %q: no matching signature", apierror.ErrUnauthenticated, "hr"), codes.Unauthenticated, typev1.ErrorReason_ERROR_REASON_UNAUTHENTICATED, `unauthenticated: event source "hr": no matching signature`, true},
		{"idempotency key reused", fmt.Errorf("%w: event x", apierror.ErrIdempotencyKeyReused), codes.FailedPrecondition, typev1.ErrorReason_ERROR_REASON_IDEMPOTENCY_KEY_REUSED, "idempotency key already used with a different request: event x", true},
		{"invalid field", apierror.InvalidField("filters", "unknown field %q", "foo"), codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT, `filters: unknown field "foo"`, true},
		{"tracking", trackingErr, codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_TRACKING_NUMBER, trackingErr.Error(), true},
		{"storage full", fmt.Errorf("store event: %w: database or disk is full", storage.ErrFull), codes.Unavailable, typev1.ErrorReason_ERROR_REASON_UNAVAILABLE, "the service's storage is full; retry later", true},
		{"internal hides cause", errors.New("pq: password=secret leaked"), codes.Internal, typev1.ErrorReason_ERROR_REASON_INTERNAL, "internal error", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, expected := apierror.ToStatus(tt.err)
			require.Equal(t, tt.code, st.Code())
			require.Equal(t, tt.msg, st.Message())
			require.Equal(t, tt.expected, expected)
			require.Equal(t, tt.reason.String(), errorInfo(t, st).GetReason())
			require.Equal(t, apierror.Domain, errorInfo(t, st).GetDomain())
		})
	}
}

func TestToStatusPassesThroughAndContext(t *testing.T) {
	t.Parallel()
	st, _ := apierror.ToStatus(status.Error(codes.PermissionDenied, "no"))
	require.Equal(t, codes.PermissionDenied, st.Code())
	st, _ = apierror.ToStatus(fmt.Errorf("query: %w", context.Canceled))
	require.Equal(t, codes.Canceled, st.Code())
	st, _ = apierror.ToStatus(fmt.Errorf("query: %w", context.DeadlineExceeded))
	require.Equal(t, codes.DeadlineExceeded, st.Code())
}

func TestToStatusValidation(t *testing.T) {
	t.Parallel()
	err := protovalidate.Validate(&policyv1.CreateSourceRequest{Source: &policyv1.Source{DeleteThreshold: 101}})
	require.Error(t, err)
	st, expected := apierror.ToStatus(err)
	require.True(t, expected)
	require.Equal(t, codes.InvalidArgument, st.Code())
	var fields []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
			}
		}
	}
	require.Contains(t, fields, "source.name")
	require.Contains(t, fields, "source.deleteThreshold")
	require.Contains(t, st.Message(), "source.name:")
}

func errorInfo(t *testing.T, st *status.Status) *errdetails.ErrorInfo {
	t.Helper()
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	t.Fatalf("no ErrorInfo in %v", st)
	return nil
}
