package secrets_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/secrets"
)

func key(id string, b byte) secrets.Key {
	return secrets.Key{ID: id, Bytes: bytes.Repeat([]byte{b}, 32)}
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	ring, err := secrets.NewRing(key("k1", 1))
	require.NoError(t, err)
	sealed, err := ring.Seal([]byte("whsec_canary"), []byte("subscription/abc/secret"))
	require.NoError(t, err)
	require.NotContains(t, sealed, "canary")
	require.True(t, strings.HasPrefix(sealed, "v1:k1:"))

	plain, err := ring.Open(sealed, []byte("subscription/abc/secret"))
	require.NoError(t, err)
	require.Equal(t, "whsec_canary", string(plain))

	_, err = ring.Open(sealed, []byte("subscription/other/secret"))
	require.ErrorIs(t, err, secrets.ErrCorrupt, "bound to its associated data")
	tampered := sealed[:len(sealed)-2] + "AA"
	_, err = ring.Open(tampered, []byte("subscription/abc/secret"))
	require.ErrorIs(t, err, secrets.ErrCorrupt)
	for _, bad := range []string{"", "v1", "v2:k1:xx", "v1:k1:!!!", "v1:k1:"} {
		_, err = ring.Open(bad, nil)
		require.ErrorIs(t, err, secrets.ErrCorrupt, bad)
	}

	again, err := ring.Seal([]byte("whsec_canary"), nil)
	require.NoError(t, err)
	require.NotEqual(t, sealed, again, "fresh nonce every time")
}

func TestRotation(t *testing.T) {
	t.Parallel()
	old, err := secrets.NewRing(key("old", 1))
	require.NoError(t, err)
	sealed, err := old.Seal([]byte("s3cret"), nil)
	require.NoError(t, err)

	rotated, err := secrets.NewRing(key("new", 2), key("old", 1))
	require.NoError(t, err)
	plain, err := rotated.Open(sealed, nil)
	require.NoError(t, err, "old secrets open during the overlap")
	require.Equal(t, "s3cret", string(plain))
	require.True(t, rotated.NeedsReseal(sealed))
	resealed, err := rotated.Seal(plain, nil)
	require.NoError(t, err)
	require.False(t, rotated.NeedsReseal(resealed))

	dropped, err := secrets.NewRing(key("new", 2))
	require.NoError(t, err)
	_, err = dropped.Open(sealed, nil)
	require.ErrorIs(t, err, secrets.ErrUnknownKey)
	_, err = dropped.Open(resealed, nil)
	require.NoError(t, err)
}

func TestKeys(t *testing.T) {
	t.Parallel()
	keys, err := secrets.ParseKeys("a=" + strings.Repeat("ab", 32) + ", b=" + strings.Repeat("cd", 32))
	require.NoError(t, err)
	require.Len(t, keys, 2)
	require.Equal(t, "a", keys[0].ID)
	for _, bad := range []string{"", "a", "a=zz", "a=abcd"} {
		ks, err := secrets.ParseKeys(bad)
		if err == nil {
			_, err = secrets.NewRing(ks...)
		}
		require.Error(t, err, bad)
	}
	_, err = secrets.NewRing(key("a", 1), key("a", 2))
	require.Error(t, err)

	path := filepath.Join(t.TempDir(), "secret.keys")
	first, err := secrets.LoadOrCreateKeyFile(path)
	require.NoError(t, err)
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	second, err := secrets.LoadOrCreateKeyFile(path)
	require.NoError(t, err)
	require.Equal(t, first, second, "the key persists across restarts")
}
