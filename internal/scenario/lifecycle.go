package scenario

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/internal/testserver/gitlabfake"
	"github.com/accessflow/accessflow/internal/testserver/scimserver"
	"github.com/accessflow/accessflow/internal/testserver/slapd"
	"github.com/accessflow/accessflow/internal/testserver/smtpserver"
	"github.com/accessflow/accessflow/pkg/tracking"
)

// The identity of flows 2 to 4: the seed's john.doe (../shared/seeds/003), who joins sales,
// moves to marketing and leaves.
const (
	JohnID       = "ee769173319b41d19ccec6cea52f237b"
	NiceGuyID    = "ee769173319b41d19ccec6c235423237b"
	MeanGuyID    = "ee769173319b41d19ccec6c235423236c"
	JohnDN       = "uid=john.doe," + slapd.PeopleDN
	JohnOldEmail = "john.doe@hotmail.com"
	JohnNewEmail = "john.doe@gmail.com"
)

// Triggers flows 2 to 4 start from.
const (
	IdentityCreated           = "idn:identity-created"
	IdentityAttributesChanged = "idn:identity-attributes-changed"
	PostProvisioning          = "idn:post-provisioning"
)

// Departments are the departments with birthright relationships.
var Departments = []string{"sales", "marketing"}

// Corp AD's policies for flows 2 to 4: accounts are inetOrgPerson entries (cn and sn required)
// named by the seed's unique template, with the identity's email and department; UPDATE
// rewrites those two when they change.
const (
	lifecycleCreatePolicy = `{
  "name": "Corp AD account", "description": "the joiner's directory account", "usageType": "CREATE",
  "fields": [
    {"name": "userName", "transform": {"type": "rule", "attributes": {"name": "Create Unique LDAP Attribute"}},
     "attributes": {"template": "${firstname}.${lastname}${uniqueCounter}", "cloudMaxUniqueChecks": "50", "cloudMaxSize": "20", "cloudRequired": "true"},
     "type": "string", "isMultiValued": false},
    {"name": "cn", "transform": {"type": "concat", "attributes": {"values": [
      {"type": "identityAttribute", "attributes": {"name": "firstname"}}, " ",
      {"type": "identityAttribute", "attributes": {"name": "lastname"}}]}},
     "attributes": {}, "type": "string", "isMultiValued": false},
    {"name": "sn", "transform": {"type": "identityAttribute", "attributes": {"name": "lastname"}}, "attributes": {}, "type": "string", "isMultiValued": false},
    {"name": "mail", "transform": {"type": "identityAttribute", "attributes": {"name": "email"}}, "attributes": {}, "type": "string", "isMultiValued": false},
    {"name": "departmentNumber", "transform": {"type": "identityAttribute", "attributes": {"name": "department"}}, "attributes": {}, "type": "string", "isMultiValued": false}
  ]
}`
	lifecycleUpdatePolicy = `{
  "name": "Corp AD attributes", "description": "what a mover changes on the directory account", "usageType": "UPDATE",
  "fields": [
    {"name": "mail", "transform": {"type": "identityAttribute", "attributes": {"name": "email"}}, "attributes": {}, "type": "string", "isMultiValued": false},
    {"name": "departmentNumber", "transform": {"type": "identityAttribute", "attributes": {"name": "department"}}, "attributes": {}, "type": "string", "isMultiValued": false}
  ]
}`
	lifecycleDisablePolicy = `{
  "name": "Corp AD leaver", "description": "what a leaver's disabled directory account says", "usageType": "DISABLE",
  "fields": [
    {"name": "description", "transform": {"type": "static", "attributes": {"value": "` + LeaverDescription + `"}}, "attributes": {}, "type": "string", "isMultiValued": false}
  ]
}`
	saasSource = `{
  "name": "Corp SaaS", "description": "The SaaS suite, provisioned over SCIM",
  "owner": {"type": "IDENTITY", "id": "owner", "name": "SaaS Owner"},
  "connector": "scim", "features": ["PROVISIONING"], "type": "SCIM 2.0"
}`
	saasCreatePolicy = `{
  "name": "Corp SaaS user", "description": "the joiner's SaaS user", "usageType": "CREATE",
  "fields": [
    {"name": "userName", "transform": {"type": "static", "attributes": {"value": "${firstname}.${lastname}"}}, "attributes": {}, "type": "string", "isMultiValued": false},
    {"name": "givenName", "transform": {"type": "identityAttribute", "attributes": {"name": "firstname"}}, "attributes": {}, "type": "string", "isMultiValued": false},
    {"name": "familyName", "transform": {"type": "identityAttribute", "attributes": {"name": "lastname"}}, "attributes": {}, "type": "string", "isMultiValued": false},
    {"name": "email", "transform": {"type": "identityAttribute", "attributes": {"name": "email"}}, "attributes": {}, "type": "string", "isMultiValued": false}
  ]
}`
	saasUpdatePolicy = `{
  "name": "Corp SaaS attributes", "description": "what a mover changes on the SaaS user", "usageType": "UPDATE",
  "fields": [
    {"name": "email", "transform": {"type": "identityAttribute", "attributes": {"name": "email"}}, "attributes": {}, "type": "string", "isMultiValued": false}
  ]
}`
	saasDisablePolicy = `{
  "name": "Corp SaaS leaver", "description": "what a leaver's deactivated SaaS user says", "usageType": "DISABLE",
  "fields": [
    {"name": "title", "transform": {"type": "static", "attributes": {"value": "` + LeaverTitle + `"}}, "attributes": {}, "type": "string", "isMultiValued": false}
  ]
}`
)

