package suite_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	actionexecution "github.com/accessflow/accessflow/services/action-execution"
)

// withActions lets the action service reach REST targets, and trigger-ingest subscribers, on
// loopback.
func withActions(c *suiteConfig) {
	withTriggers()(c)
	acfg := actionexecution.DefaultConfig()
	acfg.OutboundAllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	for i, spec := range c.Specs {
		if spec.Name == actionexecution.Name {
			c.Specs[i] = actionexecution.NewSpec(&acfg)
		}
	}
}

// restTarget is a REST API on loopback that counts the effects of the requests it gets,
// honouring Idempotency-Key (a repeated key replays the first answer).
type restTarget struct {
	*httptest.Server
	mu      sync.Mutex
	effects map[string]int
	seen    map[string]string
	auth    []string
}

func newRESTTarget(t *testing.T) *restTarget {
	t.Helper()
	tg := &restTarget{effects: map[string]int{}, seen: map[string]string{}}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		tg.mu.Lock()
		defer tg.mu.Unlock()
		tg.auth = append(tg.auth, r.Header.Get("Authorization"))
		key := r.URL.Path + "|" + r.Header.Get("Idempotency-Key")
		if _, ok := tg.seen[key]; !ok {
			tg.effects[r.URL.Path]++
			tg.seen[key] = `{"id": "acct-` + r.Header.Get("Idempotency-Key")[:8] + `"}`
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, tg.seen[key])
	}))
	t.Cleanup(tg.Close)
	return tg
}

