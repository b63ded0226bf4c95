package tracking_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/accessflow/accessflow/pkg/tracking"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	number := tracking.Number("4b4d982dddff4267ab12f0f1e72b5a6d")
	same := remoteSpan(number.TraceID())
	other := remoteSpan([16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})

	t.Run("neither: new number, new trace", func(t *testing.T) {
		t.Parallel()
		d, err := tracking.Decide("", trace.SpanContext{})
		require.NoError(t, err)
		_, err = tracking.Parse(d.Number.String())
		require.NoError(t, err)
		require.False(t, d.Parent.IsValid())
		require.False(t, d.Link.IsValid())
	})
	t.Run("only traceparent: its trace id is the number", func(t *testing.T) {
		t.Parallel()
		d, err := tracking.Decide("", other)
		require.NoError(t, err)
		require.Equal(t, tracking.FromTraceID(other.TraceID()), d.Number)
		require.Equal(t, other, d.Parent)
	})
	t.Run("only tracking number", func(t *testing.T) {
		t.Parallel()
		d, err := tracking.Decide(number.String(), trace.SpanContext{})
		require.NoError(t, err)
		require.Equal(t, number, d.Number)
		require.False(t, d.Parent.IsValid())
	})
	t.Run("both agree: parent kept", func(t *testing.T) {
		t.Parallel()
		d, err := tracking.Decide(number.String(), same)
		require.NoError(t, err)
		require.Equal(t, number, d.Number)
		require.Equal(t, same, d.Parent)
		require.False(t, d.Link.IsValid())
	})
	t.Run("both differ: number wins, span becomes link", func(t *testing.T) {
		t.Parallel()
		d, err := tracking.Decide(number.String(), other)
		require.NoError(t, err)
		require.Equal(t, number, d.Number)
		require.False(t, d.Parent.IsValid())
		require.Equal(t, other, d.Link)
	})
	t.Run("malformed number", func(t *testing.T) {
		t.Parallel()
		_, err := tracking.Decide("not-a-tracking-number", same)
		require.ErrorIs(t, err, tracking.ErrInvalid)
	})
}

func remoteSpan(traceID [16]byte) trace.SpanContext {
	return trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    traceID,
		SpanID:     trace.SpanID{1, 1, 1, 1, 1, 1, 1, 1},
		TraceFlags: trace.FlagsSampled,
		Remote:     true,
	})
}
