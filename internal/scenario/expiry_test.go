package scenario_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/internal/scenario"
	"github.com/accessflow/accessflow/internal/testserver/slapd"
)

// expiresAfter bounds the grant of flow 5. The scenario says one minute; the test uses
// a few seconds so that it runs in seconds, through the same timer path.
const expiresAfter = "3s"

// TestExpiryFlow is flow 5 across five processes: a grant whose approval chain has
// expiresAfter is provisioned, then, when it expires, the relationship's deprovisioning chain
// removes the account from sales in slapd — not before the expiry, and with the flow ended as
// EXPIRED.
func TestExpiryFlow(t *testing.T) {
	backends(t, scenario.LoopbackOptions(), func(t *testing.T, d *scenario.Deployment) {
		w := scenario.SetUp(t, d.Client)
		rel := w.Relationship(t, expiresAfter)
		flowID, tn := w.RequestAndApprove(t, rel)
		f := w.Must(t, http.MethodGet, "/generic-approvals/v1/"+flowID, "", http.StatusOK)
		granted, err := time.Parse(time.RFC3339Nano, f["grant"].(map[string]any)["granted"].(string))
		require.NoError(t, err)
		ttl, err := time.ParseDuration(expiresAfter)
		require.NoError(t, err)

		const dn = "uid=alice.smith," + slapd.PeopleDN
		require.Eventually(t, func() bool { return scenario.Contains(w.SalesMembers(t), dn) }, 60*time.Second, 50*time.Millisecond, "provisioned into sales")
		require.Eventually(t, func() bool { return !scenario.Contains(w.SalesMembers(t), dn) }, 60*time.Second, 50*time.Millisecond, "removed from sales on expiry")
		removed := time.Now()
		require.False(t, removed.Before(granted.Add(ttl)), "removed at %s, before the grant's expiry at %s", removed, granted.Add(ttl))
		t.Logf("expiresAfter %s: removed from sales %s after the grant", expiresAfter, removed.Sub(granted).Round(time.Millisecond))
		require.NotNil(t, w.LDAP.Entry(t, w.LDAP.Conn(t), dn), "the account stays; only the membership is revoked")

		f = w.Must(t, http.MethodGet, "/generic-approvals/v1/"+flowID, "", http.StatusOK)
		require.Equal(t, "ENDED", f["status"])
		require.Equal(t, "EXPIRED", f["grant"].(map[string]any)["endReason"])
		actions := f["actionFlowIds"].(map[string]any)
		revoke := w.Must(t, http.MethodGet, "/v1/action-flows/"+actions["REVOKE"].(string), "", http.StatusOK)
		require.Equal(t, "SUCCEEDED", revoke["status"])
		require.Equal(t, w.Revoke, revoke["chainId"])
		require.Equal(t, tn, revoke["trackingNumber"], "the deprovisioning carries the request's trackingNumber")
	})
}
