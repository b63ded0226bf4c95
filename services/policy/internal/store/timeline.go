package store

import (
	"context"
	"fmt"

	trackingv1 "github.com/accessflow/accessflow/api/accessflow/tracking/v1"
	"github.com/accessflow/accessflow/pkg/timeline"
)

// Timeline kinds of the policy service's records.
const (
	KindReservation  = "reservation"
	KindAccountValue = "account.value"
)

// Timeline lists the unique values held (reservations) and those now in the account index
// (confirmed reservations and recorded accounts) with a trackingNumber: a timeline.Source.
func (s *Store) Timeline(ctx context.Context, trackingNumber string) ([]*trackingv1.TimelineEntry, error) {
	var out []*trackingv1.TimelineEntry
	held, err := s.backend.DB().Query(ctx, `SELECT id, source_id, attribute, value, identity_id, created_us FROM reservations
		WHERE tracking_number = $1 ORDER BY created_us, id LIMIT $2`, trackingNumber, timeline.MaxEntries)
	if err != nil {
		return nil, fmt.Errorf("timeline reservations: %w", err)
	}
	defer held.Close()
	for held.Next() {
		var (
			id, source, attribute, value, identity string
			createdUS                              int64
		)
		if err := held.Scan(&id, &source, &attribute, &value, &identity, &createdUS); err != nil {
			return nil, fmt.Errorf("timeline reservations: %w", err)
		}
		e, err := timeline.Entry(createdUS, KindReservation, id, "HELD",
			fmt.Sprintf("reserved %s %q on source %s", attribute, value, source),
			map[string]any{"sourceId": source, "attribute": attribute, "value": value, "identityId": identity})
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := held.Err(); err != nil {
		return nil, fmt.Errorf("timeline reservations: %w", err)
	}

	index, err := s.backend.DB().Query(ctx, `SELECT source_id, account_id, attribute, value, COALESCE(reservation_id, ''), identity_id, modified_us
		FROM account_values WHERE tracking_number = $1 ORDER BY modified_us, account_id, attribute LIMIT $2`, trackingNumber, timeline.MaxEntries)
	if err != nil {
		return nil, fmt.Errorf("timeline account index: %w", err)
	}
	defer index.Close()
	for index.Next() {
		var (
			source, account, attribute, value, reservation, identity string
			modifiedUS                                               int64
		)
		if err := index.Scan(&source, &account, &attribute, &value, &reservation, &identity, &modifiedUS); err != nil {
			return nil, fmt.Errorf("timeline account index: %w", err)
		}
		status, id := "RECORDED", source+"/"+account+"/"+attribute
		if reservation != "" {
			status, id = "CONFIRMED", reservation
		}
		e, err := timeline.Entry(modifiedUS, KindAccountValue, id, status,
			fmt.Sprintf("account %s on source %s has %s %q", account, source, attribute, value),
			map[string]any{"sourceId": source, "accountId": account, "attribute": attribute, "value": value, "identityId": identity})
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, index.Err()
}
