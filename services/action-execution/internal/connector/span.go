package connector

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
)

// tracerName names the tracer of the connectors' own client spans.
const tracerName = "github.com/accessflow/accessflow/services/action-execution/internal/connector"

// Call describes one request to a target system that no instrumented client makes (an LDAP
// operation, an SMTP send), for its client span.
type Call struct {
	// Name is the span's name, e.g. "LDAP search".
	Name string
	// Host and Port are the server's (server.address, server.port).
	Host string
	Port int
	// Attributes describe the request (never secrets).
	Attributes []attribute.KeyValue
	// ErrorType names an error's kind for error.type (low cardinality, e.g. an LDAP result
	// code's name); nil uses the error's Go type.
	ErrorType func(error) string
}

// Traced runs fn in a client span for c, a child of the span of ctx (the script's job). An error
// ends the span as an error, recorded with its error.type; fn's error is returned as is.
func Traced(ctx context.Context, c Call, fn func(ctx context.Context) error) error {
	attrs := append([]attribute.KeyValue{semconv.ServerAddress(c.Host), semconv.ServerPort(c.Port)}, c.Attributes...)
	ctx, span := otel.Tracer(tracerName).Start(ctx, c.Name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	defer span.End()
	err := fn(ctx)
	if err != nil {
		kind := fmt.Sprintf("%T", err)
		if c.ErrorType != nil {
			kind = c.ErrorType(err)
		}
		span.SetAttributes(semconv.ErrorTypeKey.String(kind))
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	return err
}
