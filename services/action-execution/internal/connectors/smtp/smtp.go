// Package smtp is the email connector: email_notification sends a message, email_approval sends
// one with the approve and deny links the flow passes, with github.com/wneessen/go-mail.
//
// The endpoint is smtp://host[:port] (default port 587; STARTTLS per the tls setting) or
// smtps://host[:port] (implicit TLS, default port 465). Provider settings:
//
//	from           the sender address, e.g. "Accessflow <noreply@example.org>" (required)
//	tls            for smtp://: "mandatory" (default: STARTTLS or fail), "opportunistic", "none"
//	caCertificate  PEM certificates to trust (default: the system's)
//	authMechanism  PLAIN (default), LOGIN, CRAM-MD5, SCRAM-SHA-256 or AUTODISCOVER; used when the
//	               credentials have a username (and password)
//	heloName       the name given in HELO/EHLO (default: the from address's domain)
//
// Request params: to (an address or a list; required), cc, subject (required), body (plain text;
// required), html (an HTML alternative); email_approval also approveUrl and denyUrl (required).
//
// The Message-ID is derived from the request's idempotency key, the same on every attempt, so a
// retried send after a lost answer is recognisable as the same message by mail systems and
// recipients; X-Tracking-Number carries the flow's tracking number.
package smtp

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"net/mail"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"go.opentelemetry.io/otel/attribute"

	"github.com/accessflow/accessflow/pkg/outbound"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
)

// Operations the connector implements.
const (
	OpNotification = "email_notification"
	OpApproval     = "email_approval"
)

// Settings and credential names.
const (
	SettingFrom          = "from"
	SettingTLS           = "tls"
	SettingCACertificate = "caCertificate"
	SettingAuthMechanism = "authMechanism"
	SettingHELOName      = "heloName"
	CredentialUsername   = "username"
	CredentialPassword   = "password"
)

// Values of the tls setting.
const (
	TLSMandatory     = "mandatory"
	TLSOpportunistic = "opportunistic"
	TLSNone          = "none"
)

// HeaderTrackingNumber carries the flow's tracking number.
const HeaderTrackingNumber = "X-Tracking-Number"

var authMechanisms = map[string]gomail.SMTPAuthType{
	"PLAIN": gomail.SMTPAuthPlain, "LOGIN": gomail.SMTPAuthLogin, "CRAM-MD5": gomail.SMTPAuthCramMD5,
	"SCRAM-SHA-256": gomail.SMTPAuthSCRAMSHA256, "AUTODISCOVER": gomail.SMTPAuthAutoDiscover,
}

// Connector is the SMTP connector.
type Connector struct {
	guard   *outbound.Guard
	timeout time.Duration
}

var _ connector.Connector = (*Connector)(nil)

// Option configures a Connector.
type Option func(*Connector)

// WithTimeout bounds dialling and each SMTP command (default 15s).
func WithTimeout(d time.Duration) Option { return func(c *Connector) { c.timeout = d } }

