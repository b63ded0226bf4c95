package scenario_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/internal/scenario"
	"github.com/accessflow/accessflow/internal/testserver/slapd"
	"github.com/accessflow/accessflow/internal/testserver/smtpserver"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
)

// corpAD is the "Corp AD" source the flows provision on.
const corpAD = `{
  "name": "Corp AD", "description": "Corporate directory",
  "owner": {"type": "IDENTITY", "id": "owner", "name": "Directory Owner"},
  "connector": "openldap", "features": ["PROVISIONING"], "type": "OpenLDAP - Direct"
}`

// createPolicy is the seed's CREATE policy (../shared/seeds/002): a unique userName from the
// identity's first and last names.
const createPolicy = `{
  "name": "example provisioning policy for inactive identities",
  "description": "this provisioning policy creates access based on an identity going inactive",
  "usageType": "CREATE",
  "fields": [{
    "name": "userName",
    "transform": {"type": "rule", "attributes": {"name": "Create Unique LDAP Attribute"}},
    "attributes": {"template": "${firstname}.${lastname}${uniqueCounter}", "cloudMaxUniqueChecks": "50", "cloudMaxSize": "20", "cloudRequired": "true"},
    "type": "string", "isMultiValued": false
  }]
}`

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

// loopbackOptions let trigger-ingest deliver to, and action-execution provision on, servers on
// loopback.
func loopbackOptions() scenario.Options {
	return scenario.Options{Args: map[string][]string{
		scenario.TriggerIngest:   {"--outbound-allow-cidrs", "127.0.0.0/8"},
		scenario.ActionExecution: {"--action-outbound-allow-cidrs", "127.0.0.0/8"},
	}}
}

// subscriber is an HTTP trigger subscriber recording what it receives.
type subscriber struct {
	*httptest.Server
	mu     sync.Mutex
	events []delivery
}

// delivery is one request a subscriber got.
type delivery struct {
	header http.Header
	body   []byte
}

func (d delivery) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(d.body, &m), string(d.body))
	return m
}

func newSubscriber(t *testing.T) *subscriber {
	t.Helper()
	s := &subscriber{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.events = append(s.events, delivery{header: r.Header.Clone(), body: body})
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(s.Close)
	return s
}

// await returns the first event for which match is true, polling until the deadline.
func (s *subscriber) await(t *testing.T, what string, match func(delivery) bool) delivery {
	t.Helper()
	var got delivery
	require.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, ev := range s.events {
			if match(ev) {
				got = ev
				return true
			}
		}
		return false
	}, 60*time.Second, 50*time.Millisecond, "%s never arrived", what)
	return got
}

// world is what flows 1 and 5 run against: a directory (slapd), a mail server, and the
// deployment loaded with identities, a source, providers and chains.
type world struct {
	d      *scenario.Deployment
	admin  string
	ldap   *slapd.Server
	mail   *smtpserver.Server
	source string
	// grant and revoke are the provisioning and deprovisioning chains.
	grant, revoke string
}

