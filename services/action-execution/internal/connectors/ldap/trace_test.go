package ldap_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/accessflow/accessflow/internal/testserver/slapd"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/connectors/ldap"
)

// TestOperationSpans: each LDAP request (bind, search, add…) is a client span, the child of the
// caller's span, naming the server, the operation and the DN, never a password; a refused
// request is an error span with its result code.
func TestOperationSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	s := slapd.Start(t)
	c := newConnector(s)
	const secret = "span-Secret1"
	run := func(p connector.Provider, req connector.Request) ([]sdktrace.ReadOnlySpan, error) {
		ctx, parent := otel.Tracer("test").Start(context.Background(), "job")
		defer parent.End()
		_, err := c.Run(ctx, p, req)
		var got []sdktrace.ReadOnlySpan
		for _, sp := range rec.Ended() {
			if sp.Parent().SpanID() == parent.SpanContext().SpanID() {
				require.Equal(t, parent.SpanContext().TraceID(), sp.SpanContext().TraceID())
				got = append(got, sp)
			}
		}
		return got, err
	}
	attrsOf := func(sp sdktrace.ReadOnlySpan) map[string]any {
		out := map[string]any{}
		for _, kv := range sp.Attributes() {
			out[string(kv.Key)] = kv.Value.AsInterface()
			require.NotContains(t, kv.Value.String(), secret)
			require.NotContains(t, kv.Value.String(), slapd.AdminPassword)
		}
		return out
	}

	got, err := run(provider(s, nil), connector.Request{Operation: ldap.OpCreateUser, Attributes: map[string]any{
		"uid": "spanner", "cn": "Span Ner", "sn": "Ner", "password": secret,
	}})
	require.NoError(t, err)
	ops := map[string]map[string]any{}
	var names []string
	for _, sp := range got {
		require.Equal(t, trace.SpanKindClient, sp.SpanKind())
		require.Equal(t, "LDAP ", sp.Name()[:5])
		a := attrsOf(sp)
		require.Equal(t, "127.0.0.1", a["server.address"])
		_, port, _ := strings.Cut(strings.TrimPrefix(s.URL, "ldap://"), ":")
		wantPort, _ := strconv.Atoi(port)
		require.Equal(t, int64(wantPort), a["server.port"])
		ops[a["ldap.operation"].(string)] = a
		names = append(names, sp.Name())
	}
	require.Contains(t, ops, "bind", "spans: %v", names)
	require.Equal(t, slapd.AdminDN, ops["bind"]["ldap.dn"])
	require.Contains(t, ops, "add", "spans: %v", names)
	require.Equal(t, "uid=spanner,"+slapd.PeopleDN, ops["add"]["ldap.dn"])

	bad := provider(s, nil)
	bad.Credentials = map[string]string{ldap.CredentialBindPassword: "not-the-password"}
	got, err = run(bad, connector.Request{Operation: ldap.OpDeleteUser, AccountID: "uid=spanner," + slapd.PeopleDN})
	require.Error(t, err)
	require.Len(t, got, 1, "only the refused bind")
	require.Equal(t, "LDAP bind", got[0].Name())
	require.Equal(t, codes.Error, got[0].Status().Code)
	a := attrsOf(got[0])
	require.Equal(t, int64(49), a["ldap.result_code"])
	require.Equal(t, "Invalid Credentials", a["error.type"])
}