// What the sources' DISABLE policies write on a leaver's accounts: the Corp AD entry's
// description and the SaaS user's title.
const (
	LeaverDescription = "terminated by Accessflow"
	LeaverTitle       = "Former employee"
)

// Tokens the SCIM server and the GitLab fake on loopback accept (test servers' own).
const (
	scimToken   = "scim-lifecycle-token" //nolint:gosec // a loopback test server's token
	gitlabToken = "glpat-lifecycle"      //nolint:gosec // a loopback test server's token
)

// Lifecycle is what flows 2 to 4 (joiner, mover, leaver) run against: a directory (slapd) with
// a group per department, a SCIM service provider, a mail server and the GitLab fake, and the
// deployment loaded over REST with the identities, the Corp AD and Corp SaaS sources and their
// CREATE, UPDATE and DISABLE policies, providers, chains, two relationships per department (each with
// an approval chain without levels), the HR system's WORKFLOW subscriptions and an HTTP
// subscriber of idn:post-provisioning.
//
// A joiner is granted the "birthright <department>" relationship, whose chain creates the
// Corp AD account, adds it to the department's group, creates the SaaS user and mails a
// welcome. A mover's old department is revoked (its chain removes the registered Corp AD
// account from the group), the new "member of <department>" relationship granted (its chain
// adds the registered account: a mover keeps their account), and an every_account_update_user
// chain rewrites each account's attributes by its source's UPDATE policy. A leaver's
// every_account_disable_user chain disables every registered account, writing its source's
// DISABLE policy attributes on it, and opens a GitLab issue listing them.
type Lifecycle struct {
	Client *Client
	// Admin is an administrator's token.
	Admin  string
	LDAP   *slapd.Server
	Mail   *smtpserver.Server
	SCIM   *scimserver.Server
	GitLab *gitlabfake.Server
	// CorpAD and SaaS are the sources' ids.
	CorpAD, SaaS string
	// Birthright and Member are the relationships by department.
	Birthright, Member map[string]string
	// Chains by name: joiner, join, leave, update, leaver.
	Chains map[string]string
	// Subscriptions are the WORKFLOW subscriptions' ids by name: joiner, mover-revoke,
	// mover-grant, mover-update, leaver.
	Subscriptions map[string]string
	// Provisioned receives idn:post-provisioning.
	Provisioned *Subscriber
}

