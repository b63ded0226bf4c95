package smtp_test

import (
	"context"
	"mime"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/accessflow/accessflow/internal/testserver/smtpserver"
	"github.com/accessflow/accessflow/pkg/outbound"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/connectors/smtp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	user     = "mailer"
	password = "mailer-secret"
)

func provider(s *smtpserver.Server) connector.Provider {
	return connector.Provider{
		Key: "mail", Kind: connector.KindSMTP, Endpoint: s.URL,
		Settings: map[string]any{
			smtp.SettingFrom:          "Accessflow <noreply@accessflow.example>",
			smtp.SettingCACertificate: string(s.CACertPEM),
		},
		Credentials: map[string]string{smtp.CredentialUsername: user, smtp.CredentialPassword: password},
	}
}

// TestSend delivers each kind of message to a real SMTP server (STARTTLS, AUTH PLAIN) and
// checks what arrived; a retry with the same idempotency key carries the same Message-ID.
func TestSend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		req      connector.Request
		to       []string
		cc       string
		text     []string // substrings of the text part
		html     []string // substrings of the HTML part; nil for none
		noHeader string
	}{
		{
			name: "notification",
			req: connector.Request{Operation: smtp.OpNotification, IdempotencyKey: "script-1", TrackingNumber: "trk-1", Params: map[string]any{
				"to": "jdoe@example.org", "subject": "Your account is ready", "body": "Hello John,\nyour account jdoe was created.",
			}},
			to:   []string{"jdoe@example.org"},
			text: []string{"Hello John,", "your account jdoe was created."},
		},
		{
			name: "notification to a list with cc and html",
			req: connector.Request{Operation: smtp.OpNotification, IdempotencyKey: "script-2", TrackingNumber: "trk-2", Params: map[string]any{
				"to": []any{"a@example.org", "B <b@example.org>"}, "cc": "boss@example.org", "subject": "Grüße", "body": "plain", "html": "<p>rich</p>",
			}},
			to: []string{"a@example.org", "b@example.org", "boss@example.org"}, cc: "<boss@example.org>",
			text: []string{"plain"}, html: []string{"<p>rich</p>"},
		},
		{
			name: "approval with links",
			req: connector.Request{Operation: smtp.OpApproval, IdempotencyKey: "script-3", Params: map[string]any{
				"to": "manager@example.org", "subject": "Approve access", "body": "jdoe asks for engineers.", "html": "<p>jdoe asks.</p>",
				"approveUrl": "https://af.example/approve?t=a&x=1", "denyUrl": "https://af.example/deny?t=d",
			}},
			to:       []string{"manager@example.org"},
			text:     []string{"jdoe asks for engineers.", "Approve: https://af.example/approve?t=a&x=1", "Deny: https://af.example/deny?t=d"},
			html:     []string{`<a href="https://af.example/approve?t=a&amp;x=1">Approve</a>`, `<a href="https://af.example/deny?t=d">Deny</a>`},
			noHeader: smtp.HeaderTrackingNumber,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := smtpserver.Start(t, smtpserver.WithAuth(user, password))
			c := smtp.New(outbound.NewGuard(s.Loopback))
			p := provider(s)
			wantID := "<" + smtp.MessageID(tt.req.IdempotencyKey, "accessflow.example") + ">"
			for range 2 {
				res, err := c.Run(t.Context(), p, tt.req)
				require.NoError(t, err)
				require.Equal(t, map[string]any{"messageId": wantID}, res.Output)
				require.Empty(t, res.AccountID)
			}
			msgs := s.WaitFor(t, 2)
			require.Len(t, msgs, 2)
			require.Equal(t, msgs[0].Header.Get("Message-Id"), msgs[1].Header.Get("Message-Id"), "a retry is recognisable as the same message")
			m := msgs[0]
			require.True(t, m.TLS, "STARTTLS was used")
			require.Equal(t, user, m.User)
			require.Equal(t, "noreply@accessflow.example", m.From)
			require.Equal(t, tt.to, m.To)
			require.Equal(t, wantID, m.Header.Get("Message-Id"))
			require.Equal(t, `"Accessflow" <noreply@accessflow.example>`, m.Header.Get("From"))
			subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
			require.NoError(t, err)
			require.Equal(t, tt.req.Params["subject"], subject)
			require.Equal(t, tt.cc, m.Header.Get("Cc"))
			require.NotEmpty(t, m.Header.Get("Date"))
			if tt.noHeader != "" {
				require.Empty(t, m.Header.Get(tt.noHeader))
			} else {
				require.Equal(t, tt.req.TrackingNumber, m.Header.Get(smtp.HeaderTrackingNumber))
			}
			parts, err := m.Parts()
			require.NoError(t, err)
			for _, want := range tt.text {
				require.Contains(t, parts["text/plain"], want)
			}
			if tt.html == nil {
				require.NotContains(t, parts, "text/html")
			}
			for _, want := range tt.html {
				require.Contains(t, parts["text/html"], want)
			}
		})
	}
}

