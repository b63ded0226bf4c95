package suite_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/accessflow/accessflow/internal/suite"
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

// start runs the suite on the given store configuration until the test ends.
func start(t *testing.T, storeCfg storage.Config) *running {
	t.Helper()
	cfg := suite.DefaultConfig()
	cfg.Service.Storage = storeCfg
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
	return r
}

// backends runs fn once per storage backend.
func backends(t *testing.T, fn func(t *testing.T, r *running)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, start(t, storage.Config{DataDir: t.TempDir(), SQLiteSynchronous: "NORMAL"}))
	})
	t.Run("postgres", func(t *testing.T) {
		url := storagetest.NewPostgresDatabase(t, "suite", nil, func(context.Context, string) error { return nil })
		fn(t, start(t, storage.Config{DatabaseURL: url, SQLiteSynchronous: "NORMAL"}))
	})
}

func storageSQLite(t *testing.T) storage.Config {
	t.Helper()
	return storage.Config{DataDir: t.TempDir(), SQLiteSynchronous: "NORMAL"}
}
