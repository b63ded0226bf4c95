package timeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	trackingv1 "github.com/accessflow/accessflow/api/accessflow/tracking/v1"
	"github.com/accessflow/accessflow/pkg/storage"
)

// KindCall is the kind of the entries that come from the audit log: calls the service served.
const KindCall = "call"

// auditCalls lists the audited calls of a trackingNumber (the platform's audit_events table,
// which every service has).
func auditCalls(backend storage.Backend) Source {
	return func(ctx context.Context, trackingNumber string) ([]*trackingv1.TimelineEntry, error) {
		rows, err := backend.DB().Query(ctx, `SELECT id, time_us, method, actor, target, outcome FROM audit_events
			WHERE tracking_number = $1 ORDER BY time_us, id LIMIT $2`, trackingNumber, MaxEntries)
		if err != nil {
			return nil, fmt.Errorf("audited calls: %w", err)
		}
		defer rows.Close()
		var out []*trackingv1.TimelineEntry
		for rows.Next() {
			var (
				id, method, actor, target, outcome string
				timeUS                             int64
			)
			if err := rows.Scan(&id, &timeUS, &method, &actor, &target, &outcome); err != nil {
				return nil, fmt.Errorf("audited calls: %w", err)
			}
			details := map[string]any{"method": method, "actor": actor}
			if target != "" {
				details["target"] = target
			}
			e, err := Entry(timeUS, KindCall, id, outcome, shortMethod(method)+" by "+actor, details)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		return out, rows.Err()
	}
}

// shortMethod turns "/accessflow.policy.v1.SourceService/UpdateSource" into
// "SourceService/UpdateSource".
func shortMethod(method string) string {
	method = strings.TrimPrefix(method, "/")
	if i := strings.LastIndex(method, "."); i >= 0 {
		return method[i+1:]
	}
	return method
}

func timeFromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
