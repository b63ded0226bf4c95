// Package rest is the generic REST connector: {provider}_api_<endpoint> and
// {provider}_webhook_<endpoint> scripts call the endpoints a provider's settings define —
// method, URL template, headers, body template, expected statuses and response mapping — with
// basic, bearer or OAuth2 client-credentials auth, through the outbound guard. Every request
// carries the script's Idempotency-Key and the flow's X-Tracking-Number, so a target that
// honours the key never acts twice for a retried script.
//
// Settings:
//
//	{
//	  "auth": {"type": "none|basic|bearer|oauth2", "username": "…", "tokenUrl": "…", "clientId": "…", "scopes": ["…"]},
//	  "headers": {"Accept": "application/json"},
//	  "endpoints": {
//	    "create_user": {"method": "POST", "path": "/users", "body": "{\"name\": {{json .Attributes.userName}}}",
//	                    "expectedStatuses": [201], "output": {"userId": "id"}, "accountId": "{{.Response.id}}"},
//	    "notify":      {"kind": "webhook", "method": "POST", "path": "/hooks/{{.Params.channel}}", "body": "…"}
//	  }
//	}
//
// Credentials: "password" (basic), "token" (bearer), "clientSecret" (oauth2). Templates are
// Go text/template over .Params (the script's rendered metadata), .Attributes (the policy's
// computed attributes), .AccountID, .TrackingNumber, .IdempotencyKey and, for accountId,
// .Response (the decoded JSON answer); a missing key is an error.
package rest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"text/template"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/accessflow/accessflow/pkg/outbound"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/script"
)

// maxResponseBytes caps how much of an answer is read.
const maxResponseBytes = 1 << 20

// Auth types.
const (
	AuthNone   = "none"
	AuthBasic  = "basic"
	AuthBearer = "bearer"
	AuthOAuth2 = "oauth2"
)

// Endpoint kinds.
const (
	KindAPI     = "api"
	KindWebhook = "webhook"
)

// Connector is the REST connector.
type Connector struct {
	client  *http.Client
	timeout time.Duration

	mu     sync.Mutex
	tokens map[string]oauth2.TokenSource
}

// Option configures a Connector.
type Option func(*Connector)

// WithTimeout bounds each request (default 10s).
func WithTimeout(d time.Duration) Option { return func(c *Connector) { c.timeout = d } }

// New returns a REST connector whose requests go through guard.
func New(guard *outbound.Guard, opts ...Option) *Connector {
	c := &Connector{timeout: 10 * time.Second, tokens: map[string]oauth2.TokenSource{}}
	for _, opt := range opts {
		opt(c)
	}
	if guard == nil {
		guard = outbound.NewGuard()
	}
	c.client = outbound.NewClient(guard, c.timeout)
	return c
}

var _ connector.ProviderOperations = (*Connector)(nil)

// Kind is connector.KindREST.
func (*Connector) Kind() string { return connector.KindREST }

// Operations is empty: a REST provider supports the endpoints its settings define
// (ProviderOperations).
func (*Connector) Operations() []string { return nil }

// ProviderOperations lists the operations p's endpoints provide: an api endpoint named like
// a seed operation (create_user…) under that name, any other as api_<name>; a webhook
// endpoint as webhook_<name>.
func (*Connector) ProviderOperations(p connector.Provider) []string {
	s, err := decodeSettings(p.Settings)
	if err != nil {
		return nil
	}
	var out []string
	for name, ep := range s.Endpoints {
		out = append(out, operationOf(name, ep))
	}
	slices.Sort(out)
	return out
}

func operationOf(name string, ep *endpoint) string {
	switch {
	case ep.Kind == KindWebhook:
		return "webhook_" + name
	case isAccountOp(name):
		return name
	default:
		return "api_" + name
	}
}

func isAccountOp(name string) bool {
	t, err := script.Parse("x_api_"+name, "")
	return err == nil && t.Operation == name
}

type settings struct {
	Auth      authSettings         `json:"auth"`
	Headers   map[string]string    `json:"headers"`
	Endpoints map[string]*endpoint `json:"endpoints"`
}

type authSettings struct {
	Type     string   `json:"type"`
	Username string   `json:"username"`
	TokenURL string   `json:"tokenUrl"`
	ClientID string   `json:"clientId"`
	Scopes   []string `json:"scopes"`
}

