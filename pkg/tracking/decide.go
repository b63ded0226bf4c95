package tracking

import (
	"go.opentelemetry.io/otel/trace"
)

// Decision says how an incoming request joins the trace of its trackingNumber.
type Decision struct {
	// Number is the request's trackingNumber.
	Number Number
	// Parent is the remote span the request's server span continues. It is invalid when the
	// request starts a new trace whose ID is Number.
	Parent trace.SpanContext
	// Link is an incoming span of another trace (the caller sent both a trackingNumber and a
	// traceparent that disagree): the trackingNumber wins and the span is kept as a link.
	Link trace.SpanContext
}

// Decide resolves the trackingNumber of an incoming request from the tracking header or
// metadata value (empty when absent) and the remote span context a W3C traceparent carried
// (invalid when absent):
//   - neither: a new trackingNumber, and a new trace with that ID;
//   - only traceparent: its trace ID becomes the trackingNumber, the span is the parent;
//   - only trackingNumber: a new trace whose ID is the trackingNumber;
//   - both, same trace: the span is the parent;
//   - both, different traces: the trackingNumber wins, the span becomes a link.
//
// A present but malformed trackingNumber is an error wrapping ErrInvalid.
func Decide(value string, remote trace.SpanContext) (Decision, error) {
	if value == "" {
		if remote.IsValid() {
			return Decision{Number: FromTraceID(remote.TraceID()), Parent: remote}, nil
		}
		return Decision{Number: New()}, nil
	}
	n, err := Parse(value)
	if err != nil {
		return Decision{}, err
	}
	switch {
	case !remote.IsValid():
		return Decision{Number: n}, nil
	case remote.TraceID() == trace.TraceID(n.TraceID()):
		return Decision{Number: n, Parent: remote}, nil
	default:
		return Decision{Number: n, Link: remote}, nil
	}
}
