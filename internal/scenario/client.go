package scenario

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/service"
)

// Client calls a gateway as any identity, with tokens signed by the deployment's keys.
type Client struct {
	// BaseURL is the gateway's base URL (http://127.0.0.1:port).
	BaseURL string
	// Issuer signs tokens the deployment trusts.
	Issuer *auth.Issuer
}

// NewClient returns a client of the gateway at baseURL signing with the jwt-keys.json of
// dataDir, the way `accessflow token --data-dir` does.
func NewClient(baseURL, dataDir string) (*Client, error) {
	if _, err := os.Stat(filepath.Join(dataDir, "jwt-keys.json")); err != nil {
		return nil, err //nolint:wrapcheck // the path names the problem
	}
	cfg := service.DefaultConfig()
	cfg.Storage.DataDir = dataDir
	keys, err := cfg.KeySet()
	if err != nil {
		return nil, err //nolint:wrapcheck // KeySet's error names the file
	}
	issuer, err := auth.NewIssuer(keys, cfg.Auth.Issuer, cfg.Auth.Audience)
	if err != nil {
		return nil, err //nolint:wrapcheck // one caller, which adds context
	}
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), Issuer: issuer}, nil
}

// Token returns a bearer token for subject "client:<who>" with every scope and the given user
// levels (none: an administrator's client token).
func (c *Client) Token(tb testing.TB, who string, levels ...string) string {
	tb.Helper()
	tok, _, err := c.Issuer.Issue("client:"+who, who, auth.NewRules().Scopes(), levels, time.Hour)
	require.NoError(tb, err)
	return tok
}

// Response is a gateway answer.
type Response struct {
	Status int
	Body   []byte
}

// JSON decodes the body as a JSON object.
func (r Response) JSON(tb testing.TB) map[string]any {
	tb.Helper()
	var m map[string]any
	require.NoError(tb, json.Unmarshal(r.Body, &m), string(r.Body))
	return m
}

// Do calls the gateway with a bearer token; headers are extra name, value pairs.
func (c *Client) Do(tb testing.TB, token, method, path, body string, headers ...string) Response {
	tb.Helper()
	var rd io.Reader = http.NoBody
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, c.BaseURL+path, rd)
	require.NoError(tb, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return Response{Status: resp.StatusCode, Body: b}
}