type endpoint struct {
	Kind             string            `json:"kind"`
	Method           string            `json:"method"`
	Path             string            `json:"path"`
	Headers          map[string]string `json:"headers"`
	Body             string            `json:"body"`
	ExpectedStatuses []int             `json:"expectedStatuses"`
	// Output maps output names to dotted paths in the JSON answer ("data.id").
	Output map[string]string `json:"output"`
	// AccountID is a template giving the account touched (e.g. "{{.Response.id}}").
	AccountID string `json:"accountId"`
	// AccountOperation overrides what the operation reports doing to the account.
	AccountOperation string `json:"accountOperation"`
}

func decodeSettings(raw map[string]any) (settings, error) {
	var s settings
	b, err := json.Marshal(raw)
	if err != nil {
		return s, fmt.Errorf("settings: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("settings: %w", err)
	}
	if s.Auth.Type == "" {
		s.Auth.Type = AuthNone
	}
	for name, ep := range s.Endpoints {
		if ep == nil {
			return s, fmt.Errorf("settings.endpoints.%s: want an object", name)
		}
		if ep.Kind == "" {
			ep.Kind = KindAPI
		}
		if ep.Method == "" {
			ep.Method = http.MethodPost
		}
		ep.Method = strings.ToUpper(ep.Method)
	}
	return s, nil
}

// ValidateProvider checks the endpoint URL, the auth settings and credentials, and every
// endpoint's method, statuses and templates.
func (*Connector) ValidateProvider(p connector.Provider) error {
	u, err := url.Parse(p.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return connector.Permanent(fmt.Errorf("endpoint %q: want an http(s) base URL", p.Endpoint))
	}
	s, err := decodeSettings(p.Settings)
	if err != nil {
		return err
	}
	var errs []error
	switch s.Auth.Type {
	case AuthNone:
	case AuthBasic:
		if s.Auth.Username == "" || p.Credentials["password"] == "" {
			errs = append(errs, errors.New("settings.auth: basic auth needs a username and the password credential"))
		}
	case AuthBearer:
		if p.Credentials["token"] == "" {
			errs = append(errs, errors.New("settings.auth: bearer auth needs the token credential"))
		}
	case AuthOAuth2:
		tu, err := url.Parse(s.Auth.TokenURL)
		if err != nil || (tu.Scheme != "http" && tu.Scheme != "https") {
			errs = append(errs, errors.New("settings.auth.tokenUrl: want an http(s) URL"))
		}
		if s.Auth.ClientID == "" || p.Credentials["clientSecret"] == "" {
			errs = append(errs, errors.New("settings.auth: oauth2 needs a clientId and the clientSecret credential"))
		}
	default:
		errs = append(errs, fmt.Errorf("settings.auth.type %q: want none, basic, bearer or oauth2", s.Auth.Type))
	}
	if len(s.Endpoints) == 0 {
		errs = append(errs, errors.New("settings.endpoints: define at least one endpoint"))
	}
	for name, ep := range s.Endpoints {
		errs = append(errs, checkEndpoint(name, ep))
	}
	return errors.Join(errs...)
}

func checkEndpoint(name string, ep *endpoint) error {
	var errs []error
	at := "settings.endpoints." + name
	if name == "" || strings.ContainsAny(name, " /") {
		errs = append(errs, fmt.Errorf("%s: endpoint names are letters, digits and underscores", at))
	}
	if ep.Kind != KindAPI && ep.Kind != KindWebhook {
		errs = append(errs, fmt.Errorf("%s.kind %q: want api or webhook", at, ep.Kind))
	}
	switch ep.Method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		errs = append(errs, fmt.Errorf("%s.method %q: want GET, POST, PUT, PATCH or DELETE", at, ep.Method))
	}
	for _, st := range ep.ExpectedStatuses {
		if st < 100 || st > 599 {
			errs = append(errs, fmt.Errorf("%s.expectedStatuses: %d is not an HTTP status", at, st))
		}
	}
	for field, text := range map[string]string{"path": ep.Path, "body": ep.Body, "accountId": ep.AccountID} {
		if _, err := parse(text); err != nil {
			errs = append(errs, fmt.Errorf("%s.%s: %w", at, field, err))
		}
	}
	for h, text := range ep.Headers {
		if _, err := parse(text); err != nil {
			errs = append(errs, fmt.Errorf("%s.headers.%s: %w", at, h, err))
		}
	}
	return errors.Join(errs...)
}

