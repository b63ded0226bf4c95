package suite_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/internal/testserver/provisionchain"
)

// client adapts running.do to provisionchain's Client.
func (r *running) client(t *testing.T) provisionchain.Client {
	return func(method, path string, body any, header ...string) (int, map[string]any) {
		t.Helper()
		raw := ""
		if body != nil {
			raw = jsonBody(t, body)
		}
		resp := r.do(t, method, path, raw, header...)
		var out map[string]any
		_ = json.Unmarshal(resp.body, &out)
		return resp.status, out
	}
}

// TestProvisioningChainEndToEnd runs issue 9's chain (LDAP create → LDAP group → sleep 2s →
// email → GitLab issue) against a real slapd, a real SMTP server and the GitLab fake, with the
// real policy service making the username from the seed's unique template and the real
// trigger-ingest delivering idn:post-provisioning to an HTTP subscriber.
func TestProvisioningChainEndToEnd(t *testing.T) {
	triggerBackends(t, withActions, func(t *testing.T, r *running) {
		targets := provisionchain.Start(t)
		call := r.client(t)
		sub := newSubscriber(t, nil)
		r.subscribe(t, "idn:post-provisioning", "provisioning", sub.URL, "")
		chain := targets.Setup(t, call)

		// GitLab fails the first create: the ticket script is retried.
		targets.GitLab.FailNext(http.MethodPost, "/issues", http.StatusInternalServerError)
		const tn = "5d1e0c4b3a29f8e7d6c5b4a392817061"
		flowID := chain.Start(t, call, "approval-9/GRANT", tn)
		flow := provisionchain.WaitFlow(t, call, flowID, 60*time.Second)

		d := sub.next(t)
		var event map[string]any
		require.NoError(t, json.Unmarshal(d.body, &event))
		targets.Check(t, chain, flow, event)
		scripts := flow["scripts"].([]any)
		wait, mail := scripts[2].(map[string]any), scripts[3].(map[string]any)
		started, err := time.Parse(time.RFC3339Nano, wait["started"].(string))
		require.NoError(t, err)
		sent, err := time.Parse(time.RFC3339Nano, mail["started"].(string))
		require.NoError(t, err)
		require.GreaterOrEqual(t, sent.Sub(started), 2*time.Second, "the mail waits for the sleep")

		// The tracking timeline shows the flow and each script that ran, with its attempts.
		got := r.do(t, http.MethodGet, "/v1/tracking/"+tn, "")
		require.Equal(t, http.StatusOK, got.status, string(got.body))
		var flowEntry map[string]any
		scriptEntries := map[string]map[string]any{}
		for _, raw := range got.json(t)["entries"].([]any) {
			e := raw.(map[string]any)
			if e["service"] != "action-execution" {
				continue
			}
			switch e["kind"] {
			case "action.flow":
				require.Nil(t, flowEntry, "one flow")
				flowEntry = e
			case "action.script":
				scriptEntries[e["details"].(map[string]any)["name"].(string)] = e
			}
		}
		require.NotNil(t, flowEntry, "the flow is on the timeline")
		require.Equal(t, flowID, flowEntry["id"])
		require.Equal(t, "SUCCEEDED", flowEntry["status"])
		require.Equal(t, "provision corp ad", flowEntry["details"].(map[string]any)["chainName"])
		require.Len(t, scriptEntries, 5)
		for name, attempts := range map[string]int{"create": 1, "join": 1, "wait": 1, "mail": 1, "ticket": 2} {
			e := scriptEntries[name]
			require.Equal(t, "SUCCEEDED", e["status"], name)
			require.EqualValues(t, attempts, e["details"].(map[string]any)["attempts"], name)
			require.Equal(t, flowID, e["details"].(map[string]any)["flowId"], name)
		}
		require.Equal(t, provisionchain.UserDN, scriptEntries["create"]["details"].(map[string]any)["accountId"])
		require.Contains(t, scriptEntries["ticket"]["summary"], "after 2 attempt(s)")

		// The account is in the policy's index: the next evaluation picks the next username.
		eval := r.do(t, http.MethodPost, "/v1/sources/"+chain.SourceID+"/provisioning-policies/CREATE:evaluate", `{"identity": {"attributes": {"firstname": "william", "lastname": "wilson"}}, "dryRun": true}`)
		require.Equal(t, http.StatusOK, eval.status, string(eval.body))
		require.Equal(t, "william.wilson1", eval.json(t)["attributes"].(map[string]any)["userName"])
	})
}
