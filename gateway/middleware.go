package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/accessflow/accessflow/pkg/telemetry"
	"github.com/accessflow/accessflow/pkg/tracking"
)

// The middleware chain, outermost first:
//
//	recovery → tracking (decide the trackingNumber, echo it) → otelhttp (server span, whose
//	trace ID is the trackingNumber) → span link and attribute → access log → rate limit →
//	body limit → mux
func (g *Gateway) middleware(next http.Handler) http.Handler {
	h := g.limitBody(next)
	h = g.rateLimit(h)
	h = g.accessLog(h)
	h = linkSpan(h)
	h = otelhttp.NewHandler(h, "gateway", otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
		return r.Method + " " + r.URL.Path
	}))
	h = g.trackRequest(h)
	return g.recover(h)
}

func (g *Gateway) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler { //nolint:errorlint // sentinel panic value, compared as net/http does
					panic(v)
				}
				g.logger.ErrorContext(r.Context(), "panic in gateway", "panic", v, "stack", string(debug.Stack()))
				writeError(r.Context(), w, http.StatusInternalServerError, "An internal fault occurred.", nil, 0)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type linkKey struct{}

// trackRequest decides the request's trackingNumber (tracking.Decide): a malformed
// X-Tracking-Number is a 400; a traceparent of another trace is removed, so the server span
// starts the trackingNumber's trace, and kept for linkSpan.
func (g *Gateway) trackRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		remote := trace.SpanContextFromContext(otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header)))
		decision, err := tracking.Decide(r.Header.Get(tracking.Header), remote)
		if err != nil {
			ctx := tracking.NewContext(r.Context(), tracking.New())
			w.Header().Set(tracking.Header, mustNumber(ctx))
			writeError(ctx, w, http.StatusBadRequest, "X-Tracking-Number: "+err.Error(), nil, 0)
			return
		}
		if !decision.Parent.IsValid() {
			r.Header.Del("traceparent")
			r.Header.Del("tracestate")
		}
		ctx := tracking.NewContext(r.Context(), decision.Number)
		if m, err := baggage.NewMember(tracking.BaggageKey, decision.Number.String()); err == nil {
			if b, err := baggage.FromContext(ctx).SetMember(m); err == nil {
				ctx = baggage.ContextWithBaggage(ctx, b)
			}
		}
		if decision.Link.IsValid() {
			ctx = context.WithValue(ctx, linkKey{}, decision.Link)
		}
		w.Header().Set(tracking.Header, decision.Number.String())
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func mustNumber(ctx context.Context) string {
	n, _ := tracking.FromContext(ctx)
	return n.String()
}

// linkSpan runs inside otelhttp's span: it tags the span with the trackingNumber and links the
// caller's span of another trace.
func linkSpan(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		span := trace.SpanFromContext(r.Context())
		span.SetAttributes(telemetry.AttrTrackingNumber.String(mustNumber(r.Context())))
		if link, ok := r.Context().Value(linkKey{}).(trace.SpanContext); ok {
			span.AddLink(trace.Link{SpanContext: link})
		}
		next.ServeHTTP(w, r)
	})
}

type bodyLimitKey struct{}

// limitedBody counts what a handler reads and flags the request once it reads past the limit,
// so that the error handler can answer 413 instead of a decoding error.
type limitedBody struct {
	io.ReadCloser
	hit *atomic.Bool
}

func (b limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err.Error() == "http: request body too large" {
		b.hit.Store(true)
	}
	return n, err
}

func bodyTooLarge(r *http.Request) bool {
	hit, ok := r.Context().Value(bodyLimitKey{}).(*atomic.Bool)
	return ok && hit.Load()
}

func (g *Gateway) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > g.maxBodyBytes {
			writeError(r.Context(), w, http.StatusRequestEntityTooLarge, "request body is larger than "+itoa(g.maxBodyBytes)+" bytes", nil, 0)
			return
		}
		hit := &atomic.Bool{}
		r.Body = limitedBody{ReadCloser: http.MaxBytesReader(w, r.Body, g.maxBodyBytes), hit: hit}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), bodyLimitKey{}, hit)))
	})
}

// statusWriter records the status for the access log and can drop the body of a 204.
type statusWriter struct {
	http.ResponseWriter
	status  int
	noBody  bool
	written int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.noBody {
		return len(p), nil
	}
	n, err := w.ResponseWriter.Write(p)
	w.written += int64(n)
	return n, err
}

func (w *statusWriter) discardBody() { w.noBody = true }

// Unwrap lets http.ResponseController reach the underlying writer (flush, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (g *Gateway) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		level := slogLevel(sw.status)
		g.logger.Log(r.Context(), level, "http", "method", r.Method, "path", r.URL.Path,
			"status", sw.status, "bytes", sw.written, "duration", time.Since(start))
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v) // the client hung up: nothing left to tell it
}
