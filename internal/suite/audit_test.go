package suite_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/audit"
	"github.com/accessflow/accessflow/pkg/tracking"
)

func TestAuditLog(t *testing.T) {
	backends(t, func(t *testing.T, r *running) {
		canary := "canary-audit-password"
		n := tracking.New().String()
		body := strings.Replace(corpLDAP, `"healthCheckTimeout": 30`, fmt.Sprintf(`"healthCheckTimeout": 30, "password": %q`, canary), 1)
		created := r.do(t, http.MethodPost, "/v3/sources", body, tracking.Header, n)
		require.Equal(t, http.StatusCreated, created.status)
		id := created.json(t)["id"].(string)
		require.Equal(t, http.StatusOK, r.do(t, http.MethodGet, "/v3/sources/"+id, "").status, "reads are not audited")
		require.Equal(t, http.StatusAccepted, r.do(t, http.MethodDelete, "/v3/sources/"+id, "").status)
		require.Equal(t, http.StatusNotFound, r.do(t, http.MethodDelete, "/v3/sources/"+id, "").status)

		resp := r.do(t, http.MethodGet, "/v1/audit-events?target="+id, "")
		require.Equal(t, http.StatusOK, resp.status, string(resp.body))
		require.NotContains(t, string(resp.body), canary, "secrets are redacted in the audit log")
		var events []map[string]any
		require.NoError(t, json.Unmarshal(resp.body, &events))
		require.Len(t, events, 3, "the create and the two deletes, newest first: %s", resp.body)
		var methods, outcomes []string
		for _, e := range events {
			methods = append(methods, e["method"].(string))
			outcomes = append(outcomes, e["outcome"].(string))
			require.Equal(t, "client:"+r.creds.ClientID, e["actor"])
			require.Equal(t, "policy", e["service"])
		}
		require.Equal(t, []string{
			"/accessflow.policy.v1.SourceService/DeleteSource",
			"/accessflow.policy.v1.SourceService/DeleteSource",
			"/accessflow.policy.v1.SourceService/CreateSource",
		}, methods)
		require.Equal(t, []string{"NotFound", "OK", "OK"}, outcomes)

		byTracking := r.do(t, http.MethodGet, "/v1/audit-events?trackingNumber="+n, "")
		require.NoError(t, json.Unmarshal(byTracking.body, &events))
		require.Len(t, events, 1)
		require.Equal(t, "/accessflow.policy.v1.SourceService/CreateSource", events[0]["method"])
		attrs := events[0]["request"].(map[string]any)["source"].(map[string]any)["connectorAttributes"].(map[string]any)
		require.Equal(t, audit.Redacted, attrs["password"])
		require.Equal(t, id, events[0]["result"].(map[string]any)["source"].(map[string]any)["id"])

		requireError(t, r.do(t, http.MethodGet, "/v1/audit-events?limit=0", ""), http.StatusBadRequest, "400.1 Bad Request Content", "limit")
		requireError(t, r.do(t, http.MethodGet, "/v1/audit-events?since=yesterday", ""), http.StatusBadRequest, "400.1 Bad Request Content", "since")
	})
}
