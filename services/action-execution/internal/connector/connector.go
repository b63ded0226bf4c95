// Package connector is the seam between action flows and target systems: what a script asks of a
// connector (an Operation on a Provider, with templated parameters and policy-computed
// attributes) and what it answers (the account touched, outputs for later scripts, and the
// attribute requests idn:post-provisioning reports). Each connector kind (LDAP, SCIM, REST,
// SMTP, Slack, GitLab) implements Connector in a package of its own under internal/connectors.
package connector

import (
	"context"
	"errors"
	"fmt"
)

// Connector kinds.
const (
	KindLDAP   = "LDAP"
	KindSCIM   = "SCIM"
	KindREST   = "REST"
	KindSMTP   = "SMTP"
	KindSlack  = "SLACK"
	KindGitLab = "GITLAB"
)

// Account operations, as idn:post-provisioning names them (accountOperation).
const (
	AccountCreate  = "Create"
	AccountModify  = "Modify"
	AccountEnable  = "Enable"
	AccountDisable = "Disable"
	AccountUnlock  = "Unlock"
	AccountDelete  = "Delete"
)

// Attribute request operations, as idn:post-provisioning names them.
const (
	AttributeAdd    = "Add"
	AttributeSet    = "Set"
	AttributeRemove = "Remove"
)

// Provider is a configured target system as a connector sees it: secrets already opened.
type Provider struct {
	// Key names the provider in script types: "corpad" in corpad_api_create_user.
	Key string
	// Kind is the connector kind (KindLDAP…).
	Kind string
	// Endpoint is where the target system listens: ldap://host:389, https://host/scim/v2,
	// smtp://host:25, https://slack.com/api/, https://gitlab.example.com.
	Endpoint string
	// Settings are the connector's non-secret settings (base DN, from address, project…).
	Settings map[string]any
	// Credentials are the connector's secrets (bind password, token, client secret…).
	Credentials map[string]string
}

// Request is one run of one script against a provider.
type Request struct {
	// Operation is the script type without its provider prefix: "create_user",
	// "add_user_to_group", "api_<endpoint>", "webhook_<endpoint>" for provider scripts; the
	// script type itself for the others ("email_notification", "gitlab_issue_create", …).
	Operation string
	// Params are the script's metadata after templating over the flow context (e.g. the group
	// to add to, a message's subject and body, an issue's title).
	Params map[string]any
	// Attributes are the account attributes the source's provisioning policy computed for this
	// operation (e.g. CREATE: userName, mail, cn), if the operation evaluates one.
	Attributes map[string]any
	// AccountID is the native identity of the account the operation is on, when known (e.g. the
	// DN an earlier create_user made).
	AccountID string
	// IdempotencyKey is the same on every attempt of the script (its flow script id): a
	// connector that cannot check the target's state sends it (Idempotency-Key header, mail
	// Message-ID, a marker in an issue) so that a retry never acts twice.
	IdempotencyKey string
	// TrackingNumber of the flow, for outbound headers (X-Tracking-Number) and logs.
	TrackingNumber string
}

// Result is what a script did.
type Result struct {
	// AccountID is the native identity of the account created or changed (a DN, a SCIM id…).
	AccountID string
	// AccountOperation is what happened to the account (AccountCreate…); empty for scripts that
	// touch no account (notifications, issues).
	AccountOperation string
	// AttributeRequests are the attribute changes made, for idn:post-provisioning.
	AttributeRequests []AttributeRequest
	// TicketID is the ticket the script opened or worked on (a GitLab issue), if any.
	TicketID string
	// Output is what later scripts' templates may read (e.g. {"issueIid": 7}).
	Output map[string]any
}

// AttributeRequest is one attribute change on an account.
type AttributeRequest struct {
	Name      string
	Value     any
	Operation string
}

// Connector runs operations against one kind of target system.
type Connector interface {
	// Kind is the connector kind (KindLDAP…).
	Kind() string
	// Operations are the operations the connector supports; a chain naming another one for a
	// provider of this kind is refused when it is saved.
	Operations() []string
	// ValidateProvider checks a provider's endpoint, settings and credentials when it is saved.
	ValidateProvider(p Provider) error
	// Run performs req on p. It must be safe to call again with the same request after a
	// failure or a crash: it checks the target's state or uses req.IdempotencyKey, so a retry
	// never creates a second account, mail or issue. Errors wrapped with Permanent are not
	// retried.
	Run(ctx context.Context, p Provider, req Request) (Result, error)
}

// ErrPermanent marks failures that retrying cannot fix (a refused request, a missing object):
// the script fails at once instead of being retried.
var ErrPermanent = errors.New("permanent failure")

// Permanent wraps err as a failure not worth retrying.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrPermanent, err)
}

// IsPermanent reports whether err is not worth retrying.
func IsPermanent(err error) bool { return errors.Is(err, ErrPermanent) }

// ErrUnsupported is returned for an operation the connector does not implement.
var ErrUnsupported = errors.New("operation not supported by this connector")
