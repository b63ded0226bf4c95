// Package slack is the Slack connector: slack_notification posts a message, slack_approval one
// with Approve and Deny buttons linking to the flow's approve and deny URLs, with
// github.com/slack-go/slack (chat.postMessage).
//
// The endpoint is the Web API base URL (https://slack.com/api/). The credential token is a bot
// token (xoxb-…) with chat:write and the history scope of the conversations it posts in
// (channels:history, groups:history or im:history). Settings: defaultChannel, used when the
// request names no channel.
//
// Request params: channel (a conversation ID C…/G…/D…, or a user ID U…/W… for a direct
// message; default the defaultChannel setting), text (required, mrkdwn); slack_approval also
// approveUrl and denyUrl (required) and optionally approveLabel and denyLabel.
//
// Slack has no idempotency key for chat.postMessage, so each message carries the request's
// idempotency key in its metadata, and a retry first looks for it in the conversation's recent
// history: a message that was posted before a lost answer is found, not posted again.
package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/accessflow/accessflow/pkg/outbound"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
)

// Operations the connector implements.
const (
	OpNotification = "slack_notification"
	OpApproval     = "slack_approval"
)

// Settings and credential names.
const (
	SettingDefaultChannel = "defaultChannel"
	CredentialToken       = "token"
)

// MetadataEventType is the event type of the metadata each message carries.
const MetadataEventType = "accessflow_script"

// historyLimit is how many recent messages a retry looks through for its earlier post.
const historyLimit = 200

