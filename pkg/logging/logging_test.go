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
