package actions_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/durationpb"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	"github.com/accessflow/accessflow/internal/testserver/scimserver"
	"github.com/accessflow/accessflow/internal/testserver/slapd"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/services/action-execution/internal/connectors/ldap"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

const (
	recipientID = "2c91808568c529c60168cca6f90c1313"
	williamDN   = "uid=william.smith," + slapd.PeopleDN
	staffDN     = "cn=staff," + slapd.GroupsDN
)

// ldapProvider configures an LDAP provider on slapd whose users are account entries named by
// the policy's userName (the policy double's attributes: userName, mail).
func ldapProvider(t *testing.T, h *harness, s *slapd.Server, key string) {
	t.Helper()
	_, err := h.svc.CreateProvider(t.Context(), &actionv1.CreateProviderRequest{Provider: &actionv1.Provider{
		Key: key, Name: "Corp AD", Kind: "LDAP", Endpoint: s.URL, SourceId: "src-" + key, SourceName: "Corporate AD",
		Credentials: map[string]string{ldap.CredentialBindPassword: slapd.AdminPassword},
		Settings: mustStruct(t, map[string]any{
			ldap.SettingBaseDN: slapd.BaseDN, ldap.SettingBindDN: slapd.AdminDN, ldap.SettingGroupBaseDN: slapd.GroupsDN,
			ldap.SettingUserDNTemplate:    "uid={{.userName}}," + slapd.PeopleDN,
			ldap.SettingUserObjectClasses: []any{"account"},
			ldap.SettingAttributeMap:      map[string]any{"userName": "uid", "mail": ""},
		}),
	}})
	require.NoError(t, err)
}

func scimProvider(t *testing.T, h *harness, s *scimserver.Server, key string) {
	t.Helper()
	_, err := h.svc.CreateProvider(t.Context(), &actionv1.CreateProviderRequest{Provider: &actionv1.Provider{
		Key: key, Name: "Identity provider", Kind: "SCIM", Endpoint: s.URL, SourceId: "src-" + key, SourceName: "Corporate IdP",
		Credentials: map[string]string{"token": s.Token},
	}})
	require.NoError(t, err)
}

// restAccountProvider is a REST provider on tg with create_user and, when withDisable,
// disable_user endpoints.
func restAccountProvider(t *testing.T, h *harness, tg *target, key string, withDisable bool) {
	t.Helper()
	endpoints := map[string]any{
		"create_user": map[string]any{
			"method": "POST", "path": "/users", "body": `{"userName": {{json .Attributes.userName}}}`,
			"expectedStatuses": []any{201}, "accountId": "{{.Response.id}}",
		},
	}
	if withDisable {
		endpoints["disable_user"] = map[string]any{"method": "POST", "path": "/users/{{.AccountID}}/disable", "expectedStatuses": []any{201}}
	}
	_, err := h.svc.CreateProvider(t.Context(), &actionv1.CreateProviderRequest{Provider: &actionv1.Provider{
		Key: key, Name: "App " + key, Kind: "REST", Endpoint: tg.URL, SourceId: "src-" + key, SourceName: "App " + key,
		Credentials: map[string]string{"token": "t"},
		Settings:    mustStruct(t, map[string]any{"auth": map[string]any{"type": "bearer"}, "endpoints": endpoints}),
	}})
	require.NoError(t, err)
}

func chain(t *testing.T, h *harness, name string, scripts ...*actionv1.ActionChainScript) string {
	t.Helper()
	resp, err := h.svc.CreateActionChain(t.Context(), &actionv1.CreateActionChainRequest{Chain: &actionv1.ActionChain{Name: name, Scripts: scripts}})
	require.NoError(t, err)
	return resp.GetChain().GetId()
}

// runFlow starts chainID for the test recipient and waits for its end.
func runFlow(t *testing.T, h *harness, chainID, key string) *actionv1.ActionFlow {
	t.Helper()
	return h.waitFlow(t, start(t, h, chainID, key).GetFlow().GetId())
}

