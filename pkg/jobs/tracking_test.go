package jobs

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/riverqueue/river/rivertype"
	"github.com/riverqueue/rivercontrib/otelriver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/accessflow/accessflow/pkg/telemetry"
	"github.com/accessflow/accessflow/pkg/tracking"
)

// insertAndWork inserts a job's params under ctx through the tracking middleware and works the
// job through the middleware chain riverConfig builds, returning the job's metadata and the
// context its worker ran with.
func insertAndWork(ctx context.Context, t *testing.T, tp trace.TracerProvider) (map[string]any, context.Context) {
	t.Helper()
	params := []*rivertype.JobInsertParams{{Kind: "test"}}
	_, err := (&trackingMiddleware{}).InsertMany(ctx, params, func(context.Context) ([]*rivertype.JobInsertResult, error) { return nil, nil })
	require.NoError(t, err)
	md := map[string]any{}
	require.NoError(t, json.Unmarshal(params[0].Metadata, &md))

	chain := []rivertype.WorkerMiddleware{&trackingMiddleware{}, otelriver.NewMiddleware(&otelriver.MiddlewareConfig{TracerProvider: tp}), &linksMiddleware{}}
	job := &rivertype.JobRow{Kind: "test", Metadata: params[0].Metadata}
	var worked context.Context
	var run func(i int, ctx context.Context) error
	run = func(i int, ctx context.Context) error {
		if i == len(chain) {
			worked = ctx
			return nil
		}
		return chain[i].Work(ctx, job, func(ctx context.Context) error { return run(i+1, ctx) })
	}
	require.NoError(t, run(0, context.Background()))
	return md, worked
}

func TestJobSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithIDGenerator(telemetry.NewIDGenerator()))
	tracer := tp.Tracer("test")
	flowNumber := tracking.New()
	otherNumber := tracking.New()

	// The flow begins in one call (its own trace) and is moved on by another (another trace).
	flowCtx, flowSpan := tracer.Start(tracking.NewContext(context.Background(), flowNumber), "file request")
	flowSpan.End()
	parent := Traceparent(flowCtx)
	require.NotEmpty(t, parent)
	decideCtx, decideSpan := tracer.Start(tracking.NewContext(context.Background(), otherNumber), "decide")
	defer decideSpan.End()
	require.NotEqual(t, flowSpan.SpanContext().TraceID(), decideSpan.SpanContext().TraceID())

	workSpan := func(worked context.Context) sdktrace.ReadOnlySpan {
		t.Helper()
		id := trace.SpanContextFromContext(worked).SpanID()
		for _, s := range rec.Started() {
			if s.SpanContext().SpanID() == id {
				return s
			}
		}
		t.Fatal("no span for the job's work")
		return nil
	}

	t.Run("without Caused the job is the inserting span's child", func(t *testing.T) {
		md, worked := insertAndWork(decideCtx, t, tp)
		assert.Equal(t, otherNumber.String(), md[metadataKey])
		assert.NotContains(t, md, linksKey)
		s := workSpan(worked)
		assert.Equal(t, decideSpan.SpanContext().SpanID(), s.Parent().SpanID())
		assert.Empty(t, s.Links())
		n, _ := tracking.FromContext(worked)
		assert.Equal(t, otherNumber, n)
	})

	t.Run("Caused makes it the flow span's child, linked to its cause", func(t *testing.T) {
		md, worked := insertAndWork(Caused(decideCtx, flowNumber.String(), parent), t, tp)
		assert.Equal(t, flowNumber.String(), md[metadataKey])
		assert.Equal(t, parent, md[traceparentKey])
		s := workSpan(worked)
		assert.Equal(t, flowSpan.SpanContext().TraceID(), s.SpanContext().TraceID())
		assert.Equal(t, flowSpan.SpanContext().SpanID(), s.Parent().SpanID())
		require.Len(t, s.Links(), 1)
		assert.Equal(t, decideSpan.SpanContext().SpanID(), s.Links()[0].SpanContext.SpanID())
		assert.Equal(t, decideSpan.SpanContext().TraceID(), s.Links()[0].SpanContext.TraceID())
		n, _ := tracking.FromContext(worked)
		assert.Equal(t, flowNumber, n)
	})

	t.Run("Caused within the flow's own span adds no link", func(t *testing.T) {
		md, worked := insertAndWork(Caused(flowCtx, flowNumber.String(), parent), t, tp)
		assert.NotContains(t, md, linksKey)
		s := workSpan(worked)
		assert.Equal(t, flowSpan.SpanContext().SpanID(), s.Parent().SpanID())
		assert.Empty(t, s.Links())
	})

	t.Run("Caused with no parent leaves the inserting span as parent", func(t *testing.T) {
		md, worked := insertAndWork(Caused(decideCtx, flowNumber.String(), ""), t, tp)
		assert.Equal(t, flowNumber.String(), md[metadataKey])
		assert.NotContains(t, md, linksKey)
		assert.Equal(t, decideSpan.SpanContext().SpanID(), workSpan(worked).Parent().SpanID())
	})

	t.Run("Caused with a malformed parent is ignored", func(t *testing.T) {
		_, worked := insertAndWork(Caused(decideCtx, "not a number", "00-garbage"), t, tp)
		assert.Equal(t, decideSpan.SpanContext().SpanID(), workSpan(worked).Parent().SpanID())
		n, _ := tracking.FromContext(worked)
		assert.Equal(t, otherNumber, n)
	})
}
