package suite_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/accessflow/accessflow/gateway"
	"github.com/accessflow/accessflow/internal/suite"
	"github.com/accessflow/accessflow/pkg/auth/clients"
	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
	"github.com/accessflow/accessflow/pkg/telemetry"
)

// spans records every span of the test process: trace IDs are checked against trackingNumbers.
var spans = tracetest.NewSpanRecorder()

func TestMain(m *testing.M) {
	otel.SetTracerProvider(sdktrace.NewTracerProvider(
		sdktrace.WithIDGenerator(telemetry.NewIDGenerator()),
		sdktrace.WithSpanProcessor(spans),
	))
	otel.SetTextMapPropagator(telemetry.Propagator())
	m.Run()
}

// running is an all-in-one suite serving on loopback ports, with its logs captured.
type running struct {
	base   string
	token  string // an admin token from the real /oauth/token endpoint
	creds  clients.AdminCredentials
	suite  *suite.Suite
	logsMu *sync.Mutex
	logs   *bytes.Buffer
}

func (r *running) logLines(t *testing.T) []map[string]any {
	t.Helper()
	r.logsMu.Lock()
	defer r.logsMu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(r.logs.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type suiteConfig = suite.Config

// start runs the suite on the given store configuration until the test ends.
func start(t *testing.T, storeCfg storage.Config) *running {
	t.Helper()
	return startWith(t, storeCfg, nil)
}

// startWith is start with a last word on the configuration.
func startWith(t *testing.T, storeCfg storage.Config, mutate func(*suiteConfig)) *running {
	t.Helper()
	cfg := suite.DefaultConfig()
	cfg.Service.Storage = storeCfg
	if cfg.Service.Storage.DataDir == "" {
		cfg.Service.Storage.DataDir = t.TempDir() // keys and admin credentials live here
	}
	if storeCfg.DatabaseURL != "" {
		cfg.Service.SecretKeys = "test=" + strings.Repeat("ab", 32)
	}
	cfg.Service.AdminAddr = "127.0.0.1:0"
	cfg.Service.LogLevel = "debug"
	cfg.Gateway.Addr = "127.0.0.1:0"
	cfg.Gateway.MaxBodyBytes = 64 << 10
	for name := range cfg.Addrs {
		cfg.Addrs[name] = "127.0.0.1:0"
	}
	cfg.Gateway.RateLimit = 0 // tests send bursts; TestRateLimit turns it on
	if mutate != nil {
		mutate(&cfg)
	}
	r := &running{logsMu: &sync.Mutex{}, logs: &bytes.Buffer{}}
	proc, err := service.StartProcess(t.Context(), "test", cfg.Service, lockedWriter{mu: r.logsMu, w: r.logs})
	require.NoError(t, err)
	// StartProcess installs a global tracer provider: put the recording one back.
	otel.SetTracerProvider(sdktrace.NewTracerProvider(
		sdktrace.WithIDGenerator(telemetry.NewIDGenerator()),
		sdktrace.WithSpanProcessor(spans),
	))
	s, err := suite.Open(t.Context(), cfg, proc)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	r.base = "http://" + s.GatewayAddr()
	r.suite = s
	require.Eventually(t, func() bool {
		resp, err := http.Get(r.base + "/readyz") //nolint:noctx // polling helper
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30e9, 10e6)
	r.creds, r.token = adminToken(t, r.base, cfg.Service.Storage.DataDir)
	return r
}

// adminToken reads the admin client the first start created and gets a token for it from the
// token endpoint, as an operator would.
func adminToken(t *testing.T, base, dataDir string) (clients.AdminCredentials, string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, gateway.AdminCredentialsFile))
	require.NoError(t, err)
	var creds clients.AdminCredentials
	require.NoError(t, json.Unmarshal(b, &creds))
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/oauth/token", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(creds.ClientID, creds.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	require.NotEmpty(t, tok.AccessToken)
	return creds, tok.AccessToken
}

// backends runs fn once per storage backend.
func backends(t *testing.T, fn func(t *testing.T, r *running)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, start(t, storage.Config{DataDir: t.TempDir(), SQLiteSynchronous: "NORMAL"}))
	})
	t.Run("postgres", func(t *testing.T) {
		dbURL := storagetest.NewPostgresDatabase(t, "suite", nil, func(context.Context, string) error { return nil })
		fn(t, start(t, storage.Config{DatabaseURL: dbURL, SQLiteSynchronous: "NORMAL"}))
	})
}

func storageSQLite(t *testing.T) storage.Config {
	t.Helper()
	return storage.Config{DataDir: t.TempDir(), SQLiteSynchronous: "NORMAL"}
}

func storageWithDir(t *testing.T, dir string) storage.Config {
	t.Helper()
	return storage.Config{DataDir: dir, SQLiteSynchronous: "NORMAL"}
}