func registry(t *testing.T, h *harness, filters string) []store.Account {
	t.Helper()
	conds, err := collection.ParseFilters(filters, store.AccountFilterFields)
	require.NoError(t, err)
	accounts, err := h.st.ListAccounts(t.Context(), store.AccountQuery{Filters: conds, Page: collection.Page{Limit: 250}})
	require.NoError(t, err)
	slices.SortFunc(accounts, func(a, b store.Account) int { return strings.Compare(a.ProviderKey, b.ProviderKey) })
	return accounts
}

func statuses(accounts []store.Account) map[string]string {
	out := map[string]string{}
	for i := range accounts {
		out[accounts[i].ProviderKey+" "+accounts[i].AccountID] = accounts[i].Status
	}
	return out
}

// requestsOf returns the account requests of an idn:post-provisioning event as
// "provider accountId operation result".
func requestsOf(event map[string]any) []string {
	var out []string
	for _, r := range event["accountRequests"].([]any) {
		m := r.(map[string]any)
		out = append(out, fmt.Sprintf("%s %s %s %s", m["provisioningTarget"], m["accountId"], m["accountOperation"], m["provisioningResult"]))
	}
	slices.Sort(out)
	return out
}

// TestAccountRegistryLeaver gives an identity accounts on LDAP (slapd), SCIM and a REST
// application by provisioning flows, revokes a group without naming the account, and then
// disables every account with every_account_disable_user, the REST application failing once.
func TestAccountRegistryLeaver(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		dir := slapd.Start(t)
		conn := dir.Conn(t)
		dir.Add(t, conn, staffDN, map[string][]string{"objectClass": {"posixGroup"}, "cn": {"staff"}, "gidNumber": {"100"}})
		idp := scimserver.Start(t, "scim-token")
		tg := newTarget(t)
		ldapProvider(t, h, dir, "corpad")
		scimProvider(t, h, idp, "idp")
		restAccountProvider(t, h, tg, "zapp", true)

		grantAD := chain(t, h, "grant AD",
			&actionv1.ActionChainScript{Name: "create", Type: "corpad_api_create_user"},
			&actionv1.ActionChainScript{Name: "join", Type: "corpad_api_add_user_to_group", Metadata: mustStruct(t, map[string]any{"group": "staff"})})
		grantIdP := chain(t, h, "grant IdP", &actionv1.ActionChainScript{Name: "create", Type: "idp_api_create_user"})
		grantApp := chain(t, h, "grant app", &actionv1.ActionChainScript{Name: "create", Type: "zapp_api_create_user"})
		for i, id := range []string{grantAD, grantIdP, grantApp} {
			flow := runFlow(t, h, id, fmt.Sprintf("grant-%d", i))
			require.Equal(t, "SUCCEEDED", flow.GetStatus(), "errors: %v", flow.GetErrors())
		}
		users := idp.Users()
		require.Len(t, users, 1)
		scimID := users[0].ID
		_, reqs := tg.snapshot()
		appID := "u-" + reqs[0].IdempotencyKey[:8]
		accounts := registry(t, h, `identityId eq "`+recipientID+`"`)
		require.Equal(t, map[string]string{"corpad " + williamDN: "ACTIVE", "idp " + scimID: "ACTIVE", "zapp " + appID: "ACTIVE"}, statuses(accounts))
		ad := accounts[0]
		require.Equal(t, "src-corpad", ad.SourceID)
		require.Equal(t, "Corporate AD", ad.SourceName)
		require.Equal(t, "Modify", ad.LastOperation, "the join came after the create")
		require.Equal(t, trackingNumber, ad.TrackingNumber)
		require.NotEmpty(t, ad.CreatedByFlowID)
		require.Equal(t, ad.CreatedByFlowID, ad.LastFlowID)
		require.Equal(t, []string{"william.smith"}, dir.Entry(t, conn, staffDN).GetAttributeValues("memberUid"))

		// A revoke names no account: the registry's.
		revoke := chain(t, h, "revoke AD", &actionv1.ActionChainScript{Name: "leave", Type: "corpad_api_remove_user_from_group", Metadata: mustStruct(t, map[string]any{"group": "staff"})})
		flow := runFlow(t, h, revoke, "revoke-1")
		require.Equal(t, "SUCCEEDED", flow.GetStatus(), "errors: %v", flow.GetErrors())
		require.Equal(t, williamDN, flow.GetScripts()[0].GetAccountId())
		require.Empty(t, dir.Entry(t, conn, staffDN).GetAttributeValues("memberUid"))

		// The leaver: the third account's application fails once, in the middle of the fan-out.
		tg.mu.Lock()
		tg.fail["/users/"+appID+"/disable"] = 1
		tg.mu.Unlock()
		_, err := h.svc.CreateProvider(t.Context(), &actionv1.CreateProviderRequest{Provider: &actionv1.Provider{Key: "mail", Kind: "SMTP", Endpoint: "smtp://127.0.0.1:25"}})
		require.NoError(t, err)
		leaver := chain(t, h, "leaver",
			&actionv1.ActionChainScript{Name: "off", Type: "every_account_disable_user", MaxAttempts: 3, Backoff: durationpb.New(50 * time.Millisecond)},
			&actionv1.ActionChainScript{Name: "tell", Type: "email_notification", Provider: "mail", Metadata: mustStruct(t, map[string]any{
				"to": "it@example.com", "subject": "leaver",
				"body": "{{range .Scripts.off.accounts}}{{.provider}}:{{.accountId}}:{{.result}};{{end}}",
			})})
		events := len(h.events.published(t, 4))
		flow = runFlow(t, h, leaver, "leaver-1")
		require.Equal(t, "SUCCEEDED", flow.GetStatus(), "errors: %v", flow.GetErrors())
		off := flow.GetScripts()[0]
		require.Equal(t, int32(2), off.GetAttempts(), "one retry for the failing application")

		require.Equal(t, []string{"000001010000Z"}, dir.Entry(t, conn, williamDN).GetAttributeValues("pwdAccountLockedTime"))
		require.Equal(t, false, idp.Users()[0].Attributes["active"])
		var patches int
		for _, r := range idp.Requests() {
			if r.Method == "PATCH" {
				patches++
			}
		}
		require.Equal(t, 1, patches, "the retry does not disable the SCIM account again")
		effects, _ := tg.snapshot()
		require.Equal(t, 1, effects["/users/"+appID+"/disable"])
		require.Equal(t, map[string]string{"corpad " + williamDN: "DISABLED", "idp " + scimID: "DISABLED", "zapp " + appID: "DISABLED"},
			statuses(registry(t, h, `identityId eq "`+recipientID+`"`)))
		for _, a := range registry(t, h, `status eq "DISABLED"`) {
			require.Equal(t, flow.GetId(), a.LastFlowID)
			require.Equal(t, "Disable", a.LastOperation)
		}

		sent := h.mail.requests()
		require.Equal(t, fmt.Sprintf("corpad:%s:SUCCESS;idp:%s:SUCCESS;zapp:%s:SUCCESS;", williamDN, scimID, appID), sent[len(sent)-1].Params["body"])

		published := h.events.published(t, events+1)
		event := published[len(published)-1]
		require.Equal(t, []string{
			"App zapp " + appID + " Disable SUCCESS",
			"Corp AD " + williamDN + " Disable SUCCESS",
			"Identity provider " + scimID + " Disable SUCCESS",
		}, requestsOf(event))
		for _, r := range event["accountRequests"].([]any) {
			m := r.(map[string]any)
			if m["provisioningTarget"] == "Corp AD" {
				require.Equal(t, map[string]any{"id": "src-corpad", "type": "SOURCE", "name": "Corporate AD"}, m["source"])
				require.Equal(t, []any{map[string]any{"attributeName": "pwdAccountLockedTime", "attributeValue": "000001010000Z", "operation": "Set"}}, m["attributeRequests"])
			}
		}

		// Every account's reservation of the DISABLE evaluation is settled.
		require.Eventually(t, func() bool {
			h.policy.mu.Lock()
			defer h.policy.mu.Unlock()
			return h.policy.accounts["src-idp/"+scimID] != nil && h.policy.accounts["src-corpad/"+williamDN] != nil
		}, 10*time.Second, 10*time.Millisecond)

		// A second leaver finds them all DISABLED: nothing to do.
		flow = runFlow(t, h, leaver, "leaver-2")
		require.Equal(t, "SUCCEEDED", flow.GetStatus(), "errors: %v", flow.GetErrors())
		var results []string
		for _, a := range flow.GetScripts()[0].GetOutput().AsMap()["accounts"].([]any) {
			results = append(results, a.(map[string]any)["result"].(string))
		}
		require.Equal(t, []string{"SKIPPED_ALREADY_DISABLED", "SKIPPED_ALREADY_DISABLED", "SKIPPED_ALREADY_DISABLED"}, results)
		effects, _ = tg.snapshot()
		require.Equal(t, 1, effects["/users/"+appID+"/disable"])
	})
}

