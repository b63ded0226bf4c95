package actionexecution_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/storage/storagetest"
)

// TestEveryAccountSurvivesSIGKILL runs every_account_disable_user over two REST applications
// on the real binary and SIGKILLs the process while the second account's disable is in flight
// (the application has acted, the service has not recorded it). After the restart the flow
// must complete: the first account, recorded done before the kill, gets no request again, and
// the second is disabled once (its retry carries the same per-account idempotency key).
func TestEveryAccountSurvivesSIGKILL(t *testing.T) {
	bin := accessflowBinary(t)

	t.Run("sqlite", func(t *testing.T) { killEveryAccount(t, bin, nil) })
	t.Run("postgres", func(t *testing.T) {
		url := storagetest.NewPostgresDatabase(t, "killaccounts", nil, func(context.Context, string) error { return nil })
		killEveryAccount(t, bin, []string{"--database-url", url, "--secret-keys", "test=" + strings.Repeat("cd", 32)})
	})
}

// newAccountsTarget serves two applications (/a, /b): creates answer the account "<app>-1",
// disables act once per Idempotency-Key; the first disable of /b hangs after acting until
// released.
func newAccountsTarget(t *testing.T) *killTarget {
	t.Helper()
	return newKillTarget(t, "/b/users/b-1/disable", func(path string) string { return strings.Split(path, "/")[1] + "-1" })
}

func killEveryAccount(t *testing.T, bin string, extra []string) {
	tg := newAccountsTarget(t)
	d := newDeployment(t, bin, extra)
	call := d.call
	startFlow := func(chainID any, key string) string {
		st, out := call(http.MethodPost, "/v1/action-flows", map[string]any{
			"chainId": chainID, "idempotencyKey": key,
			"context": map[string]any{"operation": "GRANT", "recipient": map[string]any{"id": "id-1", "name": "William Wilson"}},
		})
		require.Equal(t, http.StatusAccepted, st, out)
		return out["flow"].(map[string]any)["id"].(string)
	}
	flow := func(id string) map[string]any {
		st, out := call(http.MethodGet, "/v1/action-flows/"+id, nil)
		require.Equal(t, http.StatusOK, st, out)
		return out
	}
	for _, app := range []string{"a", "b"} {
		st, out := call(http.MethodPost, "/v1/action-providers", map[string]any{
			"key": "app" + app, "kind": "REST", "endpoint": tg.URL + "/" + app,
			"settings": map[string]any{"endpoints": map[string]any{
				"create_user":  map[string]any{"path": "/users", "accountId": "{{.Response.id}}"},
				"disable_user": map[string]any{"path": "/users/{{.AccountID}}/disable"},
			}},
		})
		require.Equal(t, http.StatusCreated, st, out)
		st, out = call(http.MethodPost, "/v1/action-chains", map[string]any{"name": "grant " + app, "scripts": []any{
			map[string]any{"name": "create", "type": "app" + app + "_api_create_user"},
		}})
		require.Equal(t, http.StatusCreated, st, out)
		id := startFlow(out["id"], "grant-"+app)
		require.Eventually(t, func() bool { return flow(id)["status"] == "SUCCEEDED" }, 30*time.Second, 50*time.Millisecond)
	}
	st, out := call(http.MethodPost, "/v1/action-chains", map[string]any{"name": "leaver", "scripts": []any{
		map[string]any{"name": "off", "type": "every_account_disable_user", "backoff": "0.2s"},
	}})
	require.Equal(t, http.StatusCreated, st, out)
	flowID := startFlow(out["id"], "leaver-1")

	select {
	case <-tg.hung:
	case <-time.After(30 * time.Second):
		t.Fatal("the second disable never arrived")
	}
	d.kill()
	restarted := time.Now()
	d.run()
	require.Eventually(t, func() bool { return flow(flowID)["status"] == "SUCCEEDED" }, 30*time.Second, 50*time.Millisecond, "the leaver did not complete within 30s of the restart")
	t.Logf("leaver completed %s after the restart", time.Since(restarted).Round(time.Millisecond))

	effects, requests, keys := tg.snapshot()
	require.Equal(t, 1, requests["/a/users/a-1/disable"], "the account done before the kill is not asked again")
	require.GreaterOrEqual(t, requests["/b/users/b-1/disable"], 2, "the account in flight is asked again")
	require.Equal(t, 1, effects["/a/users/a-1/disable"])
	require.Equal(t, 1, effects["/b/users/b-1/disable"], "with the same idempotency key: one effect")
	require.NotEqual(t, keys["/a/users/a-1/disable"][0], keys["/b/users/b-1/disable"][0], "each account has its own key")
	off := flow(flowID)["scripts"].([]any)[0].(map[string]any)
	results := map[string]any{}
	for _, a := range off["output"].(map[string]any)["accounts"].([]any) {
		m := a.(map[string]any)
		results[m["provider"].(string)] = m["result"]
	}
	require.Equal(t, map[string]any{"appa": "SUCCESS", "appb": "SUCCESS"}, results)
}
