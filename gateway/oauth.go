package gateway

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/auth/clients"
)

// TokenService issues Accessflow's own access tokens (the embedded default's OAuth2
// authorization server): client credentials grant at POST /oauth/token, keys at
// GET /.well-known/jwks.json.
type TokenService struct {
	Issuer  *auth.Issuer
	Clients *clients.Store
	TTL     time.Duration
	// CreatedAdmin is set when this start created the admin client: the caller announces it,
	// filling in the command that gets a token.
	CreatedAdmin *AdminNotice
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
}

// token serves the client credentials grant (RFC 6749 §4.4). Credentials come by HTTP Basic or
// in the form; an optional scope narrows the client's scopes. Errors carry RFC 6749's "error"
// code beside the reference error body.
func (g *Gateway) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, r, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		writeOAuthError(w, r, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id == "" || secret == "" {
		writeOAuthError(w, r, http.StatusUnauthorized, "invalid_client", "client credentials are required")
		return
	}
	client, err := g.tokens.Clients.Authenticate(ctx, id, secret)
	if errors.Is(err, clients.ErrBadCredentials) {
		writeOAuthError(w, r, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	if err != nil {
		g.logger.ErrorContext(ctx, "authenticate client", "error", err)
		writeError(ctx, w, http.StatusInternalServerError, "An internal fault occurred.", nil, 0)
		return
	}
	scopes := client.Scopes
	if requested := auth.ParseScopes(r.PostForm.Get("scope")); len(requested) > 0 {
		for _, s := range requested {
			if !slices.Contains(client.Scopes, s) {
				writeOAuthError(w, r, http.StatusBadRequest, "invalid_scope", "scope "+s+" is not granted to this client")
				return
			}
		}
		scopes = requested
	}
	ttl := g.tokens.TTL
	if ttl <= 0 {
		ttl = auth.DefaultTokenTTL
	}
	tok, exp, err := g.tokens.Issuer.Issue("client:"+client.ID, client.ID, scopes, client.UserLevels, ttl)
	if err != nil {
		g.logger.ErrorContext(ctx, "issue token", "error", err)
		writeError(ctx, w, http.StatusInternalServerError, "An internal fault occurred.", nil, 0)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken: tok, TokenType: "Bearer", ExpiresIn: int64(time.Until(exp).Seconds()), Scope: strings.Join(scopes, " "),
	})
}

func (g *Gateway) jwks(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_ = json.NewEncoder(w).Encode(g.tokens.Issuer.Keys().Public())
}

func writeOAuthError(w http.ResponseWriter, r *http.Request, status int, code, text string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="accessflow"`)
	}
	writeErrorCode(r.Context(), w, status, code, text)
}