// TestImplicitTLS sends over smtps:// (TLS from the first byte).
func TestImplicitTLS(t *testing.T) {
	t.Parallel()
	s := smtpserver.Start(t, smtpserver.WithAuth(user, password), smtpserver.WithImplicitTLS())
	require.True(t, strings.HasPrefix(s.URL, "smtps://"))
	_, err := smtp.New(outbound.NewGuard(s.Loopback)).Run(t.Context(), provider(s), connector.Request{
		Operation: smtp.OpNotification, IdempotencyKey: "k", Params: map[string]any{"to": "a@example.org", "subject": "s", "body": "b"},
	})
	require.NoError(t, err)
	m := s.WaitFor(t, 1)[0]
	require.True(t, m.TLS)
	require.Equal(t, user, m.User)
}

func TestDistinctKeysDistinctMessageIDs(t *testing.T) {
	t.Parallel()
	require.NotEqual(t, smtp.MessageID("a", "x.example"), smtp.MessageID("b", "x.example"))
	first := smtp.MessageID("a", "x.example")
	require.Equal(t, first, smtp.MessageID("a", "x.example"))
	require.True(t, strings.HasSuffix(smtp.MessageID("a", "x.example"), "@x.example"))
}

// TestErrors: refusals fail permanently, passing trouble is retried, and nothing is sent.
func TestErrors(t *testing.T) {
	t.Parallel()
	s := smtpserver.Start(t, smtpserver.WithAuth(user, password))
	s.RejectRecipient("gone@example.org", 550)
	s.RejectRecipient("busy@example.org", 451)
	c := smtp.New(outbound.NewGuard(s.Loopback))

	closed, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedURL := "smtp://" + closed.Addr().String()
	require.NoError(t, closed.Close())

	send := func(to string) connector.Request {
		return connector.Request{Operation: smtp.OpNotification, IdempotencyKey: "k", Params: map[string]any{"to": to, "subject": "s", "body": "b"}}
	}
	with := func(change func(p *connector.Provider)) connector.Provider {
		p := provider(s)
		change(&p)
		return p
	}
	tests := []struct {
		name      string
		c         *smtp.Connector
		p         connector.Provider
		req       connector.Request
		permanent bool
		contains  string
	}{
		{"recipient refused (550)", c, provider(s), send("gone@example.org"), true, "550"},
		{"recipient deferred (451)", c, provider(s), send("busy@example.org"), false, "451"},
		{"wrong password", c, with(func(p *connector.Provider) { p.Credentials[smtp.CredentialPassword] = "wrong" }), send("a@example.org"), true, "535"},
		{"untrusted certificate", c, with(func(p *connector.Provider) { delete(p.Settings, smtp.SettingCACertificate) }), send("a@example.org"), true, "certificate"},
		{"connection refused", c, with(func(p *connector.Provider) { p.Endpoint = closedURL }), send("a@example.org"), false, "refused"},
		{"loopback refused by the guard", smtp.New(outbound.NewGuard()), provider(s), send("a@example.org"), true, "is a loopback address"},
		{"no recipient", c, provider(s), send(""), true, "param to is required"},
		{"bad recipient", c, provider(s), send("not an address"), true, "param to"},
		{"no idempotency key", c, provider(s), connector.Request{Operation: smtp.OpNotification, Params: map[string]any{"to": "a@example.org", "subject": "s", "body": "b"}}, true, "idempotency key"},
		{"approval without links", c, provider(s), connector.Request{Operation: smtp.OpApproval, IdempotencyKey: "k", Params: map[string]any{"to": "a@example.org", "subject": "s", "body": "b", "approveUrl": "javascript:x"}}, true, "want an http(s) URL"},
		{"unsupported", c, provider(s), connector.Request{Operation: "slack_notification"}, true, "not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.c.Run(t.Context(), tt.p, tt.req)
			require.ErrorContains(t, err, tt.contains)
			require.Equal(t, tt.permanent, connector.IsPermanent(err), "permanent: %v", err)
		})
	}
	require.Empty(t, s.Messages(), "nothing was delivered")
}