// SetUpLifecycle loads the deployment for flows 2 to 4 over REST, as an administrator would;
// john.doe is in the identity directory, in sales, active, with no account yet.
func SetUpLifecycle(t testing.TB, c *Client) *Lifecycle {
	t.Helper()
	l := &Lifecycle{
		Client: c, Admin: c.Token(t, "admin"),
		LDAP: slapd.Start(t), Mail: smtpserver.Start(t), SCIM: scimserver.Start(t, scimToken), GitLab: gitlabfake.Start(t, gitlabToken),
		Birthright: map[string]string{}, Member: map[string]string{}, Chains: map[string]string{}, Subscriptions: map[string]string{},
		Provisioned: NewSubscriber(t),
	}
	conn := l.LDAP.Conn(t)
	for _, dept := range Departments {
		l.LDAP.Add(t, conn, "cn="+dept+","+slapd.GroupsDN, map[string][]string{"objectClass": {"groupOfNames"}, "cn": {dept}, "member": {slapd.AdminDN}})
	}

	// The HR system's identities: john.doe and the two managers of the seed's example.
	l.PutIdentity(t, NiceGuyID, "nice.guy", "nice.guy@example.org", "", map[string]any{})
	l.PutIdentity(t, MeanGuyID, "mean.guy", "mean.guy@example.org", "", map[string]any{})
	l.PutIdentity(t, JohnID, "john.doe", JohnOldEmail, NiceGuyID, johnAttributes("sales", JohnOldEmail, "active"))

	l.CorpAD = l.must(t, http.MethodPost, "/v3/sources", CorpADSource, http.StatusCreated)["id"].(string)
	l.must(t, http.MethodPost, "/v3/sources/"+l.CorpAD+"/provisioning-policies", lifecycleCreatePolicy, http.StatusCreated)
	l.must(t, http.MethodPost, "/v3/sources/"+l.CorpAD+"/provisioning-policies", lifecycleUpdatePolicy, http.StatusCreated)
	l.must(t, http.MethodPost, "/v3/sources/"+l.CorpAD+"/provisioning-policies", lifecycleDisablePolicy, http.StatusCreated)
	l.SaaS = l.must(t, http.MethodPost, "/v3/sources", saasSource, http.StatusCreated)["id"].(string)
	l.must(t, http.MethodPost, "/v3/sources/"+l.SaaS+"/provisioning-policies", saasCreatePolicy, http.StatusCreated)
	l.must(t, http.MethodPost, "/v3/sources/"+l.SaaS+"/provisioning-policies", saasUpdatePolicy, http.StatusCreated)
	l.must(t, http.MethodPost, "/v3/sources/"+l.SaaS+"/provisioning-policies", saasDisablePolicy, http.StatusCreated)

	for _, p := range []map[string]any{
		{
			"key": "corpad", "name": "Corp AD LDAP", "kind": "LDAP", "endpoint": l.LDAP.URL,
			"sourceId": l.CorpAD, "sourceName": "Corp AD",
			"credentials": map[string]string{"bindPassword": slapd.AdminPassword},
			"settings": map[string]any{
				"baseDN": slapd.BaseDN, "bindDN": slapd.AdminDN, "groupBaseDN": slapd.GroupsDN,
				"userObjectClasses": []string{"inetOrgPerson"}, "attributeMap": map[string]string{"userName": "uid"},
				"userDNTemplate": "uid={{.userName}}," + slapd.PeopleDN,
			},
		},
		{
			"key": "saas", "name": "Corp SaaS SCIM", "kind": "SCIM", "endpoint": l.SCIM.URL,
			"sourceId": l.SaaS, "sourceName": "Corp SaaS", "credentials": map[string]string{"token": scimToken},
		},
		{
			"key": "mail", "name": "Corp mail", "kind": "SMTP", "endpoint": l.Mail.URL,
			"settings": map[string]any{"from": "Accessflow <noreply@example.org>", "caCertificate": string(l.Mail.CACertPEM)},
		},
		{
			"key": "gitlab", "name": "GitLab", "kind": "GITLAB", "endpoint": l.GitLab.URL,
			"credentials": map[string]string{"token": gitlabToken}, "settings": map[string]any{"project": l.GitLab.ProjectPath},
		},
	} {
		l.must(t, http.MethodPost, "/v1/action-providers", JSONOf(t, p), http.StatusCreated)
	}

	join := map[string]any{"name": "join", "type": "corpad_api_add_user_to_group", "metadata": map[string]any{"group": "{{.Relationship.TargetName}}"}}
	for name, scripts := range map[string][]any{
		"joiner": {
			map[string]any{"name": "create", "type": "corpad_api_create_user"},
			join,
			map[string]any{"name": "saas", "type": "saas_api_create_user"},
			map[string]any{"name": "welcome", "type": "email_notification", "provider": "mail", "metadata": map[string]any{
				"to": "{{.Recipient.Email}}", "subject": "Welcome to {{.Relationship.TargetName}}",
				"body": "Your Corp AD account {{.Scripts.create.accountId}} is a member of {{.Relationship.TargetName}}; your SaaS user is {{.Scripts.saas.accountId}} ({{.TrackingNumber}}).",
			}},
		},
		// No earlier script touched an account and the metadata names none: the scripts act
		// on the recipient's registered Corp AD account.
		"join":  {join},
		"leave": {map[string]any{"name": "leave", "type": "corpad_api_remove_user_from_group", "metadata": map[string]any{"group": "{{.Relationship.TargetName}}"}}},
		"update": {
			map[string]any{"name": "update", "type": "every_account_update_user"},
		},
		"leaver": {
			map[string]any{"name": "disable", "type": "every_account_disable_user"},
			map[string]any{"name": "ticket", "type": "gitlab_issue_create", "provider": "gitlab", "metadata": map[string]any{
				"title":  "Clean up after {{.Recipient.Name}} ({{.Recipient.ID}})",
				"labels": "leaver",
				"description": "{{.Recipient.Name}} left ({{.TrackingNumber}}). Disabled accounts:\n" +
					"{{range .Scripts.disable.accounts}}- {{.sourceName}} ({{.providerName}}): {{.accountId}} {{.accountOperation}} {{.result}}\n{{end}}",
			}},
		},
	} {
		l.Chains[name] = l.must(t, http.MethodPost, "/v1/action-chains", JSONOf(t, map[string]any{"name": name, "scripts": scripts}), http.StatusCreated)["id"].(string)
	}

	for _, dept := range Departments {
		l.Birthright[dept] = l.relationship(t, "birthright "+dept, dept, l.Chains["joiner"])
		l.Member[dept] = l.relationship(t, "member of "+dept, dept, l.Chains["join"])
	}

	const department = `$.changes[?(@.attribute == "department")]`
	for name, sub := range map[string]map[string]any{
		"joiner": {"triggerId": IdentityCreated, "workflowConfig": map[string]any{
			"workflowId": "joiner", "kind": "GRANT_RELATIONSHIPS", "recipientIdPath": "$.identity.id",
			"relationshipIdsPath": "$.attributes.department", "relationshipMap": l.Birthright,
		}},
		// The old department is revoked whichever relationship granted it: a joiner's
		// birthright (what the map names) and a mover's membership run the same
		// deprovisioning chain.
		"mover-revoke": {"triggerId": IdentityAttributesChanged, "filter": department, "workflowConfig": map[string]any{
			"workflowId": "mover", "kind": "REVOKE_RELATIONSHIPS", "recipientIdPath": "$.identity.id",
			"relationshipIdsPath": department + ".oldValue", "relationshipMap": l.Birthright,
		}},
		"mover-grant": {"triggerId": IdentityAttributesChanged, "filter": department, "workflowConfig": map[string]any{
			"workflowId": "mover", "kind": "GRANT_RELATIONSHIPS", "recipientIdPath": "$.identity.id",
			"relationshipIdsPath": department + ".newValue", "relationshipMap": l.Member,
		}},
		"mover-update": {"triggerId": IdentityAttributesChanged, "filter": `$.changes[?(@.attribute in ['department', 'email'])]`, "workflowConfig": map[string]any{
			"workflowId": "mover-attributes", "kind": "RUN_ACTION_CHAIN", "recipientIdPath": "$.identity.id", "actionChainId": l.Chains["update"],
		}},
		"leaver": {"triggerId": IdentityAttributesChanged, "filter": `$.changes[?(@.attribute == "cloudLifecycleState" && @.newValue == "terminated")]`, "workflowConfig": map[string]any{
			"workflowId": "leaver", "kind": "RUN_ACTION_CHAIN", "recipientIdPath": "$.identity.id", "actionChainId": l.Chains["leaver"],
		}},
	} {
		sub["name"], sub["type"] = name, "WORKFLOW"
		l.Subscriptions[name] = l.must(t, http.MethodPost, "/beta/trigger-subscriptions", JSONOf(t, sub), http.StatusCreated)["id"].(string)
	}
	l.must(t, http.MethodPost, "/beta/trigger-subscriptions", JSONOf(t, map[string]any{
		"name": "provisioning report", "triggerId": PostProvisioning, "type": "HTTP",
		"httpConfig": map[string]any{"url": l.Provisioned.URL, "httpDispatchMode": "SYNC"},
	}), http.StatusCreated)
	return l
}

