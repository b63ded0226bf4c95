package clients

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// AdminCredentials is what the first start writes for the operator (mode 0600).
type AdminCredentials struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	TokenURL     string `json:"token_url"`
}

// AdminClientName names the client the first start creates.
const AdminClientName = "admin"

// EnsureAdmin creates the admin client with scopes and levels when no client exists yet, and
// writes its credentials to path. It reports whether it created one.
func EnsureAdmin(ctx context.Context, s *Store, path, tokenURL string, scopes, levels []string) (bool, error) {
	existing, err := s.List(ctx)
	if err != nil {
		return false, err
	}
	if len(existing) > 0 {
		return false, nil
	}
	c, secret, err := s.Create(ctx, AdminClientName, scopes, levels)
	if err != nil {
		return false, err
	}
	//nolint:gosec // G117: writing the secret, once, to the operator's 0600 file is the point
	b, err := json.MarshalIndent(AdminCredentials{ClientID: c.ID, ClientSecret: secret, TokenURL: tokenURL}, "", "  ")
	if err != nil {
		return false, fmt.Errorf("encode admin credentials: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return false, errors.Join(fmt.Errorf("write admin credentials: %w", err), s.Delete(ctx, c.ID))
	}
	return true, nil
}
