package auth

import (
	"context"
	"sync"
	"time"

	"google.golang.org/grpc/credentials"
)

// ServiceTokens authenticates one Accessflow service's calls to another (the embedded
// default's service-to-service auth; mutual TLS can be layered under it): a short-lived token
// with subject "service:<name>" and only the scopes the caller needs, minted with the shared
// signing keys and renewed before it expires.
type ServiceTokens struct {
	issuer  *Issuer
	subject string
	scopes  []string
	ttl     time.Duration

	mu      sync.Mutex
	token   string
	expires time.Time
}

var _ credentials.PerRPCCredentials = (*ServiceTokens)(nil)

// NewServiceTokens returns per-RPC credentials for service name with scopes.
func NewServiceTokens(issuer *Issuer, name string, scopes ...string) *ServiceTokens {
	return &ServiceTokens{issuer: issuer, subject: "service:" + name, scopes: scopes, ttl: 10 * time.Minute}
}

// GetRequestMetadata attaches the current token, minting a new one a minute before expiry.
func (s *ServiceTokens) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == "" || time.Until(s.expires) < time.Minute {
		tok, exp, err := s.issuer.Issue(s.subject, "", s.scopes, nil, s.ttl)
		if err != nil {
			return nil, err
		}
		s.token, s.expires = tok, exp
	}
	return map[string]string{"authorization": "Bearer " + s.token}, nil
}

// RequireTransportSecurity is false: on the embedded default, services talk over loopback;
// deployments across hosts add mutual TLS (--tls-cert, --tls-key, --tls-ca).
func (s *ServiceTokens) RequireTransportSecurity() bool { return false }
