package telemetry

import (
	"context"
	"crypto/rand"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/accessflow/accessflow/pkg/tracking"
)

// IDGenerator makes the trace ID of every root span the trackingNumber its context carries,
// so that a flow's spans in every service belong to the trace whose ID is the trackingNumber.
// Root spans without a trackingNumber get a random trace ID.
type IDGenerator struct{}

var _ sdktrace.IDGenerator = IDGenerator{}

// NewIDGenerator returns the trackingNumber-aware ID generator.
func NewIDGenerator() IDGenerator { return IDGenerator{} }

// NewIDs returns the trace ID and span ID of a new root span.
func (IDGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	if n, ok := tracking.FromContext(ctx); ok {
		return n.TraceID(), newSpanID()
	}
	var tid trace.TraceID
	for !tid.IsValid() {
		_, _ = rand.Read(tid[:])
	}
	return tid, newSpanID()
}

// NewSpanID returns the span ID of a child span.
func (IDGenerator) NewSpanID(context.Context, trace.TraceID) trace.SpanID { return newSpanID() }

func newSpanID() trace.SpanID {
	var sid trace.SpanID
	for !sid.IsValid() {
		_, _ = rand.Read(sid[:])
	}
	return sid
}
