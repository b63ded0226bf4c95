package script_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/script"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ, provider string
		want          script.Type
		err           string
	}{
		{typ: "none", want: script.Type{Class: script.ClassNone}},
		{typ: "sleep", want: script.Type{Class: script.ClassSleep}},
		{typ: "corpad_api_create_user", want: script.Type{Class: script.ClassProvider, ProviderKey: "corpad", Operation: "create_user", UsageType: "CREATE", AccountOperation: connector.AccountCreate}},
		{typ: "corpad_api_disable_user", want: script.Type{Class: script.ClassProvider, ProviderKey: "corpad", Operation: "disable_user", UsageType: "DISABLE", AccountOperation: connector.AccountDisable}},
		{typ: "corpad_api_delete_user", want: script.Type{Class: script.ClassProvider, ProviderKey: "corpad", Operation: "delete_user", UsageType: "DELETE", AccountOperation: connector.AccountDelete}},
		{typ: "corpad_api_update_user", want: script.Type{Class: script.ClassProvider, ProviderKey: "corpad", Operation: "update_user", UsageType: "UPDATE", AccountOperation: connector.AccountModify}},
		{typ: "okta_api_add_user_to_group", want: script.Type{Class: script.ClassProvider, ProviderKey: "okta", Operation: "add_user_to_group", AccountOperation: connector.AccountModify}},
		{typ: "okta_api_allocate_license", want: script.Type{Class: script.ClassProvider, ProviderKey: "okta", Operation: "allocate_license", AccountOperation: connector.AccountModify}},
		{typ: "okta_api_reset_mfa", want: script.Type{Class: script.ClassProvider, ProviderKey: "okta", Operation: "api_reset_mfa"}},
		{typ: "hr_webhook_joiner", want: script.Type{Class: script.ClassProvider, ProviderKey: "hr", Operation: "webhook_joiner"}},
		{typ: "email_notification", provider: "mail", want: script.Type{Class: script.ClassProvider, ProviderKey: "mail", ProviderKind: connector.KindSMTP, Operation: "email_notification"}},
		{typ: "slack_approval", provider: "slack", want: script.Type{Class: script.ClassProvider, ProviderKey: "slack", ProviderKind: connector.KindSlack, Operation: "slack_approval", Approval: true}},
		{typ: "gitlab_issue_create", provider: "gl", want: script.Type{Class: script.ClassProvider, ProviderKey: "gl", ProviderKind: connector.KindGitLab, Operation: "gitlab_issue_create"}},
		{typ: "gitlab_issue_create", err: "provider field"},
		{typ: "every_account_disable_user", want: script.Type{Class: script.ClassEveryAccount, Operation: "disable_user", UsageType: "DISABLE", AccountOperation: connector.AccountDisable}},
		{typ: "every_account_update_user", want: script.Type{Class: script.ClassEveryAccount, Operation: "update_user", UsageType: "UPDATE", AccountOperation: connector.AccountModify}},
		{typ: "every_account_delete_user", want: script.Type{Class: script.ClassEveryAccount, Operation: "delete_user", UsageType: "DELETE", AccountOperation: connector.AccountDelete}},
		{typ: "every_account_create_user", err: `unknown operation "create_user" in every_account_create_user: want one of change_password, delete_user, disable_user, enable_user, unlock_user, update_user`},
		{typ: "every_account_add_user_to_group", err: `unknown operation "add_user_to_group"`},
		{typ: "every_account_", err: `unknown operation ""`},
		{typ: "every_account_x", err: `unknown operation "x"`},
		{typ: "corpad_api_", err: "unknown script type"},
		{typ: "corpad_rpc_create_user", err: "unknown script type"},
		{typ: "teleport", err: "unknown script type"},
	} {
		got, err := script.Parse(tc.typ, tc.provider)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, tc.typ)
			continue
		}
		require.NoError(t, err, tc.typ)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", tc.typ, diff)
		}
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	data := script.Data{
		TrackingNumber: "4b4d982dddff4267ab12f0f1e72b5a6d",
		Recipient:      script.Identity{ID: "id-1", Name: "William Wilson", Attributes: map[string]any{"department": "Sales"}},
		Scripts:        map[string]any{"create": map[string]any{"accountId": "CN=W"}},
		Inputs:         map[string]any{},
	}
	got, err := script.Render(map[string]any{
		"group":  "CN={{lower .Recipient.Attributes.department}}",
		"nested": map[string]any{"list": []any{"{{.Scripts.create.accountId}}", 7.0, true}},
		"plain":  "no template",
		"json":   "{{json .Recipient.Name}}",
	}, data)
	require.NoError(t, err)
	require.Equal(t, map[string]any{
		"group": "CN=sales", "nested": map[string]any{"list": []any{"CN=W", 7.0, true}}, "plain": "no template", "json": `"William Wilson"`,
	}, got)
	_, err = script.Render(map[string]any{"x": "{{.Inputs.missing}}"}, data)
	require.ErrorIs(t, err, script.ErrTemplate)
	require.ErrorContains(t, err, `metadata.x`)
}

func TestCheck(t *testing.T) {
	t.Parallel()
	ok := []string{
		"{{.Recipient.Attributes.anything}}", "{{.Scripts.create.whatever}}", "{{range .Inputs}}{{.Foo}}{{end}}",
		"{{with .Relationship}}{{.TargetID}}{{end}}", "{{if .Requester.ID}}{{.Requester.Email}}{{end}}", "{{.TrackingNumber | upper}}",
	}
	for _, tmpl := range ok {
		require.NoError(t, script.Check(map[string]any{"x": tmpl}, []string{"create"}), tmpl)
	}
	bad := map[string]string{
		"{{.Recipient.Nickname}}":       `no field "Nickname"`,
		"{{.Recipents}}":                `no field "Recipents"`,
		"{{.Scripts.later.id}}":         `no script named "later"`,
		"{{nope .FlowID}}":              `function "nope" not defined`,
		"{{.FlowID":                     "unclosed action",
		"{{if .FlowID}}{{.Bad}}{{end}}": `no field "Bad"`,
	}
	for tmpl, want := range bad {
		require.ErrorContains(t, script.Check(map[string]any{"x": tmpl}, []string{"create"}), want, tmpl)
	}
}

// FuzzCheckThenRender: whatever Check accepts renders without panicking.
func FuzzCheckThenRender(f *testing.F) {
	for _, s := range []string{"{{.Recipient.Name}}", "{{.Scripts.a.b}}", "{{range .Inputs}}{{.}}{{end}}", "{{json .}}", "{{"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		md := map[string]any{"x": s}
		if script.Check(md, []string{"a"}) != nil {
			return
		}
		_, _ = script.Render(md, script.Data{Scripts: map[string]any{"a": map[string]any{"b": 1}}})
	})
}
