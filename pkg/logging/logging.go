// Package logging builds the process's slog logger: JSON (or text) lines that each carry the
// trace_id, span_id and tracking_number of the context they were logged with.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"go.opentelemetry.io/otel/trace"

	"github.com/accessflow/accessflow/pkg/tracking"
)

// Keys added to every line logged with a context.
const (
	KeyTraceID        = "trace_id"
	KeySpanID         = "span_id"
	KeyTrackingNumber = "tracking_number"
)

// New returns a logger writing to w in format "json" or "text" at level ("debug", "info",
// "warn", "error").
func New(w io.Writer, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler
	switch strings.ToLower(format) {
	case "json":
		h = slog.NewJSONHandler(w, opts)
	case "text":
		h = slog.NewTextHandler(w, opts)
	default:
		return nil, fmt.Errorf("log format %q: want json or text", format)
	}
	return slog.New(NewContextHandler(h)), nil
}

// ContextHandler adds the trace and trackingNumber of the record's context to each record.
type ContextHandler struct{ slog.Handler }

// NewContextHandler wraps h.
func NewContextHandler(h slog.Handler) *ContextHandler { return &ContextHandler{Handler: h} }

// Handle adds trace_id, span_id and tracking_number, when ctx has them, then delegates.
func (h *ContextHandler) Handle(ctx context.Context, r slog.Record) error {
	if n, ok := tracking.FromContext(ctx); ok {
		r.AddAttrs(slog.String(KeyTrackingNumber, n.String()))
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String(KeyTraceID, sc.TraceID().String()), slog.String(KeySpanID, sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper around the derived handler.
func (h *ContextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &ContextHandler{Handler: h.Handler.WithAttrs(attrs)}
}

// WithGroup keeps the wrapper around the derived handler.
func (h *ContextHandler) WithGroup(name string) slog.Handler {
	return &ContextHandler{Handler: h.Handler.WithGroup(name)}
}

// Discard returns a logger that drops everything: the safe default of constructors.
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
