package suite_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/tracking"
)

// TestTrackingTimeline follows one trackingNumber through two services: a policy evaluation that
// reserves a username and an event delivered to a subscriber. GET /v1/tracking/{trackingNumber}
// shows each service's records and calls, oldest first, and nothing of another trackingNumber.
func TestTrackingTimeline(t *testing.T) {
	triggerBackends(t, withTriggers(), func(t *testing.T, r *running) {
		n := tracking.New().String()
		sourceID := newSource(t, r, "Corp LDAP")
		// Administrative calls are audited, so they show too.
		require.Equal(t, http.StatusCreated, r.do(t, http.MethodPost, "/v3/sources/"+sourceID+"/provisioning-policies", seedPolicy, tracking.Header, n).status)
		john := `{"identity": {"id": "2c9180835d191a86015d28455b4a2329", "name": "John Smith", "attributes": {"firstname": "John", "lastname": "Smith"}}}`
		resp := r.do(t, http.MethodPost, "/v1/sources/"+sourceID+"/provisioning-policies/CREATE:evaluate", john, tracking.Header, n)
		require.Equal(t, http.StatusOK, resp.status, string(resp.body))

		sub := newSubscriber(t, nil)
		r.subscribe(t, iacTrigger, "hr", sub.URL, "", map[string]any{"name": "hr"})
		event := r.do(t, http.MethodPost, "/v1/trigger-events/"+iacTrigger, identityAttributesChanged, tracking.Header, n)
		require.Equal(t, http.StatusAccepted, event.status, string(event.body))
		eventID := event.json(t)["id"]
		sub.next(t)
		// Another flow's event must not show.
		r.publish(t, iacTrigger, identityAttributesChanged)

		var entries []any
		eventually(t, func() bool {
			got := r.do(t, http.MethodGet, "/v1/tracking/"+n, "")
			require.Equal(t, http.StatusOK, got.status, string(got.body))
			body := got.json(t)
			require.Equal(t, n, body["trackingNumber"])
			entries = body["entries"].([]any)
			for _, e := range entries {
				if e := e.(map[string]any); e["kind"] == "delivery" && e["status"] == "SUCCEEDED" {
					return true
				}
			}
			return false
		}, "the delivery shows as succeeded")

		kinds := map[string]map[string]any{}
		var last string
		for _, raw := range entries {
			e := raw.(map[string]any)
			kinds[e["service"].(string)+" "+e["kind"].(string)] = e
			require.GreaterOrEqual(t, e["time"].(string), last, "oldest first")
			last = e["time"].(string)
		}
		require.Contains(t, kinds, "policy reservation")
		require.Equal(t, "HELD", kinds["policy reservation"]["status"])
		require.Equal(t, "John.Smith", kinds["policy reservation"]["details"].(map[string]any)["value"])
		require.Contains(t, kinds, "trigger-ingest event.received")
		require.Equal(t, eventID, kinds["trigger-ingest event.received"]["id"])
		require.Contains(t, kinds, "trigger-ingest delivery")
		require.Contains(t, kinds, "policy call", "the audited policy creation")
		require.Equal(t, "OK", kinds["policy call"]["status"])
		require.Contains(t, kinds["policy call"]["summary"], "ProvisioningPolicyService/CreateProvisioningPolicy")
		for _, raw := range entries {
			if e := raw.(map[string]any); e["kind"] == "event.received" {
				require.Equal(t, eventID, e["id"], "only this trackingNumber's events")
			}
		}

		requireError(t, r.do(t, http.MethodGet, "/v1/tracking/not-a-tracking-number", ""), http.StatusBadRequest, "400.1 Bad Request Content", "trackingNumber")
		empty := r.do(t, http.MethodGet, "/v1/tracking/"+tracking.New().String(), "")
		require.Equal(t, http.StatusOK, empty.status)
		require.Empty(t, empty.json(t)["entries"])
	})
}
