package auth_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/auth"
)

func newIssuer(t *testing.T) (*auth.Issuer, *auth.KeySet) {
	t.Helper()
	keys, err := auth.LoadOrCreateKeySet(filepath.Join(t.TempDir(), "keys.json"))
	require.NoError(t, err)
	issuer, err := auth.NewIssuer(keys, "accessflow", "accessflow")
	require.NoError(t, err)
	return issuer, keys
}

func TestIssueVerify(t *testing.T) {
	t.Parallel()
	issuer, keys := newIssuer(t)
	v := auth.NewLocalVerifier(keys.Public(), "accessflow", "accessflow")
	tok, expiry, err := issuer.Issue("client:abc", "abc", []string{"idn:sources:read", "af:events:publish"}, []string{auth.LevelOrgAdmin}, time.Hour)
	require.NoError(t, err)
	require.WithinDuration(t, time.Now().Add(time.Hour), expiry, 5*time.Second)

	claims, err := v.Verify(t.Context(), tok)
	require.NoError(t, err)
	require.Equal(t, "client:abc", claims.Subject)
	require.Equal(t, "abc", claims.ClientID)
	require.True(t, claims.HasAnyScope("af:events:publish"))
	require.False(t, claims.HasAnyScope("idn:sources:manage"))
	require.Equal(t, []string{auth.LevelOrgAdmin}, claims.UserLevels)

	for name, verifier := range map[string]*auth.LocalVerifier{
		"other audience": auth.NewLocalVerifier(keys.Public(), "accessflow", "someone-else"),
		"other issuer":   auth.NewLocalVerifier(keys.Public(), "evil", "accessflow"),
	} {
		_, err := verifier.Verify(t.Context(), tok)
		require.ErrorIs(t, err, auth.ErrInvalidToken, name)
	}
	_, otherKeys := newIssuer(t)
	_, err = auth.NewLocalVerifier(otherKeys.Public(), "accessflow", "accessflow").Verify(t.Context(), tok)
	require.ErrorIs(t, err, auth.ErrInvalidToken, "unknown key")
	for _, bad := range []string{"", "a.b.c", tok + "x", tok[:len(tok)-10]} {
		_, err = v.Verify(t.Context(), bad)
		require.ErrorIs(t, err, auth.ErrInvalidToken)
	}
	_, _, err = issuer.Issue("x", "", nil, nil, 48*time.Hour)
	require.Error(t, err, "lifetime is capped")
}

func TestKeySetPersistsAndPublishesOnlyPublicKeys(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keys.json")
	a, err := auth.LoadOrCreateKeySet(path)
	require.NoError(t, err)
	b, err := auth.LoadOrCreateKeySet(path)
	require.NoError(t, err)
	require.Len(t, b.Public().Keys, 1)
	require.Equal(t, a.Public().Keys[0].KeyID, b.Public().Keys[0].KeyID)
	require.Equal(t, a.Public().Keys[0].Key, b.Public().Keys[0].Key, "the same key after a restart")
	for _, k := range a.Public().Keys {
		require.True(t, k.IsPublic())
	}
}

func TestServiceTokens(t *testing.T) {
	t.Parallel()
	issuer, keys := newIssuer(t)
	creds := auth.NewServiceTokens(issuer, "approval", "af:actions:manage")
	md, err := creds.GetRequestMetadata(t.Context())
	require.NoError(t, err)
	tok, ok := auth.BearerToken(md["authorization"])
	require.True(t, ok)
	claims, err := auth.NewLocalVerifier(keys.Public(), "accessflow", "accessflow").Verify(t.Context(), tok)
	require.NoError(t, err)
	require.Equal(t, "service:approval", claims.Subject)
	require.Equal(t, []string{"af:actions:manage"}, claims.Scopes)
	again, err := creds.GetRequestMetadata(t.Context())
	require.NoError(t, err)
	require.Equal(t, md, again, "the token is reused until near expiry")
}

func TestBearerToken(t *testing.T) {
	t.Parallel()
	for header, want := range map[string]string{"Bearer abc": "abc", "bearer  abc ": "abc", "Basic abc": "", "Bearer": "", "": "", "Bearer ": ""} {
		got, ok := auth.BearerToken(header)
		require.Equal(t, want, got, header)
		require.Equal(t, want != "", ok, header)
	}
}

func FuzzVerify(f *testing.F) {
	keys, err := auth.LoadOrCreateKeySet(filepath.Join(f.TempDir(), "keys.json"))
	require.NoError(f, err)
	issuer, err := auth.NewIssuer(keys, "accessflow", "accessflow")
	require.NoError(f, err)
	tok, _, err := issuer.Issue("s", "", []string{"a"}, nil, time.Hour)
	require.NoError(f, err)
	f.Add(tok)
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
	v := auth.NewLocalVerifier(keys.Public(), "accessflow", "accessflow")
	f.Fuzz(func(t *testing.T, raw string) {
		claims, err := v.Verify(t.Context(), raw)
		if err == nil && raw != tok && claims.Subject != "s" {
			t.Fatalf("accepted a token it did not issue: %q", raw)
		}
	})
}

type countingVerifier struct {
	auth.Verifier
	calls int
}

func (c *countingVerifier) Verify(ctx context.Context, raw string) (*auth.Claims, error) {
	c.calls++
	return c.Verifier.Verify(ctx, raw)
}

func TestCachingVerifier(t *testing.T) {
	t.Parallel()
	issuer, keys := newIssuer(t)
	inner := &countingVerifier{Verifier: auth.NewLocalVerifier(keys.Public(), "accessflow", "accessflow")}
	v := auth.NewCachingVerifier(inner, 2)
	tok, _, err := issuer.Issue("s", "", []string{"a"}, nil, time.Hour)
	require.NoError(t, err)
	for range 5 {
		c, err := v.Verify(t.Context(), tok)
		require.NoError(t, err)
		require.Equal(t, "s", c.Subject)
	}
	require.Equal(t, 1, inner.calls, "verified once, then cached")
	for range 3 {
		_, err := v.Verify(t.Context(), "bad")
		require.ErrorIs(t, err, auth.ErrInvalidToken)
	}
	require.Equal(t, 4, inner.calls, "failures are not cached")
	for i := range 3 { // overflow the bound
		other, _, err := issuer.Issue(fmt.Sprint("s", i), "", nil, nil, time.Hour)
		require.NoError(t, err)
		_, err = v.Verify(t.Context(), other)
		require.NoError(t, err)
	}
	_, err = v.Verify(t.Context(), tok)
	require.NoError(t, err)
}
