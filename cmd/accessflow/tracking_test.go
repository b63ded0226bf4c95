package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/internal/suite"
	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/pkg/tracking"
)

// TestTrackingShow runs `accessflow tracking show` against a running suite: it prints the calls
// recorded for a trackingNumber, and refuses clearly without keys or with a malformed number.
func TestTrackingShow(t *testing.T) {
	dataDir := t.TempDir()
	base := startSuite(t, dataDir)

	var tokenOut bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"token", "--data-dir", dataDir}, &tokenOut, io.Discard))
	n := tracking.New().String()
	body := `{"name":"Corp LDAP","owner":{"type":"IDENTITY","id":"2c91808568c529c60168cca6f90c1313","name":"William Wilson"},"connector":"openldap"}`
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/v3/sources", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(tokenOut.String()))
	req.Header.Set(tracking.Header, n)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusCreated, resp.StatusCode)

	var out bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"tracking", "show", n, "--gateway-url", base, "--data-dir", dataDir}, &out, io.Discard))
	require.Contains(t, out.String(), "trackingNumber "+n+": 1 entries")
	require.Contains(t, out.String(), "SourceService/CreateSource")
	require.Contains(t, out.String(), "policy")

	out.Reset()
	require.NoError(t, run(t.Context(), []string{"tracking", "show", "--json", "--gateway-url", base, "--data-dir", dataDir, n}, &out, io.Discard))
	require.Contains(t, out.String(), `"kind": "call"`)

	err = run(t.Context(), []string{"tracking", "show", n, "--gateway-url", base, "--data-dir", t.TempDir()}, io.Discard, io.Discard)
	require.ErrorContains(t, err, "no signing keys")
	err = run(t.Context(), []string{"tracking", "show", "nope", "--gateway-url", base}, io.Discard, io.Discard)
	require.ErrorContains(t, err, "32 lowercase hex digits")
	err = run(t.Context(), []string{"tracking"}, io.Discard, io.Discard)
	require.ErrorContains(t, err, "usage")
}

// startSuite runs the all-in-one in this process on free ports with dataDir and returns the
// gateway's base URL once every service is ready.
func startSuite(t *testing.T, dataDir string) string {
	t.Helper()
	cfg := suite.DefaultConfig()
	cfg.Service.Storage.DataDir = dataDir
	cfg.Service.AdminAddr = ""
	cfg.Gateway.Addr = "127.0.0.1:0"
	for name := range cfg.Addrs {
		cfg.Addrs[name] = "127.0.0.1:0"
	}
	ctx, cancel := context.WithCancel(context.Background())
	proc, err := service.StartProcess(ctx, "accessflow", cfg.Service, io.Discard)
	require.NoError(t, err)
	s, err := suite.Open(ctx, cfg, proc)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	base := "http://" + s.GatewayAddr()
	require.Eventually(t, func() bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", http.NoBody)
		if err != nil {
			return false
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 20*time.Millisecond)
	return base
}
