package grpcserver

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"

	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/telemetry"
	"github.com/accessflow/accessflow/pkg/tracking"
)

// trackingStatsHandler runs before the otelgrpc stats handler it wraps: it decides each RPC's
// trackingNumber (tracking.Decide) and, when an incoming traceparent belongs to another trace,
// removes it from the metadata so the server span starts the trackingNumber's trace, then keeps
// it as a link on that span.
type trackingStatsHandler struct {
	next stats.Handler
}

type trackingErrKey struct{}

func (h trackingStatsHandler) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	md, _ := metadata.FromIncomingContext(ctx)
	md = md.Copy()
	remote := trace.SpanContextFromContext(otel.GetTextMapPropagator().Extract(ctx, metadataCarrier(md)))
	decision, err := tracking.Decide(first(md, tracking.MetadataKey), remote)
	if err != nil {
		ctx = context.WithValue(ctx, trackingErrKey{}, err)
		decision, _ = tracking.Decide("", trace.SpanContext{})
	}
	if !decision.Parent.IsValid() {
		md.Delete("traceparent")
		md.Delete("tracestate")
	}
	md.Set(tracking.MetadataKey, decision.Number.String())
	ctx = metadata.NewIncomingContext(ctx, md)
	ctx = tracking.NewContext(ctx, decision.Number)
	if m, err := baggage.NewMember(tracking.BaggageKey, decision.Number.String()); err == nil {
		if b, err := baggage.FromContext(ctx).SetMember(m); err == nil {
			ctx = baggage.ContextWithBaggage(ctx, b)
		}
	}

	ctx = h.next.TagRPC(ctx, info)

	span := trace.SpanFromContext(ctx)
	span.SetAttributes(telemetry.AttrTrackingNumber.String(decision.Number.String()))
	if decision.Link.IsValid() {
		span.AddLink(trace.Link{SpanContext: decision.Link})
	}
	return ctx
}

func (h trackingStatsHandler) HandleRPC(ctx context.Context, s stats.RPCStats) {
	h.next.HandleRPC(ctx, s)
}

func (h trackingStatsHandler) TagConn(ctx context.Context, info *stats.ConnTagInfo) context.Context {
	return h.next.TagConn(ctx, info)
}

func (h trackingStatsHandler) HandleConn(ctx context.Context, s stats.ConnStats) {
	h.next.HandleConn(ctx, s)
}

// trackingUnary rejects an RPC whose x-tracking-number was malformed and echoes the
// trackingNumber in the response header.
func trackingUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := checkTracking(ctx); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

func trackingStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := checkTracking(ss.Context()); err != nil {
		return err
	}
	return handler(srv, ss)
}

func checkTracking(ctx context.Context) error {
	if err, ok := ctx.Value(trackingErrKey{}).(error); ok {
		st, _ := apierror.ToStatus(err)
		return st.Err()
	}
	if n, ok := tracking.FromContext(ctx); ok {
		// Best effort: the header cannot be set once the handler has sent one.
		_ = grpc.SetHeader(ctx, metadata.Pairs(tracking.MetadataKey, n.String()))
	}
	return nil
}

func first(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

type metadataCarrier metadata.MD

var _ propagation.TextMapCarrier = metadataCarrier{}

func (c metadataCarrier) Get(key string) string { return first(metadata.MD(c), key) }
func (c metadataCarrier) Set(key, value string) { metadata.MD(c).Set(key, value) }
func (c metadataCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}
