package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// ErrInvalidToken reports a token that is malformed, badly signed, expired, or for someone else.
var ErrInvalidToken = errors.New("invalid token")

// Verifier checks bearer tokens.
type Verifier interface {
	Verify(ctx context.Context, raw string) (*Claims, error)
}

// LocalVerifier checks Accessflow-issued tokens against known public keys.
type LocalVerifier struct {
	keys     jose.JSONWebKeySet
	issuer   string
	audience string
	now      func() time.Time
}

// NewLocalVerifier returns a verifier trusting keys for tokens of issuer and audience.
func NewLocalVerifier(keys jose.JSONWebKeySet, issuer, audience string) *LocalVerifier {
	return &LocalVerifier{keys: keys, issuer: issuer, audience: audience, now: time.Now}
}

// Verify checks the signature, issuer, audience and lifetime of raw.
func (v *LocalVerifier) Verify(_ context.Context, raw string) (*Claims, error) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if len(tok.Headers) != 1 {
		return nil, fmt.Errorf("%w: want one signature", ErrInvalidToken)
	}
	keys := v.keys.Key(tok.Headers[0].KeyID)
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: unknown signing key", ErrInvalidToken)
	}
	var c tokenClaims
	if err := tok.Claims(keys[0].Key, &c); err != nil {
		return nil, fmt.Errorf("%w: bad signature", ErrInvalidToken)
	}
	if err := c.ValidateWithLeeway(jwt.Expected{Issuer: v.issuer, AnyAudience: jwt.Audience{v.audience}, Time: v.now()}, 30*time.Second); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if c.Expiry == nil {
		return nil, fmt.Errorf("%w: no expiry", ErrInvalidToken)
	}
	return &Claims{
		Subject: c.Subject, ClientID: c.ClientID, Scopes: ParseScopes(c.Scope),
		UserLevels: c.UserLevels, Expiry: c.Expiry.Time(),
	}, nil
}

// OIDCVerifier checks tokens of an external OIDC issuer (production deployments behind a
// company IdP): discovery, JWKS with key rotation, issuer, audience and expiry via go-oidc.
type OIDCVerifier struct {
	v *oidc.IDTokenVerifier
}

// NewOIDCVerifier discovers issuerURL and verifies tokens for audience.
func NewOIDCVerifier(ctx context.Context, issuerURL, audience string) (*OIDCVerifier, error) {
	p, err := oidc.NewProvider(ctx, issuerURL)
	if err != nil {
		return nil, fmt.Errorf("auth: discover %s: %w", issuerURL, err)
	}
	return &OIDCVerifier{v: p.Verifier(&oidc.Config{ClientID: audience})}, nil
}

// NewJWKSVerifier verifies tokens of issuer signed by the keys at jwksURL (e.g. a standalone
// service trusting the gateway's /.well-known/jwks.json).
func NewJWKSVerifier(ctx context.Context, jwksURL, issuer, audience string) *OIDCVerifier {
	ks := oidc.NewRemoteKeySet(ctx, jwksURL)
	return &OIDCVerifier{v: oidc.NewVerifier(issuer, ks, &oidc.Config{
		ClientID:             audience,
		SupportedSigningAlgs: []string{string(jose.EdDSA), oidc.RS256, oidc.ES256},
	})}
}

// Verify checks raw and reads scopes from "scope" (space-separated) or "scp" (a list).
func (o *OIDCVerifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	tok, err := o.v.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	var body struct {
		Scope      string   `json:"scope"`
		Scp        []string `json:"scp"`
		ClientID   string   `json:"client_id"`
		Azp        string   `json:"azp"`
		UserLevels []string `json:"user_levels"`
	}
	if err := tok.Claims(&body); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	scopes := ParseScopes(body.Scope)
	for _, s := range body.Scp {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	client := body.ClientID
	if client == "" {
		client = body.Azp
	}
	return &Claims{Subject: tok.Subject, ClientID: client, Scopes: scopes, UserLevels: body.UserLevels, Expiry: tok.Expiry}, nil
}

// BearerToken extracts the token of an "Authorization: Bearer <token>" value.
func BearerToken(header string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}