// setUp loads the deployment over REST, as an administrator would.
func setUp(t *testing.T, d *scenario.Deployment) *world {
	t.Helper()
	w := &world{d: d, admin: d.Token(t, "admin"), ldap: slapd.Start(t), mail: smtpserver.Start(t)}
	conn := w.ldap.Conn(t)
	w.ldap.Add(t, conn, "cn=sales,"+slapd.GroupsDN, map[string][]string{"objectClass": {"groupOfNames"}, "cn": {"sales"}, "member": {slapd.AdminDN}})

	// Identities: the recipient alice with her manager, three approvers in a group, and the
	// requester (a helpdesk client).
	for _, p := range []struct{ id, manager, attrs string }{
		{"mgr", "", `{}`},
		{"alice", "mgr", `{"firstname": "alice", "lastname": "smith", "department": "sales"}`},
		{"g1", "", `{}`},
		{"g2", "", `{}`},
		{"g3", "", `{}`},
		{"helpdesk", "", `{}`},
	} {
		w.must(t, http.MethodPut, "/v1/approval-identities/"+p.id, fmt.Sprintf(
			`{"name": %q, "email": "%s@example.org", "managerId": %q, "subject": "client:%s", "attributes": %s}`, p.id, p.id, p.manager, p.id, p.attrs), http.StatusOK)
	}
	w.must(t, http.MethodPut, "/v1/approval-groups/sales-approvers", `{"name": "sales approvers", "memberIds": ["g1", "g2", "g3"]}`, http.StatusOK)

	w.source = w.must(t, http.MethodPost, "/v3/sources", corpAD, http.StatusCreated)["id"].(string)
	w.must(t, http.MethodPost, "/v3/sources/"+w.source+"/provisioning-policies", createPolicy, http.StatusCreated)

	w.must(t, http.MethodPost, "/v1/action-providers", jsonOf(t, map[string]any{
		"key": "corpad", "name": "Corp AD LDAP", "kind": "LDAP", "endpoint": w.ldap.URL,
		"sourceId": w.source, "sourceName": "Corp AD",
		"credentials": map[string]string{"bindPassword": slapd.AdminPassword},
		"settings": map[string]any{
			"baseDN": slapd.BaseDN, "bindDN": slapd.AdminDN, "groupBaseDN": slapd.GroupsDN,
			// account (cosine) needs only uid: the seed policy computes nothing else.
			"userObjectClasses": []string{"account"}, "attributeMap": map[string]string{"userName": "uid"},
			"userDNTemplate": "uid={{.userName}}," + slapd.PeopleDN,
		},
	}), http.StatusCreated)
	w.must(t, http.MethodPost, "/v1/action-providers", jsonOf(t, map[string]any{
		"key": "mail", "name": "Corp mail", "kind": "SMTP", "endpoint": w.mail.URL,
		"settings": map[string]any{"from": "Accessflow <noreply@example.org>", "caCertificate": string(w.mail.CACertPEM)},
	}), http.StatusCreated)

	w.grant = w.must(t, http.MethodPost, "/v1/action-chains", jsonOf(t, map[string]any{
		"name": "grant Corp AD group",
		"scripts": []any{
			map[string]any{"name": "create", "type": "corpad_api_create_user"},
			map[string]any{"name": "join", "type": "corpad_api_add_user_to_group", "metadata": map[string]any{"group": "{{.Relationship.TargetName}}"}},
			map[string]any{"name": "notify", "type": "email_notification", "provider": "mail", "metadata": map[string]any{
				"to": "{{.Recipient.Email}}", "subject": "You are now in {{.Relationship.TargetName}}",
				"body": "Your Corp AD account {{.Scripts.create.accountId}} is a member of {{.Relationship.TargetName}} ({{.TrackingNumber}}).",
			}},
		},
	}), http.StatusCreated)["id"].(string)
	// A deprovisioning flow has no account from an earlier script: the DN follows the CREATE
	// policy's template for the first account of the recipient.
	w.revoke = w.must(t, http.MethodPost, "/v1/action-chains", jsonOf(t, map[string]any{
		"name": "revoke Corp AD group",
		"scripts": []any{map[string]any{"name": "leave", "type": "corpad_api_remove_user_from_group", "metadata": map[string]any{
			"group": "{{.Relationship.TargetName}}",
			"user":  "uid={{.Recipient.Attributes.firstname}}.{{.Recipient.Attributes.lastname}}," + slapd.PeopleDN,
		}}},
	}), http.StatusCreated)["id"].(string)
	return w
}

// relationship creates "member of sales on Corp AD" with a two-level default chain: the
// recipient's manager, then 2 of the 3 sales approvers; expiresAfter (e.g. `"5s"`, or "")
// bounds the grant.
func (w *world) relationship(t *testing.T, expiresAfter string) string {
	t.Helper()
	rel := w.must(t, http.MethodPost, "/v1/approvable-relationships", jsonOf(t, map[string]any{
		"name": "member of sales on Corp AD", "sourceId": w.source, "targetKind": "GROUP",
		"targetId": "cn=sales," + slapd.GroupsDN, "targetName": "sales",
		"provisioningChainId": w.grant, "deprovisioningChainId": w.revoke, "requestable": true, "revocable": true,
	}), http.StatusCreated)["id"].(string)
	expiry := ""
	if expiresAfter != "" {
		expiry = `, "expiresAfter": "` + expiresAfter + `"`
	}
	w.must(t, http.MethodPost, "/v1/approvable-relationships/"+rel+"/approval-chains", `{"name": "default", "levels": [
		{"name": "manager", "approvers": [{"type": "MANAGER_OF_RECIPIENT"}]},
		{"name": "sales approvers", "approvers": [{"type": "GROUP", "id": "sales-approvers"}],
		 "approvalCriteria": {"type": "PARALLEL", "approval": {"calculationType": "COUNT", "value": 2}}`+expiry+`}]}`, http.StatusCreated)
	return rel
}

// requestAndApprove files a GRANT of rel for alice as the helpdesk and has the manager, then
// two of the three group members, approve; it returns the approval flow's id and the
// request's trackingNumber.
func (w *world) requestAndApprove(t *testing.T, rel string) (flowID, trackingNumber string) {
	t.Helper()
	resp := w.d.Do(t, w.d.Token(t, "helpdesk"), http.MethodPost, "/v1/access-requests",
		`{"requestType": "GRANT", "requesterId": "helpdesk", "recipientId": "alice", "relationshipIds": ["`+rel+`"], "comment": "joins the sales team"}`)
	require.Equal(t, http.StatusCreated, resp.Status, string(resp.Body))
	req := resp.JSON(t)
	flows := req["approvalIds"].([]any)
	require.Len(t, flows, 1)
	flowID = flows[0].(string)
	f := w.must(t, http.MethodGet, "/generic-approvals/v1/"+flowID, "", http.StatusOK)
	trackingNumber, _ = f["trackingNumber"].(string)
	require.Regexp(t, `^[0-9a-f]{32}$`, trackingNumber, "the approval flow carries the request's trackingNumber: %s", jsonOf(t, f))

	// Each approver's client continues the request's trackingNumber (the flow shows it): a
	// decision's jobs (its event, the provisioning it starts) run under the trackingNumber of
	// the call that made the decision.
	for _, who := range []string{"mgr", "g1", "g3"} {
		resp := w.d.Do(t, w.d.Token(t, who, "APPROVER"), http.MethodPost, "/generic-approvals/v1/"+flowID+"/approve", `{"comment": "ok from `+who+`"}`,
			"X-Tracking-Number", trackingNumber)
		require.Equal(t, http.StatusOK, resp.Status, "%s: %s", who, resp.Body)
	}
	require.Equal(t, "APPROVED", w.must(t, http.MethodGet, "/generic-approvals/v1/"+flowID, "", http.StatusOK)["status"])
	return flowID, trackingNumber
}

