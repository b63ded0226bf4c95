package gateway

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
	"github.com/accessflow/accessflow/pkg/tracking"
)

// ErrorResponse is the reference API's ErrorResponseDto, plus the two fields its 401 and 429
// responses use instead (error, message), so that clients of either shape understand us.
type ErrorResponse struct {
	DetailCode string         `json:"detailCode"`
	TrackingID string         `json:"trackingId"`
	Messages   []ErrorMessage `json:"messages"`
	Causes     []ErrorMessage `json:"causes,omitempty"`
	Error      string         `json:"error,omitempty"`
	Message    string         `json:"message,omitempty"`
}

// ErrorMessage is the reference API's ErrorMessageDto.
type ErrorMessage struct {
	Locale       string `json:"locale"`
	LocaleOrigin string `json:"localeOrigin"`
	Text         string `json:"text"`
}

// detailCodes are the reference API's detail codes per HTTP status.
var detailCodes = map[int]string{
	http.StatusBadRequest:            "400.1 Bad Request Content",
	http.StatusUnauthorized:          "401 Unauthorized",
	http.StatusForbidden:             "403 Forbidden",
	http.StatusNotFound:              "404 Not found",
	http.StatusMethodNotAllowed:      "405 Method Not Allowed",
	http.StatusConflict:              "409 Conflict",
	http.StatusPreconditionFailed:    "412 Precondition Failed",
	http.StatusRequestEntityTooLarge: "413 Payload Too Large",
	http.StatusUnsupportedMediaType:  "415 Unsupported Media Type",
	http.StatusUnprocessableEntity:   "422 Unprocessable Entity",
	http.StatusTooManyRequests:       "429 Too Many Requests",
	http.StatusInternalServerError:   "500.0 Internal Fault",
	http.StatusNotImplemented:        "501 Not Implemented",
	http.StatusServiceUnavailable:    "503 Service Unavailable",
	http.StatusGatewayTimeout:        "504 Gateway Timeout",
}

func message(text string) ErrorMessage {
	return ErrorMessage{Locale: "en-US", LocaleOrigin: "DEFAULT", Text: text}
}

// writeErrorCode writes the reference error body with an RFC 6749 "error" code (OAuth2 errors).
func writeErrorCode(ctx context.Context, w http.ResponseWriter, httpStatus int, code, text string) {
	writeErrorBody(ctx, w, httpStatus, text, nil, 0, code)
}

// writeError writes the reference error body for httpStatus.
func writeError(ctx context.Context, w http.ResponseWriter, httpStatus int, text string, causes []ErrorMessage, retryAfter int) {
	writeErrorBody(ctx, w, httpStatus, text, causes, retryAfter, "")
}

func writeErrorBody(ctx context.Context, w http.ResponseWriter, httpStatus int, text string, causes []ErrorMessage, retryAfter int, code string) {
	n, _ := tracking.FromContext(ctx)
	detail, ok := detailCodes[httpStatus]
	if !ok {
		detail = strconv.Itoa(httpStatus) + " " + http.StatusText(httpStatus)
	}
	body := ErrorResponse{
		DetailCode: detail,
		TrackingID: n.String(),
		Messages:   []ErrorMessage{message(text)},
		Causes:     causes,
	}
	body.Error = code
	switch httpStatus {
	case http.StatusUnauthorized:
		if body.Error == "" {
			body.Error = text
		}
	case http.StatusTooManyRequests:
		body.Message = text
		if retryAfter <= 0 {
			retryAfter = 1
		}
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	case http.StatusServiceUnavailable:
		if retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		}
	}
	writeJSON(w, httpStatus, body)
}

// httpStatus picks the HTTP status of a gRPC status: grpc-gateway's mapping, refined by the
// ErrorInfo reason where the reference API distinguishes more (412 for a failed If-Match).
func httpStatus(st *status.Status) int {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetReason() == typev1.ErrorReason_ERROR_REASON_PRECONDITION_FAILED.String() {
			return http.StatusPreconditionFailed
		}
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetReason() == typev1.ErrorReason_ERROR_REASON_IDEMPOTENCY_KEY_REUSED.String() {
			return http.StatusUnprocessableEntity
		}
	}
	return runtime.HTTPStatusFromCode(st.Code())
}

// handleError is the gateway's error handler: every error becomes the reference error body.
func (g *Gateway) handleError(ctx context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	if bodyTooLarge(r) {
		writeError(ctx, w, http.StatusRequestEntityTooLarge, "request body is larger than "+strconv.FormatInt(g.maxBodyBytes, 10)+" bytes", nil, 0)
		return
	}
	var herr *runtime.HTTPStatusError
	if errors.As(err, &herr) {
		writeError(ctx, w, herr.HTTPStatus, routingText(herr.HTTPStatus), nil, 0)
		return
	}
	st := status.Convert(err)
	code := httpStatus(st)
	text := st.Message()
	if st.Code() == codes.Internal || st.Code() == codes.Unknown {
		g.logger.ErrorContext(ctx, "backend error", "method", r.Method, "path", r.URL.Path, "error", err)
		text = "An internal fault occurred."
	}
	var (
		causes     []ErrorMessage
		retryAfter int
	)
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				causes = append(causes, message(v.GetField()+": "+v.GetDescription()))
			}
		case *errdetails.RetryInfo:
			retryAfter = int(math.Ceil(d.GetRetryDelay().AsDuration().Seconds()))
		}
	}
	writeError(ctx, w, code, text, causes, retryAfter)
}

// handleRoutingError answers unknown routes (404) and wrong methods (405) with the reference
// error body.
func (g *Gateway) handleRoutingError(ctx context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, _ *http.Request, httpStatus int) {
	writeError(ctx, w, httpStatus, routingText(httpStatus), nil, 0)
}

func routingText(httpStatus int) string {
	switch httpStatus {
	case http.StatusNotFound:
		return "The server did not find a current representation for the target resource."
	case http.StatusMethodNotAllowed:
		return "The method is not allowed on the target resource."
	default:
		return http.StatusText(httpStatus)
	}
}
