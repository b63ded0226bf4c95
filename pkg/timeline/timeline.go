// Package timeline serves accessflow.tracking.v1.TimelineService for one service: everything the
// service recorded for a trackingNumber, from the calls in its audit log to its own records
// (events, deliveries, reservations, approvals, scripts), oldest first. The gateway merges every
// service's timeline at GET /v1/tracking/{trackingNumber}.
package timeline

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	trackingv1 "github.com/accessflow/accessflow/api/accessflow/tracking/v1"
	"github.com/accessflow/accessflow/pkg/storage"
)

// MaxEntries bounds what one service answers for one trackingNumber.
const MaxEntries = 2000

// Source lists a service's own records of one trackingNumber.
type Source func(ctx context.Context, trackingNumber string) ([]*trackingv1.TimelineEntry, error)

// Service serves one service's timeline.
type Service struct {
	trackingv1.UnimplementedTimelineServiceServer
	name    string
	sources []Source
}

// NewService returns the timeline of the service called name: its audit log's calls on backend
// plus what sources list.
func NewService(name string, backend storage.Backend, sources ...Source) *Service {
	return &Service{name: name, sources: append([]Source{auditCalls(backend)}, sources...)}
}

// ListTimelineEntries lists the service's records of the trackingNumber, oldest first.
func (s *Service) ListTimelineEntries(ctx context.Context, req *trackingv1.ListTimelineEntriesRequest) (*trackingv1.ListTimelineEntriesResponse, error) {
	var entries []*trackingv1.TimelineEntry
	for _, src := range s.sources {
		got, err := src(ctx, req.GetTrackingNumber())
		if err != nil {
			return nil, fmt.Errorf("timeline: %w", err)
		}
		entries = append(entries, got...)
	}
	for _, e := range entries {
		if e.GetService() == "" {
			e.Service = s.name
		}
	}
	Sort(entries)
	if len(entries) > MaxEntries {
		entries = entries[:MaxEntries]
	}
	return &trackingv1.ListTimelineEntriesResponse{Entries: entries}, nil
}

// Sort orders entries oldest first; entries of the same instant keep their order.
func Sort(entries []*trackingv1.TimelineEntry) {
	slices.SortStableFunc(entries, func(a, b *trackingv1.TimelineEntry) int {
		return cmp.Compare(a.GetTime().AsTime().UnixNano(), b.GetTime().AsTime().UnixNano())
	})
}

// Entry builds an entry at time t (Unix microseconds, as stores keep times); details may be nil
// and must hold only JSON values.
func Entry(timeUS int64, kind, id, status, summary string, details map[string]any) (*trackingv1.TimelineEntry, error) {
	e := &trackingv1.TimelineEntry{
		Time:    timestamppb.New(timeFromMicros(timeUS)),
		Kind:    kind,
		Id:      id,
		Status:  status,
		Summary: summary,
	}
	if len(details) > 0 {
		d, err := structpb.NewStruct(details)
		if err != nil {
			return nil, fmt.Errorf("timeline entry %s %s: %w", kind, id, err)
		}
		e.Details = d
	}
	return e, nil
}
