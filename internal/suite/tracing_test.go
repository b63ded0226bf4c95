package suite_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/accessflow/accessflow/pkg/logging"
	"github.com/accessflow/accessflow/pkg/telemetry"
	"github.com/accessflow/accessflow/pkg/tracking"
)

// serverSpans waits for the gateway's and the policy service's server spans of trace id.
func serverSpans(t *testing.T, id trace.TraceID) (gateway, policy sdktrace.ReadOnlySpan) {
	t.Helper()
	require.Eventually(t, func() bool {
		gateway, policy = nil, nil
		for _, s := range spans.Ended() {
			if s.SpanContext().TraceID() != id || s.SpanKind() != trace.SpanKindServer {
				continue
			}
			if strings.HasPrefix(s.Name(), "accessflow.policy.v1.SourceService/") {
				policy = s
			} else {
				gateway = s
			}
		}
		return gateway != nil && policy != nil
	}, 10*time.Second, 10*time.Millisecond, "no gateway and policy server spans in trace %s", id)
	return gateway, policy
}

func trackingAttr(s sdktrace.ReadOnlySpan) string {
	for _, a := range s.Attributes() {
		if a.Key == telemetry.AttrTrackingNumber {
			return a.Value.AsString()
		}
	}
	return ""
}

func TestTrackingNumberIsTheTraceID(t *testing.T) {
	r := start(t, storageSQLite(t))
	otherTrace := "0af7651916cd43dd8448eb211c80319c"
	traceparent := "00-" + otherTrace + "-b7ad6b7169203331-01"

	t.Run("generated at the edge", func(t *testing.T) {
		resp := r.do(t, http.MethodPost, "/v3/sources", corpLDAP)
		require.Equal(t, http.StatusCreated, resp.status)
		n, err := tracking.Parse(resp.header.Get(tracking.Header))
		require.NoError(t, err)
		gw, pol := serverSpans(t, n.TraceID())
		require.Equal(t, n.String(), trackingAttr(gw))
		require.Equal(t, n.String(), trackingAttr(pol))
		var client sdktrace.ReadOnlySpan
		for _, s := range spans.Ended() {
			if s.SpanContext().SpanID() == pol.Parent().SpanID() {
				client = s
			}
		}
		require.NotNil(t, client, "the policy span's parent is the gateway's gRPC client span")
		require.Equal(t, trace.SpanKindClient, client.SpanKind())
		require.Equal(t, gw.SpanContext().SpanID(), client.Parent().SpanID(), "which is a child of the gateway's server span")
	})

	t.Run("supplied trackingNumber", func(t *testing.T) {
		n := tracking.New()
		resp := r.do(t, http.MethodGet, "/v3/sources", "", tracking.Header, n.String())
		require.Equal(t, n.String(), resp.header.Get(tracking.Header))
		gw, _ := serverSpans(t, n.TraceID())
		require.False(t, gw.Parent().IsValid(), "a new trace rooted at the gateway")
	})

	t.Run("traceparent alone gives the trackingNumber", func(t *testing.T) {
		resp := r.do(t, http.MethodGet, "/v3/sources", "", "traceparent", traceparent)
		require.Equal(t, otherTrace, resp.header.Get(tracking.Header))
		gw, _ := serverSpans(t, trace.TraceID(tracking.Number(otherTrace).TraceID()))
		require.Equal(t, "b7ad6b7169203331", gw.Parent().SpanID().String(), "the caller's span is the parent")
	})

	t.Run("both differ: trackingNumber wins, caller's span is a link", func(t *testing.T) {
		n := tracking.New()
		resp := r.do(t, http.MethodGet, "/v3/sources", "", tracking.Header, n.String(), "traceparent", traceparent)
		require.Equal(t, n.String(), resp.header.Get(tracking.Header))
		gw, _ := serverSpans(t, n.TraceID())
		require.False(t, gw.Parent().IsValid())
		require.Len(t, gw.Links(), 1)
		require.Equal(t, otherTrace, gw.Links()[0].SpanContext.TraceID().String())
	})

	t.Run("log lines carry the trackingNumber and trace id", func(t *testing.T) {
		n := tracking.New()
		r.do(t, http.MethodGet, "/v3/sources/unknown", "", tracking.Header, n.String())
		require.Eventually(t, func() bool {
			var gatewayLine, rpcLine bool
			for _, l := range r.logLines(t) {
				if l[logging.KeyTrackingNumber] != n.String() {
					continue
				}
				require.Equal(t, n.String(), l[logging.KeyTraceID])
				switch l["msg"] {
				case "http":
					gatewayLine = true
				case "rpc":
					rpcLine = l["code"] == "NotFound"
				}
			}
			return gatewayLine && rpcLine
		}, 10*time.Second, 10*time.Millisecond)
	})
}

