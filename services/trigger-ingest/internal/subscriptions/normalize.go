package subscriptions

import (
	"net/url"
	"time"

	"github.com/sosodev/duration"
	"google.golang.org/protobuf/types/known/structpb"

	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/jsonpath"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/credentials"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/workflows"
)

// Bounds of responseDeadline.
const (
	DefaultResponseDeadline = "PT1H"
	minResponseDeadline     = time.Second
	maxResponseDeadline     = 7 * 24 * time.Hour
)

// ResponseDeadline parses a subscription's ISO-8601 responseDeadline ("" is the default).
func ResponseDeadline(sub *triggerv1.Subscription) (time.Duration, error) {
	v := sub.GetResponseDeadline()
	if v == "" {
		v = DefaultResponseDeadline
	}
	d, err := duration.Parse(v)
	if err != nil {
		return 0, err
	}
	return d.ToTimeDuration(), nil
}

// normalize checks the rules protovalidate cannot express and fills the defaults. It moves
// the credentials the request carries into creds (a null or absent one keeps creds' value)
// and leaves them null in sub. field prefixes the names of invalid fields.
func normalize(sub *triggerv1.Subscription, creds *credentials.Subscription, field string) error {
	switch sub.GetType() {
	case "EVENTBRIDGE", "INLINE", "SCRIPT":
		return apierror.InvalidField(field+".type", "%s subscriptions are not supported: use HTTP or WORKFLOW", sub.GetType())
	case "WORKFLOW":
		if sub.GetWorkflowConfig() == nil {
			return apierror.InvalidField(field+".workflowConfig", "is required for WORKFLOW subscriptions")
		}
		if err := workflows.Validate(sub.GetWorkflowConfig(), field+".workflowConfig"); err != nil {
			return err
		}
	case "HTTP":
		if err := normalizeHTTP(sub.GetHttpConfig(), creds, field+".httpConfig"); err != nil {
			return err
		}
	}
	if sub.GetResponseDeadline() == "" {
		sub.ResponseDeadline = DefaultResponseDeadline
	}
	d, err := ResponseDeadline(sub)
	if err != nil {
		return apierror.InvalidField(field+".responseDeadline", "%q is not an ISO-8601 duration such as PT1H", sub.GetResponseDeadline())
	}
	if d < minResponseDeadline || d > maxResponseDeadline {
		return apierror.InvalidField(field+".responseDeadline", "must be between PT1S and P7D, got %s", sub.GetResponseDeadline())
	}
	if sub.Enabled == nil {
		enabled := true
		sub.Enabled = &enabled
	}
	if sub.GetFilter() != "" {
		if _, err := jsonpath.Compile(sub.GetFilter()); err != nil {
			return apierror.InvalidField(field+".filter", "not a valid JSONPath filter: %v", err)
		}
	}
	sub.EventBridgeConfig = nil
	return nil
}

func normalizeHTTP(cfg *triggerv1.HttpConfig, creds *credentials.Subscription, field string) error {
	if cfg == nil {
		return apierror.InvalidField(field, "is required for HTTP subscriptions")
	}
	u, err := url.Parse(cfg.GetUrl())
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return apierror.InvalidField(field+".url", "%q is not an http(s) URL without credentials", cfg.GetUrl())
	}
	if cfg.GetHttpDispatchMode() == "" {
		cfg.HttpDispatchMode = "SYNC"
	}
	if cfg.GetHttpAuthenticationType() == "" {
		cfg.HttpAuthenticationType = "NO_AUTH"
	}
	password, err := secretValue(cfg.GetBasicAuthConfig().GetPassword(), field+".basicAuthConfig.password")
	if err != nil {
		return err
	}
	token, err := secretValue(cfg.GetBearerTokenAuthConfig().GetBearerToken(), field+".bearerTokenAuthConfig.bearerToken")
	if err != nil {
		return err
	}
	switch cfg.GetHttpAuthenticationType() {
	case "NO_AUTH":
		cfg.BasicAuthConfig, cfg.BearerTokenAuthConfig = nil, nil
		creds.Password, creds.BearerToken = "", ""
	case "BASIC_AUTH":
		if cfg.GetBasicAuthConfig().GetUserName() == "" {
			return apierror.InvalidField(field+".basicAuthConfig.userName", "is required for BASIC_AUTH")
		}
		if password != "" {
			creds.Password = password
		}
		if creds.Password == "" {
			return apierror.InvalidField(field+".basicAuthConfig.password", "is required for BASIC_AUTH")
		}
		cfg.BearerTokenAuthConfig, creds.BearerToken = nil, ""
	case "BEARER_TOKEN":
		if token != "" {
			creds.BearerToken = token
		}
		if creds.BearerToken == "" {
			return apierror.InvalidField(field+".bearerTokenAuthConfig.bearerToken", "is required for BEARER_TOKEN")
		}
		if cfg.GetBearerTokenAuthConfig() == nil {
			cfg.BearerTokenAuthConfig = &triggerv1.BearerTokenAuthConfig{}
		}
		cfg.BasicAuthConfig, creds.Password = nil, ""
	}
	withholdHTTP(cfg)
	return nil
}

// secretValue reads a write-only secret: a string sets it, null or absent keeps it.
func secretValue(v *structpb.Value, field string) (string, error) {
	switch k := v.GetKind().(type) {
	case nil, *structpb.Value_NullValue:
		return "", nil
	case *structpb.Value_StringValue:
		if len(k.StringValue) > 4096 {
			return "", apierror.InvalidField(field, "longer than 4096 characters")
		}
		return k.StringValue, nil
	default:
		return "", apierror.InvalidField(field, "must be a string")
	}
}

// withholdSecrets sets every secret of sub to null, as the reference API answers.
func withholdSecrets(sub *triggerv1.Subscription) {
	sub.SigningSecret = nil
	withholdHTTP(sub.GetHttpConfig())
}

func withholdHTTP(cfg *triggerv1.HttpConfig) {
	if b := cfg.GetBasicAuthConfig(); b != nil {
		b.Password = structpb.NewNullValue()
	}
	if b := cfg.GetBearerTokenAuthConfig(); b != nil {
		b.BearerToken = structpb.NewNullValue()
	}
}