// TestEveryAccountUnsupportedOperation: an account whose provider cannot disable fails, the
// others are still disabled, and the script fails at the end.
func TestEveryAccountUnsupportedOperation(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		dir := slapd.Start(t)
		conn := dir.Conn(t)
		tg := newTarget(t)
		ldapProvider(t, h, dir, "corpad")
		restAccountProvider(t, h, tg, "app", false)
		for i, key := range []string{"corpad", "app"} {
			flow := runFlow(t, h, chain(t, h, "grant "+key, &actionv1.ActionChainScript{Name: "create", Type: key + "_api_create_user"}), fmt.Sprintf("grant-%d", i))
			require.Equal(t, "SUCCEEDED", flow.GetStatus(), "errors: %v", flow.GetErrors())
		}
		_, reqs := tg.snapshot()
		appID := "u-" + reqs[0].IdempotencyKey[:8]
		events := len(h.events.published(t, 2))

		leaver := chain(t, h, "leaver", &actionv1.ActionChainScript{Name: "off", Type: "every_account_disable_user", MaxAttempts: 2, Backoff: durationpb.New(10 * time.Millisecond)})
		flow := runFlow(t, h, leaver, "leaver-1")
		require.Equal(t, "FAILED", flow.GetStatus())
		off := flow.GetScripts()[0]
		require.Equal(t, int32(1), off.GetAttempts(), "an unsupported operation is not retried")
		require.Contains(t, off.GetError(), "1 of 2 account(s) failed: app "+appID+`: permanent failure: provider "app" (REST) does not support "disable_user"`)
		require.Equal(t, []string{"000001010000Z"}, dir.Entry(t, conn, williamDN).GetAttributeValues("pwdAccountLockedTime"))
		require.Equal(t, map[string]string{"corpad " + williamDN: "DISABLED", "app " + appID: "ACTIVE"}, statuses(registry(t, h, "")))

		published := h.events.published(t, events+1)
		require.Equal(t, []string{"App app " + appID + " Disable FAILED", "Corp AD " + williamDN + " Disable SUCCESS"}, requestsOf(published[len(published)-1]))

		// A retry of the flow runs only the failed account again.
		_, err := h.svc.RetryActionFlow(t.Context(), &actionv1.RetryActionFlowRequest{Id: flow.GetId()})
		require.NoError(t, err)
		flow = h.waitFlow(t, flow.GetId())
		require.Equal(t, "FAILED", flow.GetStatus())
		results := map[string]string{}
		for _, a := range flow.GetScripts()[0].GetOutput().AsMap()["accounts"].([]any) {
			m := a.(map[string]any)
			results[m["provider"].(string)] = m["result"].(string)
		}
		require.Equal(t, map[string]string{"corpad": "SUCCESS", "app": "FAILED"}, results)
	})
}