// TestJobsAndOutboundCallsJoinTheTrace follows an event from the gateway through its delivery
// job to the subscriber: the River job's span and the outbound HTTP call are in the trace whose
// ID is the trackingNumber, the job's span is a child of the request that inserted the job, and
// the trace is one tree with no orphan.
func TestJobsAndOutboundCallsJoinTheTrace(t *testing.T) {
	r := startWith(t, storageSQLite(t), withTriggers())
	sub := newSubscriber(t, nil)
	r.subscribe(t, iacTrigger, "traced", sub.URL, "")
	n := tracking.New()
	resp := r.do(t, http.MethodPost, "/v1/trigger-events/"+iacTrigger, identityAttributesChanged, tracking.Header, n.String())
	require.Equal(t, http.StatusAccepted, resp.status, string(resp.body))
	d := sub.next(t)
	require.Equal(t, n.String(), d.header.Get(tracking.Header))
	require.Contains(t, d.header.Get("traceparent"), "-"+n.String()+"-", "the subscriber is told the trace")

	id := trace.TraceID(n.TraceID())
	var work, call sdktrace.ReadOnlySpan
	var inTrace []sdktrace.ReadOnlySpan
	require.Eventually(t, func() bool {
		work, call, inTrace = nil, nil, nil
		for _, s := range spans.Ended() {
			if s.SpanContext().TraceID() != id {
				continue
			}
			inTrace = append(inTrace, s)
			switch {
			case s.SpanKind() == trace.SpanKindConsumer && strings.HasPrefix(s.Name(), "river.work"):
				work = s
			case s.SpanKind() == trace.SpanKindClient && strings.HasPrefix(s.Name(), "HTTP POST"):
				call = s
			}
		}
		return work != nil && call != nil && call.EndTime().After(call.StartTime())
	}, 10*time.Second, 10*time.Millisecond, "a delivery job span and an outbound call span in trace %s", id)

	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range inTrace {
		byID[s.SpanContext().SpanID()] = s
	}
	roots := 0
	for _, s := range inTrace {
		if !s.Parent().IsValid() {
			roots++
			continue
		}
		_, ok := byID[s.Parent().SpanID()]
		require.True(t, ok, "span %q has its parent in the trace (no orphan)", s.Name())
	}
	require.Equal(t, 1, roots, "one tree, rooted at the gateway")
	require.Equal(t, work.SpanContext().SpanID(), ancestorOf(byID, call, work), "the outbound call happens inside the job")
	require.NotEqual(t, trace.SpanKindConsumer, byID[work.Parent().SpanID()].SpanKind(), "the job's parent is the request that inserted it")
}

// ancestorOf returns want's span ID if want is an ancestor of s, else an empty ID.
func ancestorOf(byID map[trace.SpanID]sdktrace.ReadOnlySpan, s, want sdktrace.ReadOnlySpan) trace.SpanID {
	for p := s.Parent(); p.IsValid(); {
		if p.SpanID() == want.SpanContext().SpanID() {
			return p.SpanID()
		}
		parent, ok := byID[p.SpanID()]
		if !ok {
			break
		}
		p = parent.Parent()
	}
	return trace.SpanID{}
}
