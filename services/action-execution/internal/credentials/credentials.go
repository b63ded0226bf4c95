// Package credentials seals and opens a provider's credentials with the service's key ring,
// bound to the provider's key so that a sealed value copied to another provider does not open,
// and turns a stored provider into what a connector sees.
package credentials

import (
	"encoding/json"
	"fmt"

	"github.com/accessflow/accessflow/pkg/secrets"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

func aad(key string) []byte { return []byte("action-provider/" + key) }

// Seal seals the credentials of the provider with key.
func Seal(ring *secrets.Ring, key string, creds map[string]string) (string, error) {
	if creds == nil {
		creds = map[string]string{}
	}
	b, err := json.Marshal(creds)
	if err != nil {
		return "", fmt.Errorf("encode provider credentials: %w", err)
	}
	sealed, err := ring.Seal(b, aad(key))
	if err != nil {
		return "", fmt.Errorf("seal provider credentials: %w", err)
	}
	return sealed, nil
}

// Open opens what Seal sealed for the provider with key.
func Open(ring *secrets.Ring, key, sealed string) (map[string]string, error) {
	b, err := ring.Open(sealed, aad(key))
	if err != nil {
		return nil, fmt.Errorf("open provider %q credentials: %w", key, err)
	}
	creds := map[string]string{}
	if err := json.Unmarshal(b, &creds); err != nil {
		return nil, fmt.Errorf("decode provider %q credentials: %w", key, err)
	}
	return creds, nil
}

// Connector returns p as its connector sees it, credentials opened.
func Connector(ring *secrets.Ring, p store.Provider) (connector.Provider, error) {
	creds, err := Open(ring, p.Provider.GetKey(), p.Secrets)
	if err != nil {
		return connector.Provider{}, err
	}
	return connector.Provider{
		Key:         p.Provider.GetKey(),
		Kind:        p.Provider.GetKind(),
		Endpoint:    p.Provider.GetEndpoint(),
		Settings:    p.Provider.GetSettings().AsMap(),
		Credentials: creds,
	}, nil
}