func parse(text string) (*template.Template, error) {
	return template.New("").Option("missingkey=error").Funcs(script.Funcs()).Parse(text)
}

type data struct {
	Params         map[string]any
	Attributes     map[string]any
	AccountID      string
	TrackingNumber string
	IdempotencyKey string
	Response       any
}

func render(text string, d data) (string, error) {
	t, err := parse(text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Run calls the endpoint req.Operation names.
func (c *Connector) Run(ctx context.Context, p connector.Provider, req connector.Request) (connector.Result, error) {
	s, err := decodeSettings(p.Settings)
	if err != nil {
		return connector.Result{}, connector.Permanent(err)
	}
	name, ep, ok := find(s, req.Operation)
	if !ok {
		return connector.Result{}, connector.Permanent(fmt.Errorf("provider %q has no endpoint for %q: %w", p.Key, req.Operation, connector.ErrUnsupported))
	}
	d := data{Params: orEmpty(req.Params), Attributes: orEmpty(req.Attributes), AccountID: req.AccountID, TrackingNumber: req.TrackingNumber, IdempotencyKey: req.IdempotencyKey}
	httpReq, err := c.build(ctx, p, s, name, ep, d)
	if err != nil {
		return connector.Result{}, err
	}
	client, err := c.clientFor(p, s)
	if err != nil {
		return connector.Result{}, err
	}
	resp, err := client.Do(httpReq)
	if err != nil {
		return connector.Result{}, fmt.Errorf("%s %s: %w", ep.Method, name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return connector.Result{}, fmt.Errorf("%s %s: read answer: %w", ep.Method, name, err)
	}
	if !expected(ep, resp.StatusCode) {
		err := fmt.Errorf("%s %s answered %d: %s", ep.Method, name, resp.StatusCode, snippet(body))
		if retryable(resp.StatusCode) {
			return connector.Result{}, err
		}
		return connector.Result{}, connector.Permanent(err)
	}
	return result(name, ep, req, resp.StatusCode, body, d)
}

func (c *Connector) build(ctx context.Context, p connector.Provider, s settings, name string, ep *endpoint, d data) (*http.Request, error) {
	path, err := render(ep.Path, d)
	if err != nil {
		return nil, connector.Permanent(fmt.Errorf("endpoint %s path: %w", name, err))
	}
	target := strings.TrimSuffix(p.Endpoint, "/") + path
	if _, err := url.Parse(target); err != nil {
		return nil, connector.Permanent(fmt.Errorf("endpoint %s: URL %q: %w", name, target, err))
	}
	var body io.Reader
	if ep.Body != "" {
		b, err := render(ep.Body, d)
		if err != nil {
			return nil, connector.Permanent(fmt.Errorf("endpoint %s body: %w", name, err))
		}
		body = strings.NewReader(b)
	}
	httpReq, err := http.NewRequestWithContext(ctx, ep.Method, target, body)
	if err != nil {
		return nil, connector.Permanent(fmt.Errorf("endpoint %s: %w", name, err))
	}
	if body != nil {
		httpReq.Header.Set("Content-Type", "application/json")
	}
	httpReq.Header.Set("Accept", "application/json")
	for h, v := range s.Headers {
		httpReq.Header.Set(h, v)
	}
	for h, text := range ep.Headers {
		v, err := render(text, d)
		if err != nil {
			return nil, connector.Permanent(fmt.Errorf("endpoint %s header %s: %w", name, h, err))
		}
		httpReq.Header.Set(h, v)
	}
	if d.IdempotencyKey != "" {
		httpReq.Header.Set("Idempotency-Key", d.IdempotencyKey)
	}
	if d.TrackingNumber != "" {
		httpReq.Header.Set("X-Tracking-Number", d.TrackingNumber)
	}
	switch s.Auth.Type {
	case AuthBasic:
		httpReq.SetBasicAuth(s.Auth.Username, p.Credentials["password"])
	case AuthBearer:
		httpReq.Header.Set("Authorization", "Bearer "+p.Credentials["token"])
	}
	return httpReq, nil
}

// clientFor returns the plain guarded client, or one that adds an OAuth2 client-credentials
// token (fetched through the same guard and reused until it expires).
func (c *Connector) clientFor(p connector.Provider, s settings) (*http.Client, error) {
	if s.Auth.Type != AuthOAuth2 {
		return c.client, nil
	}
	secret := p.Credentials["clientSecret"]
	h := sha256.Sum256([]byte(p.Key + "\x00" + s.Auth.TokenURL + "\x00" + s.Auth.ClientID + "\x00" + secret + "\x00" + strings.Join(s.Auth.Scopes, " ")))
	key := hex.EncodeToString(h[:])
	c.mu.Lock()
	ts, ok := c.tokens[key]
	if !ok {
		cfg := clientcredentials.Config{ClientID: s.Auth.ClientID, ClientSecret: secret, TokenURL: s.Auth.TokenURL, Scopes: s.Auth.Scopes}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, c.client)
		ts = cfg.TokenSource(ctx)
		c.tokens[key] = ts
	}
	c.mu.Unlock()
	return &http.Client{
		Transport:     &oauth2.Transport{Source: ts, Base: c.client.Transport},
		Timeout:       c.client.Timeout,
		CheckRedirect: c.client.CheckRedirect,
	}, nil
}

func find(s settings, op string) (string, *endpoint, bool) {
	for name, ep := range s.Endpoints {
		if operationOf(name, ep) == op {
			return name, ep, true
		}
	}
	return "", nil, false
}

func expected(ep *endpoint, status int) bool {
	if len(ep.ExpectedStatuses) == 0 {
		return status >= 200 && status < 300
	}
	return slices.Contains(ep.ExpectedStatuses, status)
}

// retryable: the target is overloaded or failing, not refusing the request.
func retryable(status int) bool {
	return status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests
}

func result(name string, ep *endpoint, req connector.Request, status int, body []byte, d data) (connector.Result, error) {
	var decoded any
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &decoded); err != nil && (len(ep.Output) > 0 || ep.AccountID != "") {
			return connector.Result{}, connector.Permanent(fmt.Errorf("endpoint %s: answer is not JSON: %w", name, err))
		}
	}
	out := map[string]any{"status": status}
	for field, path := range ep.Output {
		v, ok := lookup(decoded, path)
		if !ok {
			return connector.Result{}, connector.Permanent(fmt.Errorf("endpoint %s: output %s: the answer has no %q", name, field, path))
		}
		out[field] = v
	}
	res := connector.Result{Output: out}
	if isAccountOp(req.Operation) {
		res.AccountID = req.AccountID // the account an earlier script made, unless the answer names one
	}
	if ep.AccountID != "" {
		d.Response = decoded
		id, err := render(ep.AccountID, d)
		if err != nil {
			return connector.Result{}, connector.Permanent(fmt.Errorf("endpoint %s accountId: %w", name, err))
		}
		res.AccountID = id
	}
	if res.AccountID != "" {
		out["accountId"] = res.AccountID
	}
	if ep.AccountOperation != "" {
		res.AccountOperation = ep.AccountOperation
	} else if t, err := script.Parse("x_api_"+req.Operation, ""); err == nil {
		res.AccountOperation = t.AccountOperation
	}
	for k, v := range req.Attributes {
		res.AttributeRequests = append(res.AttributeRequests, connector.AttributeRequest{Name: k, Value: v, Operation: connector.AttributeSet})
	}
	slices.SortFunc(res.AttributeRequests, func(a, b connector.AttributeRequest) int { return strings.Compare(a.Name, b.Name) })
	return res, nil
}

// lookup follows a dotted path ("data.id", "items.0.name") into a decoded JSON value.
func lookup(v any, path string) (any, bool) {
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[part]; !ok {
				return nil, false
			}
		case []any:
			var i int
			if _, err := fmt.Sscanf(part, "%d", &i); err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func snippet(b []byte) string {
	const limit = 512
	s := strings.TrimSpace(string(b))
	if len(s) > limit {
		s = s[:limit] + "…"
	}
	return s
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
