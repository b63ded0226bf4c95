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
	n, hasNumber := tracking.FromContext(ctx)
	carrier := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, carrier)
	parent := carrier.Get(traceparentKey)
	if !hasNumber && parent == "" {
		return doInner(ctx)
	}
	for _, p := range manyParams {
		md := map[string]any{}
		if len(p.Metadata) > 0 {
			if err := json.Unmarshal(p.Metadata, &md); err != nil {
				continue // not an object: leave it as the caller set it
			}
		}
		changed := false
		if _, set := md[metadataKey]; !set && hasNumber {
			md[metadataKey], changed = n.String(), true
		}
		if _, set := md[traceparentKey]; !set && parent != "" {
			md[traceparentKey], changed = parent, true
		}
		if !changed {
			continue
		}
		if b, err := json.Marshal(md); err == nil {
			p.Metadata = b
		}
	}
	return doInner(ctx)
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
