package gateway

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	auditv1 "github.com/accessflow/accessflow/api/accessflow/audit/v1"
	"github.com/accessflow/accessflow/pkg/collection"
)

// auditEvents serves GET /v1/audit-events: every service keeps its own log; this merges them,
// newest first. Filters: actor, trackingNumber, target, since (RFC 3339); paging: limit, offset.
// Each service checks the caller's token (af:audit:read) itself.
func (g *Gateway) auditEvents(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	page, err := pageOf(q.Get("limit"), q.Get("offset"))
	if err != nil {
		g.handleError(ctx, nil, nil, w, r, err)
		return
	}
	req := &auditv1.ListAuditEventsRequest{
		Actor: q.Get("actor"), TrackingNumber: q.Get("trackingNumber"), Target: q.Get("target"),
	}
	if since := q.Get("since"); since != "" {
		t, err := time.Parse(time.RFC3339, since)
		if err != nil {
			g.handleError(ctx, nil, nil, w, r, status.Error(codes.InvalidArgument, "since: want an RFC 3339 time"))
			return
		}
		req.Since = timestamppb.New(t)
	}
	limit := int32(page.Offset + page.Limit)
	req.Limit, req.Offset = &limit, 0
	if md := r.Header.Get("Authorization"); md != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", md)
	}
	var events []*auditv1.AuditEvent
	for _, conn := range []*grpc.ClientConn{g.backends.Policy, g.backends.Trigger, g.backends.Approval, g.backends.Action} {
		resp, err := auditv1.NewAuditServiceClient(conn).ListAuditEvents(ctx, req)
		if err != nil {
			g.handleError(ctx, nil, nil, w, r, err)
			return
		}
		events = append(events, resp.GetEvents()...)
	}
	slices.SortFunc(events, func(a, b *auditv1.AuditEvent) int {
		return b.GetTime().AsTime().Compare(a.GetTime().AsTime())
	})
	events = events[min(page.Offset, len(events)):min(page.Offset+page.Limit, len(events))]
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("["))
	for i, e := range events {
		if i > 0 {
			_, _ = w.Write([]byte(","))
		}
		b, _ := protojson.MarshalOptions{EmitDefaultValues: true}.Marshal(e)
		_, _ = w.Write(b)
	}
	_, _ = w.Write([]byte("]"))
}

func pageOf(limit, offset string) (collection.Page, error) {
	p := collection.Page{Limit: collection.DefaultLimit}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > collection.MaxLimit {
			return p, status.Errorf(codes.InvalidArgument, "limit: want 1 to %d", collection.MaxLimit)
		}
		p.Limit = n
	}
	if offset != "" {
		n, err := strconv.Atoi(offset)
		if err != nil || n < 0 || n > 100000 {
			return p, status.Error(codes.InvalidArgument, "offset: want 0 to 100000")
		}
		p.Offset = n
	}
	return p, nil
}