// TestAccountResolutionWithoutAccount: an account script with no account anywhere fails
// permanently with a clear message; a script naming its user does not need the registry.
func TestAccountResolutionWithoutAccount(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		dir := slapd.Start(t)
		conn := dir.Conn(t)
		dir.Add(t, conn, "uid=bob,"+slapd.PeopleDN, map[string][]string{"objectClass": {"account"}, "uid": {"bob"}})
		ldapProvider(t, h, dir, "corpad")
		flow := runFlow(t, h, chain(t, h, "off", &actionv1.ActionChainScript{Name: "off", Type: "corpad_api_disable_user", MaxAttempts: 3}), "off-1")
		require.Equal(t, "FAILED", flow.GetStatus())
		require.Equal(t, int32(1), flow.GetScripts()[0].GetAttempts())
		require.Contains(t, flow.GetScripts()[0].GetError(), `the account registry has no account of identity "`+recipientID+`" on provider "corpad"`)

		flow = runFlow(t, h, chain(t, h, "off bob", &actionv1.ActionChainScript{Name: "off", Type: "corpad_api_disable_user", Metadata: mustStruct(t, map[string]any{"user": "uid=bob," + slapd.PeopleDN})}), "off-2")
		require.Equal(t, "SUCCEEDED", flow.GetStatus(), "errors: %v", flow.GetErrors())
		require.Equal(t, []string{"000001010000Z"}, dir.Entry(t, conn, "uid=bob,"+slapd.PeopleDN).GetAttributeValues("pwdAccountLockedTime"))
		a, err := h.st.GetAccount(t.Context(), "corpad", "uid=bob,"+slapd.PeopleDN)
		require.NoError(t, err)
		require.Equal(t, "DISABLED", a.Status, "an account a script named enters the registry too")
	})
}

