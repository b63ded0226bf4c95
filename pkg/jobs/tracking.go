package jobs

import (
	"context"
	"encoding/json"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/accessflow/accessflow/pkg/tracking"
)

// metadataKey holds the trackingNumber in a job's metadata.
const metadataKey = "tracking_number"

// trackingMiddleware carries the trackingNumber of the inserting context into the job's
// metadata and back into the context the worker runs with, so a job's logs and spans join the
// request that caused it.
type trackingMiddleware struct{ river.MiddlewareDefaults }

var (
	_ rivertype.JobInsertMiddleware = &trackingMiddleware{}
	_ rivertype.WorkerMiddleware    = &trackingMiddleware{}
)

func (*trackingMiddleware) InsertMany(ctx context.Context, manyParams []*rivertype.JobInsertParams, doInner func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
	if n, ok := tracking.FromContext(ctx); ok {
		for _, p := range manyParams {
			md := map[string]any{}
			if len(p.Metadata) > 0 {
				if err := json.Unmarshal(p.Metadata, &md); err != nil {
					continue // not an object: leave it as the caller set it
				}
			}
			if _, set := md[metadataKey]; set {
				continue
			}
			md[metadataKey] = n.String()
			if b, err := json.Marshal(md); err == nil {
				p.Metadata = b
			}
		}
	}
	return doInner(ctx)
}

func (*trackingMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
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