func johnAttributes(department, email, state string) map[string]any {
	return map[string]any{"firstname": "john", "lastname": "doe", "department": department, "email": email, "cloudLifecycleState": state}
}

// relationship creates a relationship to the department's group on Corp AD, granted by chain
// and revoked by the leave chain, approved without levels.
func (l *Lifecycle) relationship(t testing.TB, name, dept, chain string) string {
	t.Helper()
	id := l.must(t, http.MethodPost, "/v1/approvable-relationships", JSONOf(t, map[string]any{
		"name": name, "sourceId": l.CorpAD, "targetKind": "GROUP", "targetId": "cn=" + dept + "," + slapd.GroupsDN, "targetName": dept,
		"provisioningChainId": chain, "deprovisioningChainId": l.Chains["leave"], "requestable": true, "revocable": true,
	}), http.StatusCreated)["id"].(string)
	l.must(t, http.MethodPost, "/v1/approvable-relationships/"+id+"/approval-chains", `{"name": "birthright", "levels": []}`, http.StatusCreated)
	return id
}

// PutIdentity loads an identity into the directory, as the HR system's feed does.
func (l *Lifecycle) PutIdentity(t testing.TB, id, name, email, manager string, attrs map[string]any) {
	t.Helper()
	l.must(t, http.MethodPut, "/v1/approval-identities/"+id, JSONOf(t, map[string]any{
		"name": name, "email": email, "managerId": manager, "attributes": attrs,
	}), http.StatusOK)
}

