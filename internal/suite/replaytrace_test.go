package suite_test

import (
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/accessflow/accessflow/pkg/tracking"
)

// requireReplayInEventTrace waits until the job of a replayed delivery of the event with
// trackingNumber tn has run in the event's trace, as the child of a span of that trace (the
// call that published it), linked to the replaying call in another trace.
func requireReplayInEventTrace(t *testing.T, tn string) {
	t.Helper()
	id := trace.TraceID(tracking.Number(tn).TraceID())
	eventually(t, func() bool {
		inTrace := map[trace.SpanID]bool{}
		var linked []trace.SpanID // parents of the linked job spans
		for _, s := range spans.Ended() {
			if s.SpanContext().TraceID() != id {
				continue
			}
			inTrace[s.SpanContext().SpanID()] = true
			if strings.HasPrefix(s.Name(), "river.work") && len(s.Links()) > 0 && s.Links()[0].SpanContext.TraceID() != id {
				linked = append(linked, s.Parent().SpanID())
			}
		}
		for _, p := range linked {
			if inTrace[p] {
				return true
			}
		}
		return false
	}, "the replayed delivery of "+tn+" runs in its event's trace, linked to the replaying call")
}
