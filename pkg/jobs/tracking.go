package jobs

import (
	"context"
	"encoding/json"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/accessflow/accessflow/pkg/tracking"
)

// Keys of what a job's metadata carries from the context that inserted it.
const (
	// metadataKey holds the trackingNumber.
	metadataKey = "tracking_number"
	// traceparentKey holds the W3C traceparent of the job's parent span: the span that inserted
	// it, or the span that began the flow the job belongs to (Caused).
	traceparentKey = "traceparent"
	// linksKey holds the W3C traceparents of spans the job's span links to: the span that
	// caused a job whose parent is its flow's span (Caused).
	linksKey = "trace_links"
)

// trackingMiddleware carries the trackingNumber and the span of the inserting context into the
// job's metadata, and back into the context the worker runs with: a job's logs carry the
// request's trackingNumber, and its spans are children of the span that inserted it (or of its
// flow's span: Caused), in the trace whose ID is the trackingNumber.
type trackingMiddleware struct{ river.MiddlewareDefaults }

var (
	_ rivertype.JobInsertMiddleware = &trackingMiddleware{}
	_ rivertype.WorkerMiddleware    = &trackingMiddleware{}
)

func (*trackingMiddleware) InsertMany(ctx context.Context, manyParams []*rivertype.JobInsertParams, doInner func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
	origin := originOf(ctx)
	if !origin.empty() {
		for _, p := range manyParams {
			p.Metadata = origin.stamp(p.Metadata)
		}
	}
	return doInner(ctx)
}

// WithOrigin returns opts (a copy; nil is fine) with the trackingNumber and span of ctx in the
// job's metadata, for a job that is inserted later or under another context than the one that
// caused it (e.g. by a group commit on behalf of many requests). Jobs inserted under the
// causing context get this from the insert middleware.
func WithOrigin(ctx context.Context, opts *river.InsertOpts) *river.InsertOpts {
	out := river.InsertOpts{}
	if opts != nil {
		out = *opts
	}
	if origin := originOf(ctx); !origin.empty() {
		out.Metadata = origin.stamp(out.Metadata)
	}
	return &out
}

// Caused returns ctx for inserting the jobs that the work under ctx causes in a flow that began
// earlier, in another call (e.g. an approval flow that an approver's decision or a timer moves
// on): the jobs carry the flow's trackingNumber n and their spans are children of parent, the
// W3C traceparent of the span that began the flow, with a link to the span of ctx that caused
// them. So every job of a flow is in the flow's one trace tree, however many calls and traces
// moved it. An invalid n or parent leaves that part to ctx (the job is then the child of the
// span of ctx, as without Caused).
func Caused(ctx context.Context, n, parent string) context.Context {
	if tn, err := tracking.Parse(n); err == nil {
		ctx = tracking.NewContext(ctx, tn)
	}
	if p := parseTraceparent(parent); p.IsValid() {
		ctx = context.WithValue(ctx, flowParentKey{}, parent)
	}
	return ctx
}

// Traceparent returns the W3C traceparent of the span of ctx ("" without a valid span): what
// a flow keeps to pass to Caused later.
func Traceparent(ctx context.Context) string {
	carrier := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, carrier)
	return carrier.Get(traceparentKey)
}

type flowParentKey struct{}

func parseTraceparent(tp string) trace.SpanContext {
	if tp == "" {
		return trace.SpanContext{}
	}
	ctx := propagation.TraceContext{}.Extract(context.Background(), propagation.MapCarrier{traceparentKey: tp})
	return trace.SpanContextFromContext(ctx)
}

// origin is what a job carries from the context that caused it.
type origin struct {
	trackingNumber string
	traceparent    string
	links          []string
}

func originOf(ctx context.Context) origin {
	var o origin
	if n, ok := tracking.FromContext(ctx); ok {
		o.trackingNumber = n.String()
	}
	o.traceparent = Traceparent(ctx)
	if parent, ok := ctx.Value(flowParentKey{}).(string); ok {
		cause := trace.SpanContextFromContext(ctx)
		if cause.IsValid() && cause.SpanID() != parseTraceparent(parent).SpanID() {
			o.links = []string{o.traceparent}
		}
		o.traceparent = parent
	}
	return o
}

func (o origin) empty() bool { return o.trackingNumber == "" && o.traceparent == "" }

// stamp adds the origin to a job's metadata, keeping what is set already.
func (o origin) stamp(metadata []byte) []byte {
	md := map[string]any{}
	if len(metadata) > 0 {
		if err := json.Unmarshal(metadata, &md); err != nil {
			return metadata // not an object: leave it as the caller set it
		}
	}
	changed := false
	if _, set := md[metadataKey]; !set && o.trackingNumber != "" {
		md[metadataKey], changed = o.trackingNumber, true
	}
	if _, set := md[traceparentKey]; !set && o.traceparent != "" {
		md[traceparentKey], changed = o.traceparent, true
	}
	if _, set := md[linksKey]; !set && len(o.links) > 0 {
		md[linksKey], changed = o.links, true
	}
	if !changed {
		return metadata
	}
	b, err := json.Marshal(md)
	if err != nil {
		return metadata
	}
	return b
}

func (*trackingMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	var md struct {
		Traceparent string `json:"traceparent"`
	}
	if err := json.Unmarshal(job.Metadata, &md); err == nil && md.Traceparent != "" {
		ctx = propagation.TraceContext{}.Extract(ctx, propagation.MapCarrier{traceparentKey: md.Traceparent})
	}
	if n, ok := TrackingNumber(job); ok {
		ctx = tracking.NewContext(ctx, n)
	}
	return doInner(ctx)
}

// linksMiddleware runs inside otelriver's: it adds to the job's span the links its metadata
// carries (Caused), since otelriver starts the span with links of its own choosing only.
type linksMiddleware struct{ river.MiddlewareDefaults }

var _ rivertype.WorkerMiddleware = &linksMiddleware{}

func (*linksMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	var md struct {
		Links []string `json:"trace_links"`
	}
	if err := json.Unmarshal(job.Metadata, &md); err == nil && len(md.Links) > 0 {
		span := trace.SpanFromContext(ctx)
		for _, l := range md.Links {
			if sc := parseTraceparent(l); sc.IsValid() {
				span.AddLink(trace.Link{SpanContext: sc})
			}
		}
	}
	return doInner(ctx)
}

// TrackingNumber returns the trackingNumber stored with job, if any.
func TrackingNumber(job *rivertype.JobRow) (tracking.Number, bool) {
	var md struct {
		TrackingNumber string `json:"tracking_number"`
	}
	if err := json.Unmarshal(job.Metadata, &md); err != nil || md.TrackingNumber == "" {
		return "", false
	}
	n, err := tracking.Parse(md.TrackingNumber)
	return n, err == nil
}