// Publish posts an event as the HR system does, with a new trackingNumber and the idempotency
// key given (none when ""); it answers the event's id and the trackingNumber.
func (l *Lifecycle) Publish(t testing.TB, trigger, event, idempotencyKey string) (eventID, trackingNumber string) {
	t.Helper()
	trackingNumber = tracking.New().String()
	return l.PublishAgain(t, trigger, event, idempotencyKey, trackingNumber), trackingNumber
}

// PublishAgain posts an event with a given trackingNumber and idempotency key; it answers the
// event's id.
func (l *Lifecycle) PublishAgain(t testing.TB, trigger, event, idempotencyKey, trackingNumber string) string {
	t.Helper()
	headers := []string{tracking.Header, trackingNumber}
	if idempotencyKey != "" {
		headers = append(headers, "Idempotency-Key", idempotencyKey)
	}
	resp := l.Client.Do(t, l.Admin, http.MethodPost, "/v1/trigger-events/"+trigger, event, headers...)
	require.Equal(t, http.StatusAccepted, resp.Status, string(resp.Body))
	return resp.JSON(t)["id"].(string)
}

// JoinerEvent is the HR system's idn:identity-created for john.doe in sales.
func JoinerEvent() string {
	return `{"identity": {"id": "` + JohnID + `", "name": "john.doe", "type": "IDENTITY"},
  "attributes": {"firstname": "john", "lastname": "doe", "department": "sales", "email": "` + JohnOldEmail + `", "cloudLifecycleState": "active"}}`
}

// MoverEvent is the seed's idn:identity-attributes-changed example: department sales →
// marketing, manager nice.guy → mean.guy, email hotmail → gmail.
const MoverEvent = `{
  "identity": {"id": "ee769173319b41d19ccec6cea52f237b", "name": "john.doe", "type": "IDENTITY"},
  "changes": [
    {"attribute": "department", "oldValue": "sales", "newValue": "marketing"},
    {"attribute": "manager",
     "oldValue": {"id": "ee769173319b41d19ccec6c235423237b", "name": "nice.guy", "type": "IDENTITY"},
     "newValue": {"id": "ee769173319b41d19ccec6c235423236c", "name": "mean.guy", "type": "IDENTITY"}},
    {"attribute": "email", "oldValue": "john.doe@hotmail.com", "newValue": "john.doe@gmail.com"}
  ]
}`

// LeaverEvent is the idn:identity-attributes-changed of john.doe's termination.
const LeaverEvent = `{
  "identity": {"id": "ee769173319b41d19ccec6cea52f237b", "name": "john.doe", "type": "IDENTITY"},
  "changes": [{"attribute": "cloudLifecycleState", "oldValue": "active", "newValue": "terminated"}]
}`

