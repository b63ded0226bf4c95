// Package apierror is the one place where errors become gRPC statuses. Handlers return plain
// wrapped errors; the server's last interceptor calls ToStatus, which picks the code, attaches a
// google.rpc.ErrorInfo with an accessflow.type.v1.ErrorReason, and hides the cause of anything
// unexpected behind a clean message (the cause is logged, under the request's trackingNumber).
package apierror

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"buf.build/go/protovalidate"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/tracking"
)

// Domain is the google.rpc.ErrorInfo domain of every Accessflow error.
const Domain = "accessflow.dev"

// ErrInvalidArgument marks a request that fails a handwritten validation rule; wrap it with a
// message that names the field: fmt.Errorf("%w: features: duplicate value", ErrInvalidArgument).
var ErrInvalidArgument = errors.New("invalid argument")

// ErrUniqueValuesExhausted marks a request that needs a unique value (e.g. a generated
// username) when every candidate is already taken. It is FAILED_PRECONDITION, not
// RESOURCE_EXHAUSTED: the latter means "back off and retry" (HTTP 429), whereas this state
// lasts until values are freed or the policy allows more candidates.
var ErrUniqueValuesExhausted = errors.New("unique values exhausted")

// ErrUnauthenticated marks a caller whose own credentials (a webhook signature, an invocation
// secret) are missing, wrong or stale: gRPC Unauthenticated, HTTP 401.
var ErrUnauthenticated = errors.New("unauthenticated")

// ErrIdempotencyKeyReused marks a request whose idempotency key was already used with a
// different request: gRPC FailedPrecondition with reason IDEMPOTENCY_KEY_REUSED, HTTP 422.
var ErrIdempotencyKeyReused = errors.New("idempotency key already used with a different request")

// FieldViolation names a field of the request and what is wrong with it.
type FieldViolation struct {
	Field       string
	Description string
}

// InvalidFieldsError reports one or more invalid request fields.
type InvalidFieldsError struct{ Violations []FieldViolation }

func (e *InvalidFieldsError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.Field + ": " + v.Description
	}
	return strings.Join(parts, "; ")
}

// Unwrap makes errors.Is(err, ErrInvalidArgument) hold.
func (e *InvalidFieldsError) Unwrap() error { return ErrInvalidArgument }

// InvalidField returns an error for one invalid field.
func InvalidField(field, format string, args ...any) error {
	return &InvalidFieldsError{Violations: []FieldViolation{{Field: field, Description: fmt.Sprintf(format, args...)}}}
}

// ToStatus maps err to the gRPC status a client sees. It reports whether err was expected
// (a client error); unexpected ones should be logged with their cause.
func ToStatus(err error) (st *status.Status, expected bool) {
	if err == nil {
		return status.New(codes.OK, ""), true
	}
	if s, ok := status.FromError(err); ok {
		return s, s.Code() != codes.Internal && s.Code() != codes.Unknown
	}
	var (
		verr   *protovalidate.ValidationError
		fields *InvalidFieldsError
	)
	switch {
	case errors.Is(err, context.Canceled):
		return status.New(codes.Canceled, "request canceled"), true
	case errors.Is(err, context.DeadlineExceeded):
		return status.New(codes.DeadlineExceeded, "deadline exceeded"), true
	case errors.As(err, &verr):
		v := violationsOf(verr)
		return badRequest((&InvalidFieldsError{Violations: v}).Error(), v), true
	case errors.As(err, &fields):
		return badRequest(fields.Error(), fields.Violations), true
	case errors.Is(err, tracking.ErrInvalid):
		return withInfo(codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_TRACKING_NUMBER, err.Error()), true
	case errors.Is(err, ErrUnauthenticated):
		return withInfo(codes.Unauthenticated, typev1.ErrorReason_ERROR_REASON_UNAUTHENTICATED, err.Error()), true
	case errors.Is(err, ErrIdempotencyKeyReused):
		return withInfo(codes.FailedPrecondition, typev1.ErrorReason_ERROR_REASON_IDEMPOTENCY_KEY_REUSED, err.Error()), true
	case errors.Is(err, ErrInvalidArgument):
		return withInfo(codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT, err.Error()), true
	case errors.Is(err, storage.ErrNotFound):
		return withInfo(codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND, err.Error()), true
	case errors.Is(err, storage.ErrConflict):
		return withInfo(codes.AlreadyExists, typev1.ErrorReason_ERROR_REASON_ALREADY_EXISTS, err.Error()), true
	case errors.Is(err, ErrUniqueValuesExhausted):
		return withInfo(codes.FailedPrecondition, typev1.ErrorReason_ERROR_REASON_UNIQUE_VALUES_EXHAUSTED, err.Error()), true
	case errors.Is(err, storage.ErrFull):
		return unavailable("the service's storage is full; retry later"), true
	case errors.Is(err, storage.ErrPreconditionFailed):
		return withInfo(codes.FailedPrecondition, typev1.ErrorReason_ERROR_REASON_PRECONDITION_FAILED, err.Error()), true
	default:
		return withInfo(codes.Internal, typev1.ErrorReason_ERROR_REASON_INTERNAL, "internal error"), false
	}
}

func withInfo(code codes.Code, reason typev1.ErrorReason, msg string, details ...*errdetails.BadRequest) *status.Status {
	st := status.New(code, msg)
	info := &errdetails.ErrorInfo{Reason: reason.String(), Domain: Domain}
	var err error
	if len(details) > 0 {
		st, err = st.WithDetails(info, details[0])
	} else {
		st, err = st.WithDetails(info)
	}
	if err != nil {
		// Only fails for unmarshalable details, which ours are not; keep the bare status.
		return status.New(code, msg)
	}
	return st
}

// FullRetryAfter is how long a client is told to wait when the storage is full.
const FullRetryAfter = 5 * time.Second

// unavailable is UNAVAILABLE with a RetryInfo, which the gateway turns into Retry-After.
func unavailable(msg string) *status.Status {
	st, err := status.New(codes.Unavailable, msg).WithDetails(
		&errdetails.ErrorInfo{Reason: typev1.ErrorReason_ERROR_REASON_UNAVAILABLE.String(), Domain: Domain},
		&errdetails.RetryInfo{RetryDelay: durationpb.New(FullRetryAfter)},
	)
	if err != nil {
		return status.New(codes.Unavailable, msg)
	}
	return st
}

func badRequest(msg string, violations []FieldViolation) *status.Status {
	br := &errdetails.BadRequest{}
	for _, v := range violations {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
			Field: v.Field, Description: v.Description,
		})
	}
	return withInfo(codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT, msg, br)
}

func violationsOf(verr *protovalidate.ValidationError) []FieldViolation {
	out := make([]FieldViolation, 0, len(verr.Violations))
	for _, v := range verr.Violations {
		field := jsonPath(protovalidate.FieldPathString(v.Proto.GetField()))
		if field == "" {
			field = v.Proto.GetRuleId()
		}
		out = append(out, FieldViolation{Field: field, Description: v.Proto.GetMessage()})
	}
	return out
}

// jsonPath turns a proto field path (source.connector_attributes) into the JSON names REST
// clients see (source.connectorAttributes).
func jsonPath(path string) string {
	var b strings.Builder
	upper := false
	for _, r := range path {
		switch {
		case r == '_':
			upper = true
		case upper:
			b.WriteString(strings.ToUpper(string(r)))
			upper = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
