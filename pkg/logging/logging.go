// Package logging builds the process's slog logger: JSON (or text) lines that each carry the
// service that logged them and the trace_id, span_id and tracking_number of the context they
// were logged with.
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
	// KeyService names the component that logged the line. It is set once per logger
	// (logger.With(KeyService, "policy")); setting it again replaces it rather than repeating it.
	KeyService        = "service"
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

// ContextHandler adds the service, and the trace and trackingNumber of the record's context, to
// each record.
type ContextHandler struct {
	slog.Handler
	// service is the KeyService value of the logger, kept apart so that a component's logger
	// derived from the process's replaces it instead of adding a second "service" key.
	service string
}

// NewContextHandler wraps h.
func NewContextHandler(h slog.Handler) *ContextHandler { return &ContextHandler{Handler: h} }

// Handle adds service, trace_id, span_id and tracking_number, when known, then delegates.
func (h *ContextHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.service != "" && !hasService(r) {
		r.AddAttrs(slog.String(KeyService, h.service))
	}
	if n, ok := tracking.FromContext(ctx); ok {
		r.AddAttrs(slog.String(KeyTrackingNumber, n.String()))
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String(KeyTraceID, sc.TraceID().String()), slog.String(KeySpanID, sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func hasService(r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == KeyService
		return !found
	})
	return found
}

// WithAttrs keeps the wrapper around the derived handler, and the service apart.
func (h *ContextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	service := h.service
	rest := make([]slog.Attr, 0, len(attrs))
	for _, a := range attrs {
		if a.Key == KeyService {
			service = a.Value.String()
			continue
		}
		rest = append(rest, a)
	}
	return &ContextHandler{Handler: h.Handler.WithAttrs(rest), service: service}
}

// WithGroup keeps the wrapper around the derived handler. The service is fixed from here on,
// outside the group.
func (h *ContextHandler) WithGroup(name string) slog.Handler {
	inner := h.Handler
	if h.service != "" {
		inner = inner.WithAttrs([]slog.Attr{slog.String(KeyService, h.service)})
	}
	return &ContextHandler{Handler: inner.WithGroup(name)}
}

// Quieter returns l with its Info records logged at Debug: for a library's routine chatter
// (River's "Applied migration" lines) that an operator needs only when debugging.
func Quieter(l *slog.Logger) *slog.Logger {
	return slog.New(quieter{l.Handler()})
}

type quieter struct{ slog.Handler }

func (q quieter) Enabled(ctx context.Context, level slog.Level) bool {
	if level == slog.LevelInfo {
		level = slog.LevelDebug
	}
	return q.Handler.Enabled(ctx, level)
}

func (q quieter) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelInfo {
		r.Level = slog.LevelDebug
	}
	return q.Handler.Handle(ctx, r)
}

func (q quieter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quieter{q.Handler.WithAttrs(attrs)}
}

func (q quieter) WithGroup(name string) slog.Handler { return quieter{q.Handler.WithGroup(name)} }

// Discard returns a logger that drops everything: the safe default of constructors.
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