// Join runs flow 2: the HR system posts idn:identity-created for john.doe (twice, with one
// Idempotency-Key, as a retrying feed does); it waits for the birthright's
// idn:post-provisioning and answers it with the trackingNumber.
func (l *Lifecycle) Join(t testing.TB) (report map[string]any, trackingNumber string) {
	t.Helper()
	first, tn := l.Publish(t, IdentityCreated, JoinerEvent(), "hr-joiner-"+JohnID)
	again := l.PublishAgain(t, IdentityCreated, JoinerEvent(), "hr-joiner-"+JohnID, tn)
	require.Equal(t, first, again, "one event per idempotency key")
	return l.AwaitReport(t, tn, "the joiner's provisioning", func(m map[string]any) bool {
		return len(AccountRequests(m, "")) >= 3
	}), tn
}

// Move runs flow 3: the HR system updates john.doe in the directory (marketing, mean.guy, the
// gmail address) and posts the seed's identity-attributes-changed (twice, one key); it waits
// for the idn:post-provisioning of the membership move's two flows and of the attribute
// update, and answers them by what they did (revoke, grant, update) with the trackingNumber.
func (l *Lifecycle) Move(t testing.TB) (reports map[string]map[string]any, trackingNumber string) {
	t.Helper()
	l.PutIdentity(t, JohnID, "john.doe", JohnNewEmail, MeanGuyID, johnAttributes("marketing", JohnNewEmail, "active"))
	first, tn := l.Publish(t, IdentityAttributesChanged, MoverEvent, "hr-mover-"+JohnID)
	require.Equal(t, first, l.PublishAgain(t, IdentityAttributesChanged, MoverEvent, "hr-mover-"+JohnID, tn), "one event per idempotency key")
	reports = map[string]map[string]any{}
	reports["revoke"] = l.AwaitReport(t, tn, "the old department's revocation", func(m map[string]any) bool {
		return m["action"] == "AccessRequest" && hasAttribute(m, "memberOf", "Remove")
	})
	reports["grant"] = l.AwaitReport(t, tn, "the new department's grant", func(m map[string]any) bool {
		return m["action"] == "AccessRequest" && hasAttribute(m, "memberOf", "Add")
	})
	reports["update"] = l.AwaitReport(t, tn, "the attribute update", func(m map[string]any) bool { return hasAttribute(m, "departmentNumber", "") })
	return reports, tn
}

// Leave runs flow 4: the HR system marks john.doe terminated in the directory and posts the
// change (twice, one key); it waits for the leaver chain's idn:post-provisioning and answers it
// with the trackingNumber.
func (l *Lifecycle) Leave(t testing.TB) (report map[string]any, trackingNumber string) {
	t.Helper()
	l.PutIdentity(t, JohnID, "john.doe", JohnOldEmail, NiceGuyID, johnAttributes("sales", JohnOldEmail, "terminated"))
	first, tn := l.Publish(t, IdentityAttributesChanged, LeaverEvent, "hr-leaver-"+JohnID)
	require.Equal(t, first, l.PublishAgain(t, IdentityAttributesChanged, LeaverEvent, "hr-leaver-"+JohnID, tn), "one event per idempotency key")
	return l.AwaitReport(t, tn, "the leaver's provisioning", func(m map[string]any) bool {
		return len(AccountRequests(m, "Disable")) >= 2
	}), tn
}

// AwaitReport waits for an idn:post-provisioning delivery with trackingNumber tn (header and
// body) that match accepts.
func (l *Lifecycle) AwaitReport(t testing.TB, tn, what string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	d := l.Provisioned.Await(t, what, func(d Delivery) bool {
		if d.Header.Get(tracking.Header) != tn {
			return false
		}
		m := d.JSON(t)
		return m["trackingNumber"] == tn && match(m)
	})
	return d.JSON(t)
}

// Reports are the idn:post-provisioning deliveries with trackingNumber tn so far.
func (l *Lifecycle) Reports(t testing.TB, tn string) []map[string]any {
	t.Helper()
	l.Provisioned.mu.Lock()
	events := append([]Delivery(nil), l.Provisioned.events...)
	l.Provisioned.mu.Unlock()
	var out []map[string]any
	for _, d := range events {
		if d.Header.Get(tracking.Header) == tn {
			out = append(out, d.JSON(t))
		}
	}
	return out
}