// New returns an SMTP connector dialling only what guard allows.
func New(guard *outbound.Guard, opts ...Option) *Connector {
	c := &Connector{guard: guard, timeout: 15 * time.Second}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Kind implements connector.Connector.
func (*Connector) Kind() string { return connector.KindSMTP }

// Operations implements connector.Connector.
func (*Connector) Operations() []string { return []string{OpNotification, OpApproval} }

// ValidateProvider implements connector.Connector.
func (*Connector) ValidateProvider(p connector.Provider) error {
	_, err := parseConfig(p)
	return err
}

type config struct {
	host     string
	port     int
	implicit bool // smtps://
	tls      string
	rootCAs  *x509.CertPool
	from     *mail.Address
	auth     gomail.SMTPAuthType
	username string
	password string
	helo     string
}

func parseConfig(p connector.Provider) (*config, error) {
	var errs []error
	c := &config{tls: TLSMandatory, auth: gomail.SMTPAuthPlain}
	u, err := url.Parse(p.Endpoint)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" || (u.Path != "" && u.Path != "/") {
		errs = append(errs, fmt.Errorf("endpoint %q: want smtp://host[:port] or smtps://host[:port]", p.Endpoint))
	} else {
		c.host, c.implicit, c.port = u.Hostname(), u.Scheme == "smtps", 587
		if c.implicit {
			c.port = 465
		}
		if ps := u.Port(); ps != "" {
			if c.port, err = strconv.Atoi(ps); err != nil || c.port < 1 || c.port > 65535 {
				errs = append(errs, fmt.Errorf("endpoint %q: bad port", p.Endpoint))
			}
		}
	}
	str := func(name string) string {
		switch v := p.Settings[name].(type) {
		case nil:
			return ""
		case string:
			return strings.TrimSpace(v)
		default:
			errs = append(errs, fmt.Errorf("setting %s: want a string, got %T", name, v))
			return ""
		}
	}
	if from := str(SettingFrom); from == "" {
		errs = append(errs, fmt.Errorf("setting %s is required", SettingFrom))
	} else if c.from, err = mail.ParseAddress(from); err != nil {
		errs = append(errs, fmt.Errorf("setting %s: %q is not an address: %w", SettingFrom, from, err))
	}
	if v := str(SettingTLS); v != "" {
		if !slices.Contains([]string{TLSMandatory, TLSOpportunistic, TLSNone}, v) {
			errs = append(errs, fmt.Errorf("setting %s: %q is not one of mandatory, opportunistic, none", SettingTLS, v))
		}
		if c.implicit && v != TLSMandatory {
			errs = append(errs, fmt.Errorf("setting %s: smtps:// is always TLS", SettingTLS))
		}
		c.tls = v
	}
	if pemCerts := str(SettingCACertificate); pemCerts != "" {
		c.rootCAs = x509.NewCertPool()
		if !c.rootCAs.AppendCertsFromPEM([]byte(pemCerts)) {
			errs = append(errs, fmt.Errorf("setting %s: no PEM certificate found", SettingCACertificate))
		}
	}
	if m := str(SettingAuthMechanism); m != "" {
		var ok bool
		if c.auth, ok = authMechanisms[strings.ToUpper(m)]; !ok {
			errs = append(errs, fmt.Errorf("setting %s: %q is not one of PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256, AUTODISCOVER", SettingAuthMechanism, m))
		}
	}
	c.username, c.password = p.Credentials[CredentialUsername], p.Credentials[CredentialPassword]
	if (c.username == "") != (c.password == "") {
		errs = append(errs, fmt.Errorf("credentials %s and %s go together", CredentialUsername, CredentialPassword))
	}
	if c.username != "" && c.tls == TLSNone && !c.implicit {
		errs = append(errs, fmt.Errorf("setting %s: credentials are not sent without TLS", SettingTLS))
	}
	c.helo = str(SettingHELOName)
	if c.helo == "" && c.from != nil {
		c.helo = c.from.Address[strings.LastIndex(c.from.Address, "@")+1:]
	}
	if err := errors.Join(errs...); err != nil {
		return nil, connector.Permanent(err)
	}
	return c, nil
}

// Run implements connector.Connector.
func (c *Connector) Run(ctx context.Context, p connector.Provider, req connector.Request) (connector.Result, error) {
	if req.Operation != OpNotification && req.Operation != OpApproval {
		return connector.Result{}, connector.Permanent(fmt.Errorf("%w: SMTP %q", connector.ErrUnsupported, req.Operation))
	}
	cfg, err := parseConfig(p)
	if err != nil {
		return connector.Result{}, err
	}
	msg, id, err := message(cfg, req)
	if err != nil {
		return connector.Result{}, connector.Permanent(fmt.Errorf("%s: %w", req.Operation, err))
	}
	client, err := gomail.NewClient(cfg.host, c.clientOptions(cfg)...)
	if err != nil {
		return connector.Result{}, connector.Permanent(fmt.Errorf("%s: %w", req.Operation, err))
	}
	// One client span per send (OpenTelemetry has no SMTP conventions; the attributes follow
	// its naming): the Message-ID and the number of recipients, no address or content.
	call := connector.Call{Name: "SMTP send", Host: cfg.host, Port: cfg.port, Attributes: []attribute.KeyValue{
		attribute.String("smtp.operation", req.Operation),
		attribute.String("smtp.message_id", id),
		attribute.Int("smtp.recipients", len(msg.GetToString())+len(msg.GetCcString())),
	}}
	if err := connector.Traced(ctx, call, func(ctx context.Context) error { return client.DialAndSendWithContext(ctx, msg) }); err != nil {
		return connector.Result{}, fmt.Errorf("%s via %s:%d: %w", req.Operation, cfg.host, cfg.port, classify(err))
	}
	return connector.Result{Output: map[string]any{"messageId": id}}, nil
}

