package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/go-jose/go-jose/v4"
)

// KeySet holds the Ed25519 keys Accessflow signs its tokens with: the first signs, all verify,
// so a key rotates by prepending a new one and dropping the old after the longest token
// lifetime has passed.
type KeySet struct {
	keys []jose.JSONWebKey // private keys, primary first
}

// NewKey makes a fresh signing key.
func NewKey() (jose.JSONWebKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("generate key: %w", err)
	}
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	return jose.JSONWebKey{Key: priv, KeyID: hex.EncodeToString(id), Algorithm: string(jose.EdDSA), Use: "sig"}, nil
}

// NewKeySet builds a key set; keys[0] signs.
func NewKeySet(keys ...jose.JSONWebKey) (*KeySet, error) {
	if len(keys) == 0 {
		return nil, errors.New("auth: a key set needs at least one key")
	}
	for i := range keys {
		if _, ok := keys[i].Key.(ed25519.PrivateKey); !ok || keys[i].KeyID == "" {
			return nil, fmt.Errorf("auth: key %q must be an Ed25519 private key with an id", keys[i].KeyID)
		}
	}
	return &KeySet{keys: keys}, nil
}

// LoadOrCreateKeySet reads the private JWK set at path, creating it (mode 0600) with one fresh
// key when it does not exist.
func LoadOrCreateKeySet(path string) (*KeySet, error) {
	b, err := os.ReadFile(path) //nolint:gosec // the path is the operator's configuration
	if errors.Is(err, os.ErrNotExist) {
		k, err := NewKey()
		if err != nil {
			return nil, err
		}
		ks, err := NewKeySet(k)
		if err != nil {
			return nil, err
		}
		out, err := json.Marshal(jose.JSONWebKeySet{Keys: ks.keys})
		if err != nil {
			return nil, fmt.Errorf("auth: encode keys: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // as above
		if errors.Is(err, os.ErrExist) {
			return LoadOrCreateKeySet(path) // another process created it first
		}
		if err != nil {
			return nil, fmt.Errorf("auth: create key file: %w", err)
		}
		if _, err := f.Write(out); err != nil {
			return nil, errors.Join(fmt.Errorf("auth: write key file: %w", err), f.Close())
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("auth: write key file: %w", err)
		}
		return ks, nil
	}
	if err != nil {
		return nil, fmt.Errorf("auth: read key file: %w", err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("auth: parse key file %s: %w", path, err)
	}
	return NewKeySet(set.Keys...)
}

// Public returns the public keys, as served at /.well-known/jwks.json.
func (k *KeySet) Public() jose.JSONWebKeySet {
	out := jose.JSONWebKeySet{}
	for i := range k.keys {
		out.Keys = append(out.Keys, k.keys[i].Public())
	}
	return out
}

func (k *KeySet) signer() (jose.Signer, error) {
	primary := k.keys[0]
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: primary},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), primary.KeyID))
	if err != nil {
		return nil, fmt.Errorf("auth: signer: %w", err)
	}
	return s, nil
}
