package scenario

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

	"github.com/accessflow/accessflow/internal/testserver/slapd"
	"github.com/accessflow/accessflow/internal/testserver/smtpserver"
)

// CorpADSource is the "Corp AD" source the flows provision on.
const CorpADSource = `{
  "name": "Corp AD", "description": "Corporate directory",
  "owner": {"type": "IDENTITY", "id": "owner", "name": "Directory Owner"},
  "connector": "openldap", "features": ["PROVISIONING"], "type": "OpenLDAP - Direct"
}`

// CreatePolicy is the seed's CREATE policy (../shared/seeds/002): a unique userName from the
// identity's first and last names.
const CreatePolicy = `{
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

// LoopbackOptions let trigger-ingest deliver to, and action-execution provision on, servers on
// loopback.
func LoopbackOptions() Options {
	return Options{Args: map[string][]string{
		TriggerIngest:   {"--outbound-allow-cidrs", "127.0.0.0/8"},
		ActionExecution: {"--action-outbound-allow-cidrs", "127.0.0.0/8"},
	}}
}

// Subscriber is an HTTP trigger subscriber recording what it receives.
type Subscriber struct {
	*httptest.Server
	mu     sync.Mutex
	events []Delivery
}

// Delivery is one request a subscriber got.
type Delivery struct {
	Header http.Header
	Body   []byte
}

// JSON decodes the body as a JSON object.
func (d Delivery) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(d.Body, &m), string(d.Body))
	return m
}

// NewSubscriber starts a subscriber that answers 204; it stops when the test ends.
func NewSubscriber(t testing.TB) *Subscriber {
	t.Helper()
	s := &Subscriber{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.events = append(s.events, Delivery{Header: r.Header.Clone(), Body: body})
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(s.Close)
	return s
}

// Await returns the first event for which match is true, polling until the deadline.
func (s *Subscriber) Await(t testing.TB, what string, match func(Delivery) bool) Delivery {
	t.Helper()
	var got Delivery
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

// World is what flows 1 and 5 run against: a directory (slapd), a mail server, and the
// deployment loaded with identities, a source, providers and chains.
type World struct {
	Client *Client
	// Admin is an administrator's token.
	Admin string
	LDAP  *slapd.Server
	Mail  *smtpserver.Server
	// Source is the Corp AD source's id.
	Source string
	// Grant and Revoke are the ids of the provisioning and deprovisioning chains.
	Grant, Revoke string
}

// SetUp loads the deployment over REST, as an administrator would.
func SetUp(t testing.TB, c *Client) *World {
	t.Helper()
	w := &World{Client: c, Admin: c.Token(t, "admin"), LDAP: slapd.Start(t), Mail: smtpserver.Start(t)}
	conn := w.LDAP.Conn(t)
	w.LDAP.Add(t, conn, "cn=sales,"+slapd.GroupsDN, map[string][]string{"objectClass": {"groupOfNames"}, "cn": {"sales"}, "member": {slapd.AdminDN}})

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
		w.Must(t, http.MethodPut, "/v1/approval-identities/"+p.id, fmt.Sprintf(
			`{"name": %q, "email": "%s@example.org", "managerId": %q, "subject": "client:%s", "attributes": %s}`, p.id, p.id, p.manager, p.id, p.attrs), http.StatusOK)
	}
	w.Must(t, http.MethodPut, "/v1/approval-groups/sales-approvers", `{"name": "sales approvers", "memberIds": ["g1", "g2", "g3"]}`, http.StatusOK)

	w.Source = w.Must(t, http.MethodPost, "/v3/sources", CorpADSource, http.StatusCreated)["id"].(string)
	w.Must(t, http.MethodPost, "/v3/sources/"+w.Source+"/provisioning-policies", CreatePolicy, http.StatusCreated)

	w.Must(t, http.MethodPost, "/v1/action-providers", JSONOf(t, map[string]any{
		"key": "corpad", "name": "Corp AD LDAP", "kind": "LDAP", "endpoint": w.LDAP.URL,
		"sourceId": w.Source, "sourceName": "Corp AD",
		"credentials": map[string]string{"bindPassword": slapd.AdminPassword},
		"settings": map[string]any{
			"baseDN": slapd.BaseDN, "bindDN": slapd.AdminDN, "groupBaseDN": slapd.GroupsDN,
			// account (cosine) needs only uid: the seed policy computes nothing else.
			"userObjectClasses": []string{"account"}, "attributeMap": map[string]string{"userName": "uid"},
			"userDNTemplate": "uid={{.userName}}," + slapd.PeopleDN,
		},
	}), http.StatusCreated)
	w.Must(t, http.MethodPost, "/v1/action-providers", JSONOf(t, map[string]any{
		"key": "mail", "name": "Corp mail", "kind": "SMTP", "endpoint": w.Mail.URL,
		"settings": map[string]any{"from": "Accessflow <noreply@example.org>", "caCertificate": string(w.Mail.CACertPEM)},
	}), http.StatusCreated)

	w.Grant = w.Must(t, http.MethodPost, "/v1/action-chains", JSONOf(t, map[string]any{
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
	w.Revoke = w.Must(t, http.MethodPost, "/v1/action-chains", JSONOf(t, map[string]any{
		"name": "revoke Corp AD group",
		"scripts": []any{map[string]any{"name": "leave", "type": "corpad_api_remove_user_from_group", "metadata": map[string]any{
			"group": "{{.Relationship.TargetName}}",
			"user":  "uid={{.Recipient.Attributes.firstname}}.{{.Recipient.Attributes.lastname}}," + slapd.PeopleDN,
		}}},
	}), http.StatusCreated)["id"].(string)
	return w
}

// Relationship creates "member of sales on Corp AD" with a two-level default chain: the
// recipient's manager, then 2 of the 3 sales approvers; expiresAfter (e.g. `"5s"`, or "")
// bounds the grant.
func (w *World) Relationship(t testing.TB, expiresAfter string) string {
	t.Helper()
	rel := w.Must(t, http.MethodPost, "/v1/approvable-relationships", JSONOf(t, map[string]any{
		"name": "member of sales on Corp AD", "sourceId": w.Source, "targetKind": "GROUP",
		"targetId": "cn=sales," + slapd.GroupsDN, "targetName": "sales",
		"provisioningChainId": w.Grant, "deprovisioningChainId": w.Revoke, "requestable": true, "revocable": true,
	}), http.StatusCreated)["id"].(string)
	expiry := ""
	if expiresAfter != "" {
		expiry = `, "expiresAfter": "` + expiresAfter + `"`
	}
	w.Must(t, http.MethodPost, "/v1/approvable-relationships/"+rel+"/approval-chains", `{"name": "default", "levels": [
		{"name": "manager", "approvers": [{"type": "MANAGER_OF_RECIPIENT"}]},
		{"name": "sales approvers", "approvers": [{"type": "GROUP", "id": "sales-approvers"}],
		 "approvalCriteria": {"type": "PARALLEL", "approval": {"calculationType": "COUNT", "value": 2}}`+expiry+`}]}`, http.StatusCreated)
	return rel
}

// RequestAndApprove files a GRANT of rel for alice as the helpdesk and has the manager, then
// two of the three group members, approve; it returns the approval flow's id and the
// request's trackingNumber.
func (w *World) RequestAndApprove(t testing.TB, rel string) (flowID, trackingNumber string) {
	t.Helper()
	// Each approver decides in a call of its own (its own trackingNumber): what the decisions
	// cause — their events, the provisioning — still carries the request's trackingNumber.
	flowID, trackingNumber, err := w.FileAndApprove(context.Background(), w.FlowTokens(t), rel, "alice")
	require.NoError(t, err)
	require.Regexp(t, `^[0-9a-f]{32}$`, trackingNumber, "the approval flow carries the request's trackingNumber")
	require.Equal(t, "APPROVED", w.Must(t, http.MethodGet, "/generic-approvals/v1/"+flowID, "", http.StatusOK)["status"])
	return flowID, trackingNumber
}

// Must calls the gateway as the administrator and requires the status; it returns the JSON
// object answered (nil for an empty body).
func (w *World) Must(t testing.TB, method, path, body string, status int) map[string]any {
	t.Helper()
	resp := w.Client.Do(t, w.Admin, method, path, body)
	require.Equal(t, status, resp.Status, "%s %s: %s", method, path, resp.Body)
	if len(resp.Body) == 0 {
		return nil
	}
	return resp.JSON(t)
}

// SalesMembers returns the member DNs of cn=sales.
func (w *World) SalesMembers(t testing.TB) []string {
	t.Helper()
	e := w.LDAP.Entry(t, w.LDAP.Conn(t), "cn=sales,"+slapd.GroupsDN)
	require.NotNil(t, e)
	return e.GetAttributeValues("member")
}

// JSONOf marshals v.
func JSONOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// Contains reports whether list holds s, ignoring case.
func Contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
