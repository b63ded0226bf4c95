package jobs

import (
	"context"
	"encoding/json"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel/propagation"

	"github.com/accessflow/accessflow/pkg/tracking"
)

// Keys of what a job's metadata carries from the context that inserted it.
const (
	// metadataKey holds the trackingNumber.
	metadataKey = "tracking_number"
	// traceparentKey holds the W3C traceparent of the span that inserted the job.
	traceparentKey = "traceparent"
)

// trackingMiddleware carries the trackingNumber and the span of the inserting context into the
// job's metadata, and back into the context the worker runs with: a job's logs carry the
// request's trackingNumber, and its spans are children of the span that inserted it, in the
// trace whose ID is the trackingNumber.
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

// origin is what a job carries from the context that caused it.
type origin struct {
	trackingNumber string
	traceparent    string
}

func originOf(ctx context.Context) origin {
	var o origin
	if n, ok := tracking.FromContext(ctx); ok {
		o.trackingNumber = n.String()
	}
	carrier := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, carrier)
	o.traceparent = carrier.Get(traceparentKey)
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
