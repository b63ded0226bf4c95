package rest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/outbound"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/connectors/rest"
)

var loopback = outbound.NewGuard(netip.MustParsePrefix("127.0.0.0/8"))

type seen struct {
	method, path, auth, idem, tracking, contentType string
	body                                            map[string]any
}

// api is a target that records requests and answers with status and body.
func api(t *testing.T, status int, body string) (*httptest.Server, func() []seen) {
	t.Helper()
	var (
		mu  sync.Mutex
		got []seen
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b map[string]any
		_ = json.NewDecoder(r.Body).Decode(&b)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Idempotency-Key"), r.Header.Get("X-Tracking-Number"), r.Header.Get("Content-Type"), b})
		mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seen {
		mu.Lock()
		defer mu.Unlock()
		return append([]seen(nil), got...)
	}
}

func provider(url string, auth map[string]any, creds map[string]string, endpoints map[string]any) connector.Provider {
	return connector.Provider{Key: "hr", Kind: connector.KindREST, Endpoint: url, Credentials: creds, Settings: map[string]any{"auth": auth, "endpoints": endpoints}}
}

func TestRunRendersAndMapsTheAnswer(t *testing.T) {
	srv, got := api(t, http.StatusCreated, `{"data": {"id": "u-42", "groups": ["a", "b"]}}`)
	c := rest.New(loopback)
	p := provider(srv.URL, map[string]any{"type": "basic", "username": "svc"}, map[string]string{"password": "pw"}, map[string]any{
		"create_user": map[string]any{
			"method": "PUT", "path": "/users/{{.Attributes.userName}}", "headers": map[string]any{"X-Dept": "{{.Params.dept}}"},
			"body": `{"name": {{json .Attributes.userName}}, "dept": {{json .Params.dept}}}`, "expectedStatuses": []any{201.0},
			"output": map[string]any{"userId": "data.id", "firstGroup": "data.groups.0"}, "accountId": "uid={{.Response.data.id}}",
		},
	})
	require.NoError(t, c.ValidateProvider(p))
	require.Equal(t, []string{"create_user"}, c.ProviderOperations(p))
	res, err := c.Run(t.Context(), p, connector.Request{
		Operation: "create_user", Params: map[string]any{"dept": "sales"}, Attributes: map[string]any{"userName": "jdoe"},
		IdempotencyKey: "key-1", TrackingNumber: "4b4d982dddff4267ab12f0f1e72b5a6d",
	})
	require.NoError(t, err)
	require.Equal(t, "uid=u-42", res.AccountID)
	require.Equal(t, connector.AccountCreate, res.AccountOperation)
	require.Equal(t, map[string]any{"status": 201, "userId": "u-42", "firstGroup": "a", "accountId": "uid=u-42"}, res.Output)
	require.Equal(t, []connector.AttributeRequest{{Name: "userName", Value: "jdoe", Operation: connector.AttributeSet}}, res.AttributeRequests)
	r := got()[0]
	require.Equal(t, seen{
		method: "PUT", path: "/users/jdoe", auth: "Basic c3ZjOnB3", idem: "key-1", tracking: "4b4d982dddff4267ab12f0f1e72b5a6d",
		contentType: "application/json", body: map[string]any{"name": "jdoe", "dept": "sales"},
	}, r)
}

func TestStatusesDecideRetries(t *testing.T) {
	for _, tc := range []struct {
		status    int
		permanent bool
	}{
		{http.StatusInternalServerError, false},
		{http.StatusServiceUnavailable, false},
		{http.StatusTooManyRequests, false},
		{http.StatusRequestTimeout, false},
		{http.StatusBadRequest, true},
		{http.StatusNotFound, true},
		{http.StatusOK, true}, // not the expected 201
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			srv, _ := api(t, tc.status, `{"error": "nope"}`)
			p := provider(srv.URL, map[string]any{"type": "bearer"}, map[string]string{"token": "t"}, map[string]any{
				"hook": map[string]any{"kind": "webhook", "expectedStatuses": []any{201.0}},
			})
			_, err := rest.New(loopback).Run(t.Context(), p, connector.Request{Operation: "webhook_hook"})
			require.ErrorContains(t, err, "answered")
			require.Equal(t, tc.permanent, connector.IsPermanent(err))
		})
	}
}

func TestOAuth2ClientCredentials(t *testing.T) {
	var tokens int
	var mu sync.Mutex
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, _ := r.BasicAuth()
		if id != "client" || secret != "shh" || r.Form.Get("grant_type") != "client_credentials" || r.Form.Get("scope") != "users:write" {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		mu.Lock()
		tokens++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token": "at-1", "token_type": "bearer", "expires_in": 3600}`)
	}))
	t.Cleanup(tokenSrv.Close)
	srv, got := api(t, http.StatusOK, `{}`)
	p := provider(srv.URL, map[string]any{"type": "oauth2", "tokenUrl": tokenSrv.URL, "clientId": "client", "scopes": []any{"users:write"}},
		map[string]string{"clientSecret": "shh"}, map[string]any{"ping": map[string]any{"method": "GET"}})
	c := rest.New(loopback)
	require.NoError(t, c.ValidateProvider(p))
	for range 3 {
		_, err := c.Run(t.Context(), p, connector.Request{Operation: "api_ping"})
		require.NoError(t, err)
	}
	for _, r := range got() {
		require.Equal(t, "Bearer at-1", r.auth)
	}
	require.Equal(t, 1, tokens, "the token is reused until it expires")
}

func TestGuardRefusesInternalTargets(t *testing.T) {
	srv, got := api(t, http.StatusOK, `{}`)
	p := provider(srv.URL, nil, nil, map[string]any{"ping": map[string]any{}})
	_, err := rest.New(outbound.NewGuard(), rest.WithTimeout(time.Second)).Run(t.Context(), p, connector.Request{Operation: "api_ping"})
	require.ErrorIs(t, err, outbound.ErrForbiddenAddress)
	require.Empty(t, got())
}

func TestValidateProvider(t *testing.T) {
	c := rest.New(loopback)
	for _, tc := range []struct {
		name string
		p    connector.Provider
		want string
	}{
		{"not http", provider("ldap://x", nil, nil, map[string]any{"a": map[string]any{}}), "want an http(s) base URL"},
		{"no endpoints", provider("http://x", nil, nil, nil), "at least one endpoint"},
		{"unknown setting", connector.Provider{Endpoint: "http://x", Settings: map[string]any{"endpoint": 1}}, "unknown field"},
		{"basic without password", provider("http://x", map[string]any{"type": "basic", "username": "u"}, nil, map[string]any{"a": map[string]any{}}), "password credential"},
		{"oauth2 without secret", provider("http://x", map[string]any{"type": "oauth2", "tokenUrl": "http://t", "clientId": "c"}, nil, map[string]any{"a": map[string]any{}}), "clientSecret credential"},
		{"bad auth type", provider("http://x", map[string]any{"type": "digest"}, nil, map[string]any{"a": map[string]any{}}), `"digest"`},
		{"bad method", provider("http://x", nil, nil, map[string]any{"a": map[string]any{"method": "TRACE"}}), "TRACE"},
		{"bad template", provider("http://x", nil, nil, map[string]any{"a": map[string]any{"path": "/{{.Params"}}), "settings.endpoints.a.path"},
		{"bad status", provider("http://x", nil, nil, map[string]any{"a": map[string]any{"expectedStatuses": []any{99.0}}}), "not an HTTP status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, c.ValidateProvider(tc.p), tc.want)
		})
	}
}
