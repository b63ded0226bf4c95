package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/auth/clients"
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
	backend, err := service.OpenBackend(ctx, StoreSpec(), cfg, logger)
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
	if created {
		logger.Warn("created the admin OAuth2 client; its credentials are in "+credsPath+" (mode 0600)",
			"get_token", "accessflow token --data-dir "+cfg.Storage.DataDir,
			"or", "curl -u <client_id>:<client_secret> -d grant_type=client_credentials "+publicURL+"/oauth/token")
	}
	return &TokenService{Issuer: issuer, Clients: store, TTL: cfg.Auth.TokenTTL}, backend, nil
}
