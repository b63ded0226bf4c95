// Package script knows the action-chain script types (the seed's table) and the templates in
// a script's metadata: what a type asks of which provider, and how metadata is rendered over a
// flow's context — checked when a chain is saved, so that a mistake is a 400 then and not a
// failure at run time.
package script

import (
	"fmt"
	"slices"
	"strings"

	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
)

// Types that name no provider.
const (
	TypeNone  = "none"
	TypeSleep = "sleep"
)

// Class says how a script type runs.
type Class int

// Classes of script types.
const (
	// ClassNone does nothing.
	ClassNone Class = iota
	// ClassSleep waits (a scheduled job).
	ClassSleep
	// ClassProvider runs a connector operation on a provider.
	ClassProvider
	// ClassEveryAccount runs an account operation on every account of the flow's recipient
	// in the account registry, each on its own provider (every_account_<operation>).
	ClassEveryAccount
)

// EveryAccountPrefix starts the fan-out script types: every_account_disable_user... Their
// types name no provider; "every" cannot be a provider key.
const EveryAccountPrefix = "every_account_"

// Type is a parsed script type.
type Type struct {
	Class Class
	// ProviderKey names the provider: the type's prefix ({provider}_api_…) or the script's
	// provider field (slack_*, email_*, gitlab_*).
	ProviderKey string
	// ProviderKind is the connector kind a named type needs (SLACK for slack_notification…);
	// empty for {provider}_… types, which work with any kind that supports the operation.
	ProviderKind string
	// Operation is what the connector is asked (connector.Request.Operation).
	Operation string
	// UsageType is the provisioning-policy usage type the operation evaluates ("" for none).
	UsageType string
	// AccountOperation is what the operation does to an account, for idn:post-provisioning
	// ("" when it touches none).
	AccountOperation string
	// Approval marks *_approval types, which wait for a human answer.
	Approval bool
}

// accountOps are the seed's {provider}_api_<operation> types with their policy usage type and
// account operation.
var accountOps = map[string]struct{ usage, account string }{
	"create_user":             {"CREATE", connector.AccountCreate},
	"update_user":             {"UPDATE", connector.AccountModify},
	"change_password":         {"CHANGE_PASSWORD", connector.AccountModify},
	"disable_user":            {"DISABLE", connector.AccountDisable},
	"enable_user":             {"ENABLE", connector.AccountEnable},
	"unlock_user":             {"UNLOCK", connector.AccountUnlock},
	"delete_user":             {"DELETE", connector.AccountDelete},
	"create_group":            {"CREATE_GROUP", ""},
	"delete_group":            {"DELETE_GROUP", ""},
	"create_role":             {"", ""},
	"delete_role":             {"", ""},
	"create_entity":           {"", ""},
	"delete_entity":           {"", ""},
	"add_user_to_group":       {"", connector.AccountModify},
	"remove_user_from_group":  {"", connector.AccountModify},
	"add_user_to_role":        {"", connector.AccountModify},
	"remove_user_from_role":   {"", connector.AccountModify},
	"add_user_to_entity":      {"", connector.AccountModify},
	"remove_user_from_entity": {"", connector.AccountModify},
	"allocate_license":        {"", connector.AccountModify},
}

// namedTypes are the script types that name their provider in the script's provider field,
// with the connector kind they need.
var namedTypes = map[string]string{
	"slack_notification":         connector.KindSlack,
	"slack_approval":             connector.KindSlack,
	"email_notification":         connector.KindSMTP,
	"email_approval":             connector.KindSMTP,
	"gitlab_issue_create":        connector.KindGitLab,
	"gitlab_issue_add_comment":   connector.KindGitLab,
	"gitlab_issue_add_label":     connector.KindGitLab,
	"gitlab_issue_remove_label":  connector.KindGitLab,
	"gitlab_issue_close":         connector.KindGitLab,
	"gitlab_issue_assign_user":   connector.KindGitLab,
	"gitlab_issue_unassign_user": connector.KindGitLab,
}

// Parse parses a script type; provider is the script's provider field, which named types
// need.
func Parse(typ, provider string) (Type, error) {
	switch typ {
	case TypeNone:
		return Type{Class: ClassNone}, nil
	case TypeSleep:
		return Type{Class: ClassSleep}, nil
	}
	if kind, ok := namedTypes[typ]; ok {
		if provider == "" {
			return Type{}, fmt.Errorf("%s scripts name their %s provider in the provider field", typ, kind)
		}
		return Type{Class: ClassProvider, ProviderKey: provider, ProviderKind: kind, Operation: typ, Approval: strings.HasSuffix(typ, "_approval")}, nil
	}
	if op, ok := strings.CutPrefix(typ, EveryAccountPrefix); ok {
		a, known := accountOps[op]
		if !known || a.usage == "" || a.account == "" || a.account == connector.AccountCreate {
			return Type{}, fmt.Errorf("unknown operation %q in %s: want one of %s", op, typ, strings.Join(EveryAccountOperations(), ", "))
		}
		return Type{Class: ClassEveryAccount, Operation: op, UsageType: a.usage, AccountOperation: a.account}, nil
	}
	key, rest, ok := strings.Cut(typ, "_")
	if !ok || key == "" {
		return Type{}, fmt.Errorf("unknown script type %q: want none, sleep, {provider}_api_<operation>, {provider}_webhook_<endpoint> or one of %s", typ, strings.Join(namedList(), ", "))
	}
	switch {
	case strings.HasPrefix(rest, "api_") && len(rest) > len("api_"):
		op := strings.TrimPrefix(rest, "api_")
		if a, ok := accountOps[op]; ok {
			return Type{Class: ClassProvider, ProviderKey: key, Operation: op, UsageType: a.usage, AccountOperation: a.account}, nil
		}
		return Type{Class: ClassProvider, ProviderKey: key, Operation: rest}, nil
	case strings.HasPrefix(rest, "webhook_") && len(rest) > len("webhook_"):
		return Type{Class: ClassProvider, ProviderKey: key, Operation: rest}, nil
	}
	return Type{}, fmt.Errorf("unknown script type %q: want none, sleep, {provider}_api_<operation>, {provider}_webhook_<endpoint> or one of %s", typ, strings.Join(namedList(), ", "))
}

// EveryAccountOperations are the operations every_account_<operation> takes: the account
// operations on an existing account that evaluate a provisioning policy.
func EveryAccountOperations() []string {
	var out []string
	for op, a := range accountOps {
		if a.usage != "" && a.account != "" && a.account != connector.AccountCreate {
			out = append(out, op)
		}
	}
	slices.Sort(out)
	return out
}

func namedList() []string {
	out := make([]string, 0, len(namedTypes))
	for t := range namedTypes {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}