// retryableErrors are Slack error names a later attempt may not get.
var retryableErrors = []string{"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}

var conversationID = regexp.MustCompile(`^[CGDUW][A-Z0-9]{2,}$`)

// Connector is the Slack connector.
type Connector struct {
	client *http.Client
}

var _ connector.Connector = (*Connector)(nil)

// Option configures a Connector.
type Option func(*options)

type options struct{ timeout time.Duration }

// WithTimeout bounds each API call (default 15s).
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// New returns a Slack connector whose HTTP client dials only what guard allows.
func New(guard *outbound.Guard, opts ...Option) *Connector {
	o := options{timeout: 15 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	return &Connector{client: outbound.NewClient(guard, o.timeout)}
}

// Kind implements connector.Connector.
func (*Connector) Kind() string { return connector.KindSlack }

// Operations implements connector.Connector.
func (*Connector) Operations() []string { return []string{OpNotification, OpApproval} }

// ValidateProvider implements connector.Connector.
func (*Connector) ValidateProvider(p connector.Provider) error {
	_, err := parseConfig(p)
	return err
}

type config struct {
	apiURL         string
	token          string
	defaultChannel string
}

func parseConfig(p connector.Provider) (*config, error) {
	var errs []error
	c := &config{token: p.Credentials[CredentialToken]}
	u, err := url.Parse(p.Endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("endpoint %q: want the Web API base URL, e.g. https://slack.com/api/", p.Endpoint))
	} else {
		c.apiURL = strings.TrimSuffix(u.String(), "/") + "/"
	}
	if c.token == "" {
		errs = append(errs, fmt.Errorf("credential %s is required", CredentialToken))
	} else if !strings.HasPrefix(c.token, "xox") {
		errs = append(errs, fmt.Errorf("credential %s: want a Slack token (xoxb-…)", CredentialToken))
	}
	switch v := p.Settings[SettingDefaultChannel].(type) {
	case nil:
	case string:
		if c.defaultChannel = strings.TrimSpace(v); c.defaultChannel != "" && !conversationID.MatchString(c.defaultChannel) {
			errs = append(errs, fmt.Errorf("setting %s: %q is not a conversation or user ID", SettingDefaultChannel, v))
		}
	default:
		errs = append(errs, fmt.Errorf("setting %s: want a string, got %T", SettingDefaultChannel, v))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, connector.Permanent(err)
	}
	return c, nil
}

// Run implements connector.Connector.
func (c *Connector) Run(ctx context.Context, p connector.Provider, req connector.Request) (connector.Result, error) {
	if req.Operation != OpNotification && req.Operation != OpApproval {
		return connector.Result{}, connector.Permanent(fmt.Errorf("%w: Slack %q", connector.ErrUnsupported, req.Operation))
	}
	cfg, err := parseConfig(p)
	if err != nil {
		return connector.Result{}, err
	}
	channel, msgOpts, err := message(cfg, req)
	if err != nil {
		return connector.Result{}, connector.Permanent(fmt.Errorf("%s: %w", req.Operation, err))
	}
	api := goslack.New(cfg.token, goslack.OptionAPIURL(cfg.apiURL), goslack.OptionHTTPClient(c.client))

	// A direct message goes to the user's IM conversation, whose history a retry reads.
	if channel[0] == 'U' || channel[0] == 'W' {
		im, _, _, err := api.OpenConversationContext(ctx, &goslack.OpenConversationParameters{Users: []string{channel}})
		if err != nil {
			return connector.Result{}, fmt.Errorf("%s: conversations.open %s: %w", req.Operation, channel, classify(err))
		}
		channel = im.ID
	}
	if ts, err := posted(ctx, api, channel, req.IdempotencyKey); err != nil {
		return connector.Result{}, fmt.Errorf("%s: conversations.history %s: %w", req.Operation, channel, classify(err))
	} else if ts != "" {
		return result(channel, ts), nil
	}
	ch, ts, err := api.PostMessageContext(ctx, channel, msgOpts...)
	if err != nil {
		return connector.Result{}, fmt.Errorf("%s: chat.postMessage %s: %w", req.Operation, channel, classify(err))
	}
	return result(ch, ts), nil
}

func result(channel, ts string) connector.Result {
	return connector.Result{Output: map[string]any{"channel": channel, "ts": ts}}
}

// posted returns the timestamp of the message carrying key in channel's recent history, if any.
func posted(ctx context.Context, api *goslack.Client, channel, key string) (string, error) {
	params := &goslack.GetConversationHistoryParameters{ChannelID: channel, Limit: historyLimit, IncludeAllMetadata: true}
	history, err := api.GetConversationHistoryContext(ctx, params)
	if err != nil {
		return "", err
	}
	for i := range history.Messages {
		m := &history.Messages[i]
		if m.Metadata.EventType == MetadataEventType && m.Metadata.EventPayload["idempotency_key"] == key {
			return m.Timestamp, nil
		}
	}
	return "", nil
}

// message builds the chat.postMessage options from the request's params.
func message(cfg *config, req connector.Request) (string, []goslack.MsgOption, error) {
	if req.IdempotencyKey == "" {
		return "", nil, errors.New("no idempotency key to mark the message with")
	}
	channel := param(req.Params, "channel")
	if channel == "" {
		channel = cfg.defaultChannel
	}
	if !conversationID.MatchString(channel) {
		return "", nil, fmt.Errorf("param channel: want a conversation or user ID (C…, G…, D…, U…), got %q", channel)
	}
	text := param(req.Params, "text")
	if text == "" {
		return "", nil, errors.New("param text is required")
	}
	payload := map[string]any{"idempotency_key": req.IdempotencyKey}
	if req.TrackingNumber != "" {
		payload["tracking_number"] = req.TrackingNumber
	}
	opts := []goslack.MsgOption{
		goslack.MsgOptionText(text, false),
		goslack.MsgOptionMetadata(goslack.SlackMetadata{EventType: MetadataEventType, EventPayload: payload}),
	}
	if req.Operation == OpApproval {
		approve, deny := param(req.Params, "approveUrl"), param(req.Params, "denyUrl")
		for name, link := range map[string]string{"approveUrl": approve, "denyUrl": deny} {
			if u, err := url.Parse(link); link == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return "", nil, fmt.Errorf("param %s: want an http(s) URL, got %q", name, link)
			}
		}
		approveLabel, denyLabel := param(req.Params, "approveLabel"), param(req.Params, "denyLabel")
		if approveLabel == "" {
			approveLabel = "Approve"
		}
		if denyLabel == "" {
			denyLabel = "Deny"
		}
		opts = append(opts, goslack.MsgOptionBlocks(
			goslack.NewSectionBlock(goslack.NewTextBlockObject(goslack.MarkdownType, text, false, false), nil, nil),
			goslack.NewActionBlock("accessflow_decision",
				goslack.NewButtonBlockElement("approve", "approve", goslack.NewTextBlockObject(goslack.PlainTextType, approveLabel, false, false)).
					WithURL(approve).WithStyle(goslack.StylePrimary),
				goslack.NewButtonBlockElement("deny", "deny", goslack.NewTextBlockObject(goslack.PlainTextType, denyLabel, false, false)).
					WithURL(deny).WithStyle(goslack.StyleDanger),
			),
		))
	}
	return channel, opts, nil
}

func param(params map[string]any, name string) string {
	s, _ := params[name].(string)
	return strings.TrimSpace(s)
}

// classify marks err permanent unless Slack said to try later (429, 5xx, ratelimited,
// internal_error…) or the connection failed.
func classify(err error) error {
	var rateLimited *goslack.RateLimitedError
	var status goslack.StatusCodeError
	var slackErr goslack.SlackErrorResponse
	switch {
	case errors.Is(err, outbound.ErrForbiddenAddress):
		return connector.Permanent(err)
	case errors.As(err, &rateLimited):
		return err
	case errors.As(err, &status):
		if status.Retryable() {
			return err
		}
		return connector.Permanent(err)
	case errors.As(err, &slackErr):
		if slices.Contains(retryableErrors, slackErr.Err) {
			return err
		}
		return connector.Permanent(err)
	default:
		return err
	}
}
