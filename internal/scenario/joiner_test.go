package scenario_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/internal/scenario"
	"github.com/accessflow/accessflow/internal/testserver/smtpserver"
	"github.com/accessflow/accessflow/pkg/tracking"
)

// TestJoinerFlow is flow 2 across five processes: the HR system posts idn:identity-created for
// john.doe (twice, with one Idempotency-Key); a WORKFLOW subscription grants the birthright of
// his department without approval; its chain creates the Corp AD account (an inetOrgPerson
// named by the CREATE policy's unique template, with the identity's email and department),
// adds it to sales, creates the SaaS user over SCIM and mails a welcome. idn:post-provisioning
// reports the three account operations with the event's trackingNumber, everything happened
// once, and the timeline has every service's entries.
func TestJoinerFlow(t *testing.T) {
	backends(t, scenario.LoopbackOptions(), func(t *testing.T, d *scenario.Deployment) {
		l := scenario.SetUpLifecycle(t, d.Client)
		began := time.Now()
		report, tn := l.Join(t)
		t.Logf("flow 2 from the HR event to idn:post-provisioning: %s", time.Since(began).Round(time.Millisecond))
		assertJoined(t, l, report, tn)

		// Exactly once: one delivery of the workflow, one access request, one account, one
		// SaaS user, one mail, one report.
		requireOneDelivery(t, l, "joiner", tn)
		requests := l.Client.Do(t, l.Admin, http.MethodGet, "/v1/access-requests?filters="+url.QueryEscape(`recipientId eq "`+scenario.JohnID+`"`), "")
		require.Equal(t, http.StatusOK, requests.Status, string(requests.Body))
		require.Len(t, listOf(t, requests.Body), 1, string(requests.Body))
		require.Len(t, l.SCIM.Users(), 1)
		require.Len(t, l.Mail.Messages(), 1)
		require.Len(t, l.Reports(t, tn), 1)

		services := timelineServices(t, l, tn)
		t.Logf("timeline entries per service: %v", services)
		for _, svc := range scenario.Services {
			require.Positive(t, services[svc], "the timeline has %s's entries", svc)
		}
	})
}

// assertJoined checks the end state of flow 2 and its report.
func assertJoined(t *testing.T, l *scenario.Lifecycle, report map[string]any, tn string) {
	t.Helper()
	account := l.LDAP.Entry(t, l.LDAP.Conn(t), scenario.JohnDN)
	require.NotNil(t, account, "the Corp AD account exists")
	require.Equal(t, []string{"john.doe"}, account.GetAttributeValues("uid"))
	require.Equal(t, []string{"john doe"}, account.GetAttributeValues("cn"))
	require.Equal(t, []string{"doe"}, account.GetAttributeValues("sn"))
	require.Equal(t, []string{scenario.JohnOldEmail}, account.GetAttributeValues("mail"))
	require.Equal(t, []string{"sales"}, account.GetAttributeValues("departmentNumber"))
	require.True(t, scenario.Contains(l.Group(t, "sales"), scenario.JohnDN), "in sales")
	require.False(t, scenario.Contains(l.Group(t, "marketing"), scenario.JohnDN), "not in marketing")

	users := l.SCIM.Users()
	require.Len(t, users, 1)
	require.Equal(t, "john.doe", users[0].Attributes["userName"])
	require.Equal(t, true, users[0].Attributes["active"])
	require.Contains(t, scenario.JSONOf(t, users[0].Attributes["emails"]), scenario.JohnOldEmail)

	var mail smtpserver.Message
	scenario.Eventually(t, "john is welcomed", func() bool {
		for _, m := range l.Mail.Messages() {
			if scenario.Contains(m.To, scenario.JohnOldEmail) {
				mail = m
				return true
			}
		}
		return false
	})
	require.Equal(t, "Welcome to sales", mail.Header.Get("Subject"))
	require.Equal(t, tn, mail.Header.Get(tracking.Header))
	parts, err := mail.Parts()
	require.NoError(t, err)
	require.Contains(t, parts["text/plain"], scenario.JohnDN)
	require.Contains(t, parts["text/plain"], users[0].ID)

	require.Equal(t, tn, report["trackingNumber"])
	require.Equal(t, "AccessRequest", report["action"])
	require.Equal(t, scenario.JohnID, report["recipient"].(map[string]any)["id"])
	require.Equal(t, "Corp AD, Corp SaaS", report["sources"], scenario.JSONOf(t, report))
	requests := scenario.AccountRequests(report, "")
	require.Len(t, requests, 3, scenario.JSONOf(t, report))
	ops := []string{}
	for _, r := range requests {
		require.Equal(t, "SUCCESS", r["provisioningResult"], scenario.JSONOf(t, r))
		ops = append(ops, r["accountOperation"].(string)+" "+r["source"].(map[string]any)["name"].(string)+" "+r["accountId"].(string))
	}
	require.Equal(t, []string{"Create Corp AD " + scenario.JohnDN, "Modify Corp AD " + scenario.JohnDN, "Create Corp SaaS " + users[0].ID}, ops)
	attrs := scenario.AttributeRequests(report)
	require.Contains(t, attrs, scenario.JohnDN+" departmentNumber=sales (Set)")
	require.Contains(t, attrs, scenario.JohnDN+" mail="+scenario.JohnOldEmail+" (Set)")
	require.Contains(t, attrs, scenario.JohnDN+" memberOf=cn=sales,ou=groups,dc=example,dc=org (Add)")

	// The account registry has both accounts (the group join is a Modify of the LDAP one).
	require.ElementsMatch(t, []string{"corpad " + scenario.JohnDN + " ACTIVE Modify", "saas " + users[0].ID + " ACTIVE Create"}, l.Accounts(t))
}

// requireOneDelivery waits until the WORKFLOW subscription name has settled deliveries and
// requires exactly one, SUCCEEDED, with the trackingNumber.
func requireOneDelivery(t *testing.T, l *scenario.Lifecycle, name, tn string) []map[string]any {
	t.Helper()
	var list []map[string]any
	scenario.Eventually(t, name+"'s delivery settles", func() bool {
		list = l.Deliveries(t, l.Subscriptions[name])
		return len(list) > 0 && (list[0]["status"] == "SUCCEEDED" || list[0]["status"] == "FAILED")
	})
	require.Len(t, list, 1, "one delivery of %s: %s", name, scenario.JSONOf(t, list))
	require.Equal(t, "SUCCEEDED", list[0]["status"], scenario.JSONOf(t, list[0]))
	require.Equal(t, tn, list[0]["trackingNumber"])
	return list
}

// timelineServices counts the trackingNumber's timeline entries per service.
func timelineServices(t *testing.T, l *scenario.Lifecycle, tn string) map[string]int {
	t.Helper()
	services := map[string]int{}
	for _, e := range l.Timeline(t, tn) {
		services[e["service"].(string)]++
	}
	return services
}

func listOf(t *testing.T, body []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	require.NoError(t, json.Unmarshal(body, &out), string(body))
	return out
}