// must calls the gateway as the administrator and requires the status; it returns the JSON
// object answered (nil for an empty body).
func (w *world) must(t *testing.T, method, path, body string, status int) map[string]any {
	t.Helper()
	resp := w.d.Do(t, w.admin, method, path, body)
	require.Equal(t, status, resp.Status, "%s %s: %s", method, path, resp.Body)
	if len(resp.Body) == 0 {
		return nil
	}
	return resp.JSON(t)
}

// salesMembers returns the member DNs of cn=sales.
func (w *world) salesMembers(t *testing.T) []string {
	t.Helper()
	e := w.ldap.Entry(t, w.ldap.Conn(t), "cn=sales,"+slapd.GroupsDN)
	require.NotNil(t, e)
	return e.GetAttributeValues("member")
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// TestAccessRequestFlow is flow 1 across five processes: a request for "member of sales on
// Corp AD" passes the manager and a 2-of-3 group level, the provisioning chain creates the
// LDAP account (its name from the seed CREATE policy's unique template), adds it to sales and
// mails the recipient; subscribers get post-approval and post-provisioning events with the
// request's trackingNumber, the timeline has entries from the services, and every process's
// log can be found by that trackingNumber.
func TestAccessRequestFlow(t *testing.T) {
	backends(t, loopbackOptions(), func(t *testing.T, d *scenario.Deployment) {
		w := setUp(t, d)
		postApproval, postProvisioning := newSubscriber(t), newSubscriber(t)
		for trigger, sub := range map[string]*subscriber{"idn:access-request-post-approval": postApproval, "idn:post-provisioning": postProvisioning} {
			w.must(t, http.MethodPost, "/beta/trigger-subscriptions", jsonOf(t, map[string]any{
				"name": trigger, "triggerId": trigger, "type": "HTTP", "httpConfig": map[string]any{"url": sub.URL, "httpDispatchMode": "SYNC"},
			}), http.StatusCreated)
		}
		rel := w.relationship(t, "")
		began := time.Now()
		flowID, tn := w.requestAndApprove(t, rel)

		const dn = "uid=alice.smith," + slapd.PeopleDN
		require.Eventually(t, func() bool { return contains(w.salesMembers(t), dn) }, 60*time.Second, 50*time.Millisecond, "alice.smith joins sales in slapd")
		account := w.ldap.Entry(t, w.ldap.Conn(t), dn)
		require.NotNil(t, account)
		require.Equal(t, []string{"alice.smith"}, account.GetAttributeValues("uid"))

		var mail smtpserver.Message
		require.Eventually(t, func() bool {
			for _, m := range w.mail.Messages() {
				if contains(m.To, "alice@example.org") {
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
		approved := postApproval.await(t, "the final post-approval event", func(ev delivery) bool {
			return strings.Count(string(ev.body), `"approvalDecision":"APPROVED"`) == 3
		})
		require.Equal(t, tn, approved.header.Get("X-Tracking-Number"), string(approved.body))
		delivered := postProvisioning.await(t, "post-provisioning", func(delivery) bool { return true })
		require.Equal(t, tn, delivered.header.Get("X-Tracking-Number"))
		provisioned := delivered.json(t)
		require.Equal(t, tn, provisioned["trackingNumber"])
		require.Equal(t, "Corp AD", provisioned["sources"], jsonOf(t, provisioned))
		created := provisioned["accountRequests"].([]any)[0].(map[string]any)
		require.Equal(t, "Create", created["accountOperation"])
		require.Equal(t, "SUCCESS", created["provisioningResult"])
		t.Logf("flow 1 from request to the post-provisioning event: %s", time.Since(began).Round(time.Millisecond))

		f := w.must(t, http.MethodGet, "/generic-approvals/v1/"+flowID, "", http.StatusOK)
		require.NotEmpty(t, f["actionFlowIds"].(map[string]any)["GRANT"])

		timeline := w.must(t, http.MethodGet, "/v1/tracking/"+tn, "", http.StatusOK)
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
