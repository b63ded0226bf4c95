package suite_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/tracking"
)

// hookTarget is a REST API on loopback that records every request's path and body and answers
// with a new account id.
type hookTarget struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
}

func newHookTarget(t *testing.T) *hookTarget {
	t.Helper()
	h := &hookTarget{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, r.URL.Path+" "+string(b))
		n := len(h.bodies)
		h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"id": "acct-%d"}`, n)
	}))
	t.Cleanup(h.Close)
	return h
}

// got returns the bodies of the requests to path, in order.
func (h *hookTarget) got(path string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, b := range h.bodies {
		if p, body, _ := strings.Cut(b, " "); p == path {
			out = append(out, body)
		}
	}
	return out
}

// joiner is a loaded suite for the joiner flow: a REST provider whose chain creates the
// account (its username from the source's CREATE policy, so the policy service reserves it)
// and posts a welcome to a recording target, a relationship granted without approval (a chain with no levels)
// whose provisioning chain that is, and the identity the HR system announces.
type joiner struct {
	*running
	target   *hookTarget
	chainID  string
	relID    string
	identity string
}

const joinerIdentity = "2c91808568c529c60168cca6f90c1313"

func setupJoiner(t *testing.T, r *running) *joiner {
	t.Helper()
	j := &joiner{running: r, target: newHookTarget(t), identity: joinerIdentity}
	sourceID := newSource(t, r, "Corp Directory")
	policy := r.do(t, http.MethodPost, "/v3/sources/"+sourceID+"/provisioning-policies", seedPolicy)
	require.Equal(t, http.StatusCreated, policy.status, string(policy.body))
	provider := r.do(t, http.MethodPost, "/v1/action-providers", jsonBody(t, map[string]any{
		"key": "hr", "name": "HR API", "kind": "REST", "endpoint": j.target.URL,
		"sourceId": sourceID, "sourceName": "Corp Directory",
		"credentials": map[string]string{"password": "hunter2"},
		"settings": map[string]any{
			"auth": map[string]any{"type": "basic", "username": "svc"},
			"endpoints": map[string]any{
				"create_user": map[string]any{"path": "/users", "body": `{"userName": {{json .Attributes.userName}}}`, "accountId": "{{.Response.id}}"},
				"notify":      map[string]any{"kind": "webhook", "path": "/welcome", "body": `{"text": {{json .Params.text}}}`},
			},
		},
	}))
	require.Equal(t, http.StatusCreated, provider.status, string(provider.body))
	chain := r.do(t, http.MethodPost, "/v1/action-chains", jsonBody(t, map[string]any{
		"name": "birthright",
		"scripts": []any{
			map[string]any{"name": "create", "type": "hr_api_create_user"},
			map[string]any{"name": "welcome", "type": "hr_webhook_notify", "metadata": map[string]any{
				"text": "welcome {{.Recipient.Name}} to {{.Relationship.TargetName}}",
			}},
		},
	}))
	require.Equal(t, http.StatusCreated, chain.status, string(chain.body))
	j.chainID = chain.json(t)["id"].(string)

	resp := r.do(t, http.MethodPut, "/v1/approval-identities/"+j.identity, `{"name": "William Wilson", "email": "william@example.com", "attributes": {"firstname": "william", "lastname": "wilson"}}`)
	require.Equal(t, http.StatusOK, resp.status, string(resp.body))
	resp = r.do(t, http.MethodPost, "/v1/approvable-relationships", jsonBody(t, map[string]any{
		"name": "member of all-staff", "sourceId": sourceID, "targetKind": "GROUP", "targetId": "cn=all-staff", "targetName": "all-staff",
		"provisioningChainId": j.chainID, "deprovisioningChainId": j.chainID, "requestable": true, "revocable": true,
	}))
	require.Equal(t, http.StatusCreated, resp.status, string(resp.body))
	j.relID = resp.json(t)["id"].(string)
	resp = r.do(t, http.MethodPost, "/v1/approvable-relationships/"+j.relID+"/approval-chains", `{"name": "birthright", "levels": []}`)
	require.Equal(t, http.StatusCreated, resp.status, string(resp.body))
	return j
}

// TestJoinerWorkflow: idn:identity-created with a WORKFLOW subscription grants a birthright
// relationship through the real approval service (a chain without levels approves at once),
// whose approval starts the real action service's provisioning chain, which calls a REST target.
// Publishing the event twice with one idempotency key, and replaying the subscription (its job
// runs again), still make one access request, one approval, one action flow and one call; the
// deliveries and the flow carry the event's trackingNumber.
func TestJoinerWorkflow(t *testing.T) {
	triggerBackends(t, withActions, func(t *testing.T, r *running) {
		j := setupJoiner(t, r)
		sub := r.do(t, http.MethodPost, "/beta/trigger-subscriptions", jsonBody(t, map[string]any{
			"name": "joiner", "triggerId": "idn:identity-created", "type": "WORKFLOW",
			"workflowConfig": map[string]any{
				"workflowId": "joiner-birthright", "kind": "GRANT_RELATIONSHIPS",
				"relationshipIds": []string{j.relID}, "recipientIdPath": "$.identity.id",
			},
		}))
		require.Equal(t, http.StatusCreated, sub.status, string(sub.body))
		subID := sub.json(t)["id"].(string)

		n := tracking.New().String()
		event := `{"identity": {"type": "IDENTITY", "id": "` + j.identity + `", "name": "William Wilson"}, "attributes": {"firstname": "William"}}`
		first := r.publish(t, "idn:identity-created", event, "Idempotency-Key", "hr-joiner-1", tracking.Header, n)
		again := r.publish(t, "idn:identity-created", event, "Idempotency-Key", "hr-joiner-1", tracking.Header, n)
		require.Equal(t, first["id"], again["id"], "one event per idempotency key")

		var del map[string]any
		eventually(t, func() bool {
			list := r.deliveries(t, `subscriptionId eq "`+subID+`"`)
			if len(list) != 1 {
				return false
			}
			del = list[0]
			return del["status"] == "SUCCEEDED" || del["status"] == "FAILED"
		}, "the workflow's delivery settles")
		require.Equal(t, "SUCCEEDED", del["status"], jsonBody(t, del))
		require.Equal(t, n, del["trackingNumber"])
		out := del["output"].(map[string]any)
		require.Equal(t, "joiner-birthright", out["workflowId"])
		requestID := out["accessRequestId"].(string)
		approvals := out["approvalIds"].([]any)
		require.Len(t, approvals, 1)

		req := r.do(t, http.MethodGet, "/v1/access-requests/"+requestID, "")
		require.Equal(t, http.StatusOK, req.status, string(req.body))
		require.Equal(t, j.identity, req.json(t)["recipientId"])
		require.Equal(t, n, req.json(t)["trackingNumber"])

		var flow map[string]any
		eventually(t, func() bool {
			got := r.do(t, http.MethodGet, "/generic-approvals/v1/"+approvals[0].(string), "")
			require.Equal(t, http.StatusOK, got.status, string(got.body))
			flow = got.json(t)
			return actionFlow(flow, "GRANT") != ""
		}, "the approval starts the provisioning chain")
		require.Equal(t, "APPROVED", flow["status"])
		actionID := actionFlow(flow, "GRANT")

		var action map[string]any
		eventually(t, func() bool {
			got := r.do(t, http.MethodGet, "/v1/action-flows/"+actionID, "")
			require.Equal(t, http.StatusOK, got.status, string(got.body))
			action = got.json(t)
			return action["status"] == "SUCCEEDED" || action["status"] == "FAILED"
		}, "the action flow ends")
		require.Equal(t, "SUCCEEDED", action["status"], jsonBody(t, action))
		require.Equal(t, n, action["trackingNumber"])
		require.Equal(t, []string{`{"userName": "william.wilson"}`}, j.target.got("/users"))
		require.Equal(t, []string{`{"text": "welcome William Wilson to all-staff"}`}, j.target.got("/welcome"))

		// The job runs again (a replay makes a second delivery of the same event): the same
		// access request answers and nothing new starts.
		replay := r.do(t, http.MethodPost, "/v1/trigger-subscriptions/"+subID+":replay",
			`{"from": "`+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)+`"}`)
		require.Equal(t, http.StatusAccepted, replay.status, string(replay.body))
		eventually(t, func() bool {
			list := r.deliveries(t, `subscriptionId eq "`+subID+`" and status eq "SUCCEEDED"`)
			return len(list) == 2
		}, "the replayed delivery succeeds")
		for _, d := range r.deliveries(t, `subscriptionId eq "`+subID+`"`) {
			require.Equal(t, requestID, d["output"].(map[string]any)["accessRequestId"])
		}
		requests := r.do(t, http.MethodGet, "/v1/access-requests?count=true&filters="+url.QueryEscape(`recipientId eq "`+j.identity+`"`), "")
		require.Len(t, requests.list(t), 1)
		flows := r.do(t, http.MethodGet, "/v1/action-flows?count=true&filters="+url.QueryEscape(`chainId eq "`+j.chainID+`"`), "")
		require.Len(t, flows.list(t), 1)
		require.Len(t, j.target.got("/users"), 1, "one account")
		require.Len(t, j.target.got("/welcome"), 1, "one welcome")

		// A recipient the approval service does not know yet: every attempt fails, is retried
		// on the schedule and recorded, until the delivery gives up. Once the identity exists,
		// a replay grants it.
		const newHire = "c0ffee00c0ffee00c0ffee00c0ffee00"
		late := r.publish(t, "idn:identity-created", `{"identity": {"type": "IDENTITY", "id": "`+newHire+`", "name": "Nora Newhire"}, "attributes": {}}`)
		byEvent := `subscriptionId eq "` + subID + `" and eventId eq "` + late["id"].(string) + `"`
		eventually(t, func() bool {
			list := r.deliveries(t, byEvent)
			return len(list) == 1 && list[0]["status"] == "FAILED"
		}, "the workflow gives up")
		failed := r.deliveries(t, byEvent)[0]
		require.Len(t, failed["attempts"], len(testRetrySchedule)+1, jsonBody(t, failed))
		require.Contains(t, failed["error"], "no identity")
		resp := r.do(t, http.MethodPut, "/v1/approval-identities/"+newHire, `{"name": "Nora Newhire", "attributes": {"firstname": "nora", "lastname": "newhire"}}`)
		require.Equal(t, http.StatusOK, resp.status, string(resp.body))
		replay = r.do(t, http.MethodPost, "/v1/trigger-subscriptions/"+subID+":replay",
			`{"from": "`+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)+`"}`)
		require.Equal(t, http.StatusAccepted, replay.status, string(replay.body))
		eventually(t, func() bool {
			return len(r.deliveries(t, byEvent+` and status eq "SUCCEEDED"`)) == 1
		}, "the replay grants the new hire")
		eventually(t, func() bool { return len(j.target.got("/welcome")) == 2 }, "the new hire is welcomed")
		require.JSONEq(t, `{"text": "welcome Nora Newhire to all-staff"}`, j.target.got("/welcome")[1])
		require.Equal(t, []string{`{"userName": "william.wilson"}`, `{"userName": "nora.newhire"}`}, j.target.got("/users"))

		// Over REST the key is a query parameter.
		ask := func() string {
			resp := r.do(t, http.MethodPost, "/v1/access-requests?idempotencyKey=hr-ticket-7",
				`{"requestType": "REVOKE", "requesterId": "`+j.identity+`", "recipientId": "`+j.identity+`", "relationshipIds": ["`+j.relID+`"]}`)
			require.Equal(t, http.StatusCreated, resp.status, string(resp.body))
			return resp.json(t)["id"].(string)
		}
		once, twice := ask(), ask()
		require.Equal(t, once, twice)
		requests = r.do(t, http.MethodGet, "/v1/access-requests?filters="+url.QueryEscape(`recipientId eq "`+j.identity+`"`), "")
		require.Len(t, requests.list(t), 2, "the workflow's GRANT and the one REVOKE asked over REST")
	})
}

// TestJoinerTimeline: GET /v1/tracking/{trackingNumber} of a joiner event shows, from each
// service's own records, the events and the workflow's delivery (trigger-ingest), the access
// request, its approval flow and the decision that approved it (approval), and the username the
// provisioning chain reserved (policy), oldest first.
func TestJoinerTimeline(t *testing.T) {
	triggerBackends(t, withActions, func(t *testing.T, r *running) {
		j := setupJoiner(t, r)
		sub := r.do(t, http.MethodPost, "/beta/trigger-subscriptions", jsonBody(t, map[string]any{
			"name": "joiner", "triggerId": "idn:identity-created", "type": "WORKFLOW",
			"workflowConfig": map[string]any{
				"workflowId": "joiner-birthright", "kind": "GRANT_RELATIONSHIPS",
				"relationshipIds": []string{j.relID}, "recipientIdPath": "$.identity.id",
			},
		}))
		require.Equal(t, http.StatusCreated, sub.status, string(sub.body))
		n := tracking.New().String()
		r.publish(t, "idn:identity-created", `{"identity": {"type": "IDENTITY", "id": "`+j.identity+`", "name": "William Wilson"}, "attributes": {}}`, tracking.Header, n)
		// Another flow's request must not show.
		resp := r.do(t, http.MethodPut, "/v1/approval-identities/other", `{"name": "Olga Other", "attributes": {"firstname": "olga", "lastname": "other"}}`)
		require.Equal(t, http.StatusOK, resp.status, string(resp.body))
		r.publish(t, "idn:identity-created", `{"identity": {"type": "IDENTITY", "id": "other", "name": "Olga Other"}, "attributes": {}}`)

		kinds := map[string][]map[string]any{}
		eventually(t, func() bool {
			got := r.do(t, http.MethodGet, "/v1/tracking/"+n, "")
			require.Equal(t, http.StatusOK, got.status, string(got.body))
			kinds = map[string][]map[string]any{}
			var last string
			for _, raw := range got.json(t)["entries"].([]any) {
				e := raw.(map[string]any)
				require.GreaterOrEqual(t, e["time"].(string), last, "oldest first")
				last = e["time"].(string)
				k := e["service"].(string) + " " + e["kind"].(string)
				kinds[k] = append(kinds[k], e)
			}
			// idn:access-requested is published by a job of its own, which may run after the
			// provisioning has begun.
			published := false
			for _, e := range kinds["trigger-ingest event.received"] {
				published = published || e["details"].(map[string]any)["triggerId"] == "idn:access-requested"
			}
			return published && len(kinds["policy account.value"]) > 0 && len(kinds["approval approval"]) > 0 && kinds["approval approval"][0]["status"] == "APPROVED"
		}, "the timeline reaches provisioning and holds the access request's event")

		require.Len(t, kinds["approval access-request"], 1, "only this trackingNumber's request")
		req := kinds["approval access-request"][0]
		require.Equal(t, "GRANT", req["status"])
		require.Equal(t, j.identity, req["details"].(map[string]any)["recipientId"])
		require.Len(t, kinds["approval approval"], 1)
		flow := kinds["approval approval"][0]
		require.Equal(t, j.relID, flow["details"].(map[string]any)["relationshipId"])
		require.NotEmpty(t, flow["details"].(map[string]any)["actionFlowIds"].(map[string]any)["GRANT"])
		var decisions []string
		for _, d := range kinds["approval approval.decision"] {
			require.Equal(t, flow["id"], d["details"].(map[string]any)["approvalId"])
			decisions = append(decisions, d["status"].(string))
		}
		require.Contains(t, decisions, "AUTO_APPROVE")
		// The HR event, and the events the approval and action services published for it,
		// carry the one trackingNumber.
		var triggers []string
		for _, e := range kinds["trigger-ingest event.received"] {
			triggers = append(triggers, e["details"].(map[string]any)["triggerId"].(string))
		}
		require.Equal(t, "idn:identity-created", triggers[0])
		require.Contains(t, triggers, "idn:access-requested")
		require.NotEmpty(t, kinds["trigger-ingest delivery"])
		require.Equal(t, "william.wilson", kinds["policy account.value"][0]["details"].(map[string]any)["value"])
	})
}

// TestMoverWorkflow is the mover flow on the reference's identity-attributes-changed example
// (department sales → marketing, manager and email changed): two WORKFLOW subscriptions filtered
// on the department change map its oldValue and newValue to relationships through their
// relationshipMap; one revokes the old department's relationship, the other grants the new
// one, each through an approval without levels and the relationship's action chain. An event
// that changes no department starts nothing; a move between unmapped departments fails at once.
func TestMoverWorkflow(t *testing.T) {
	triggerBackends(t, withActions, func(t *testing.T, r *running) {
		target := newHookTarget(t)
		provider := r.do(t, http.MethodPost, "/v1/action-providers", jsonBody(t, map[string]any{
			"key": "dir", "name": "Directory API", "kind": "REST", "endpoint": target.URL,
			"settings": map[string]any{"endpoints": map[string]any{
				"granted": map[string]any{"kind": "webhook", "path": "/granted", "body": `{"text": {{json .Params.text}}}`},
				"revoked": map[string]any{"kind": "webhook", "path": "/revoked", "body": `{"text": {{json .Params.text}}}`},
			}},
		}))
		require.Equal(t, http.StatusCreated, provider.status, string(provider.body))
		chain := func(name, script string) string {
			resp := r.do(t, http.MethodPost, "/v1/action-chains", jsonBody(t, map[string]any{
				"name": name, "scripts": []any{map[string]any{"name": "tell", "type": script, "metadata": map[string]any{
					"text": "{{.Operation}} {{.Relationship.TargetName}} for {{.Recipient.Name}}",
				}}},
			}))
			require.Equal(t, http.StatusCreated, resp.status, string(resp.body))
			return resp.json(t)["id"].(string)
		}
		grantChain, revokeChain := chain("grant", "dir_webhook_granted"), chain("revoke", "dir_webhook_revoked")
		sourceID := newSource(t, r, "Corp Directory")
		rels := map[string]string{}
		for _, dept := range []string{"sales", "marketing"} {
			resp := r.do(t, http.MethodPost, "/v1/approvable-relationships", jsonBody(t, map[string]any{
				"name": "department " + dept, "sourceId": sourceID, "targetKind": "GROUP", "targetId": "cn=" + dept, "targetName": dept,
				"provisioningChainId": grantChain, "deprovisioningChainId": revokeChain, "requestable": true, "revocable": true,
			}))
			require.Equal(t, http.StatusCreated, resp.status, string(resp.body))
			rels[dept] = resp.json(t)["id"].(string)
			resp = r.do(t, http.MethodPost, "/v1/approvable-relationships/"+rels[dept]+"/approval-chains", `{"name": "birthright", "levels": []}`)
			require.Equal(t, http.StatusCreated, resp.status, string(resp.body))
		}
		resp := r.do(t, http.MethodPut, "/v1/approval-identities/ee769173319b41d19ccec6cea52f237b", `{"name": "john.doe"}`)
		require.Equal(t, http.StatusOK, resp.status, string(resp.body))

		const department = `$.changes[?(@.attribute == "department")]`
		subs := map[string]string{}
		for kind, value := range map[string]string{"REVOKE_RELATIONSHIPS": "oldValue", "GRANT_RELATIONSHIPS": "newValue"} {
			sub := r.do(t, http.MethodPost, "/beta/trigger-subscriptions", jsonBody(t, map[string]any{
				"name": "mover " + kind, "triggerId": iacTrigger, "type": "WORKFLOW", "filter": department,
				"workflowConfig": map[string]any{
					"workflowId": "mover", "kind": kind, "recipientIdPath": "$.identity.id",
					"relationshipIdsPath": department + "." + value, "relationshipMap": rels,
				},
			}))
			require.Equal(t, http.StatusCreated, sub.status, string(sub.body))
			subs[kind] = sub.json(t)["id"].(string)
		}

		emailOnly := r.publish(t, iacTrigger, `{"identity": {"id": "ee769173319b41d19ccec6cea52f237b", "name": "john.doe", "type": "IDENTITY"},
			"changes": [{"attribute": "email", "oldValue": "a@example.com", "newValue": "b@example.com"}]}`)
		n := tracking.New().String()
		r.publish(t, iacTrigger, identityAttributesChanged, tracking.Header, n)

		for kind, sub := range subs {
			var list []map[string]any
			eventually(t, func() bool {
				list = r.deliveries(t, `subscriptionId eq "`+sub+`"`)
				return len(list) == 1 && (list[0]["status"] == "SUCCEEDED" || list[0]["status"] == "FAILED")
			}, kind+" settles")
			require.Equal(t, "SUCCEEDED", list[0]["status"], jsonBody(t, list[0]))
			require.Equal(t, n, list[0]["trackingNumber"])
			require.Empty(t, r.deliveries(t, `subscriptionId eq "`+sub+`" and eventId eq "`+emailOnly["id"].(string)+`"`), "no department change, no workflow")
		}
		eventually(t, func() bool { return len(target.got("/revoked")) == 1 && len(target.got("/granted")) == 1 }, "the department moves")
		require.JSONEq(t, `{"text": "REVOKE sales for john.doe"}`, target.got("/revoked")[0])
		require.JSONEq(t, `{"text": "GRANT marketing for john.doe"}`, target.got("/granted")[0])

		requests := r.do(t, http.MethodGet, "/v1/access-requests?filters="+url.QueryEscape(`recipientId eq "ee769173319b41d19ccec6cea52f237b"`), "").list(t)
		byType := map[string][]any{}
		for _, q := range requests {
			byType[q["requestType"].(string)] = q["relationshipIds"].([]any)
		}
		require.Equal(t, map[string][]any{"REVOKE": {rels["sales"]}, "GRANT": {rels["marketing"]}}, byType)

		// A move between departments the map does not know: the event lacks the workflow's
		// inputs, which no retry can change, so the delivery fails at its first attempt.
		unknown := r.publish(t, iacTrigger, `{"identity": {"id": "ee769173319b41d19ccec6cea52f237b", "name": "john.doe", "type": "IDENTITY"},
			"changes": [{"attribute": "department", "oldValue": "legal", "newValue": "finance"}]}`)
		for _, sub := range subs {
			var list []map[string]any
			eventually(t, func() bool {
				list = r.deliveries(t, `subscriptionId eq "`+sub+`" and eventId eq "`+unknown["id"].(string)+`"`)
				return len(list) == 1 && list[0]["status"] == "FAILED"
			}, "an unmapped department fails")
			require.Len(t, list[0]["attempts"], 1)
			require.Contains(t, list[0]["error"], "the event names no relationship")
		}
	})
}

// TestRunActionChainWorkflow: a RUN_ACTION_CHAIN workflow starts the chain directly (no
// approval) with inputs read from the event, once per event, with the event's trackingNumber.
func TestRunActionChainWorkflow(t *testing.T) {
	triggerBackends(t, withActions, func(t *testing.T, r *running) {
		j := setupJoiner(t, r)
		chain := r.do(t, http.MethodPost, "/v1/action-chains", jsonBody(t, map[string]any{
			"name": "hello", "scripts": []any{map[string]any{"name": "hello", "type": "hr_webhook_notify", "metadata": map[string]any{
				"text": `hello {{.Inputs.first}} ({{.Recipient.ID}}, {{.Recipient.Name}} <{{.Recipient.Email}}>, {{or (index .Recipient.Attributes "lastname") "-"}})`,
			}}},
		}))
		require.Equal(t, http.StatusCreated, chain.status, string(chain.body))
		chainID := chain.json(t)["id"].(string)
		sub := r.do(t, http.MethodPost, "/beta/trigger-subscriptions", jsonBody(t, map[string]any{
			"name": "hello", "triggerId": "idn:identity-created", "type": "WORKFLOW",
			"workflowConfig": map[string]any{
				"workflowId": "hello", "kind": "RUN_ACTION_CHAIN", "actionChainId": chainID,
				"recipientIdPath": "$.identity.id", "inputs": map[string]string{"first": "$.attributes.firstname"},
			},
		}))
		require.Equal(t, http.StatusCreated, sub.status, string(sub.body))
		subID := sub.json(t)["id"].(string)
		n := tracking.New().String()
		r.publish(t, "idn:identity-created", `{"identity": {"type": "IDENTITY", "id": "`+j.identity+`", "name": "William Wilson"}, "attributes": {"firstname": "William"}}`, tracking.Header, n)

		var del map[string]any
		eventually(t, func() bool {
			list := r.deliveries(t, `subscriptionId eq "`+subID+`"`)
			if len(list) != 1 {
				return false
			}
			del = list[0]
			return del["status"] == "SUCCEEDED" || del["status"] == "FAILED"
		}, "the workflow's delivery settles")
		require.Equal(t, "SUCCEEDED", del["status"], jsonBody(t, del))
		flowID := del["output"].(map[string]any)["actionFlowId"].(string)
		var flow map[string]any
		eventually(t, func() bool {
			got := r.do(t, http.MethodGet, "/v1/action-flows/"+flowID, "")
			require.Equal(t, http.StatusOK, got.status, string(got.body))
			flow = got.json(t)
			return flow["status"] == "SUCCEEDED" || flow["status"] == "FAILED"
		}, "the action flow ends")
		require.Equal(t, "SUCCEEDED", flow["status"], jsonBody(t, flow))
		require.Equal(t, n, flow["trackingNumber"])
		// The recipient is the directory's identity: name, email and attributes.
		require.Len(t, j.target.got("/welcome"), 1)
		require.JSONEq(t, `{"text": "hello William (`+j.identity+`, William Wilson <william@example.com>, wilson)"}`, j.target.got("/welcome")[0])
		require.Empty(t, j.target.got("/users"), "no approval, no provisioning chain")

		// An identity the directory does not have is its id alone.
		const stranger = "5772a9e700000000000000000000beef"
		r.publish(t, "idn:identity-created", `{"identity": {"type": "IDENTITY", "id": "`+stranger+`", "name": "Sam Stranger"}, "attributes": {"firstname": "Sam"}}`)
		eventually(t, func() bool { return len(j.target.got("/welcome")) == 2 }, "the stranger's chain runs")
		require.JSONEq(t, `{"text": "hello Sam (`+stranger+`,  <>, -)"}`, j.target.got("/welcome")[1])
	})
}
