package logging_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/accessflow/accessflow/pkg/logging"
	"github.com/accessflow/accessflow/pkg/tracking"
)

func TestEveryLineCarriesTrackingAndTrace(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger, err := logging.New(&buf, "json", "info")
	require.NoError(t, err)

	n := tracking.New()
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: n.TraceID(), SpanID: trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8}, TraceFlags: trace.FlagsSampled,
	})
	ctx := trace.ContextWithSpanContext(tracking.NewContext(t.Context(), n), sc)
	logger.With("component", "test").InfoContext(ctx, "hello")

	var line map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line))
	require.Equal(t, n.String(), line[logging.KeyTrackingNumber])
	require.Equal(t, n.String(), line[logging.KeyTraceID])
	require.Equal(t, "0102030405060708", line[logging.KeySpanID])
	require.Equal(t, "test", line["component"])
}

func TestNewRejectsBadSettings(t *testing.T) {
	t.Parallel()
	_, err := logging.New(&bytes.Buffer{}, "xml", "info")
	require.Error(t, err)
	_, err = logging.New(&bytes.Buffer{}, "json", "loud")
	require.Error(t, err)
}

func TestServiceIsOneKeyReplacedByComponents(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger, err := logging.New(&buf, "json", "info")
	require.NoError(t, err)
	process := logger.With(logging.KeyService, "accessflow")
	process.Info("process line")
	process.With(logging.KeyService, "policy", "store", "sqlite").Info("component line")
	process.WithGroup("req").Info("grouped line", "path", "/x")
	process.Info("explicit", logging.KeyService, "trigger-ingest")

	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	require.Len(t, lines, 4)
	for i, want := range []string{"accessflow", "policy", "accessflow", "trigger-ingest"} {
		require.Equal(t, 1, bytes.Count(lines[i], []byte(`"service":`)), "one service key: %s", lines[i])
		var line map[string]any
		require.NoError(t, json.Unmarshal(lines[i], &line))
		require.Equal(t, want, line[logging.KeyService], string(lines[i]))
	}
}

func TestQuieterLogsInfoAtDebug(t *testing.T) {
	t.Parallel()
	var info, debug bytes.Buffer
	atInfo, err := logging.New(&info, "json", "info")
	require.NoError(t, err)
	atDebug, err := logging.New(&debug, "json", "debug")
	require.NoError(t, err)
	logging.Quieter(atInfo).Info("Applied migration")
	logging.Quieter(atInfo).Warn("kept")
	logging.Quieter(atDebug).Info("Applied migration")
	require.NotContains(t, info.String(), "Applied migration")
	require.Contains(t, info.String(), "kept")
	require.Contains(t, debug.String(), `"level":"DEBUG","msg":"Applied migration"`)
}