func TestActionFlowsOverREST(t *testing.T) {
	triggerBackends(t, withActions, func(t *testing.T, r *running) {
		tg := newRESTTarget(t)
		sub := newSubscriber(t, nil)
		r.subscribe(t, "idn:post-provisioning", "provisioning", sub.URL, "")

		// The real policy service computes the username (a unique value, reserved then
		// confirmed) from the recipient's attributes.
		sourceID := newSource(t, r, "Corp Directory")
		policy := r.do(t, http.MethodPost, "/v3/sources/"+sourceID+"/provisioning-policies", seedPolicy)
		require.Equal(t, http.StatusCreated, policy.status, string(policy.body))

		provider := r.do(t, http.MethodPost, "/v1/action-providers", jsonBody(t, map[string]any{
			"key": "corpdir", "name": "Corp Directory API", "kind": "REST", "endpoint": tg.URL,
			"sourceId": sourceID, "sourceName": "Corp Directory",
			"credentials": map[string]string{"password": "hunter2"},
			"settings": map[string]any{
				"auth": map[string]any{"type": "basic", "username": "svc"},
				"endpoints": map[string]any{
					"create_user": map[string]any{"path": "/users", "body": `{"userName": {{json .Attributes.userName}}}`, "accountId": "{{.Response.id}}"},
					"notify":      map[string]any{"kind": "webhook", "path": "/hooks", "body": `{"text": {{json .Params.text}}}`},
				},
			},
		}))
		require.Equal(t, http.StatusCreated, provider.status, string(provider.body))
		require.NotContains(t, string(provider.body), "hunter2", "credentials are write-only")
		require.Equal(t, []any{"password"}, provider.json(t)["credentialNames"])

		requireError(t, r.do(t, http.MethodPost, "/v1/action-chains", jsonBody(t, map[string]any{
			"name": "broken", "scripts": []any{map[string]any{"name": "n", "type": "corpdir_webhook_notify", "metadata": map[string]any{"text": "{{.Recipient.Surname}}"}}},
		})), http.StatusBadRequest, "400.1 Bad Request Content", `no field "Surname"`)
		requireError(t, r.do(t, http.MethodPost, "/v1/action-chains", jsonBody(t, map[string]any{
			"name": "unsupported", "scripts": []any{map[string]any{"name": "n", "type": "corpdir_api_delete_user"}},
		})), http.StatusBadRequest, "400.1 Bad Request Content", `does not support "delete_user"`)

		chain := r.do(t, http.MethodPost, "/v1/action-chains", jsonBody(t, map[string]any{
			"name": "grant directory",
			"scripts": []any{
				map[string]any{"name": "create", "type": "corpdir_api_create_user"},
				map[string]any{"name": "wait", "type": "sleep", "duration": "0.2s"},
				map[string]any{"name": "notify", "type": "corpdir_webhook_notify", "metadata": map[string]any{"text": "made {{.Scripts.create.accountId}}"}},
			},
		}))
		require.Equal(t, http.StatusCreated, chain.status, string(chain.body))
		chainID := chain.json(t)["id"].(string)

		startBody := jsonBody(t, map[string]any{
			"chainId": chainID, "idempotencyKey": "approval-7/GRANT",
			"context": map[string]any{
				"operation": "GRANT",
				"recipient": map[string]any{"id": "2c91808568c529c60168cca6f90c1313", "name": "William Wilson", "attributes": map[string]any{"firstname": "william", "lastname": "wilson"}},
			},
		})
		const tn = "0af1b2c3d4e5f60718293a4b5c6d7e8f"
		started := r.do(t, http.MethodPost, "/v1/action-flows", startBody, "X-Tracking-Number", tn)
		require.Equal(t, http.StatusAccepted, started.status, string(started.body))
		first := started.json(t)
		require.Equal(t, true, first["created"])
		flowID := first["flow"].(map[string]any)["id"].(string)
		again := r.do(t, http.MethodPost, "/v1/action-flows", startBody)
		require.Equal(t, http.StatusAccepted, again.status, string(again.body))
		require.Equal(t, false, again.json(t)["created"])
		require.Equal(t, flowID, again.json(t)["flow"].(map[string]any)["id"])

		var flow map[string]any
		require.Eventually(t, func() bool {
			got := r.do(t, http.MethodGet, "/v1/action-flows/"+flowID, "")
			require.Equal(t, http.StatusOK, got.status, string(got.body))
			flow = got.json(t)
			return flow["status"] == "SUCCEEDED" || flow["status"] == "FAILED"
		}, 30*time.Second, 20*time.Millisecond)
		require.Equal(t, "SUCCEEDED", flow["status"], jsonBody(t, flow))
		require.Equal(t, tn, flow["trackingNumber"])

		d := sub.next(t)
		var ev map[string]any
		require.NoError(t, json.Unmarshal(d.body, &ev))
		require.Equal(t, tn, ev["trackingNumber"])
		require.Equal(t, "Corp Directory", ev["sources"])
		ar := ev["accountRequests"].([]any)[0].(map[string]any)
		require.Equal(t, "SUCCESS", ar["provisioningResult"])
		require.Equal(t, "Create", ar["accountOperation"])
		require.Equal(t, map[string]any{"id": sourceID, "type": "SOURCE", "name": "Corp Directory"}, ar["source"])
		require.Equal(t, []any{map[string]any{"attributeName": "userName", "attributeValue": "william.wilson", "operation": "Set"}}, ar["attributeRequests"])

		tg.mu.Lock()
		require.Equal(t, map[string]int{"/users": 1, "/hooks": 1}, tg.effects)
		require.Equal(t, "Basic c3ZjOmh1bnRlcjI=", tg.auth[0])
		tg.mu.Unlock()

		// The account is in the policy's index: the next evaluation picks the next username.
		eval := r.do(t, http.MethodPost, "/v1/sources/"+sourceID+"/provisioning-policies/CREATE:evaluate", `{"identity": {"attributes": {"firstname": "william", "lastname": "wilson"}}, "dryRun": true}`)
		require.Equal(t, http.StatusOK, eval.status, string(eval.body))
		require.Equal(t, "william.wilson1", eval.json(t)["attributes"].(map[string]any)["userName"])

		list := r.do(t, http.MethodGet, "/v1/action-flows?count=true&filters="+strings.ReplaceAll(`status eq "SUCCEEDED" and chainId eq "`+chainID+`"`, " ", "%20"), "")
		require.Len(t, list.list(t), 1)
		require.Equal(t, "1", list.header.Get("X-Total-Count"))
		requireError(t, r.do(t, http.MethodPost, "/v1/action-flows/"+flowID+":cancel", "{}"), http.StatusPreconditionFailed, "412 Precondition Failed", "already ended")
	})
}