// AccountRequests are a report's accountRequests with accountOperation op (all for "").
func AccountRequests(report map[string]any, op string) []map[string]any {
	list, _ := report["accountRequests"].([]any)
	var out []map[string]any
	for _, r := range list {
		if m, ok := r.(map[string]any); ok && (op == "" || m["accountOperation"] == op) {
			out = append(out, m)
		}
	}
	return out
}

// AttributeRequests are the attributeRequests of a report's account requests, as
// "accountId attributeName=attributeValue (operation)".
func AttributeRequests(report map[string]any) []string {
	var out []string
	for _, r := range AccountRequests(report, "") {
		attrs, _ := r["attributeRequests"].([]any)
		for _, a := range attrs {
			m, _ := a.(map[string]any)
			out = append(out, fmt.Sprintf("%v %v=%v (%v)", r["accountId"], m["attributeName"], m["attributeValue"], m["operation"]))
		}
	}
	return out
}

// hasAttribute reports whether a report's attribute requests set name (with the operation op
// when not "").
func hasAttribute(report map[string]any, name, op string) bool {
	for _, r := range AccountRequests(report, "") {
		attrs, _ := r["attributeRequests"].([]any)
		for _, a := range attrs {
			m, _ := a.(map[string]any)
			if strings.EqualFold(fmt.Sprint(m["attributeName"]), name) && (op == "" || strings.EqualFold(fmt.Sprint(m["operation"]), op)) {
				return true
			}
		}
	}
	return false
}

// Timeline returns the trackingNumber's timeline entries, oldest first, as
// "service kind status".
func (l *Lifecycle) Timeline(t testing.TB, tn string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range l.must(t, http.MethodGet, "/v1/tracking/"+tn, "", http.StatusOK)["entries"].([]any) {
		out = append(out, e.(map[string]any))
	}
	return out
}

// Deliveries lists the subscription's trigger deliveries (all events).
func (l *Lifecycle) Deliveries(t testing.TB, subscription string) []map[string]any {
	t.Helper()
	resp := l.Client.Do(t, l.Admin, http.MethodGet, "/v1/trigger-deliveries?filters="+url.QueryEscape(`subscriptionId eq "`+subscription+`"`), "")
	require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
	var list []map[string]any
	require.NoError(t, json.Unmarshal(resp.Body, &list), string(resp.Body))
	return list
}

// Group returns the member DNs of a department's group.
func (l *Lifecycle) Group(t testing.TB, dept string) []string {
	t.Helper()
	e := l.LDAP.Entry(t, l.LDAP.Conn(t), "cn="+dept+","+slapd.GroupsDN)
	require.NotNil(t, e)
	return e.GetAttributeValues("member")
}

// Eventually polls cond for up to a minute.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 60*time.Second, 50*time.Millisecond, what)
}

func (l *Lifecycle) must(t testing.TB, method, path, body string, status int) map[string]any {
	t.Helper()
	resp := l.Client.Do(t, l.Admin, method, path, body)
	require.Equal(t, status, resp.Status, "%s %s: %s", method, path, resp.Body)
	if len(resp.Body) == 0 {
		return nil
	}
	return resp.JSON(t)
}

// Must calls the gateway as the administrator and requires the status.
func (l *Lifecycle) Must(t testing.TB, method, path, body string, status int) map[string]any {
	t.Helper()
	return l.must(t, method, path, body, status)
}

// Accounts lists john.doe's accounts in the account registry (GET /v1/accounts) as
// "providerKey accountId status lastOperation".
func (l *Lifecycle) Accounts(t testing.TB) []string {
	t.Helper()
	resp := l.Client.Do(t, l.Admin, http.MethodGet, "/v1/accounts?filters="+url.QueryEscape(`identityId eq "`+JohnID+`"`), "")
	require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
	var list []map[string]any
	require.NoError(t, json.Unmarshal(resp.Body, &list), string(resp.Body))
	out := make([]string, 0, len(list))
	for _, a := range list {
		out = append(out, fmt.Sprintf("%v %v %v %v", a["providerKey"], a["accountId"], a["status"], a["lastOperation"]))
	}
	return out
}
