package scenario_test

import (
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tracev1 "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/accessflow/accessflow/internal/scenario"
	"github.com/accessflow/accessflow/internal/testserver/slapd"
	"github.com/accessflow/accessflow/pkg/tracking"
)

// TestFlowTraceAcrossProcesses runs flow 1 on a deployment of five processes, each exporting its
// spans over OTLP/HTTP to a receiver in the test, and proves that the request's trackingNumber
// is one trace tree across them: spans from every process (by their service.name), one root —
// the requester's call through the gateway — and no span whose parent is missing; the LDAP
// and SMTP calls, the delivery to a subscriber and the approvers' links are in it. On SQLite,
// then on PostgreSQL (the flows' traceparent is stored by both).
func TestFlowTraceAcrossProcesses(t *testing.T) {
	otlp := newOTLPReceiver(t)
	opts := scenario.LoopbackOptions()
	opts.Env = append(opts.Env, otlp.Env()...)
	backends(t, opts, func(t *testing.T, d *scenario.Deployment) { requireFlowTrace(t, d, otlp) })
}

// requireFlowTrace runs flow 1 on d and checks its trace as otlp received it.
func requireFlowTrace(t *testing.T, d *scenario.Deployment, otlp *otlpReceiver) {
	w := scenario.SetUp(t, d.Client)
	sub := scenario.NewSubscriber(t)
	w.Must(t, http.MethodPost, "/beta/trigger-subscriptions", scenario.JSONOf(t, map[string]any{
		"name": "provisioning", "triggerId": "idn:post-provisioning", "type": "HTTP", "httpConfig": map[string]any{"url": sub.URL, "httpDispatchMode": "SYNC"},
	}), http.StatusCreated)
	rel := w.Relationship(t, "")
	_, tn := w.RequestAndApprove(t, rel)
	delivered := sub.Await(t, "post-provisioning", func(scenario.Delivery) bool { return true })
	require.Equal(t, tn, delivered.Header.Get("X-Tracking-Number"))
	require.Eventually(t, func() bool { return scenario.Contains(w.SalesMembers(t), "uid=alice.smith,"+slapd.PeopleDN) }, 60*time.Second, 50*time.Millisecond)

	id := tracking.Number(tn).TraceID()
	traceID := hex.EncodeToString(id[:])
	processes := append([]string{scenario.Gateway}, scenario.Services...)
	var (
		spans          []receivedSpan
		roots, orphans []string
		byService      map[string]int
		names          map[string]int
	)
	settled := assert.Eventually(t, func() bool {
		spans = otlp.Trace(traceID)
		roots, orphans = nil, nil
		byService, names = map[string]int{}, map[string]int{}
		ids := map[string]bool{}
		for _, s := range spans {
			ids[s.SpanID()] = true
		}
		for _, s := range spans {
			byService[s.Service]++
			names[firstWords(s.GetName())]++
			switch {
			case len(s.GetParentSpanId()) == 0:
				roots = append(roots, s.Service+": "+s.GetName())
			case !ids[s.ParentID()]:
				orphans = append(orphans, s.Service+": "+s.GetName())
			}
		}
		for _, p := range processes {
			if byService["accessflow-"+p] == 0 {
				return false
			}
		}
		return len(orphans) == 0 && names["LDAP"] > 0 && names["SMTP"] > 0 && names["HTTP"] > 0
	}, settleTime, 100*time.Millisecond, "trace %s arrives whole", traceID)
	sort.Strings(orphans)
	require.Empty(t, orphans, "spans whose parent is not in the trace")
	for _, p := range processes {
		require.Positive(t, byService["accessflow-"+p], "spans of %s: %v", p, byService)
	}
	require.True(t, settled, "LDAP, SMTP and outbound HTTP spans: %v", names)
	require.Equal(t, []string{"accessflow-gateway: POST /v1/access-requests"}, roots, "one root: the requester's gateway call")

	// The approvers' decisions are traces of their own, which the jobs they caused link to.
	linked := 0
	for _, s := range spans {
		for _, l := range s.GetLinks() {
			if hex.EncodeToString(l.GetTraceId()) == traceID {
				continue
			}
			require.True(t, strings.HasPrefix(s.GetName(), "river.work"), "%q links another trace", s.GetName())
			deciding, ok := otlp.Span(hex.EncodeToString(l.GetSpanId()))
			if ok && deciding.GetKind() == tracev1.Span_SPAN_KIND_SERVER && deciding.GetName() == "accessflow.approval.v1.ApprovalService/ApproveApproval" {
				linked++
			}
		}
	}
	require.Positive(t, linked, "the jobs a decision caused link to the deciding call")
	t.Logf("trace %s: %d spans, roots %v, by process %v, by name %v, %d links to deciding calls", traceID, len(spans), roots, byService, names, linked)
}

// firstWords is a span name's first word ("LDAP add" → "LDAP", "HTTP POST" → "HTTP").
func firstWords(name string) string {
	first, _, _ := strings.Cut(name, " ")
	return first
}
