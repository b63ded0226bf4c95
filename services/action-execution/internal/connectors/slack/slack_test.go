package slack_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/accessflow/accessflow/internal/testserver/slackfake"
	"github.com/accessflow/accessflow/pkg/outbound"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/connectors/slack"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const token = "xoxb-test-token"

func provider(s *slackfake.Server) connector.Provider {
	return connector.Provider{
		Key: "slack", Kind: connector.KindSlack, Endpoint: s.URL,
		Settings:    map[string]any{slack.SettingDefaultChannel: "C0ACCESS"},
		Credentials: map[string]string{slack.CredentialToken: token},
	}
}

// TestPost posts each kind of message twice with one idempotency key: the fake records one
// post, with the channel, text, blocks and metadata Slack would get.
func TestPost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		req         connector.Request
		wantChannel string
		wantBlocks  string // JSON, "" for none
	}{
		{
			name:        "notification to the default channel",
			req:         connector.Request{Operation: slack.OpNotification, IdempotencyKey: "script-1", TrackingNumber: "trk-1", Params: map[string]any{"text": "jdoe was added to *engineers*"}},
			wantChannel: "C0ACCESS",
		},
		{
			name:        "notification to a user is a direct message",
			req:         connector.Request{Operation: slack.OpNotification, IdempotencyKey: "script-2", Params: map[string]any{"channel": "U0JDOE", "text": "hello"}},
			wantChannel: "D0JDOE",
		},
		{
			name: "approval with buttons",
			req: connector.Request{Operation: slack.OpApproval, IdempotencyKey: "script-3", TrackingNumber: "trk-3", Params: map[string]any{
				"channel": "U0BOSS", "text": "jdoe asks for *engineers*",
				"approveUrl": "https://af.example/approve?t=a", "denyUrl": "https://af.example/deny?t=d",
			}},
			wantChannel: "D0BOSS",
			wantBlocks: `[
				{"type":"section","text":{"type":"mrkdwn","text":"jdoe asks for *engineers*"}},
				{"type":"actions","block_id":"accessflow_decision","elements":[
					{"type":"button","action_id":"approve","value":"approve","text":{"type":"plain_text","text":"Approve","emoji":false},"url":"https://af.example/approve?t=a","style":"primary"},
					{"type":"button","action_id":"deny","value":"deny","text":{"type":"plain_text","text":"Deny","emoji":false},"url":"https://af.example/deny?t=d","style":"danger"}
				]}
			]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := slackfake.Start(t, token)
			c := slack.New(outbound.NewGuard(s.Loopback))
			var results []connector.Result
			for range 2 {
				res, err := c.Run(t.Context(), provider(s), tt.req)
				require.NoError(t, err)
				results = append(results, res)
			}
			posts := s.Posts()
			require.Len(t, posts, 1, "a retry finds its message and does not post again")
			m := posts[0]
			require.Equal(t, results[0], results[1])
			require.Equal(t, map[string]any{"channel": tt.wantChannel, "ts": m.TS}, results[0].Output)
			require.Equal(t, tt.wantChannel, m.Channel)
			require.Equal(t, tt.req.Params["text"], m.Text)
			wantPayload := map[string]any{"idempotency_key": tt.req.IdempotencyKey}
			if tt.req.TrackingNumber != "" {
				wantPayload["tracking_number"] = tt.req.TrackingNumber
			}
			require.Equal(t, &slackfake.Metadata{EventType: slack.MetadataEventType, EventPayload: wantPayload}, m.Metadata)
			if tt.wantBlocks == "" {
				require.Nil(t, m.Blocks)
			} else {
				require.JSONEq(t, tt.wantBlocks, string(m.Blocks))
			}
		})
	}
}

// TestErrors: Slack's refusals fail permanently, rate limits and server errors are retried.
func TestErrors(t *testing.T) {
	t.Parallel()
	notify := connector.Request{Operation: slack.OpNotification, IdempotencyKey: "k", Params: map[string]any{"text": "hi"}}
	tests := []struct {
		name      string
		prepare   func(s *slackfake.Server, p *connector.Provider)
		req       connector.Request
		guard     *outbound.Guard
		permanent bool
		contains  string
	}{
		{"invalid token", func(_ *slackfake.Server, p *connector.Provider) { p.Credentials[slack.CredentialToken] = "xoxb-wrong" }, notify, nil, true, "invalid_auth"},
		{"unknown channel", nil, connector.Request{Operation: slack.OpNotification, IdempotencyKey: "k", Params: map[string]any{"channel": "#general", "text": "hi"}}, nil, true, "param channel"},
		{"channel_not_found", func(s *slackfake.Server, _ *connector.Provider) {
			s.FailNext("chat.postMessage", http.StatusOK, "channel_not_found")
		}, notify, nil, true, "channel_not_found"},
		{"missing scope", func(s *slackfake.Server, _ *connector.Provider) {
			s.FailNext("conversations.history", http.StatusOK, "missing_scope")
		}, notify, nil, true, "missing_scope"},
		{"rate limited", func(s *slackfake.Server, _ *connector.Provider) {
			s.FailNext("chat.postMessage", http.StatusTooManyRequests, "")
		}, notify, nil, false, "rate limit"},
		{"server error", func(s *slackfake.Server, _ *connector.Provider) {
			s.FailNext("conversations.history", http.StatusServiceUnavailable, "")
		}, notify, nil, false, "503"},
		{"internal_error", func(s *slackfake.Server, _ *connector.Provider) {
			s.FailNext("chat.postMessage", http.StatusOK, "internal_error")
		}, notify, nil, false, "internal_error"},
		{"bad request", func(s *slackfake.Server, _ *connector.Provider) {
			s.FailNext("chat.postMessage", http.StatusBadRequest, "")
		}, notify, nil, true, "400"},
		{"no text", nil, connector.Request{Operation: slack.OpNotification, IdempotencyKey: "k"}, nil, true, "param text is required"},
		{"approval without links", nil, connector.Request{Operation: slack.OpApproval, IdempotencyKey: "k", Params: map[string]any{"text": "x", "approveUrl": "https://a.example"}}, nil, true, "param denyUrl"},
		{"unsupported", nil, connector.Request{Operation: "email_notification"}, nil, true, "not supported"},
		{"loopback refused by the guard", nil, notify, outbound.NewGuard(), true, "is a loopback address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := slackfake.Start(t, token)
			p := provider(s)
			if tt.prepare != nil {
				tt.prepare(s, &p)
			}
			guard := tt.guard
			if guard == nil {
				guard = outbound.NewGuard(s.Loopback)
			}
			_, err := slack.New(guard).Run(t.Context(), p, tt.req)
			require.ErrorContains(t, err, tt.contains)
			require.Equal(t, tt.permanent, connector.IsPermanent(err), "permanent: %v", err)
			require.Empty(t, s.Posts())
		})
	}
}

// TestRetryAfterFailedPost: a post that failed with a retryable error is posted by the retry,
// once.
func TestRetryAfterFailedPost(t *testing.T) {
	t.Parallel()
	s := slackfake.Start(t, token)
	c := slack.New(outbound.NewGuard(s.Loopback))
	req := connector.Request{Operation: slack.OpNotification, IdempotencyKey: "k", Params: map[string]any{"text": "hi"}}
	s.FailNext("chat.postMessage", http.StatusInternalServerError, "")
	_, err := c.Run(t.Context(), provider(s), req)
	require.Error(t, err)
	require.False(t, connector.IsPermanent(err))
	require.Empty(t, s.Posts())
	for range 2 {
		_, err = c.Run(t.Context(), provider(s), req)
		require.NoError(t, err)
	}
	require.Len(t, s.Posts(), 1)
	require.Equal(t, []string{
		"conversations.history", "chat.postMessage", "conversations.history", "chat.postMessage", "conversations.history",
	}, s.Calls())
}

func TestValidateProvider(t *testing.T) {
	t.Parallel()
	valid := func() connector.Provider {
		return connector.Provider{Kind: connector.KindSlack, Endpoint: "https://slack.com/api/", Credentials: map[string]string{slack.CredentialToken: "xoxb-1"}}
	}
	tests := []struct {
		name   string
		change func(p *connector.Provider)
		want   string
	}{
		{"valid", func(*connector.Provider) {}, ""},
		{"no trailing slash, default channel", func(p *connector.Provider) {
			p.Endpoint = "https://slack.com/api"
			p.Settings = map[string]any{slack.SettingDefaultChannel: "C123"}
		}, ""},
		{"not a URL", func(p *connector.Provider) { p.Endpoint = "slack.com" }, "want the Web API base URL"},
		{"ftp", func(p *connector.Provider) { p.Endpoint = "ftp://slack.com/api/" }, "want the Web API base URL"},
		{"no token", func(p *connector.Provider) { p.Credentials = nil }, "credential token is required"},
		{"not a token", func(p *connector.Provider) { p.Credentials[slack.CredentialToken] = "secret" }, "want a Slack token"},
		{"channel name", func(p *connector.Provider) { p.Settings = map[string]any{slack.SettingDefaultChannel: "#general"} }, "not a conversation or user ID"},
		{"channel type", func(p *connector.Provider) { p.Settings = map[string]any{slack.SettingDefaultChannel: 5} }, "want a string"},
	}
	c := slack.New(outbound.NewGuard())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := valid()
			tt.change(&p)
			err := c.ValidateProvider(p)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.want)
		})
	}
	require.Equal(t, connector.KindSlack, c.Kind())
	require.Equal(t, []string{slack.OpNotification, slack.OpApproval}, c.Operations())
}

// The fake refuses what Slack refuses.
func TestFakeChecksRequests(t *testing.T) {
	t.Parallel()
	s := slackfake.Start(t, token)
	post := func(contentType, auth, body string) map[string]any {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+"chat.postMessage", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", contentType)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return out
	}
	form := "application/x-www-form-urlencoded"
	require.Equal(t, "not_authed", post(form, "", "channel=C1X&text=hi")["error"])
	require.Equal(t, "invalid_auth", post(form, "Bearer nope", "channel=C1X&text=hi")["error"])
	require.Equal(t, "channel_not_found", post(form, "Bearer "+token, "channel=general&text=hi")["error"])
	require.Equal(t, "no_text", post(form, "Bearer "+token, "channel=C1X")["error"])
	require.Equal(t, "invalid_blocks", post(form, "Bearer "+token, `channel=C1X&blocks=[{"type":"bogus"}]`)["error"])
	require.Equal(t, "invalid_form_data", post("text/plain", "Bearer "+token, "x")["error"])
	ok := post("application/json", "Bearer "+token, `{"channel":"C1X","text":"hi"}`)
	require.Equal(t, true, ok["ok"])
	require.Equal(t, "C1X", ok["channel"])
	require.Len(t, s.Posts(), 1)
}

// TestEveryOperationRuns: each listed operation is dispatched (here to a refused address).
func TestEveryOperationRuns(t *testing.T) {
	t.Parallel()
	c := slack.New(outbound.NewGuard())
	p := connector.Provider{Endpoint: "http://127.0.0.1:1/api/", Credentials: map[string]string{slack.CredentialToken: "xoxb-1"}}
	for _, op := range c.Operations() {
		_, err := c.Run(t.Context(), p, connector.Request{Operation: op, AccountID: "", IdempotencyKey: "k", Params: map[string]any{"channel": "C123", "text": "t", "approveUrl": "https://a.example", "denyUrl": "https://d.example"}, Attributes: nil})
		require.Error(t, err, op)
		require.NotErrorIs(t, err, connector.ErrUnsupported, op)
	}
}
