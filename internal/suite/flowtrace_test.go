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
// request's trackingNumber is one trace tree across the four services: its one root is the
// requester's call through the gateway, and every other span — the services' RPCs, River job
// inserts and runs, the outbound delivery to the subscriber, the LDAP operations and the SMTP
// send — has its parent in the trace (no orphan). Each approver decides in a call of its own
// (its own trace); the jobs that decision causes are children of the request's filing call,
// linked to the deciding call's span.
//
// The services of the in-process suite share the process's global tracer provider (gRPC,
// HTTP, River and the connectors all take theirs from otel's global), so one recorder sees
// every service's spans; internal/scenario's TestFlowTraceAcrossProcesses has one exporter
// per service process.
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
	var (
		inTrace         []sdktrace.ReadOnlySpan
		roots, orphans  []string
		services, kinds map[string]bool
	)
	settled := assert.Eventually(t, func() bool {
		inTrace, roots, orphans = nil, nil, nil
		services, kinds = map[string]bool{}, map[string]bool{}
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
			for _, k := range []string{"HTTP POST", "LDAP ", "SMTP send", "river.work", "river.insert_many"} {
				if strings.HasPrefix(s.Name(), k) {
					kinds[k] = true
				}
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
		return len(services) == 4 && len(kinds) == 5 && len(orphans) == 0
	}, 30*time.Second, 20*time.Millisecond, "trace %s settles", id)
	require.Empty(t, orphans, "spans whose parent is not in the trace")
	require.Len(t, services, 4, "server spans of the four services: %v", services)
	require.True(t, settled, "the delivery, LDAP, SMTP and River spans are in the trace: %v", kinds)
	require.Equal(t, []string{"POST /v1/access-requests"}, roots, "the requester's gateway call is the one root")

	// The approvers' calls are traces of their own; what they caused links to them.
	decisions := map[trace.SpanID]bool{}
	for _, s := range spans.Ended() {
		if s.SpanKind() == trace.SpanKindServer && s.Name() == "accessflow.approval.v1.ApprovalService/ApproveApproval" &&
			s.SpanContext().TraceID() != id {
			decisions[s.SpanContext().SpanID()] = true
		}
	}
	require.NotEmpty(t, decisions, "the approvers' calls")
	linked := map[trace.SpanID]bool{}
	for _, s := range inTrace {
		for _, l := range s.Links() {
			if l.SpanContext.TraceID() != id && decisions[l.SpanContext.SpanID()] {
				require.True(t, strings.HasPrefix(s.Name(), "river.work"), "%q links a decision", s.Name())
				linked[l.SpanContext.SpanID()] = true
			}
		}
	}
	require.NotEmpty(t, linked, "the jobs a decision caused link to the deciding call")
	names := map[string]int{}
	for _, s := range inTrace {
		names[s.Name()]++
	}
	t.Logf("trace %s: %d spans, roots %v, %d of %d deciding calls linked, by name %v", id, len(inTrace), roots, len(linked), len(decisions), names)
}
