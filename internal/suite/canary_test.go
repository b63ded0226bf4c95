package suite_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// requireNoCanary fails when canary appears in any log line the suite wrote or any attribute or
// event of any span recorded so far.
func requireNoCanary(t *testing.T, r *running, canary string) {
	t.Helper()
	r.logsMu.Lock()
	logs := r.logs.String()
	r.logsMu.Unlock()
	require.NotContains(t, logs, canary, "a secret reached the logs")
	for _, s := range spans.Ended() {
		for _, a := range s.Attributes() {
			require.NotContains(t, a.Value.String(), canary, "a secret reached span %s attribute %s", s.Name(), a.Key)
		}
		for _, e := range s.Events() {
			for _, a := range e.Attributes {
				require.NotContains(t, a.Value.String(), canary, "a secret reached span %s event %s", s.Name(), e.Name)
			}
		}
		require.NotContains(t, s.Status().Description, canary)
	}
}

// TestSecretsStayOutOfLogsAndSpans sends credentials the way clients do — a client secret to
// the token endpoint, bearer tokens, secrets inside request bodies — with debug logging on, then
// greps every log line and span for them.
func TestSecretsStayOutOfLogsAndSpans(t *testing.T) {
	r := start(t, storageSQLite(t)) // logs at debug level
	canary := "canary-" + strings.Repeat("s3cr3t", 4)

	// The client secret, right and wrong, at the token endpoint.
	for _, secret := range []string{r.creds.ClientSecret, canary} {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {r.creds.ClientID}, "client_secret": {secret}}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, r.base+"/oauth/token", strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	// A canary bearer token, and a canary inside bodies and query strings that fail validation.
	r.do(t, http.MethodGet, "/v3/sources", "", "Authorization", "Bearer "+canary)
	bad := r.do(t, http.MethodPost, "/v3/sources", fmt.Sprintf(`{"name": "", "connectorAttributes": {"password": %q}}`, canary))
	require.Equal(t, http.StatusBadRequest, bad.status)
	require.NotContains(t, string(bad.body), canary, "error bodies do not echo secrets")
	r.do(t, http.MethodGet, "/v3/sources?filters="+url.QueryEscape(`name eq "`+canary+`" or`), "")

	requireNoCanary(t, r, canary)
	requireNoCanary(t, r, r.creds.ClientSecret)
	requireNoCanary(t, r, r.token)
}

// TestSubscriptionSecretsStayHidden gives a subscription a canary bearer token and basic-auth
// password, delivers an event with them, and checks the canary is never returned by the API,
// never written to logs or spans, and never stored in clear (River job arguments, or anywhere
// in the database file).
func TestSubscriptionSecretsStayHidden(t *testing.T) {
	dataDir := t.TempDir()
	r := startWith(t, storageWithDir(t, dataDir), withTriggers())
	canary := "canary-bearer-" + strings.Repeat("x", 12)
	sub := newSubscriber(t, nil)
	created := r.subscribe(t, iacTrigger, "secret holder", sub.URL, "", map[string]any{"httpConfig": map[string]any{
		"url": sub.URL, "httpAuthenticationType": "BEARER_TOKEN",
		"bearerTokenAuthConfig": map[string]any{"bearerToken": canary},
	}})
	id := created["id"].(string)
	signing := created["signingSecret"].(string)

	for _, path := range []string{"/beta/trigger-subscriptions/" + id, "/beta/trigger-subscriptions", "/v1/audit-events?limit=250"} {
		resp := r.do(t, http.MethodGet, path, "")
		require.Equal(t, http.StatusOK, resp.status, path)
		require.NotContains(t, string(resp.body), canary, "%s returned the bearer token", path)
		require.NotContains(t, string(resp.body), signing, "%s returned the signing secret after creation", path)
	}

	r.publish(t, iacTrigger, identityAttributesChanged)
	d := sub.next(t)
	require.Equal(t, "Bearer "+canary, d.header.Get("Authorization"), "the subscriber does get it")

	requireNoCanary(t, r, canary)
	requireNoCanary(t, r, signing)
	db, err := os.ReadFile(filepath.Join(dataDir, "trigger-ingest.db"))
	require.NoError(t, err)
	wal, _ := os.ReadFile(filepath.Join(dataDir, "trigger-ingest.db-wal"))
	require.NotContains(t, string(db)+string(wal), canary, "the token is stored sealed, and River job arguments carry only ids")
	require.NotContains(t, string(db)+string(wal), signing, "the signing secret is stored sealed")
}