func (c *Connector) clientOptions(cfg *config) []gomail.Option {
	tlsConfig := &tls.Config{ServerName: cfg.host, RootCAs: cfg.rootCAs, MinVersion: tls.VersionTLS12}
	dial := c.guard.Dialer(c.timeout).DialContext
	if cfg.implicit {
		// go-mail leaves TLS to a custom dialer, so smtps:// does its handshake here.
		dial = (&tls.Dialer{NetDialer: c.guard.Dialer(c.timeout), Config: tlsConfig}).DialContext
	}
	opts := []gomail.Option{
		gomail.WithPort(cfg.port),
		gomail.WithTimeout(c.timeout),
		gomail.WithHELO(cfg.helo),
		gomail.WithTLSConfig(tlsConfig),
		gomail.WithDialContextFunc(dial),
	}
	switch {
	case cfg.implicit:
		opts = append(opts, gomail.WithSSL())
	case cfg.tls == TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case cfg.tls == TLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if cfg.username != "" {
		opts = append(opts, gomail.WithSMTPAuth(cfg.auth), gomail.WithUsername(cfg.username), gomail.WithPassword(cfg.password))
	}
	return opts
}

// MessageID is the Message-ID (without angle brackets) of the mail sent for an idempotency key
// from an address's domain: the same on every attempt.
func MessageID(idempotencyKey, fromDomain string) string {
	sum := sha256.Sum256([]byte(idempotencyKey))
	return "accessflow." + hex.EncodeToString(sum[:16]) + "@" + fromDomain
}

// message builds the mail from the request's params.
func message(cfg *config, req connector.Request) (*gomail.Msg, string, error) {
	if req.IdempotencyKey == "" {
		return nil, "", errors.New("no idempotency key to derive the Message-ID from")
	}
	to, err := addresses(req.Params, "to", true)
	if err != nil {
		return nil, "", err
	}
	cc, err := addresses(req.Params, "cc", false)
	if err != nil {
		return nil, "", err
	}
	subject, body, htmlBody := param(req.Params, "subject"), param(req.Params, "body"), param(req.Params, "html")
	if subject == "" || body == "" {
		return nil, "", errors.New("params subject and body are required")
	}
	if req.Operation == OpApproval {
		approve, deny := param(req.Params, "approveUrl"), param(req.Params, "denyUrl")
		for name, link := range map[string]string{"approveUrl": approve, "denyUrl": deny} {
			if u, err := url.Parse(link); link == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return nil, "", fmt.Errorf("param %s: want an http(s) URL, got %q", name, link)
			}
		}
		body += "\n\nApprove: " + approve + "\nDeny: " + deny + "\n"
		if htmlBody != "" {
			htmlBody += `<p><a href="` + html.EscapeString(approve) + `">Approve</a> &nbsp; <a href="` +
				html.EscapeString(deny) + `">Deny</a></p>`
		}
	}

	m := gomail.NewMsg()
	m.FromMailAddress(cfg.from)
	m.ToMailAddress(to...)
	if len(cc) > 0 {
		m.CcMailAddress(cc...)
	}
	m.Subject(subject)
	id := MessageID(req.IdempotencyKey, cfg.from.Address[strings.LastIndex(cfg.from.Address, "@")+1:])
	m.SetMessageIDWithValue(id)
	m.SetDate()
	if req.TrackingNumber != "" {
		m.SetGenHeader(HeaderTrackingNumber, req.TrackingNumber)
	}
	m.SetBodyString(gomail.TypeTextPlain, body)
	if htmlBody != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, htmlBody)
	}
	return m, "<" + id + ">", nil
}

func param(params map[string]any, name string) string {
	s, _ := params[name].(string)
	return strings.TrimSpace(s)
}

// addresses reads an address or a list of addresses (strings, or one comma-separated string).
func addresses(params map[string]any, name string, required bool) ([]*mail.Address, error) {
	var raw []string
	switch v := params[name].(type) {
	case nil:
	case string:
		raw = []string{v}
	case []string:
		raw = v
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("param %s: want addresses, got %T", name, e)
			}
			raw = append(raw, s)
		}
	default:
		return nil, fmt.Errorf("param %s: want an address or a list, got %T", name, v)
	}
	var out []*mail.Address
	for _, r := range raw {
		if strings.TrimSpace(r) == "" {
			continue
		}
		list, err := mail.ParseAddressList(r)
		if err != nil {
			return nil, fmt.Errorf("param %s: %q: %w", name, r, err)
		}
		out = append(out, list...)
	}
	if required && len(out) == 0 {
		return nil, fmt.Errorf("param %s is required", name)
	}
	return out, nil
}

// classify marks err permanent when the server refused for good (a 5xx reply, as to bad
// credentials or a refused recipient), the guard refused the address or the certificate is not
// trusted; a 4xx reply, a failed connection or a timeout may pass.
func classify(err error) error {
	var sendErr *gomail.SendError
	var reply *textproto.Error
	switch {
	case errors.Is(err, outbound.ErrForbiddenAddress), isCertificateError(err):
		return connector.Permanent(err)
	case errors.As(err, &sendErr):
		if code := sendErr.ErrorCode(); !sendErr.IsTemp() && code >= 500 && code < 600 {
			return connector.Permanent(err)
		}
		return err
	case errors.As(err, &reply) && reply.Code >= 500 && reply.Code < 600:
		return connector.Permanent(err)
	default:
		return err
	}
}

func isCertificateError(err error) bool {
	var verify *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &hostname)
}
