package scenario_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/internal/scenario"
)

// TestMoverFlow is flow 3 across five processes: after john.doe joined sales (flow 2), the HR
// system updates him in the directory and posts the seed's identity-attributes-changed
// (department sales → marketing, manager and email changed; twice, one Idempotency-Key).
// WORKFLOW subscriptions filtered on the department change revoke the old department (the
// registered Corp AD account leaves sales) and grant the new one (the same account joins
// marketing: no second account), and one filtered on department or email runs
// every_account_update_user: each account's source's UPDATE policy rewrites mail and
// departmentNumber on Corp AD and the email of the SaaS user. Each flow's idn:post-provisioning
// carries the event's trackingNumber and reports every attributeRequest.
func TestMoverFlow(t *testing.T) {
	backends(t, scenario.LoopbackOptions(), func(t *testing.T, d *scenario.Deployment) {
		l := scenario.SetUpLifecycle(t, d.Client)
		joined, joinTN := l.Join(t)
		assertJoined(t, l, joined, joinTN)
		saasID := l.SCIM.Users()[0].ID

		began := time.Now()
		reports, tn := l.Move(t)
		t.Logf("flow 3 from the HR event to the last idn:post-provisioning: %s", time.Since(began).Round(time.Millisecond))

		// The directory: the one account moved from sales to marketing, its attributes
		// rewritten.
		scenario.Eventually(t, "john leaves sales", func() bool { return !scenario.Contains(l.Group(t, "sales"), scenario.JohnDN) })
		require.True(t, scenario.Contains(l.Group(t, "marketing"), scenario.JohnDN), "john is in marketing")
		account := l.LDAP.Entry(t, l.LDAP.Conn(t), scenario.JohnDN)
		require.NotNil(t, account)
		require.Equal(t, []string{scenario.JohnNewEmail}, account.GetAttributeValues("mail"))
		require.Equal(t, []string{"marketing"}, account.GetAttributeValues("departmentNumber"))
		require.Equal(t, []string{"john.doe"}, account.GetAttributeValues("uid"))
		require.Nil(t, l.LDAP.Entry(t, l.LDAP.Conn(t), "uid=john.doe1,ou=people,dc=example,dc=org"), "a mover keeps the account")
		users := l.SCIM.Users()
		require.Len(t, users, 1)
		require.Equal(t, saasID, users[0].ID)
		require.Contains(t, scenario.JSONOf(t, users[0].Attributes["emails"]), scenario.JohnNewEmail)

		require.ElementsMatch(t, []string{"corpad " + scenario.JohnDN + " ACTIVE Modify", "saas " + saasID + " ACTIVE Modify"}, l.Accounts(t),
			"the registry still has the two accounts")

		// The reports.
		for what, want := range map[string][]string{
			"revoke": {scenario.JohnDN + " memberOf=cn=sales,ou=groups,dc=example,dc=org (Remove)"},
			"grant":  {scenario.JohnDN + " memberOf=cn=marketing,ou=groups,dc=example,dc=org (Add)"},
			"update": {
				scenario.JohnDN + " departmentNumber=marketing (Set)",
				scenario.JohnDN + " mail=" + scenario.JohnNewEmail + " (Set)",
				saasID + " email=" + scenario.JohnNewEmail + " (Set)",
			},
		} {
			r := reports[what]
			require.Equal(t, tn, r["trackingNumber"], what)
			require.ElementsMatch(t, want, scenario.AttributeRequests(r), "%s: %s", what, scenario.JSONOf(t, r))
			for _, a := range scenario.AccountRequests(r, "") {
				require.Equal(t, "Modify", a["accountOperation"], what)
				require.Equal(t, "SUCCESS", a["provisioningResult"], what)
			}
		}
		require.Len(t, scenario.AccountRequests(reports["update"], ""), 2, "one account request per account")
		require.Equal(t, "Corp AD, Corp SaaS", reports["update"]["sources"])

		// Exactly once, and the leaver's filter did not match.
		for _, name := range []string{"mover-revoke", "mover-grant", "mover-update"} {
			requireOneDelivery(t, l, name, tn)
		}
		require.Empty(t, l.Deliveries(t, l.Subscriptions["leaver"]), "not a termination")
		resp := l.Client.Do(t, l.Admin, http.MethodGet, "/v1/access-requests?filters="+url.QueryEscape(`recipientId eq "`+scenario.JohnID+`"`), "")
		require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
		byType := map[string]int{}
		for _, q := range listOf(t, resp.Body) {
			byType[q["requestType"].(string)]++
		}
		require.Equal(t, map[string]int{"GRANT": 2, "REVOKE": 1}, byType, "the joiner's grant and the mover's revoke and grant")
		require.Len(t, l.Reports(t, tn), 3)

		services := timelineServices(t, l, tn)
		t.Logf("timeline entries per service: %v", services)
		for _, svc := range []string{scenario.TriggerIngest, scenario.Approval, scenario.ActionExecution} {
			require.Positive(t, services[svc], "the timeline has %s's entries", svc)
		}
	})
}
