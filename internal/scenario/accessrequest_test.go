package scenario_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/internal/scenario"
	"github.com/accessflow/accessflow/internal/testserver/slapd"
	"github.com/accessflow/accessflow/internal/testserver/smtpserver"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
)

// backends runs fn on a deployment with a SQLite file per service, then on one with every
// service on one fresh PostgreSQL database (skipped, saying so, without
// ACCESSFLOW_TEST_DATABASE_URL).
func backends(t *testing.T, opts scenario.Options, fn func(t *testing.T, d *scenario.Deployment)) {
	t.Run("sqlite", func(t *testing.T) {
		began := time.Now()
		d := scenario.Start(t, bins, opts)
		t.Cleanup(func() { d.DumpLogsOnFailure(t) })
		fn(t, d)
		t.Logf("scenario took %s (start included)", time.Since(began).Round(time.Millisecond))
	})
	t.Run("postgres", func(t *testing.T) {
		began := time.Now()
		o := opts
		o.DatabaseURL = storagetest.NewPostgresDatabase(t, "scenario", nil, func(context.Context, string) error { return nil })
		d := scenario.Start(t, bins, o)
		t.Cleanup(func() { d.DumpLogsOnFailure(t) })
		fn(t, d)
		t.Logf("scenario took %s (start included)", time.Since(began).Round(time.Millisecond))
	})
}

// TestAccessRequestFlow is flow 1 across five processes: a request for "member of sales on
// Corp AD" passes the manager and a 2-of-3 group level, the provisioning chain creates the
// LDAP account (its name from the seed CREATE policy's unique template), adds it to sales and
// mails the recipient; subscribers get post-approval and post-provisioning events with the
// request's trackingNumber, the timeline has entries from the services, and every process's
// log can be found by that trackingNumber.
func TestAccessRequestFlow(t *testing.T) {
	backends(t, scenario.LoopbackOptions(), func(t *testing.T, d *scenario.Deployment) {
		w := scenario.SetUp(t, d.Client)
		postApproval, postProvisioning := scenario.NewSubscriber(t), scenario.NewSubscriber(t)
		for trigger, sub := range map[string]*scenario.Subscriber{"idn:access-request-post-approval": postApproval, "idn:post-provisioning": postProvisioning} {
			w.Must(t, http.MethodPost, "/beta/trigger-subscriptions", scenario.JSONOf(t, map[string]any{
				"name": trigger, "triggerId": trigger, "type": "HTTP", "httpConfig": map[string]any{"url": sub.URL, "httpDispatchMode": "SYNC"},
			}), http.StatusCreated)
		}
		rel := w.Relationship(t, "")
		began := time.Now()
		flowID, tn := w.RequestAndApprove(t, rel)

		const dn = "uid=alice.smith," + slapd.PeopleDN
		require.Eventually(t, func() bool { return scenario.Contains(w.SalesMembers(t), dn) }, 60*time.Second, 50*time.Millisecond, "alice.smith joins sales in slapd")
		account := w.LDAP.Entry(t, w.LDAP.Conn(t), dn)
		require.NotNil(t, account)
		require.Equal(t, []string{"alice.smith"}, account.GetAttributeValues("uid"))

		var mail smtpserver.Message
		require.Eventually(t, func() bool {
			for _, m := range w.Mail.Messages() {
				if scenario.Contains(m.To, "alice@example.org") {
					mail = m
					return true
				}
			}
			return false
		}, 60*time.Second, 50*time.Millisecond, "the recipient is mailed")
		require.Equal(t, "You are now in sales", mail.Header.Get("Subject"))
		parts, err := mail.Parts()
		require.NoError(t, err)
		require.Contains(t, parts["text/plain"], dn)
		require.Equal(t, tn, mail.Header.Get("X-Tracking-Number"))

		// The last decision's event names all three approvals.
		approved := postApproval.Await(t, "the final post-approval event", func(ev scenario.Delivery) bool {
			return strings.Count(string(ev.Body), `"approvalDecision":"APPROVED"`) == 3
		})
		require.Equal(t, tn, approved.Header.Get("X-Tracking-Number"), string(approved.Body))
		delivered := postProvisioning.Await(t, "post-provisioning", func(scenario.Delivery) bool { return true })
		require.Equal(t, tn, delivered.Header.Get("X-Tracking-Number"))
		provisioned := delivered.JSON(t)
		require.Equal(t, tn, provisioned["trackingNumber"])
		require.Equal(t, "Corp AD", provisioned["sources"], scenario.JSONOf(t, provisioned))
		created := provisioned["accountRequests"].([]any)[0].(map[string]any)
		require.Equal(t, "Create", created["accountOperation"])
		require.Equal(t, "SUCCESS", created["provisioningResult"])
		t.Logf("flow 1 from request to the post-provisioning event: %s", time.Since(began).Round(time.Millisecond))

		f := w.Must(t, http.MethodGet, "/generic-approvals/v1/"+flowID, "", http.StatusOK)
		require.NotEmpty(t, f["actionFlowIds"].(map[string]any)["GRANT"])

		timeline := w.Must(t, http.MethodGet, "/v1/tracking/"+tn, "", http.StatusOK)
		services := map[string]int{}
		for _, e := range timeline["entries"].([]any) {
			services[e.(map[string]any)["service"].(string)]++
		}
		t.Logf("timeline entries per service: %v", services)
		for _, svc := range scenario.Services {
			require.Positive(t, services[svc], "the timeline has %s's entries: %v", svc, timeline)
		}

		byProcess := d.LogLinesContaining(t, tn)
		t.Logf("log lines with the trackingNumber per process: %v", byProcess)
		for _, name := range append(append([]string{}, scenario.Services...), scenario.Gateway) {
			require.Positive(t, byProcess[name], "%s logged the trackingNumber", name)
		}
	})
}
