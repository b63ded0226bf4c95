package store

import (
	"context"
	"fmt"

	trackingv1 "github.com/accessflow/accessflow/api/accessflow/tracking/v1"
	"github.com/accessflow/accessflow/pkg/timeline"
)

// Timeline kinds of trigger-ingest's records.
const (
	KindEventReceived = "event.received"
	KindDelivery      = "delivery"
)

// Timeline lists the events received and the deliveries made with a trackingNumber: a
// timeline.Source.
func (s *Store) Timeline(ctx context.Context, trackingNumber string) ([]*trackingv1.TimelineEntry, error) {
	var out []*trackingv1.TimelineEntry
	events, err := s.backend.DB().Query(ctx, `SELECT id, trigger_id, source, received_us FROM events
		WHERE tracking_number = $1 ORDER BY received_us, id LIMIT $2`, trackingNumber, timeline.MaxEntries)
	if err != nil {
		return nil, fmt.Errorf("timeline events: %w", err)
	}
	defer events.Close()
	for events.Next() {
		var (
			id, trigger, source string
			receivedUS          int64
		)
		if err := events.Scan(&id, &trigger, &source, &receivedUS); err != nil {
			return nil, fmt.Errorf("timeline events: %w", err)
		}
		summary, details := "received "+trigger, map[string]any{"triggerId": trigger}
		if source != "" {
			summary += " from event source " + source
			details["source"] = source
		}
		e, err := timeline.Entry(receivedUS, KindEventReceived, id, "ACCEPTED", summary, details)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := events.Err(); err != nil {
		return nil, fmt.Errorf("timeline events: %w", err)
	}

	deliveries, err := s.backend.DB().Query(ctx, `SELECT id, event_id, subscription_id, subscription_name, trigger_id,
		status, attempts, error, created_us, COALESCE(completed_us, 0) FROM deliveries
		WHERE tracking_number = $1 ORDER BY created_us, id LIMIT $2`, trackingNumber, timeline.MaxEntries)
	if err != nil {
		return nil, fmt.Errorf("timeline deliveries: %w", err)
	}
	defer deliveries.Close()
	for deliveries.Next() {
		var (
			id, eventID, subID, subName, trigger, status, lastErr string
			attempts                                              int64
			createdUS, completedUS                                int64
		)
		if err := deliveries.Scan(&id, &eventID, &subID, &subName, &trigger, &status, &attempts, &lastErr, &createdUS, &completedUS); err != nil {
			return nil, fmt.Errorf("timeline deliveries: %w", err)
		}
		details := map[string]any{
			"eventId": eventID, "subscriptionId": subID, "triggerId": trigger, "attempts": float64(attempts),
		}
		if lastErr != "" {
			details["error"] = lastErr
		}
		at := createdUS
		if completedUS > 0 {
			at = completedUS
		}
		e, err := timeline.Entry(at, KindDelivery, id, status,
			fmt.Sprintf("delivery of %s to subscription %q: %s after %d attempt(s)", trigger, subName, status, attempts), details)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, deliveries.Err()
}
