package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/accessflow/accessflow/pkg/ids"
)

// Token lifetimes.
const (
	DefaultTokenTTL = time.Hour
	MaxTokenTTL     = 24 * time.Hour
)

// tokenClaims is the JWT body: registered claims plus OAuth2's space-separated scope.
type tokenClaims struct {
	jwt.Claims
	Scope      string   `json:"scope,omitempty"`
	ClientID   string   `json:"client_id,omitempty"`
	UserLevels []string `json:"user_levels,omitempty"`
}

// Issuer signs Accessflow's access tokens.
type Issuer struct {
	keys     *KeySet
	signer   jose.Signer
	issuer   string
	audience string
	now      func() time.Time
}

// NewIssuer returns an issuer signing with keys' primary key.
func NewIssuer(keys *KeySet, issuer, audience string) (*Issuer, error) {
	s, err := keys.signer()
	if err != nil {
		return nil, err
	}
	return &Issuer{keys: keys, signer: s, issuer: issuer, audience: audience, now: time.Now}, nil
}

// Issue signs a token for subject with scopes and user levels, valid for ttl.
func (i *Issuer) Issue(subject, clientID string, scopes, levels []string, ttl time.Duration) (string, time.Time, error) {
	if ttl <= 0 || ttl > MaxTokenTTL {
		return "", time.Time{}, fmt.Errorf("auth: token lifetime %s outside (0, %s]", ttl, MaxTokenTTL)
	}
	if subject == "" {
		return "", time.Time{}, errors.New("auth: token subject is required")
	}
	now := i.now()
	exp := now.Add(ttl)
	c := tokenClaims{
		Claims: jwt.Claims{
			Issuer:    i.issuer,
			Subject:   subject,
			Audience:  jwt.Audience{i.audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			Expiry:    jwt.NewNumericDate(exp),
			ID:        ids.New(),
		},
		Scope:      joinScopes(scopes),
		ClientID:   clientID,
		UserLevels: levels,
	}
	raw, err := jwt.Signed(i.signer).Claims(c).Serialize()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign token: %w", err)
	}
	return raw, exp, nil
}

// Keys is the issuer's key set (for its JWKS).
func (i *Issuer) Keys() *KeySet { return i.keys }

func joinScopes(scopes []string) string {
	out := ""
	for i, s := range scopes {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}