func TestEveryIsNotAProviderKey(t *testing.T) {
	h := newHarness(t, "sqlite")
	_, err := h.svc.CreateProvider(t.Context(), &actionv1.CreateProviderRequest{Provider: &actionv1.Provider{Key: "every", Kind: "SMTP", Endpoint: "smtp://127.0.0.1:25"}})
	var fields *apierror.InvalidFieldsError
	require.ErrorAs(t, err, &fields)
	require.Equal(t, "provider.key", fields.Violations[0].Field)
	require.Contains(t, fields.Violations[0].Description, `"every" is reserved`)
}

// TestEveryAccountUpdate: the mover's every_account_update_user evaluates each account's
// source's UPDATE policy and reports every attribute request.
func TestEveryAccountUpdate(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		dir := slapd.Start(t)
		idp := scimserver.Start(t, "scim-token")
		ldapProvider(t, h, dir, "corpad")
		scimProvider(t, h, idp, "idp")
		for i, key := range []string{"corpad", "idp"} {
			flow := runFlow(t, h, chain(t, h, "grant "+key, &actionv1.ActionChainScript{Name: "create", Type: key + "_api_create_user"}), fmt.Sprintf("grant-%d", i))
			require.Equal(t, "SUCCEEDED", flow.GetStatus(), "errors: %v", flow.GetErrors())
		}
		events := len(h.events.published(t, 2))
		flow := runFlow(t, h, chain(t, h, "mover", &actionv1.ActionChainScript{Name: "move", Type: "every_account_update_user"}), "mover-1")
		require.Equal(t, "SUCCEEDED", flow.GetStatus(), "errors: %v", flow.GetErrors())

		h.policy.mu.Lock()
		var updates []string
		for _, ev := range h.policy.evaluations {
			if ev.GetUsageType() == "UPDATE" {
				updates = append(updates, ev.GetSourceId())
			}
		}
		h.policy.mu.Unlock()
		require.Equal(t, []string{"src-corpad", "src-idp"}, updates, "one UPDATE evaluation per account, on its own source")

		published := h.events.published(t, events+1)
		event := published[len(published)-1]
		scimID := idp.Users()[0].ID
		require.Equal(t, []string{"Corp AD " + williamDN + " Modify SUCCESS", "Identity provider " + scimID + " Modify SUCCESS"}, requestsOf(event))
		attrs := map[string][]string{}
		for _, r := range event["accountRequests"].([]any) {
			m := r.(map[string]any)
			for _, a := range m["attributeRequests"].([]any) {
				attrs[m["provisioningTarget"].(string)] = append(attrs[m["provisioningTarget"].(string)], a.(map[string]any)["attributeName"].(string))
			}
		}
		require.Equal(t, []string{"uid"}, attrs["Corp AD"], "mail is mapped away on the directory")
		require.Contains(t, attrs["Identity provider"], "userName")
		require.Equal(t, map[string]string{"corpad " + williamDN: "ACTIVE", "idp " + scimID: "ACTIVE"}, statuses(registry(t, h, "")))
		for _, a := range registry(t, h, "") {
			require.Equal(t, "Modify", a.LastOperation)
		}
	})
}
