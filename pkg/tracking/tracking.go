// Package tracking owns the trackingNumber: the 128-bit identifier, written as 32 lowercase hex
// digits, that follows one request across every service, trace, log line, stored record and
// emitted event. A request's trace ID is its trackingNumber, so one lookup in a tracing backend
// shows the whole story.
package tracking

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
)

const (
	// MetadataKey carries the trackingNumber in gRPC metadata.
	MetadataKey = "x-tracking-number"
	// Header carries the trackingNumber over HTTP.
	Header = "X-Tracking-Number"
	// BaggageKey carries the trackingNumber in OpenTelemetry baggage.
	BaggageKey = "accessflow.tracking_number"
	// AttributeKey is the span attribute and log key holding the trackingNumber.
	AttributeKey = "accessflow.tracking_number"

	length = 32
)

// ErrInvalid reports a trackingNumber that is not 32 lowercase hex digits (or is all zeros,
// which is no valid trace ID).
var ErrInvalid = errors.New("tracking number must be 32 lowercase hexadecimal digits and not all zeros")

// Number is a validated trackingNumber.
type Number string

// New returns a fresh random trackingNumber.
func New() Number {
	var b [length / 2]byte
	// crypto/rand.Read never returns an error (Go 1.24+); it panics if the OS source fails.
	_, _ = rand.Read(b[:])
	return Number(hex.EncodeToString(b[:]))
}

// Parse validates s and returns it as a Number.
func Parse(s string) (Number, error) {
	if len(s) != length {
		return "", fmt.Errorf("%w: got %d characters", ErrInvalid, len(s))
	}
	zero := true
	for i := range len(s) {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		default:
			return "", fmt.Errorf("%w: bad character at position %d", ErrInvalid, i)
		}
		if c != '0' {
			zero = false
		}
	}
	if zero {
		return "", ErrInvalid
	}
	return Number(s), nil
}

// FromTraceID converts a trace ID into the trackingNumber of the same value.
func FromTraceID(id [16]byte) Number {
	return Number(hex.EncodeToString(id[:]))
}

// TraceID returns the trace ID whose value is the trackingNumber.
func (n Number) TraceID() [16]byte {
	var id [16]byte
	_, _ = hex.Decode(id[:], []byte(n))
	return id
}

// String returns the 32 hex digits.
func (n Number) String() string { return string(n) }

type contextKey struct{}

// NewContext returns a context carrying n.
func NewContext(ctx context.Context, n Number) context.Context {
	return context.WithValue(ctx, contextKey{}, n)
}

// FromContext returns the trackingNumber ctx carries, if any.
func FromContext(ctx context.Context) (Number, bool) {
	n, ok := ctx.Value(contextKey{}).(Number)
	return n, ok && n != ""
}
