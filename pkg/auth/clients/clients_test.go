package clients_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/auth/clients"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/sqlite"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
)

// cheap keeps the tests fast; production uses DefaultParams.
var cheap = clients.Params{Time: 1, Memory: 64, Threads: 1}

func newStore(t *testing.T) *clients.Store {
	t.Helper()
	m, err := clients.Migrations(storage.BackendSQLite)
	require.NoError(t, err)
	b, err := sqlite.Open(t.Context(), storagetest.SQLitePath(t), sqlite.Options{Migrations: m})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	return clients.New(b, cheap)
}

func TestClients(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	c, secret, err := s.Create(ctx, "hr-feed", []string{"af:events:publish"}, nil)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(secret, "afs_"))

	got, err := s.Authenticate(ctx, c.ID, secret)
	require.NoError(t, err)
	require.Equal(t, []string{"af:events:publish"}, got.Scopes)
	for _, wrong := range [][2]string{{c.ID, "wrong"}, {c.ID, ""}, {"nobody", secret}, {"", ""}} {
		_, err := s.Authenticate(ctx, wrong[0], wrong[1])
		require.ErrorIs(t, err, clients.ErrBadCredentials)
	}
	_, _, err = s.Create(ctx, "hr-feed", nil, nil)
	require.ErrorIs(t, err, storage.ErrConflict)
	require.EqualError(t, err, `client with name "hr-feed" already exists`)

	list, err := s.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.NoError(t, s.Delete(ctx, c.ID))
	require.ErrorIs(t, s.Delete(ctx, c.ID), storage.ErrNotFound)
	_, err = s.Authenticate(ctx, c.ID, secret)
	require.ErrorIs(t, err, clients.ErrBadCredentials)
}

func TestEnsureAdmin(t *testing.T) {
	s := newStore(t)
	path := filepath.Join(t.TempDir(), "admin.json")
	created, err := clients.EnsureAdmin(t.Context(), s, path, "http://x/oauth/token", []string{"a", "b"}, []string{"ORG_ADMIN"})
	require.NoError(t, err)
	require.True(t, created)
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var creds clients.AdminCredentials
	require.NoError(t, json.Unmarshal(b, &creds))
	c, err := s.Authenticate(t.Context(), creds.ClientID, creds.ClientSecret)
	require.NoError(t, err)
	require.Equal(t, []string{"ORG_ADMIN"}, c.UserLevels)

	again, err := clients.EnsureAdmin(t.Context(), s, path, "http://x/oauth/token", nil, nil)
	require.NoError(t, err)
	require.False(t, again, "only the first start creates it")
}
