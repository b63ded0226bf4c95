package gateway

import (
	"net/http"
	"sync"

	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"

	trackingv1 "github.com/accessflow/accessflow/api/accessflow/tracking/v1"
	"github.com/accessflow/accessflow/pkg/timeline"
)

// trackingTimeline serves GET /v1/tracking/{trackingNumber}: what every service recorded for a
// trackingNumber, merged oldest first. Each service checks the caller's token itself
// (af:tracking:read or af:audit:read) and validates the trackingNumber.
func (g *Gateway) trackingTimeline(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if authz := r.Header.Get("Authorization"); authz != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", authz)
	}
	req := &trackingv1.ListTimelineEntriesRequest{TrackingNumber: r.PathValue("trackingNumber")}
	conns := g.backends.all()
	parts := make(map[string][]*trackingv1.TimelineEntry, len(conns))
	var mu sync.Mutex
	eg, ctx := errgroup.WithContext(ctx)
	for name, conn := range conns {
		eg.Go(func() error {
			resp, err := trackingv1.NewTimelineServiceClient(conn).ListTimelineEntries(ctx, req)
			mu.Lock()
			defer mu.Unlock()
			parts[name] = resp.GetEntries()
			return err
		})
	}
	if err := eg.Wait(); err != nil {
		g.handleError(r.Context(), nil, nil, w, r, err)
		return
	}
	var entries []*trackingv1.TimelineEntry
	for _, p := range parts {
		entries = append(entries, p...)
	}
	timeline.Sort(entries)
	body, err := protojson.MarshalOptions{EmitDefaultValues: true}.Marshal(&trackingv1.Timeline{
		TrackingNumber: req.GetTrackingNumber(),
		Entries:        entries,
	})
	if err != nil {
		g.handleError(r.Context(), nil, nil, w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
