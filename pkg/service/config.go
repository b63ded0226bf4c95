// Package service runs one Accessflow service: it opens the service's storage backend
// (migrating it), builds its gRPC server, reports health, works its River jobs, and shuts all
// of it down in order. Every service's main and the all-in-one use it.
package service

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/mtls"
	"github.com/accessflow/accessflow/pkg/secrets"
	"github.com/accessflow/accessflow/pkg/storage"
)

// EnvPrefix prefixes the environment variable of every flag: --data-dir ↔ ACCESSFLOW_DATA_DIR.
const EnvPrefix = "ACCESSFLOW"

// Config is what every Accessflow process shares.
type Config struct {
	Storage         storage.Config
	LogLevel        string
	LogFormat       string
	AdminAddr       string
	ShutdownTimeout time.Duration
	// SecretKeys is the key ring that encrypts secrets at rest ("id=<64 hex>,…", primary first).
	SecretKeys string
	// Auth says which bearer tokens services accept.
	Auth AuthConfig
	// RPCTimeout bounds every RPC that arrives without a shorter deadline.
	RPCTimeout time.Duration
	// TLS, when set, makes every gRPC server demand client certificates of the CA and every
	// internal client present one.
	TLS mtls.Files
	// Targets are the addresses of the services this process calls (see Targets).
	Targets Targets
}

// AuthConfig says which tokens are trusted. By default, Accessflow's own: signed with the
// Ed25519 keys in <data-dir>/jwt-keys.json (created on first start). Scale-out services trust
// the gateway's JWKS URL, or an external OIDC issuer.
type AuthConfig struct {
	Issuer        string
	Audience      string
	JWKSURL       string
	OIDCIssuerURL string
	TokenTTL      time.Duration
}

// DefaultConfig is the documented default (see docs/configuration.md).
func DefaultConfig() Config {
	return Config{
		Storage:         storage.DefaultConfig(),
		LogLevel:        "info",
		LogFormat:       "json",
		AdminAddr:       "127.0.0.1:9095",
		ShutdownTimeout: 8 * time.Second,
		RPCTimeout:      30 * time.Second,
		Auth:            AuthConfig{Issuer: "accessflow", Audience: "accessflow", TokenTTL: time.Hour},
		Targets:         DefaultTargets(),
	}
}

// Bind registers the shared flags on fs with c's values as defaults.
func (c *Config) Bind(fs *flag.FlagSet) {
	fs.StringVar(&c.Storage.DataDir, "data-dir", c.Storage.DataDir, "directory of the SQLite databases (one file per service) and generated credentials")
	fs.StringVar(&c.Storage.DatabaseURL, "database-url", c.Storage.DatabaseURL, "PostgreSQL URL (postgres://user@host:5432/db); when set, services use PostgreSQL (one schema each) instead of SQLite")
	fs.DurationVar(&c.Storage.ConnectTimeout, "database-connect-timeout", c.Storage.ConnectTimeout, "time limit of connecting to PostgreSQL and getting its first answer, per connection; a server that never answers fails start-up after it (0: no limit)")
	fs.StringVar(&c.Storage.SQLiteSynchronous, "sqlite-synchronous", c.Storage.SQLiteSynchronous, "SQLite synchronous pragma: NORMAL survives a process crash, FULL also an OS crash or power loss (slower commits)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: json or text")
	fs.StringVar(&c.AdminAddr, "admin-addr", c.AdminAddr, "listen address of the admin HTTP server (/metrics, /debug/pprof); loopback by default, :9095 listens on every interface; empty disables it")
	fs.StringVar(&c.SecretKeys, "secret-keys", c.SecretKeys, "AES-256 key ring encrypting secrets at rest: comma-separated id=<64 hex digits>, the first seals, all open (rotate by prepending a new key). Empty on SQLite: a key is generated into <data-dir>/secret.keys (mode 0600); required with --database-url")
	fs.StringVar(&c.Auth.Issuer, "auth-issuer", c.Auth.Issuer, "issuer (iss) of the tokens Accessflow issues and accepts")
	fs.StringVar(&c.Auth.Audience, "auth-audience", c.Auth.Audience, "audience (aud) tokens must be issued for")
	fs.StringVar(&c.Auth.JWKSURL, "auth-jwks-url", c.Auth.JWKSURL, "trust tokens signed by the keys at this JWKS URL (e.g. the gateway's /.well-known/jwks.json) instead of <data-dir>/jwt-keys.json")
	fs.StringVar(&c.Auth.OIDCIssuerURL, "auth-oidc-issuer-url", c.Auth.OIDCIssuerURL, "trust tokens of this external OIDC issuer (discovered at <url>/.well-known/openid-configuration) instead of Accessflow's own")
	fs.DurationVar(&c.Auth.TokenTTL, "auth-token-ttl", c.Auth.TokenTTL, "lifetime of the access tokens Accessflow issues (at most 24h)")
	fs.StringVar(&c.TLS.Cert, "tls-cert", c.TLS.Cert, "PEM certificate this component presents on gRPC (server and client side); with --tls-key and --tls-ca it turns on mutual TLS between services")
	fs.StringVar(&c.TLS.Key, "tls-key", c.TLS.Key, "PEM private key of --tls-cert")
	fs.StringVar(&c.TLS.CA, "tls-ca", c.TLS.CA, "PEM CA whose certificates gRPC servers accept from clients and clients accept from servers")
	fs.DurationVar(&c.RPCTimeout, "rpc-timeout", c.RPCTimeout, "deadline of every RPC that arrives without a shorter one")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long a shutdown may take: in-flight requests and jobs still running after half of it are cancelled (jobs are retried later)")
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	var errs []error
	if err := c.Storage.Validate(); err != nil {
		errs = append(errs, err)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		errs = append(errs, fmt.Errorf("log format %q: want json or text", c.LogFormat))
	}
	if c.Storage.DatabaseURL != "" && c.SecretKeys == "" {
		errs = append(errs, errors.New("secret keys are required with a database URL: replicas must share them (set --secret-keys)"))
	}
	if c.SecretKeys != "" {
		if _, err := secrets.ParseKeys(c.SecretKeys); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Auth.TokenTTL <= 0 || c.Auth.TokenTTL > 24*time.Hour {
		errs = append(errs, fmt.Errorf("auth token ttl %s: want (0, 24h]", c.Auth.TokenTTL))
	}
	if c.Auth.JWKSURL != "" && c.Auth.OIDCIssuerURL != "" {
		errs = append(errs, errors.New("set at most one of --auth-jwks-url and --auth-oidc-issuer-url"))
	}
	if err := c.TLS.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.RPCTimeout <= 0 {
		errs = append(errs, fmt.Errorf("rpc timeout must be positive, got %s", c.RPCTimeout))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, fmt.Errorf("shutdown timeout must be positive, got %s", c.ShutdownTimeout))
	}
	return errors.Join(errs...)
}