// TestAccountRegistryOverREST: a provisioning flow's account is in the registry, listed with
// filters and X-Total-Count and read by a DN in the path (raw or percent-encoded).
func TestAccountRegistryOverREST(t *testing.T) {
	triggerBackends(t, withActions, func(t *testing.T, r *running) {
		tg := newRESTTarget(t)
		provider := r.do(t, http.MethodPost, "/v1/action-providers", jsonBody(t, map[string]any{
			"key": "corpdir", "name": "Corp Directory API", "kind": "REST", "endpoint": tg.URL,
			"credentials": map[string]string{"token": "t"},
			"settings": map[string]any{
				"auth": map[string]any{"type": "bearer"},
				"endpoints": map[string]any{
					"create_user": map[string]any{"path": "/users", "body": `{"userName": {{json .Params.userName}}}`, "accountId": "uid={{.Response.id}},ou=people,dc=example,dc=com"},
				},
			},
		}))
		require.Equal(t, http.StatusCreated, provider.status, string(provider.body))
		requireError(t, r.do(t, http.MethodPost, "/v1/action-providers", jsonBody(t, map[string]any{
			"key": "every", "kind": "REST", "endpoint": tg.URL, "credentials": map[string]string{"token": "t"},
		})), http.StatusBadRequest, "400.1 Bad Request Content", "provider.key")
		requireError(t, r.do(t, http.MethodPost, "/v1/action-chains", jsonBody(t, map[string]any{
			"name": "bad leaver", "scripts": []any{map[string]any{"name": "off", "type": "every_account_x"}},
		})), http.StatusBadRequest, "400.1 Bad Request Content", `chain.scripts[0].type`)

		chain := r.do(t, http.MethodPost, "/v1/action-chains", jsonBody(t, map[string]any{
			"name": "grant directory", "scripts": []any{map[string]any{"name": "create", "type": "corpdir_api_create_user", "metadata": map[string]any{"userName": "ann"}}},
		}))
		require.Equal(t, http.StatusCreated, chain.status, string(chain.body))
		const tn = "0af1b2c3d4e5f60718293a4b5c6d7e8f"
		started := r.do(t, http.MethodPost, "/v1/action-flows", jsonBody(t, map[string]any{
			"chainId": chain.json(t)["id"], "idempotencyKey": "grant-ann",
			"context": map[string]any{"operation": "GRANT", "recipient": map[string]any{"id": "id-ann", "name": "Ann Lee"}},
		}), "X-Tracking-Number", tn)
		require.Equal(t, http.StatusAccepted, started.status, string(started.body))
		flowID := started.json(t)["flow"].(map[string]any)["id"].(string)
		require.Eventually(t, func() bool {
			got := r.do(t, http.MethodGet, "/v1/action-flows/"+flowID, "")
			return got.json(t)["status"] == "SUCCEEDED"
		}, 30*time.Second, 20*time.Millisecond)

		list := r.do(t, http.MethodGet, "/v1/accounts?count=true&filters="+url.QueryEscape(`identityId eq "id-ann" and status eq "ACTIVE"`), "")
		require.Equal(t, http.StatusOK, list.status, string(list.body))
		require.Equal(t, "1", list.header.Get("X-Total-Count"))
		accounts := list.list(t)
		require.Len(t, accounts, 1)
		account := accounts[0]
		dn := account["accountId"].(string)
		require.True(t, strings.HasPrefix(dn, "uid=acct-") && strings.HasSuffix(dn, ",ou=people,dc=example,dc=com"), dn)
		require.Equal(t, "corpdir", account["providerKey"])
		require.Equal(t, "Create", account["lastOperation"])
		require.Equal(t, flowID, account["createdByFlowId"])
		require.Equal(t, tn, account["trackingNumber"])
		empty := r.do(t, http.MethodGet, "/v1/accounts?count=true&filters="+url.QueryEscape(`providerKey eq "other"`), "")
		require.Equal(t, "0", empty.header.Get("X-Total-Count"))
		require.Empty(t, empty.list(t))

		for _, path := range []string{dn, url.PathEscape(dn), strings.NewReplacer("=", "%3D", ",", "%2C").Replace(dn)} {
			got := r.do(t, http.MethodGet, "/v1/accounts/corpdir/"+path, "")
			require.Equal(t, http.StatusOK, got.status, "%s: %s", path, got.body)
			require.Equal(t, dn, got.json(t)["accountId"], path)
			require.Equal(t, "ACTIVE", got.json(t)["status"])
		}
		requireError(t, r.do(t, http.MethodGet, "/v1/accounts/corpdir/uid=nobody,ou=people,dc=example,dc=com", ""), http.StatusNotFound, "404 Not found", "uid=nobody")
		requireError(t, r.do(t, http.MethodGet, "/v1/accounts?filters="+url.QueryEscape(`name eq "x"`), ""), http.StatusBadRequest, "400.1 Bad Request Content", "name")
		requireError(t, r.do(t, http.MethodGet, "/v1/accounts?filters="+url.QueryEscape(`identityId in ("a")`), ""), http.StatusBadRequest, "400.1 Bad Request Content", "identityId")
	})
}
