package suite_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/accessflow/accessflow/internal/scenario"
	"github.com/accessflow/accessflow/internal/testserver/slapd"
	"github.com/accessflow/accessflow/pkg/tracking"
)

// TestAccessRequestFlowIsOneTrace runs flow 1 (internal/scenario's set-up: slapd, an SMTP
// server, a two-level approval chain) in-process with every span recorded, and proves that the
// request's trackingNumber is one trace across the four services: every span — the services'
// RPCs, River job inserts and runs, the outbound delivery to the subscriber — has its parent in
// the trace (no orphan), and each of the four services served an RPC in it. Its roots are the
// requester's call through the gateway and the RPCs that the approvers' decisions caused: each
// approver decides in a call of its own (its own trace), and what the decision starts joins the
// request's trace by its trackingNumber, linked to the deciding call's span. (The LDAP and SMTP connectors make no spans of
// their own yet: their calls run inside the scripts' River job spans.)
func TestAccessRequestFlowIsOneTrace(t *testing.T) {
	cfg := storageSQLite(t)
	r := startWith(t, cfg, withActions)
	client, err := scenario.NewClient(r.base, cfg.DataDir)
	require.NoError(t, err)
	w := scenario.SetUp(t, client)
	sub := newSubscriber(t, nil)
	r.subscribe(t, "idn:post-provisioning", "provisioning", sub.URL, "")
	rel := w.Relationship(t, "")
	_, tn := w.RequestAndApprove(t, rel)
	require.Equal(t, tn, sub.next(t).header.Get(tracking.Header))
	require.Eventually(t, func() bool { return scenario.Contains(w.SalesMembers(t), "uid=alice.smith,"+slapd.PeopleDN) }, 30*time.Second, 20*time.Millisecond)

	// A parent span ends after its children: wait until every ended span's parent has ended
	// too. A real orphan never gets its parent, and the test names it.
	id := trace.TraceID(tracking.Number(tn).TraceID())
	var inTrace []sdktrace.ReadOnlySpan
	var roots, orphans []string
	services := map[string]bool{}
	settled := assert.Eventually(t, func() bool {
		inTrace, roots, orphans = nil, nil, nil
		services = map[string]bool{}
		delivered := false
		byID := map[trace.SpanID]bool{}
		for _, s := range spans.Ended() {
			if s.SpanContext().TraceID() != id {
				continue
			}
			inTrace = append(inTrace, s)
			byID[s.SpanContext().SpanID()] = true
			if s.SpanKind() == trace.SpanKindServer {
				for _, svc := range []string{"policy", "trigger", "approval", "action"} {
					if strings.HasPrefix(s.Name(), "accessflow."+svc+".v1.") {
						services[svc] = true
					}
				}
			}
			if s.SpanKind() == trace.SpanKindClient && strings.HasPrefix(s.Name(), "HTTP POST") {
				delivered = true
			}
		}
		for _, s := range inTrace {
			switch {
			case !s.Parent().IsValid():
				roots = append(roots, s.Name())
			case !byID[s.Parent().SpanID()]:
				orphans = append(orphans, s.Name()+" ("+s.SpanKind().String()+")")
			}
		}
		return len(services) == 4 && delivered && len(orphans) == 0
	}, 30*time.Second, 20*time.Millisecond, "trace %s settles", id)
	require.Empty(t, orphans, "spans whose parent is not in the trace")
	require.Len(t, services, 4, "server spans of the four services: %v", services)
	require.True(t, settled, "the delivery to the subscriber is in the trace")

	requests := 0
	for _, s := range inTrace {
		if s.Parent().IsValid() {
			continue
		}
		switch {
		case strings.HasPrefix(s.Name(), "POST /v1/access-requests"):
			requests++
		case s.SpanKind() == trace.SpanKindServer && len(s.Links()) > 0:
			// Caused by a decision: linked to the approver's call in its own trace.
			require.NotEqual(t, id, s.Links()[0].SpanContext.TraceID(), "root %q links the deciding call", s.Name())
		default:
			t.Fatalf("root %q is neither the request nor linked to a decision", s.Name())
		}
	}
	require.Equal(t, 1, requests, "the request's gateway call is a root: %v", roots)
	names := map[string]int{}
	for _, s := range inTrace {
		names[s.Name()]++
	}
	t.Logf("trace %s: %d spans, roots %v, by name %v", id, len(inTrace), roots, names)
}
