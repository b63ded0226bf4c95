package smtp_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/accessflow/accessflow/internal/testserver/smtpserver"
	"github.com/accessflow/accessflow/pkg/outbound"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/connectors/smtp"
)

// TestSendSpan: each send is a client span, the child of the caller's span, naming the server
// and the Message-ID and never an address, the content or the password; a failed send is an
// error span.
func TestSendSpan(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	s := smtpserver.Start(t, smtpserver.WithAuth(user, password))
	c := smtp.New(outbound.NewGuard(s.Loopback))
	req := connector.Request{Operation: smtp.OpNotification, IdempotencyKey: "script-span", Params: map[string]any{
		"to": []any{"jdoe@example.org", "boss@example.org"}, "subject": "Ready", "body": "Hello",
	}}
	send := func(p connector.Provider) (trace.Span, sdktrace.ReadOnlySpan, error) {
		ctx, parent := otel.Tracer("test").Start(context.Background(), "job")
		defer parent.End()
		_, err := c.Run(ctx, p, req)
		var got []sdktrace.ReadOnlySpan
		for _, sp := range rec.Ended() {
			if sp.Parent().SpanID() == parent.SpanContext().SpanID() {
				got = append(got, sp)
			}
		}
		require.Len(t, got, 1, "one span per send")
		return parent, got[0], err
	}

	parent, sp, err := send(provider(s))
	require.NoError(t, err)
	require.Equal(t, "SMTP send", sp.Name())
	require.Equal(t, trace.SpanKindClient, sp.SpanKind())
	require.Equal(t, parent.SpanContext().TraceID(), sp.SpanContext().TraceID())
	attrs := map[string]any{}
	for _, kv := range sp.Attributes() {
		attrs[string(kv.Key)] = kv.Value.AsInterface()
		require.NotContains(t, kv.Value.String(), "@example.org", "no address in %s", kv.Key)
		require.NotContains(t, kv.Value.String(), password)
	}
	require.Equal(t, "127.0.0.1", attrs["server.address"])
	require.Equal(t, int64(s.Port), attrs["server.port"])
	require.Equal(t, "<"+smtp.MessageID("script-span", "accessflow.example")+">", attrs["smtp.message_id"])
	require.Equal(t, smtp.OpNotification, attrs["smtp.operation"])
	require.Equal(t, int64(2), attrs["smtp.recipients"])
	require.Equal(t, codes.Unset, sp.Status().Code)

	bad := provider(s)
	bad.Credentials = map[string]string{smtp.CredentialUsername: user, smtp.CredentialPassword: "wrong-secret"}
	_, sp, err = send(bad)
	require.Error(t, err)
	require.Equal(t, codes.Error, sp.Status().Code)
	require.Len(t, sp.Events(), 1, "the error is recorded")
	for _, kv := range sp.Attributes() {
		require.NotContains(t, kv.Value.String(), "wrong-secret")
	}
}
