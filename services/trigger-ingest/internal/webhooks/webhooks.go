// Package webhooks signs outbound and verifies inbound requests with Standard Webhooks
// (webhook-id, webhook-timestamp, webhook-signature: "v1,<base64 HMAC-SHA256>"), using the
// standard's own Go library, and manages signing secrets through a rotation: during an
// overlap, requests carry a signature per live secret and either secret verifies.
package webhooks

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Header names of the standard.
const (
	HeaderID        = standardwebhooks.HeaderWebhookID
	HeaderTimestamp = standardwebhooks.HeaderWebhookTimestamp
	HeaderSignature = standardwebhooks.HeaderWebhookSignature
)

// SecretPrefix starts every signing secret.
const SecretPrefix = "whsec_"

// Tolerance is how far a signed timestamp may be from now, either way.
const Tolerance = 5 * time.Minute

// Errors of Verify.
var (
	// ErrMissingHeaders: a webhook header is absent.
	ErrMissingHeaders = errors.New("webhook-id, webhook-timestamp and webhook-signature are required")
	// ErrStale: the timestamp is more than Tolerance from now, or not a number.
	ErrStale = errors.New("webhook-timestamp is not within 5 minutes of now")
	// ErrBadSignature: no signature matches any live secret.
	ErrBadSignature = errors.New("no webhook-signature matches")
)

// NewSecret returns a fresh signing secret: "whsec_" and 32 random bytes in base64.
func NewSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (Go 1.24+)
	return SecretPrefix + base64.StdEncoding.EncodeToString(b[:])
}

// Key is one signing secret and, once a newer one replaced it, when it stops being used.
type Key struct {
	Secret  string    `json:"secret"`
	Expires time.Time `json:"expires,omitzero"`
}

// Keys are the secrets of one signer, newest first.
type Keys []Key

// Live returns the secrets still in use at now, newest first.
func (k Keys) Live(now time.Time) []string {
	var out []string
	for _, key := range k {
		if key.Expires.IsZero() || now.Before(key.Expires) {
			out = append(out, key.Secret)
		}
	}
	return out
}

// Rotate returns the keys with secret as the new current one. Every older key expires after
// overlap at the latest (a zero overlap, after a leak, ends them all at once), and expired
// ones are dropped.
func (k Keys) Rotate(secret string, now time.Time, overlap time.Duration) Keys {
	out := Keys{{Secret: secret}}
	end := now.Add(overlap)
	for _, key := range k {
		if key.Expires.IsZero() || key.Expires.After(end) {
			key.Expires = end
		}
		if now.Before(key.Expires) {
			out = append(out, key)
		}
	}
	return out
}

// PreviousExpires is when the newest replaced secret stops being accepted (zero when none).
func (k Keys) PreviousExpires(now time.Time) time.Time {
	for _, key := range k {
		if !key.Expires.IsZero() && now.Before(key.Expires) {
			return key.Expires
		}
	}
	return time.Time{}
}

// Marshal encodes the keys for sealing.
func (k Keys) Marshal() ([]byte, error) {
	b, err := json.Marshal(k) //nolint:gosec // encoded only to be sealed (credentials), never sent or logged
	if err != nil {
		return nil, fmt.Errorf("encode signing keys: %w", err)
	}
	return b, nil
}

// UnmarshalKeys decodes what Marshal encoded.
func UnmarshalKeys(b []byte) (Keys, error) {
	var k Keys
	if err := json.Unmarshal(b, &k); err != nil {
		return nil, fmt.Errorf("decode signing keys: %w", err)
	}
	return k, nil
}

// Sign returns the webhook-signature header value for a message: one "v1,<signature>" per
// secret, space-separated.
func Sign(id string, ts time.Time, body []byte, secrets ...string) (string, error) {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			return "", fmt.Errorf("signing secret: %w", err)
		}
		sig, err := wh.Sign(id, ts, body)
		if err != nil {
			return "", fmt.Errorf("sign: %w", err)
		}
		sigs = append(sigs, sig)
	}
	return strings.Join(sigs, " "), nil
}

// SetHeaders sets the three webhook headers of an outbound request signed with secrets.
func SetHeaders(h http.Header, id string, ts time.Time, body []byte, secrets ...string) error {
	sig, err := Sign(id, ts, body, secrets...)
	if err != nil {
		return err
	}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, sig)
	return nil
}

// Verify checks that h signs body with one of secrets and that its timestamp is within
// Tolerance of now.
func Verify(body []byte, h http.Header, now time.Time, secrets ...string) error {
	if h.Get(HeaderID) == "" || h.Get(HeaderTimestamp) == "" || h.Get(HeaderSignature) == "" {
		return ErrMissingHeaders
	}
	sec, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return ErrStale
	}
	ts := time.Unix(sec, 0)
	if ts.Before(now.Add(-Tolerance)) || ts.After(now.Add(Tolerance)) {
		return ErrStale
	}
	for _, s := range secrets {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			continue // a corrupt stored secret verifies nothing
		}
		// The library's own timestamp check uses the wall clock; ours above uses now.
		if wh.VerifyIgnoringTimestamp(body, h) == nil {
			return nil
		}
	}
	return ErrBadSignature
}
