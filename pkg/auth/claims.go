// Package auth authenticates and authorizes every call: OAuth2 bearer tokens (JWTs) issued by
// Accessflow itself (client credentials, Ed25519 keys published as JWKS) or by an external OIDC
// issuer, checked by one gRPC interceptor against the (accessflow.type.v1.auth) rule each RPC
// declares in its proto.
package auth

import (
	"context"
	"slices"
	"strings"
	"time"
)

// User levels of the reference API, plus APPROVER (may decide only its own approvals).
const (
	LevelOrgAdmin       = "ORG_ADMIN"
	LevelSourceAdmin    = "SOURCE_ADMIN"
	LevelSourceSubadmin = "SOURCE_SUBADMIN"
	LevelApprover       = "APPROVER"
)

// Claims are what a verified token says about its bearer.
type Claims struct {
	// Subject is the principal: "client:<id>" for client-credentials tokens.
	Subject string
	// ClientID is the OAuth2 client the token was issued to.
	ClientID string
	// Scopes granted to the token.
	Scopes []string
	// UserLevels of the principal (ORG_ADMIN…).
	UserLevels []string
	// Expiry of the token.
	Expiry time.Time
}

// HasAnyScope reports whether the token carries at least one of scopes.
func (c *Claims) HasAnyScope(scopes ...string) bool {
	for _, s := range scopes {
		if slices.Contains(c.Scopes, s) {
			return true
		}
	}
	return false
}

type claimsKey struct{}

// NewContext returns ctx carrying c.
func NewContext(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, c)
}

// FromContext returns the verified claims of the caller, if the call was authenticated by token.
func FromContext(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok
}

// ParseScopes splits an OAuth2 scope string ("a b c").
func ParseScopes(s string) []string { return strings.Fields(s) }
