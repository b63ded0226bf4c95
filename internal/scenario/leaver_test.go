package scenario_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/internal/scenario"
)

// TestLeaverFlow is flow 4 across five processes: after john.doe joined (flow 2, an account on
// Corp AD and one on Corp SaaS), the HR system posts cloudLifecycleState active → terminated
// (twice, one Idempotency-Key). A WORKFLOW subscription filtered on the termination runs the
// leaver chain: every_account_disable_user disables both registered accounts (the ppolicy lock
// in slapd, active false over SCIM), writing the attributes of their sources' DISABLE policies
// (the entry's description, the SaaS user's title), and gitlab_issue_create opens one issue
// listing them for manual clean-up. idn:post-provisioning reports both Disable operations, with
// those attributes, the issue as their ticket and the event's trackingNumber.
func TestLeaverFlow(t *testing.T) {
	backends(t, scenario.LoopbackOptions(), func(t *testing.T, d *scenario.Deployment) {
		l := scenario.SetUpLifecycle(t, d.Client)
		joined, joinTN := l.Join(t)
		assertJoined(t, l, joined, joinTN)
		saasID := l.SCIM.Users()[0].ID

		began := time.Now()
		report, tn := l.Leave(t)
		t.Logf("flow 4 from the HR event to idn:post-provisioning: %s", time.Since(began).Round(time.Millisecond))

		account := l.LDAP.Entry(t, l.LDAP.Conn(t), scenario.JohnDN)
		require.NotNil(t, account, "disabled, not deleted")
		require.Equal(t, []string{"000001010000Z"}, account.GetAttributeValues("pwdAccountLockedTime"), "the ppolicy administrative lock")
		require.Equal(t, []string{scenario.LeaverDescription}, account.GetAttributeValues("description"), "Corp AD's DISABLE policy")
		users := l.SCIM.Users()
		require.Len(t, users, 1)
		require.Equal(t, false, users[0].Attributes["active"])
		require.Equal(t, scenario.LeaverTitle, users[0].Attributes["title"], "Corp SaaS's DISABLE policy")

		require.ElementsMatch(t, []string{"corpad " + scenario.JohnDN + " DISABLED Disable", "saas " + saasID + " DISABLED Disable"}, l.Accounts(t),
			"the registry has both accounts DISABLED")

		issues := l.GitLab.Issues()
		require.Len(t, issues, 1)
		issue := issues[0]
		require.Equal(t, "Clean up after john.doe ("+scenario.JohnID+")", issue.Title)
		require.Equal(t, []string{"leaver"}, issue.Labels)
		require.Contains(t, issue.Description, tn)
		require.Contains(t, issue.Description, "- Corp AD (Corp AD LDAP): "+scenario.JohnDN+" Disable SUCCESS")
		require.Contains(t, issue.Description, "- Corp SaaS (Corp SaaS SCIM): "+saasID+" Disable SUCCESS")

		require.Equal(t, tn, report["trackingNumber"])
		require.Equal(t, "Corp AD, Corp SaaS", report["sources"], scenario.JSONOf(t, report))
		requests := scenario.AccountRequests(report, "")
		require.Len(t, requests, 2, "one account request per account: %s", scenario.JSONOf(t, report))
		got := map[string]string{}
		for _, r := range requests {
			require.Equal(t, "Disable", r["accountOperation"])
			require.Equal(t, "SUCCESS", r["provisioningResult"])
			require.Equal(t, strconv.FormatInt(issue.IID, 10), r["ticketId"], "the clean-up issue is the ticket")
			got[r["source"].(map[string]any)["name"].(string)] = r["accountId"].(string)
		}
		require.Equal(t, map[string]string{"Corp AD": scenario.JohnDN, "Corp SaaS": saasID}, got)
		require.ElementsMatch(t, []string{
			scenario.JohnDN + " pwdAccountLockedTime=000001010000Z (Set)",
			scenario.JohnDN + " description=" + scenario.LeaverDescription + " (Set)",
			saasID + " active=false (Set)",
			saasID + " title=" + scenario.LeaverTitle + " (Set)",
		}, scenario.AttributeRequests(report))

		// Exactly once: one delivery, one issue, one report; the mover's filters did not match.
		requireOneDelivery(t, l, "leaver", tn)
		for _, name := range []string{"mover-revoke", "mover-grant", "mover-update"} {
			require.Empty(t, l.Deliveries(t, l.Subscriptions[name]), name)
		}
		require.Len(t, l.GitLab.Issues(), 1)
		require.Len(t, l.Reports(t, tn), 1)

		services := timelineServices(t, l, tn)
		t.Logf("timeline entries per service: %v", services)
		for _, svc := range []string{scenario.TriggerIngest, scenario.ActionExecution} {
			require.Positive(t, services[svc], "the timeline has %s's entries", svc)
		}
		require.Zero(t, services[scenario.Approval], "a leaver asks for no approval")
	})
}
