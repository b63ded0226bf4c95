package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"golang.org/x/term"

	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/auth/clients"
	"github.com/accessflow/accessflow/pkg/logging"
	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/pkg/storage"
)

// AdminCredentialsFile is where the first start writes the admin client's credentials.
const AdminCredentialsFile = "admin-client.json"

// StoreSpec describes the gateway's own store (OAuth2 clients) to the service runner.
func StoreSpec() service.Spec {
	return service.Spec{Name: "gateway", Migrations: clients.Migrations}
}

// OpenTokenService opens the gateway's client store and signing keys and, on first start,
// creates the admin client. The caller closes the returned backend.
func OpenTokenService(ctx context.Context, cfg service.Config, publicURL string, logger *slog.Logger) (*TokenService, storage.Backend, error) {
	backend, err := service.OpenBackend(ctx, StoreSpec(), cfg, logger.With(logging.KeyService, StoreSpec().Name))
	if err != nil {
		return nil, nil, err
	}
	keys, err := cfg.KeySet()
	if err != nil {
		return nil, nil, errors.Join(err, backend.Close())
	}
	issuer, err := auth.NewIssuer(keys, cfg.Auth.Issuer, cfg.Auth.Audience)
	if err != nil {
		return nil, nil, errors.Join(err, backend.Close())
	}
	store := clients.New(backend, clients.DefaultParams)
	credsPath := filepath.Join(cfg.Storage.DataDir, AdminCredentialsFile)
	created, err := clients.EnsureAdmin(ctx, store, credsPath, publicURL+"/oauth/token",
		auth.NewRules().Scopes(), []string{auth.LevelOrgAdmin})
	if err != nil {
		return nil, nil, errors.Join(fmt.Errorf("create admin client: %w", err), backend.Close())
	}
	ts := &TokenService{Issuer: issuer, Clients: store, TTL: cfg.Auth.TokenTTL}
	if created {
		ts.CreatedAdmin = &AdminNotice{CredentialsFile: credsPath, TokenURL: publicURL + tokenPath}
	}
	return ts, backend, nil
}

// AdminNotice tells the operator, once, where the first start put the admin client's
// credentials and how to get a token.
type AdminNotice struct {
	// CredentialsFile is the admin client's credentials (mode 0600).
	CredentialsFile string
	// TokenCommand is the exact command that prints a token, e.g. "./bin/accessflow token".
	TokenCommand string
	// TokenURL is the OAuth2 token endpoint.
	TokenURL string
}

// Announce prints the notice on w, as a plain block when w is a terminal (readable even when
// the logs are JSON), else as one structured warning on logger.
func (n AdminNotice) Announce(w io.Writer, logger *slog.Logger) {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) { //nolint:gosec // a file descriptor fits an int
		_, _ = io.WriteString(w, n.Block())
		return
	}
	logger.Warn("created the admin OAuth2 client on first start", "credentials_file", n.CredentialsFile,
		"get_token", n.TokenCommand, "token_url", n.TokenURL)
}

// Block is the notice as text for a terminal.
func (n AdminNotice) Block() string {
	f := n.CredentialsFile
	return fmt.Sprintf(`
  Accessflow created its admin OAuth2 client (first start).
    credentials  %s (mode 0600)
    get a token  %s
    or by OAuth2 ID=$(jq -r .client_id %s); SECRET=$(jq -r .client_secret %s)
                 curl -u "$ID:$SECRET" -d grant_type=client_credentials %s

`, f, n.TokenCommand, f, f, n.TokenURL)
}