func TestValidateProvider(t *testing.T) {
	t.Parallel()
	valid := func() connector.Provider {
		return connector.Provider{
			Kind: connector.KindSMTP, Endpoint: "smtp://mail.example.org",
			Settings:    map[string]any{smtp.SettingFrom: "noreply@example.org"},
			Credentials: map[string]string{smtp.CredentialUsername: "u", smtp.CredentialPassword: "p"},
		}
	}
	tests := []struct {
		name   string
		change func(p *connector.Provider)
		want   string
	}{
		{"valid", func(*connector.Provider) {}, ""},
		{"smtps without credentials", func(p *connector.Provider) {
			p.Endpoint = "smtps://mail.example.org:4650"
			p.Credentials = nil
			p.Settings[smtp.SettingAuthMechanism] = "login"
		}, ""},
		{"http endpoint", func(p *connector.Provider) { p.Endpoint = "http://mail.example.org" }, "want smtp://"},
		{"bad port", func(p *connector.Provider) { p.Endpoint = "smtp://mail.example.org:99999" }, "bad port"},
		{"no from", func(p *connector.Provider) { delete(p.Settings, smtp.SettingFrom) }, "setting from is required"},
		{"bad from", func(p *connector.Provider) { p.Settings[smtp.SettingFrom] = "nobody" }, "is not an address"},
		{"bad tls", func(p *connector.Provider) { p.Settings[smtp.SettingTLS] = "maybe" }, "is not one of mandatory"},
		{"credentials in clear", func(p *connector.Provider) { p.Settings[smtp.SettingTLS] = smtp.TLSNone }, "not sent without TLS"},
		{"half credentials", func(p *connector.Provider) { delete(p.Credentials, smtp.CredentialPassword) }, "go together"},
		{"bad mechanism", func(p *connector.Provider) { p.Settings[smtp.SettingAuthMechanism] = "NTLM" }, "setting authMechanism"},
		{"bad CA", func(p *connector.Provider) { p.Settings[smtp.SettingCACertificate] = "junk" }, "no PEM certificate"},
		{"wrong type", func(p *connector.Provider) { p.Settings[smtp.SettingFrom] = 7 }, "want a string"},
	}
	c := smtp.New(outbound.NewGuard())
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
			require.True(t, connector.IsPermanent(err))
		})
	}
	require.Equal(t, []string{smtp.OpNotification, smtp.OpApproval}, c.Operations())
	require.Equal(t, connector.KindSMTP, c.Kind())
}

// TestEveryOperationRuns: each listed operation is dispatched (here to a refused address).
func TestEveryOperationRuns(t *testing.T) {
	t.Parallel()
	c := smtp.New(outbound.NewGuard())
	p := connector.Provider{Endpoint: "smtp://127.0.0.1:1", Settings: map[string]any{smtp.SettingFrom: "a@example.org"}}
	for _, op := range c.Operations() {
		_, err := c.Run(t.Context(), p, connector.Request{Operation: op, AccountID: "", IdempotencyKey: "k", Params: map[string]any{"to": "b@example.org", "subject": "s", "body": "b", "approveUrl": "https://a.example", "denyUrl": "https://d.example"}, Attributes: nil})
		require.Error(t, err, op)
		require.NotErrorIs(t, err, connector.ErrUnsupported, op)
	}
}
