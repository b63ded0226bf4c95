package store

import (
	"context"
	"fmt"
	"time"

	trackingv1 "github.com/accessflow/accessflow/api/accessflow/tracking/v1"
	"github.com/accessflow/accessflow/pkg/timeline"
)

// Timeline kinds of the action service's records.
const (
	KindFlow   = "action.flow"
	KindScript = "action.script"
)

// Timeline lists the action flows of a trackingNumber and their scripts (those that ran, with
// attempts, status and error): a timeline.Source. A flow is entered when it started, a script
// when it ended (or started, while it runs or waits).
func (s *Store) Timeline(ctx context.Context, trackingNumber string) ([]*trackingv1.TimelineEntry, error) {
	ids, err := s.flowIDs(ctx, trackingNumber)
	if err != nil {
		return nil, err
	}
	var out []*trackingv1.TimelineEntry
	for _, id := range ids {
		st, err := s.GetFlow(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("timeline: %w", err)
		}
		entries, err := flowEntries(st)
		if err != nil {
			return nil, err
		}
		out = append(out, entries...)
	}
	return out, nil
}

// flowIDs are the ids of the flows of a trackingNumber, oldest first.
func (s *Store) flowIDs(ctx context.Context, trackingNumber string) ([]string, error) {
	rows, err := s.backend.DB().Query(ctx, `SELECT id FROM flows WHERE tracking_number = $1 ORDER BY created_us, id LIMIT $2`,
		trackingNumber, timeline.MaxEntries)
	if err != nil {
		return nil, fmt.Errorf("timeline flows: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("timeline flows: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("timeline flows: %w", err)
	}
	return ids, nil
}

func flowEntries(st FlowState) ([]*trackingv1.TimelineEntry, error) {
	f := st.Flow
	details := map[string]any{"chainId": f.ChainID, "chainName": f.ChainName, "runs": float64(f.Runs)}
	if len(f.Errors) > 0 {
		details["errors"] = anyList(f.Errors)
	}
	if len(f.Warnings) > 0 {
		details["warnings"] = anyList(f.Warnings)
	}
	if !f.Completed.IsZero() {
		details["completed"] = f.Completed.UTC().Format(time.RFC3339Nano)
	}
	e, err := timeline.Entry(f.Created.UnixMicro(), KindFlow, f.ID, f.Status,
		fmt.Sprintf("action flow of chain %q for %s: %s", f.ChainName, f.Context.GetRecipient().GetName(), f.Status), details)
	if err != nil {
		return nil, err
	}
	out := []*trackingv1.TimelineEntry{e}
	for i := range st.Scripts {
		sc := &st.Scripts[i]
		if sc.Started.IsZero() {
			continue // never ran (pending, skipped or cancelled before it started)
		}
		at := sc.Finished
		if at.IsZero() {
			at = sc.Started
		}
		details := map[string]any{
			"flowId": f.ID, "index": float64(sc.Index), "name": sc.Name, "type": sc.Type,
			"attempts": float64(sc.Attempts), "started": sc.Started.UTC().Format(time.RFC3339Nano),
		}
		if sc.Error != "" {
			details["error"] = sc.Error
		}
		if sc.State.AccountID != "" {
			details["accountId"] = sc.State.AccountID
		}
		if sc.State.TicketID != "" {
			details["ticketId"] = sc.State.TicketID
		}
		summary := fmt.Sprintf("script %s (%s): %s after %d attempt(s)", sc.Name, sc.Type, sc.Status, sc.Attempts)
		if sc.Error != "" {
			summary += ": " + sc.Error
		}
		e, err := timeline.Entry(at.UnixMicro(), KindScript, sc.ID, sc.Status, summary, details)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func anyList(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}
