// Package secrets encrypts secrets at rest (provider credentials, subscription auth and signing
// secrets) with AES-256-GCM under a key ring: new secrets are sealed with the primary key, and
// every key in the ring can still open what it sealed, so keys rotate without downtime: add the
// new key as primary, keep the old ones until stored secrets have been re-sealed, then drop them.
//
// A sealed secret is "v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>"; the associated data
// (e.g. the owning record's id and field name) binds a ciphertext to its place, so a sealed
// value copied into another record does not open.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Errors.
var (
	// ErrUnknownKey: the sealed value names a key the ring does not hold.
	ErrUnknownKey = errors.New("secrets: sealed with a key that is not in the key ring")
	// ErrCorrupt: the sealed value is malformed, tampered with, or bound to other associated data.
	ErrCorrupt = errors.New("secrets: sealed value is corrupt or does not belong here")
)

// Key is one AES-256 key with the id that names it in sealed values.
type Key struct {
	ID    string
	Bytes []byte
}

// Ring seals with its primary key and opens with any of its keys.
type Ring struct {
	primary string
	aeads   map[string]cipher.AEAD
}

// NewRing builds a ring; keys[0] is the primary.
func NewRing(keys ...Key) (*Ring, error) {
	if len(keys) == 0 {
		return nil, errors.New("secrets: a key ring needs at least one key")
	}
	r := &Ring{primary: keys[0].ID, aeads: map[string]cipher.AEAD{}}
	for _, k := range keys {
		if k.ID == "" || strings.ContainsAny(k.ID, ":,= ") {
			return nil, fmt.Errorf("secrets: key id %q must be non-empty and free of ':', ',', '=' and spaces", k.ID)
		}
		if len(k.Bytes) != 32 {
			return nil, fmt.Errorf("secrets: key %q must be 32 bytes (AES-256), got %d", k.ID, len(k.Bytes))
		}
		if _, dup := r.aeads[k.ID]; dup {
			return nil, fmt.Errorf("secrets: key id %q appears twice", k.ID)
		}
		block, err := aes.NewCipher(k.Bytes)
		if err != nil {
			return nil, fmt.Errorf("secrets: key %q: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secrets: key %q: %w", k.ID, err)
		}
		r.aeads[k.ID] = aead
	}
	return r, nil
}

// ParseKeys reads a key ring spec: comma-separated "id=hex" entries (64 hex digits each), the
// first being the primary, e.g. "2026-11=…,2026-05=…".
func ParseKeys(spec string) ([]Key, error) {
	var keys []Key
	for _, entry := range strings.Split(strings.TrimSpace(spec), ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		id, hexKey, ok := strings.Cut(entry, "=")
		if !ok {
			return nil, errors.New("secrets: key entries are id=<64 hex digits>")
		}
		b, err := hex.DecodeString(strings.TrimSpace(hexKey))
		if err != nil {
			return nil, fmt.Errorf("secrets: key %q: not hex: %w", id, err)
		}
		keys = append(keys, Key{ID: strings.TrimSpace(id), Bytes: b})
	}
	if len(keys) == 0 {
		return nil, errors.New("secrets: no keys given")
	}
	return keys, nil
}

// LoadOrCreateKeyFile reads a key ring spec from path, creating the file (mode 0600) with one
// fresh key when it does not exist: the embedded default's way of being secure without setup.
func LoadOrCreateKeyFile(path string) ([]Key, error) {
	b, err := os.ReadFile(path) //nolint:gosec // the path is the operator's configuration
	if errors.Is(err, os.ErrNotExist) {
		k := make([]byte, 32)
		_, _ = rand.Read(k)
		spec := "k1=" + hex.EncodeToString(k) + "\n"
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // as above
		if errors.Is(err, os.ErrExist) {                                      // another process created it first
			return LoadOrCreateKeyFile(path)
		}
		if err != nil {
			return nil, fmt.Errorf("secrets: create key file: %w", err)
		}
		if _, err := f.WriteString(spec); err != nil {
			return nil, errors.Join(fmt.Errorf("secrets: write key file: %w", err), f.Close())
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("secrets: write key file: %w", err)
		}
		return ParseKeys(spec)
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: read key file: %w", err)
	}
	return ParseKeys(string(b))
}

// Seal encrypts plaintext with the primary key, bound to associatedData.
func (r *Ring) Seal(plaintext, associatedData []byte) (string, error) {
	aead := r.aeads[r.primary]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secrets: nonce: %w", err)
	}
	sealed := aead.Seal(nonce, nonce, plaintext, associatedData)
	return "v1:" + r.primary + ":" + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Open decrypts a value Seal produced with associatedData.
func (r *Ring) Open(sealed string, associatedData []byte) ([]byte, error) {
	version, rest, ok := strings.Cut(sealed, ":")
	if !ok || version != "v1" {
		return nil, ErrCorrupt
	}
	keyID, payload, ok := strings.Cut(rest, ":")
	if !ok {
		return nil, ErrCorrupt
	}
	aead, ok := r.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownKey, keyID)
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrCorrupt
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], associatedData)
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}

// NeedsReseal reports whether sealed was made with a key other than the primary, so a
// background pass can re-seal it before the old key is dropped.
func (r *Ring) NeedsReseal(sealed string) bool {
	parts := strings.SplitN(sealed, ":", 3)
	return len(parts) != 3 || parts[1] != r.primary
}