// DrainTimeout is how long servers and job workers wait for in-flight work before cancelling
// it: half the shutdown budget, leaving the rest for closing stores and flushing telemetry.
func (c Config) DrainTimeout() time.Duration { return c.ShutdownTimeout / 2 }

// SecretRing returns the key ring: from SecretKeys, else from (or newly into) the data dir.
func (c Config) SecretRing() (*secrets.Ring, error) {
	var (
		keys []secrets.Key
		err  error
	)
	if c.SecretKeys != "" {
		keys, err = secrets.ParseKeys(c.SecretKeys)
	} else {
		if err := os.MkdirAll(c.Storage.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
		keys, err = secrets.LoadOrCreateKeyFile(filepath.Join(c.Storage.DataDir, "secret.keys"))
	}
	if err != nil {
		return nil, err
	}
	return secrets.NewRing(keys...)
}

// KeySet loads (or creates) the token signing keys in the data dir.
func (c Config) KeySet() (*auth.KeySet, error) {
	if err := os.MkdirAll(c.Storage.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	return auth.LoadOrCreateKeySet(filepath.Join(c.Storage.DataDir, "jwt-keys.json"))
}

// Verifier returns the token verifier services authorize calls with, caching verified tokens.
func (c Config) Verifier(ctx context.Context) (auth.Verifier, error) {
	v, err := c.verifier(ctx)
	if err != nil {
		return nil, err
	}
	return auth.NewCachingVerifier(v, 10_000), nil
}

func (c Config) verifier(ctx context.Context) (auth.Verifier, error) {
	switch {
	case c.Auth.OIDCIssuerURL != "":
		return auth.NewOIDCVerifier(ctx, c.Auth.OIDCIssuerURL, c.Auth.Audience)
	case c.Auth.JWKSURL != "":
		return auth.NewJWKSVerifier(ctx, c.Auth.JWKSURL, c.Auth.Issuer, c.Auth.Audience), nil
	default:
		keys, err := c.KeySet()
		if err != nil {
			return nil, err
		}
		return auth.NewLocalVerifier(keys.Public(), c.Auth.Issuer, c.Auth.Audience), nil
	}
}

// Peers returns the peers service caller dials, with service tokens signed by the data dir's
// keys.
func (c Config) Peers(caller string) (*Peers, error) {
	keys, err := c.KeySet()
	if err != nil {
		return nil, err
	}
	issuer, err := auth.NewIssuer(keys, c.Auth.Issuer, c.Auth.Audience)
	if err != nil {
		return nil, err
	}
	dialOpts, err := c.DialOptions()
	if err != nil {
		return nil, err
	}
	return NewPeers(caller, c.Targets, issuer, dialOpts...), nil
}

// DialOptions are the transport options of internal gRPC clients: mutual TLS when configured.
func (c Config) DialOptions() ([]grpc.DialOption, error) {
	if !c.TLS.Enabled() {
		return nil, nil
	}
	cfg, err := c.TLS.ClientConfig()
	if err != nil {
		return nil, err
	}
	return []grpc.DialOption{grpc.WithTransportCredentials(credentials.NewTLS(cfg))}, nil
}
