// Package credentials seals and opens the secrets trigger-ingest keeps at rest — a
// subscription's HTTP credentials and signing secrets, an event source's signing secrets, an
// invocation's secret — with the service's key ring, each bound to the record it belongs to
// so that a sealed value copied into another record does not open.
package credentials

import (
	"encoding/json"
	"fmt"

	"github.com/accessflow/accessflow/pkg/secrets"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/webhooks"
)

// Subscription holds a subscription's secrets.
type Subscription struct {
	// Password of BASIC_AUTH.
	Password string `json:"password,omitempty"`
	// BearerToken of BEARER_TOKEN.
	BearerToken string `json:"bearerToken,omitempty"`
	// Signing are the secrets outbound requests are signed with.
	Signing webhooks.Keys `json:"signing"`
}

// Source holds an event source's secrets.
type Source struct {
	// Signing are the secrets its requests may be signed with.
	Signing webhooks.Keys `json:"signing"`
}

// SealSubscription seals the secrets of subscription id.
func SealSubscription(ring *secrets.Ring, id string, s Subscription) (string, error) {
	return seal(ring, "subscription/"+id, s)
}

// OpenSubscription opens what SealSubscription sealed for subscription id.
func OpenSubscription(ring *secrets.Ring, id, sealed string) (Subscription, error) {
	var s Subscription
	err := open(ring, "subscription/"+id, sealed, &s)
	return s, err
}

// SealSource seals the secrets of the event source named name.
func SealSource(ring *secrets.Ring, name string, s Source) (string, error) {
	return seal(ring, "event-source/"+name, s)
}

// OpenSource opens what SealSource sealed for the source named name.
func OpenSource(ring *secrets.Ring, name, sealed string) (Source, error) {
	var s Source
	err := open(ring, "event-source/"+name, sealed, &s)
	return s, err
}

// SealInvocation seals the secret of invocation (delivery) id.
func SealInvocation(ring *secrets.Ring, id, secret string) (string, error) {
	sealed, err := ring.Seal([]byte(secret), []byte("invocation/"+id))
	if err != nil {
		return "", fmt.Errorf("seal invocation secret: %w", err)
	}
	return sealed, nil
}

// OpenInvocation opens what SealInvocation sealed for invocation id.
func OpenInvocation(ring *secrets.Ring, id, sealed string) (string, error) {
	b, err := ring.Open(sealed, []byte("invocation/"+id))
	if err != nil {
		return "", fmt.Errorf("open invocation secret: %w", err)
	}
	return string(b), nil
}

func seal(ring *secrets.Ring, aad string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %s secrets: %w", aad, err)
	}
	sealed, err := ring.Seal(b, []byte(aad))
	if err != nil {
		return "", fmt.Errorf("seal %s secrets: %w", aad, err)
	}
	return sealed, nil
}

func open(ring *secrets.Ring, aad, sealed string, v any) error {
	b, err := ring.Open(sealed, []byte(aad))
	if err != nil {
		return fmt.Errorf("open %s secrets: %w", aad, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s secrets: %w", aad, err)
	}
	return nil
}
