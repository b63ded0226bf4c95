package suite_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"

	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
)

// identityAttributesChanged is the seed's Identity Attributes Changed example.
const identityAttributesChanged = `{
  "identity": {"id": "ee769173319b41d19ccec6cea52f237b", "name": "john.doe", "type": "IDENTITY"},
  "changes": [
    {"attribute": "department", "oldValue": "sales", "newValue": "marketing"},
    {"attribute": "manager",
     "oldValue": {"id": "ee769173319b41d19ccec6c235423237b", "name": "nice.guy", "type": "IDENTITY"},
     "newValue": {"id": "ee769173319b41d19ccec6c235423236c", "name": "mean.guy", "type": "IDENTITY"}},
    {"attribute": "email", "oldValue": "john.doe@hotmail.com", "newValue": "john.doe@gmail.com"}
  ]
}`

const iacTrigger = "idn:identity-attributes-changed"

// testRetrySchedule keeps retries quick: a delivery fails after 7 attempts.
var testRetrySchedule = []time.Duration{
	20 * time.Millisecond, 40 * time.Millisecond, 60 * time.Millisecond, 80 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond,
}

// withTriggers lets the trigger service reach test subscribers on loopback and retry fast.
func withTriggers(more ...func(*suiteConfig)) func(*suiteConfig) {
	return func(c *suiteConfig) {
		c.Trigger.OutboundAllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		c.Trigger.RetrySchedule = testRetrySchedule
		for _, m := range more {
			m(c)
		}
	}
}

// triggerBackends runs fn once per storage backend on a suite configured by withTriggers.
func triggerBackends(t *testing.T, mutate func(*suiteConfig), fn func(t *testing.T, r *running)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, startWith(t, storageSQLite(t), mutate))
	})
	t.Run("postgres", func(t *testing.T) {
		dbURL := storagetest.NewPostgresDatabase(t, "suite", nil, func(context.Context, string) error { return nil })
		fn(t, startWith(t, storage.Config{DatabaseURL: dbURL, SQLiteSynchronous: "NORMAL"}, mutate))
	})
}

// delivered is one request a test subscriber received.
type delivered struct {
	n      int
	header http.Header
	body   []byte
	status int
}

// subscriber is a real HTTP subscriber on loopback. respond decides each answer (n counts
// requests from 1); every request is recorded and sent on got.
type subscriber struct {
	*httptest.Server
	got     chan delivered
	mu      sync.Mutex
	all     []delivered
	respond func(n int, r *http.Request, body []byte) (int, string)
}

func newSubscriber(t *testing.T, respond func(n int, r *http.Request, body []byte) (int, string)) *subscriber {
	t.Helper()
	s := &subscriber{got: make(chan delivered, 4096), respond: respond}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		d := delivered{n: len(s.all) + 1, header: r.Header.Clone(), body: body, status: http.StatusOK}
		s.mu.Unlock()
		answer := ""
		if s.respond != nil {
			d.status, answer = s.respond(d.n, r, body)
		}
		s.mu.Lock()
		s.all = append(s.all, d)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(d.status)
		_, _ = io.WriteString(w, answer)
		select {
		case s.got <- d:
		default: // nobody reads (a load test): all still records it
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// accepted returns the requests answered with 2xx.
func (s *subscriber) accepted() []delivered {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []delivered
	for _, d := range s.all {
		if d.status >= 200 && d.status < 300 {
			out = append(out, d)
		}
	}
	return out
}

// received returns every request so far.
func (s *subscriber) received() []delivered {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]delivered(nil), s.all...)
}

func (s *subscriber) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.all)
}

// next waits for the subscriber's next request.
func (s *subscriber) next(t *testing.T) delivered {
	t.Helper()
	select {
	case d := <-s.got:
		return d
	case <-time.After(30 * time.Second):
		t.Fatal("no delivery within 30s")
		return delivered{}
	}
}

func jsonBody(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func (r response) list(t *testing.T) []map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var out []map[string]any
	require.NoError(t, json.Unmarshal(r.body, &out), "a bare JSON array: %s", r.body)
	return out
}

// subscribe creates an HTTP subscription and returns it (with its signing secret).
func (r *running) subscribe(t *testing.T, triggerID, name, target, filter string, extra ...map[string]any) map[string]any {
	t.Helper()
	sub := map[string]any{
		"name": name, "triggerId": triggerID, "type": "HTTP",
		"httpConfig": map[string]any{"url": target, "httpDispatchMode": "SYNC"},
	}
	if filter != "" {
		sub["filter"] = filter
	}
	for _, e := range extra {
		for k, v := range e {
			sub[k] = v
		}
	}
	resp := r.do(t, http.MethodPost, "/beta/trigger-subscriptions", jsonBody(t, sub))
	require.Equal(t, http.StatusCreated, resp.status, string(resp.body))
	return resp.json(t)
}

// publish posts an event over REST and returns the 202 answer.
func (r *running) publish(t *testing.T, triggerID, event string, header ...string) map[string]any {
	t.Helper()
	resp := r.do(t, http.MethodPost, "/v1/trigger-events/"+triggerID, event, header...)
	require.Equal(t, http.StatusAccepted, resp.status, string(resp.body))
	return resp.json(t)
}

// deliveries lists deliveries matching a filter expression.
func (r *running) deliveries(t *testing.T, filter string) []map[string]any {
	t.Helper()
	return r.do(t, http.MethodGet, "/v1/trigger-deliveries?filters="+url.QueryEscape(filter), "").list(t)
}

// eventually polls cond until it holds, failing after 30s.
func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	require.Eventually(t, cond, 30*time.Second, 10*time.Millisecond, msg)
}

// verifySignature checks a delivery's Standard Webhooks signature with the standard's own
// library.
func verifySignature(t *testing.T, d delivered, secret string) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	require.NoError(t, err)
	require.NoError(t, wh.Verify(d.body, d.header), "signature of %s", d.header.Get("webhook-id"))
}

func TestTriggerCatalogue(t *testing.T) {
	r := startWith(t, storageSQLite(t), withTriggers())
	all := r.do(t, http.MethodGet, "/beta/triggers?count=true", "")
	triggers := all.list(t)
	require.Len(t, triggers, 36)
	require.Equal(t, "36", all.header.Get("X-Total-Count"))
	byID := map[string]map[string]any{}
	for _, tr := range triggers {
		byID[tr["id"].(string)] = tr
	}
	iac := byID[iacTrigger]
	require.Equal(t, "Identity Attributes Changed", iac["name"])
	require.Equal(t, "FIRE_AND_FORGET", iac["type"])
	require.NotEmpty(t, iac["description"])
	schema, ok := iac["inputSchema"].(string)
	require.True(t, ok, "inputSchema is a JSON-encoded string")
	require.True(t, json.Valid([]byte(schema)))
	require.IsType(t, map[string]any{}, iac["exampleInput"])
	require.NotContains(t, iac, "outputSchema")
	require.Equal(t, "Provisioning Completed", byID["idn:post-provisioning"]["name"])

	rr := byID["idn:access-request-dynamic-approver"]
	require.Equal(t, "REQUEST_RESPONSE", rr["type"])
	out, ok := rr["outputSchema"].(string)
	require.True(t, ok)
	require.True(t, json.Valid([]byte(out)))
	require.Contains(t, rr, "exampleOutput")

	ids := func(query string) []string {
		t.Helper()
		var out []string
		for _, tr := range r.do(t, http.MethodGet, "/beta/triggers?"+query, "").list(t) {
			out = append(out, tr["id"].(string))
		}
		return out
	}
	require.Equal(t, []string{iacTrigger}, ids("filters="+url.QueryEscape(`id eq "idn:identity-attributes-changed"`)))
	require.Equal(t, []string{
		"idn:source-account-created", "idn:source-account-deleted", "idn:source-account-updated",
		"idn:source-created", "idn:source-deleted", "idn:source-updated", "idn:va-cluster-status-change",
	}, ids("filters="+url.QueryEscape(`id ge "idn:source"`)))
	require.Equal(t, []string{"idn:access-request-dynamic-approver"}, ids("filters="+url.QueryEscape(`id le "idn:access-request-dynamic-approver"`)))
	require.Equal(t, []string{"idn:access-request-post-approval", "idn:access-request-pre-approval"}, ids("limit=2&offset=1"))
	require.Len(t, r.do(t, http.MethodGet, "/triggers/v1", "").list(t), 36, "the newer path serves the same")

	for query, text := range map[string]string{
		"limit=0":   "limit",
		"offset=-1": "offset",
		"filters=" + url.QueryEscape(`name eq "x"`): `"name" cannot be filtered`,
		"filters=" + url.QueryEscape(`id sw "idn"`): `operator "sw" is not supported`,
	} {
		requireError(t, r.do(t, http.MethodGet, "/beta/triggers?"+query, ""), http.StatusBadRequest, "400.1 Bad Request Content", text)
	}
}

func TestTriggerSubscriptions(t *testing.T) {
	triggerBackends(t, withTriggers(), func(t *testing.T, r *running) {
		created := r.do(t, http.MethodPost, "/beta/trigger-subscriptions", `{
		  "name": "Access request subscription",
		  "description": "Access requested to site xyz",
		  "triggerId": "idn:identity-attributes-changed",
		  "type": "HTTP",
		  "httpConfig": {
		    "url": "https://www.example.com",
		    "httpDispatchMode": "SYNC",
		    "httpAuthenticationType": "BASIC_AUTH",
		    "basicAuthConfig": {"userName": "user@example.com", "password": "eRtg4%6yuI!"}
		  },
		  "enabled": true,
		  "filter": "$[?($.identity.name == \"john.doe\")]"
		}`)
		require.Equal(t, http.StatusCreated, created.status, string(created.body))
		sub := created.json(t)
		id, _ := sub["id"].(string)
		require.Regexp(t, `^[0-9a-f]{32}$`, id)
		require.Equal(t, "Identity Attributes Changed", sub["triggerName"])
		require.Equal(t, "PT1H", sub["responseDeadline"], "the reference default")
		require.Equal(t, true, sub["enabled"])
		secret, _ := sub["signingSecret"].(string)
		require.True(t, strings.HasPrefix(secret, "whsec_"), "the signing secret is shown once, on create")
		basic := sub["httpConfig"].(map[string]any)["basicAuthConfig"].(map[string]any)
		require.Contains(t, basic, "password")
		require.Nil(t, basic["password"], "secrets are write-only: null on output")
		require.NotContains(t, string(created.body), "eRtg4", "the password never comes back")

		t.Run("get and list carry every field but no secret", func(t *testing.T) {
			for _, path := range []string{"/beta/trigger-subscriptions/" + id, "/trigger-subscriptions/v1/" + id} {
				got := r.do(t, http.MethodGet, path, "")
				require.Equal(t, http.StatusOK, got.status, string(got.body))
				m := got.json(t)
				require.NotContains(t, m, "signingSecret")
				for _, field := range []string{"id", "name", "description", "triggerId", "triggerName", "type", "responseDeadline", "httpConfig", "enabled", "filter"} {
					require.Contains(t, m, field)
				}
			}
			list := r.do(t, http.MethodGet, "/beta/trigger-subscriptions?count=true", "")
			require.Len(t, list.list(t), 1)
			require.Equal(t, "1", list.header.Get("X-Total-Count"))
		})

		t.Run("validation errors", func(t *testing.T) {
			base := map[string]any{"name": "n", "triggerId": iacTrigger, "type": "HTTP", "httpConfig": map[string]any{"url": "https://example.com"}}
			with := func(kv ...any) string { // key, value, key, value…
				m := map[string]any{}
				for k, v := range base {
					m[k] = v
				}
				for i := 0; i+1 < len(kv); i += 2 {
					m[kv[i].(string)] = kv[i+1]
				}
				return jsonBody(t, m)
			}
			cases := []struct{ name, body, text string }{
				{"bad JSONPath", with("filter", "$[?(@.a ==]"), "subscription.filter"},
				{"unknown trigger", with("triggerId", "idn:nope"), `unknown trigger "idn:nope"`},
				{"no trigger", with("triggerId", ""), "subscription.triggerId"},
				{"EVENTBRIDGE", with("type", "EVENTBRIDGE"), "EVENTBRIDGE subscriptions are not supported"},
				{"INLINE", with("type", "INLINE"), "INLINE subscriptions are not supported"},
				{"SCRIPT", with("type", "SCRIPT"), "SCRIPT subscriptions are not supported"},
				{"unknown type", with("type", "CARRIER_PIGEON"), "subscription.type"},
				{"HTTP without httpConfig", with("httpConfig", nil), "subscription.httpConfig"},
				{"URL not http", with("httpConfig", map[string]any{"url": "ftp://example.com"}), "subscription.httpConfig.url"},
				{"bad dispatch mode", with("httpConfig", map[string]any{"url": "https://example.com", "httpDispatchMode": "LATER"}), "httpDispatchMode"},
				{"basic auth without password", with("httpConfig", map[string]any{"url": "https://example.com", "httpAuthenticationType": "BASIC_AUTH", "basicAuthConfig": map[string]any{"userName": "u"}}), "basicAuthConfig.password"},
				{"bearer without token", with("httpConfig", map[string]any{"url": "https://example.com", "httpAuthenticationType": "BEARER_TOKEN"}), "bearerToken"},
				{"bad deadline", with("responseDeadline", "an hour"), "ISO-8601"},
				{"deadline too long", with("responseDeadline", "P30D"), "between PT1S and P7D"},
				{"WORKFLOW without config", with("type", "WORKFLOW"), "workflowConfig"},
				{"WORKFLOW without kind", with("type", "WORKFLOW", "workflowConfig", map[string]any{"workflowId": "wf"}), "subscription.workflowConfig.kind"},
				{"WORKFLOW bad kind", with("type", "WORKFLOW", "workflowConfig", map[string]any{"workflowId": "wf", "kind": "MAKE_COFFEE"}), "subscription.workflowConfig.kind"},
				{"WORKFLOW without recipient", with("type", "WORKFLOW", "workflowConfig", map[string]any{"workflowId": "wf", "kind": "GRANT_RELATIONSHIPS", "relationshipIds": []string{"r"}}), "subscription.workflowConfig.recipientIdPath"},
				{"WORKFLOW bad recipient path", with("type", "WORKFLOW", "workflowConfig", map[string]any{"workflowId": "wf", "kind": "GRANT_RELATIONSHIPS", "relationshipIds": []string{"r"}, "recipientIdPath": "$.["}), "subscription.workflowConfig.recipientIdPath"},
				{"WORKFLOW grant without relationships", with("type", "WORKFLOW", "workflowConfig", map[string]any{"workflowId": "wf", "kind": "GRANT_RELATIONSHIPS", "recipientIdPath": "$.identity.id"}), "subscription.workflowConfig.relationshipIds"},
				{"WORKFLOW on REQUEST_RESPONSE", with("triggerId", approverTrigger, "type", "WORKFLOW", "workflowConfig", map[string]any{"workflowId": "wf", "kind": "RUN_ACTION_CHAIN", "actionChainId": "c", "recipientIdPath": "$.identity.id"}), "REQUEST_RESPONSE trigger, which needs a subscriber that answers"},
				{"WORKFLOW chain without chain", with("type", "WORKFLOW", "workflowConfig", map[string]any{"workflowId": "wf", "kind": "RUN_ACTION_CHAIN", "recipientIdPath": "$.identity.id"}), "subscription.workflowConfig.actionChainId"},
				{"no name", with("name", ""), "subscription.name"},
				{"malformed", `{"name":`, ""},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					requireError(t, r.do(t, http.MethodPost, "/beta/trigger-subscriptions", tc.body), http.StatusBadRequest, "400.1 Bad Request Content", tc.text)
				})
			}
		})

		t.Run("put replaces; id and triggerId are immutable; secrets kept", func(t *testing.T) {
			put := r.do(t, http.MethodPut, "/beta/trigger-subscriptions/"+id, `{
			  "name": "Renamed", "type": "HTTP", "enabled": false,
			  "httpConfig": {"url": "https://www.example.com/v2", "httpAuthenticationType": "BASIC_AUTH",
			                 "basicAuthConfig": {"userName": "user@example.com", "password": null}}
			}`)
			require.Equal(t, http.StatusOK, put.status, string(put.body))
			m := put.json(t)
			require.Equal(t, "Renamed", m["name"])
			require.Equal(t, false, m["enabled"])
			require.Equal(t, id, m["id"])
			require.Equal(t, iacTrigger, m["triggerId"])
			require.Empty(t, m["filter"], "a replace drops what it leaves out")
			require.Equal(t, "SYNC", m["httpConfig"].(map[string]any)["httpDispatchMode"])

			requireError(t, r.do(t, http.MethodPut, "/beta/trigger-subscriptions/"+id, `{"name":"x","type":"HTTP","triggerId":"idn:source-created","httpConfig":{"url":"https://e.com"}}`),
				http.StatusBadRequest, "400.1 Bad Request Content", "triggerId: is immutable")
			requireError(t, r.do(t, http.MethodPut, "/beta/trigger-subscriptions/"+id, `{"id":"0123","name":"x","type":"HTTP","httpConfig":{"url":"https://e.com"}}`),
				http.StatusBadRequest, "400.1 Bad Request Content", "id: is immutable")
			requireError(t, r.do(t, http.MethodPut, "/beta/trigger-subscriptions/"+id, `{"name":"x","type":"HTTP","httpConfig":{"url":"https://e.com"},"filter":"$[?("}`),
				http.StatusBadRequest, "400.1 Bad Request Content", "filter")
			requireError(t, r.do(t, http.MethodPut, "/beta/trigger-subscriptions/0123456789abcdef0123456789abcdef", `{"name":"x","type":"HTTP","httpConfig":{"url":"https://e.com"}}`),
				http.StatusNotFound, "404 Not found", "not found")
		})

		t.Run("patch", func(t *testing.T) {
			patch := func(body string) response {
				return r.do(t, http.MethodPatch, "/beta/trigger-subscriptions/"+id, body, "Content-Type", "application/json-patch+json")
			}
			p := patch(`[{"op":"replace","path":"/description","value":"A new description"},
			             {"op":"replace","path":"/enabled","value":true},
			             {"op":"add","path":"/filter","value":"$.changes[?(@.attribute == 'email')]"},
			             {"op":"replace","path":"/httpConfig/httpDispatchMode","value":"ASYNC"}]`)
			require.Equal(t, http.StatusOK, p.status, string(p.body))
			m := p.json(t)
			require.Equal(t, "A new description", m["description"])
			require.Equal(t, true, m["enabled"])
			require.Equal(t, "$.changes[?(@.attribute == 'email')]", m["filter"])
			require.Equal(t, "ASYNC", m["httpConfig"].(map[string]any)["httpDispatchMode"])
			require.Equal(t, "Renamed", m["name"], "untouched fields stay")
			require.Equal(t, m, r.do(t, http.MethodGet, "/beta/trigger-subscriptions/"+id, "").json(t))

			for name, body := range map[string]string{
				"immutable field":  `[{"op":"replace","path":"/triggerId","value":"idn:source-created"}]`,
				"id":               `[{"op":"replace","path":"/id","value":"x"}]`,
				"bad filter":       `[{"op":"replace","path":"/filter","value":"$[?("}]`,
				"missing path":     `[{"op":"remove","path":"/nope"}]`,
				"unknown op":       `[{"op":"frobnicate","path":"/name","value":"x"}]`,
				"replace no value": `[{"op":"replace","path":"/name"}]`,
				"failed test":      `[{"op":"test","path":"/name","value":"other"},{"op":"replace","path":"/name","value":"never"}]`,
				"empty":            `[]`,
				"not an array":     `{"op":"replace"}`,
			} {
				t.Run(name, func(t *testing.T) {
					requireError(t, patch(body), http.StatusBadRequest, "400.1 Bad Request Content", "")
				})
			}
			require.Equal(t, "Renamed", r.do(t, http.MethodGet, "/beta/trigger-subscriptions/"+id, "").json(t)["name"], "a failed patch changes nothing")
		})

		t.Run("list filters", func(t *testing.T) {
			r.subscribe(t, "idn:source-created", "b", "https://example.com/b", "")
			r.subscribe(t, "idn:source-created", "a", "https://example.com/a", "")
			names := func(filter string) []string {
				var out []string
				for _, s := range r.do(t, http.MethodGet, "/beta/trigger-subscriptions?filters="+url.QueryEscape(filter), "").list(t) {
					out = append(out, s["name"].(string))
				}
				return out
			}
			require.Equal(t, []string{"a", "b"}, names(`triggerId eq "idn:source-created"`))
			require.Equal(t, []string{"Renamed"}, names(`id eq "`+id+`"`))
			require.Len(t, names(`type eq "HTTP"`), 3)
			require.Empty(t, names(`type eq "WORKFLOW"`))
			requireError(t, r.do(t, http.MethodGet, "/beta/trigger-subscriptions?filters="+url.QueryEscape(`name eq "a"`), ""),
				http.StatusBadRequest, "400.1 Bad Request Content", `"name" cannot be filtered`)
		})

		t.Run("limits: 50 per FIRE_AND_FORGET trigger, 1 per REQUEST_RESPONSE trigger", func(t *testing.T) {
			for i := range 50 {
				r.subscribe(t, "idn:account-created", "s"+string(rune('A'+i%26))+string(rune('a'+i/26)), "https://example.com", "")
			}
			requireError(t, r.do(t, http.MethodPost, "/beta/trigger-subscriptions", jsonBody(t, map[string]any{
				"name": "51st", "triggerId": "idn:account-created", "type": "HTTP", "httpConfig": map[string]any{"url": "https://example.com"},
			})), http.StatusBadRequest, "400.1 Bad Request Content", "maximum of 50")

			rr := map[string]any{"name": "approver", "triggerId": "idn:access-request-dynamic-approver", "type": "HTTP", "httpConfig": map[string]any{"url": "https://example.com"}}
			first := r.do(t, http.MethodPost, "/beta/trigger-subscriptions", jsonBody(t, rr))
			require.Equal(t, http.StatusCreated, first.status, string(first.body))
			requireError(t, r.do(t, http.MethodPost, "/beta/trigger-subscriptions", jsonBody(t, rr)), http.StatusBadRequest, "400.1 Bad Request Content", "maximum of 1")
			// Deleting frees the slot.
			require.Equal(t, http.StatusNoContent, r.do(t, http.MethodDelete, "/beta/trigger-subscriptions/"+first.json(t)["id"].(string), "").status)
			require.Equal(t, http.StatusCreated, r.do(t, http.MethodPost, "/beta/trigger-subscriptions", jsonBody(t, rr)).status)
		})

		t.Run("workflow subscriptions are stored", func(t *testing.T) {
			w := r.do(t, http.MethodPost, "/beta/trigger-subscriptions", `{"name":"wf","triggerId":"idn:source-updated","type":"WORKFLOW",
				"workflowConfig":{"workflowId":"wf-1","kind":"RUN_ACTION_CHAIN","actionChainId":"c1","recipientIdPath":"$.actor.id"}}`)
			require.Equal(t, http.StatusCreated, w.status, string(w.body))
			wc := w.json(t)["workflowConfig"].(map[string]any)
			for k, v := range map[string]any{"workflowId": "wf-1", "kind": "RUN_ACTION_CHAIN", "actionChainId": "c1", "recipientIdPath": "$.actor.id"} {
				require.Equal(t, v, wc[k], k)
			}
		})

		t.Run("validate filter", func(t *testing.T) {
			cases := []struct {
				name, filter string
				want         map[string]any
			}{
				{"matching", `$[?($.identity.name == "john.doe")]`, map[string]any{"isValid": true, "isValidJSONPath": true, "isPathExist": true}},
				{"not matching", `$[?($.identity.name contains "archer")]`, map[string]any{"isValid": false, "isValidJSONPath": true, "isPathExist": false}},
				{"invalid", `$[?($.identity.name == ]`, map[string]any{"isValid": false, "isValidJSONPath": false, "isPathExist": false}},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					for _, path := range []string{"/beta/trigger-subscriptions/validate-filter", "/trigger-subscriptions/v1/validate-filter"} {
						resp := r.do(t, http.MethodPost, path, jsonBody(t, map[string]any{"input": json.RawMessage(identityAttributesChanged), "filter": tc.filter}))
						require.Equal(t, http.StatusOK, resp.status, string(resp.body))
						require.Equal(t, tc.want, resp.json(t), "zero values are emitted")
					}
				})
			}
			requireError(t, r.do(t, http.MethodPost, "/beta/trigger-subscriptions/validate-filter", `{"filter":"$"}`), http.StatusBadRequest, "400.1 Bad Request Content", "input")
		})

		t.Run("delete is 204 then 404", func(t *testing.T) {
			del := r.do(t, http.MethodDelete, "/beta/trigger-subscriptions/"+id, "")
			require.Equal(t, http.StatusNoContent, del.status)
			require.Empty(t, del.body)
			requireError(t, r.do(t, http.MethodGet, "/beta/trigger-subscriptions/"+id, ""), http.StatusNotFound, "404 Not found", "not found")
			requireError(t, r.do(t, http.MethodDelete, "/beta/trigger-subscriptions/"+id, ""), http.StatusNotFound, "404 Not found", "not found")
		})
	})
}

func TestTriggerEvents(t *testing.T) {
	triggerBackends(t, withTriggers(), func(t *testing.T, r *running) {
		matchAll := newSubscriber(t, nil)
		matchName := newSubscriber(t, nil)
		noMatch := newSubscriber(t, nil)
		disabled := newSubscriber(t, nil)
		subAll := r.subscribe(t, iacTrigger, "all", matchAll.URL, "")
		subName := r.subscribe(t, iacTrigger, "john", matchName.URL+"/hook", `$[?($.identity.name == "john.doe")]`,
			map[string]any{"httpConfig": map[string]any{
				"url": matchName.URL + "/hook", "httpAuthenticationType": "BEARER_TOKEN",
				"bearerTokenAuthConfig": map[string]any{"bearerToken": "t0ken"},
			}})
		r.subscribe(t, iacTrigger, "leavers", noMatch.URL, `$.changes[?(@.attribute == "cloudLifecycleState")]`)
		r.subscribe(t, iacTrigger, "off", disabled.URL, "", map[string]any{"enabled": false})
		r.subscribe(t, "idn:source-created", "other trigger", disabled.URL, "")

		const key = "evt-0001"
		number := "4b4d982dddff4267ab12f0f1e72b5a6d"
		resp := r.do(t, http.MethodPost, "/v1/trigger-events/"+iacTrigger, identityAttributesChanged, "Idempotency-Key", key, "X-Tracking-Number", number)
		require.Equal(t, http.StatusAccepted, resp.status, string(resp.body))
		accepted := resp.json(t)
		eventID, _ := accepted["id"].(string)
		require.Regexp(t, `^[0-9a-f]{32}$`, eventID)
		require.Equal(t, number, accepted["trackingNumber"], "the caller's trackingNumber is kept")

		t.Run("delivered once, signed, to each matching subscriber", func(t *testing.T) {
			for _, tc := range []struct {
				sub    *subscriber
				secret string
			}{{matchAll, subAll["signingSecret"].(string)}, {matchName, subName["signingSecret"].(string)}} {
				d := tc.sub.next(t)
				verifySignature(t, d, tc.secret)
				require.JSONEq(t, identityAttributesChanged, string(d.body))
				require.Equal(t, number, d.header.Get("X-Tracking-Number"))
				require.Equal(t, "application/json", d.header.Get("Content-Type"))
				require.NotEmpty(t, d.header.Get("webhook-id"))
			}
			require.Equal(t, "Bearer t0ken", matchName.accepted()[0].header.Get("Authorization"))
			require.Empty(t, matchAll.accepted()[0].header.Get("Authorization"))

			var list []map[string]any
			eventually(t, func() bool {
				list = r.deliveries(t, `eventId eq "`+eventID+`"`)
				return len(list) == 2 && list[0]["status"] == "SUCCEEDED" && list[1]["status"] == "SUCCEEDED"
			}, "both deliveries succeed")
			for _, d := range list {
				require.Equal(t, number, d["trackingNumber"])
				attempts := d["attempts"].([]any)
				require.Len(t, attempts, 1)
				require.InDelta(t, 200, attempts[0].(map[string]any)["statusCode"], 0)
			}
			// Deliveries are made in the transaction that stored the event: none exists for the
			// non-matching or disabled subscriptions, so none will ever be sent.
			require.Zero(t, noMatch.requests())
			require.Zero(t, disabled.requests())
			require.Len(t, r.deliveries(t, `trackingNumber eq "`+number+`"`), 2, "history is queryable by trackingNumber")
		})

		t.Run("idempotency", func(t *testing.T) {
			again := r.do(t, http.MethodPost, "/v1/trigger-events/"+iacTrigger, identityAttributesChanged, "Idempotency-Key", key)
			require.Equal(t, http.StatusAccepted, again.status, string(again.body))
			require.Equal(t, accepted, again.json(t), "a replay answers the first answer")
			// Same event, other formatting: still the same request.
			compact := r.do(t, http.MethodPost, "/v1/trigger-events/"+iacTrigger, jsonBody(t, json.RawMessage(identityAttributesChanged)), "Idempotency-Key", key)
			require.Equal(t, accepted, compact.json(t))
			requireError(t, r.do(t, http.MethodPost, "/v1/trigger-events/"+iacTrigger, `{"identity":{"id":"x","name":"y","type":"IDENTITY"},"changes":[{"attribute":"a","oldValue":"b","newValue":"c"}]}`, "Idempotency-Key", key),
				http.StatusUnprocessableEntity, "422 Unprocessable Entity", "idempotency key")
			require.Len(t, r.deliveries(t, `trackingNumber eq "`+number+`"`), 2, "stored and delivered once")
			require.Len(t, matchAll.accepted(), 1)
		})

		t.Run("without a key every call is an event", func(t *testing.T) {
			first := r.publish(t, iacTrigger, identityAttributesChanged)
			second := r.publish(t, iacTrigger, identityAttributesChanged)
			require.NotEqual(t, first["id"], second["id"])
			require.NotEqual(t, first["trackingNumber"], second["trackingNumber"], "each event gets a trackingNumber")
			eventually(t, func() bool { return len(matchAll.accepted()) == 3 }, "both delivered")
		})

		t.Run("validation errors", func(t *testing.T) {
			body := requireError(t, r.do(t, http.MethodPost, "/v1/trigger-events/"+iacTrigger, `{"identity":{"id":"x"},"changes":"none"}`),
				http.StatusBadRequest, "400.1 Bad Request Content", "event/identity/name: missing property")
			var causes []string
			for _, c := range body["causes"].([]any) {
				causes = append(causes, c.(map[string]any)["text"].(string))
			}
			require.Contains(t, causes, "event/identity/name: missing property")
			require.Contains(t, causes, "event/identity/type: missing property")
			require.Contains(t, strings.Join(causes, "\n"), "event/changes:")

			for name, tc := range map[string]struct{ path, body, text string }{
				"unknown trigger": {"/v1/trigger-events/idn:nope", identityAttributesChanged, `unknown trigger "idn:nope"`},
				"malformed JSON":  {"/v1/trigger-events/" + iacTrigger, `{"identity":`, "not valid JSON"},
				"not an object":   {"/v1/trigger-events/" + iacTrigger, `[1,2]`, "must be a JSON object"},
				"trailing data":   {"/v1/trigger-events/" + iacTrigger, identityAttributesChanged + `{}`, "unexpected data"},
				"empty body":      {"/v1/trigger-events/" + iacTrigger, ``, "not valid JSON"},
				"wrong trigger's": {"/v1/trigger-events/idn:post-provisioning", identityAttributesChanged, "missing property"},
				"key too long":    {"/v1/trigger-events/" + iacTrigger, identityAttributesChanged, "Idempotency-Key"},
			} {
				t.Run(name, func(t *testing.T) {
					header := []string{}
					if name == "key too long" {
						header = []string{"Idempotency-Key", strings.Repeat("k", 257)}
					}
					requireError(t, r.do(t, http.MethodPost, tc.path, tc.body, header...), http.StatusBadRequest, "400.1 Bad Request Content", tc.text)
				})
			}
		})
	})
}

func TestTriggerDeliveryRetries(t *testing.T) {
	triggerBackends(t, withTriggers(), func(t *testing.T, r *running) {
		t.Run("503 five times, then delivered exactly once", func(t *testing.T) {
			flaky := newSubscriber(t, func(n int, _ *http.Request, _ []byte) (int, string) {
				if n <= 5 {
					return http.StatusServiceUnavailable, ""
				}
				return http.StatusOK, ""
			})
			r.subscribe(t, iacTrigger, "flaky", flaky.URL, "")
			ev := r.publish(t, iacTrigger, identityAttributesChanged)
			var d map[string]any
			eventually(t, func() bool {
				list := r.deliveries(t, `eventId eq "`+ev["id"].(string)+`"`)
				if len(list) == 1 {
					d = list[0]
				}
				return d != nil && d["status"] == "SUCCEEDED"
			}, "delivered after recovery")
			require.Len(t, flaky.accepted(), 1, "exactly once")
			require.Equal(t, 6, flaky.requests())
			ids := map[string]bool{}
			for _, req := range flaky.received() {
				ids[req.header.Get("webhook-id")] = true
			}
			require.Len(t, ids, 1, "the same webhook-id on every retry")
			attempts := d["attempts"].([]any)
			require.Len(t, attempts, 6)
			for i, a := range attempts {
				want := 503.0
				if i == 5 {
					want = 200
				}
				require.InDelta(t, want, a.(map[string]any)["statusCode"], 0, "attempt %d", i+1)
			}
		})

		t.Run("Retry-After is honoured", func(t *testing.T) {
			var first time.Time
			limited := newSubscriber(t, func(n int, _ *http.Request, _ []byte) (int, string) {
				if n == 1 {
					first = time.Now()
					return http.StatusTooManyRequests, ""
				}
				return http.StatusOK, ""
			})
			limited.Config.Handler = retryAfter(limited.Config.Handler)
			r.subscribe(t, iacTrigger, "limited", limited.URL, "")
			r.publish(t, iacTrigger, identityAttributesChanged)
			limited.next(t)
			second := limited.next(t)
			require.Equal(t, 2, second.n)
			require.GreaterOrEqual(t, time.Since(first), time.Second, "waited for Retry-After: 1, not the 20ms schedule")
		})

		t.Run("a spent schedule is a dead letter", func(t *testing.T) {
			broken := newSubscriber(t, func(int, *http.Request, []byte) (int, string) { return http.StatusInternalServerError, "" })
			sub := r.subscribe(t, "idn:source-created", "broken", broken.URL, "")
			ev := r.publish(t, "idn:source-created", `{"id":"2c9180835d191a86015d28455b4a2329","name":"Test source","type":"DELIMITED_FILE","created":"2021-03-29T22:01:50.474Z","connector":"delimited-file","actor":{"id":"ee769173319b41d19ccec6cea52f237b","name":"john.doe","type":"IDENTITY"}}`)
			var dead []map[string]any
			eventually(t, func() bool {
				dead = r.deliveries(t, `status eq "FAILED" and subscriptionId eq "`+sub["id"].(string)+`"`)
				return len(dead) == 1
			}, "the delivery lands in the dead letters")
			require.Equal(t, ev["id"], dead[0]["eventId"])
			require.Len(t, dead[0]["attempts"], len(testRetrySchedule)+1)
			require.Contains(t, dead[0]["error"], "gave up after 7 attempts")
			require.NotEmpty(t, dead[0]["completed"])
			require.Equal(t, len(testRetrySchedule)+1, broken.requests())
		})
	})
}

// retryAfter adds Retry-After: 1 to 429 answers.
func retryAfter(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&retryAfterWriter{ResponseWriter: w}, r)
	})
}

type retryAfterWriter struct{ http.ResponseWriter }

func (w *retryAfterWriter) WriteHeader(code int) {
	if code == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.ResponseWriter.WriteHeader(code)
}

func TestTriggerRestartLosesNothing(t *testing.T) {
	run := func(t *testing.T, storeCfg storage.Config) {
		const events = 20
		var (
			mu   sync.Mutex
			down = true
			hung = false
		)
		sink := newSubscriber(t, func(_ int, r *http.Request, _ []byte) (int, string) {
			mu.Lock()
			isDown, hang := down, down && !hung
			if hang {
				hung = true
			}
			mu.Unlock()
			if hang {
				<-r.Context().Done() // in flight when the service stops
				return http.StatusServiceUnavailable, ""
			}
			if isDown {
				return http.StatusServiceUnavailable, ""
			}
			return http.StatusOK, ""
		})
		slowRetries := withTriggers(func(c *suiteConfig) {
			c.Trigger.RetrySchedule = []time.Duration{200 * time.Millisecond, 500 * time.Millisecond, time.Second, time.Second, time.Second, time.Second}
			c.Service.ShutdownTimeout = 2 * time.Second
		})
		published := map[string]bool{}
		t.Run("before the restart", func(t *testing.T) {
			r := startWith(t, storeCfg, slowRetries)
			r.subscribe(t, iacTrigger, "sink", sink.URL, "")
			for range events {
				published[r.publish(t, iacTrigger, identityAttributesChanged)["id"].(string)] = true
			}
			eventually(t, func() bool { return sink.requests() >= 3 }, "deliveries under way")
			// The suite stops when this subtest ends, with a request in flight and retries due.
		})
		mu.Lock()
		down = false
		mu.Unlock()
		r := startWith(t, storeCfg, slowRetries)
		eventually(t, func() bool { return len(sink.accepted()) >= events }, "every event delivered after the restart")
		byID := map[string]int{}
		for _, d := range sink.accepted() {
			byID[d.header.Get("webhook-id")]++
		}
		require.Len(t, byID, events, "each event arrived")
		for id, n := range byID {
			require.Equal(t, 1, n, "delivery %s accepted once", id)
		}
		var delivered []map[string]any
		eventually(t, func() bool {
			delivered = r.deliveries(t, `status eq "SUCCEEDED"`)
			return len(delivered) == events
		}, "every delivery recorded as succeeded")
		for _, d := range delivered {
			require.True(t, published[d["eventId"].(string)])
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, storageSQLite(t)) })
	t.Run("postgres", func(t *testing.T) {
		dbURL := storagetest.NewPostgresDatabase(t, "suite", nil, func(context.Context, string) error { return nil })
		// One data dir across the restart: the admin credentials the first start wrote live there.
		run(t, storage.Config{DatabaseURL: dbURL, DataDir: t.TempDir(), SQLiteSynchronous: "NORMAL"})
	})
}

const (
	approverTrigger = "idn:access-request-dynamic-approver"
	approverInput   = `{"accessRequestId":"4b4d982dddff4267ab12f0f1e72b5a6d",
	  "requestedFor":{"type":"IDENTITY","id":"2c91808568c529c60168cca6f90c1313","name":"William Wilson"},
	  "requestedItems":[{"id":"2c91808b6ef1d43e016efba0ce470904","name":"Engineering Access","description":"Engineering Access","type":"ACCESS_PROFILE","operation":"Add","comment":"needed"}],
	  "requestedBy":{"type":"IDENTITY","id":"2c91808568c529c60168cca6f90c1314","name":"Billy Bob"}}`
	approverOutput = `{"id":"2c91808b6ef1d43e016efba0ce470906","name":"Adam Adams","type":"IDENTITY"}`
)

// metadata is the _metadata a REQUEST_RESPONSE delivery carries.
type rrMetadata struct {
	CallbackURL  string `json:"callbackURL"`
	ResponseMode string `json:"responseMode"`
	Secret       string `json:"secret"`
	TriggerID    string `json:"triggerId"`
	TriggerType  string `json:"triggerType"`
}

func metadataOf(t *testing.T, body []byte) rrMetadata {
	t.Helper()
	var ev struct {
		Metadata rrMetadata `json:"_metadata"`
	}
	require.NoError(t, json.Unmarshal(body, &ev))
	return ev.Metadata
}

func TestTriggerRequestResponse(t *testing.T) {
	triggerBackends(t, withTriggers(), func(t *testing.T, r *running) {
		// The subscriber answers by the scenario its event names (accessRequestId).
		app := newSubscriber(t, func(_ int, _ *http.Request, body []byte) (int, string) {
			var ev struct {
				ID string `json:"accessRequestId"`
			}
			_ = json.Unmarshal(body, &ev)
			switch ev.ID {
			case "sync":
				return http.StatusOK, approverOutput
			case "sync-invalid":
				return http.StatusOK, `{"id":"x","name":"y","type":"ROBOT"}`
			case "dynamic-async":
				return http.StatusAccepted, `{}`
			default: // async, late
				return http.StatusOK, `{}`
			}
		})
		sub := r.subscribe(t, approverTrigger, "approver", app.URL, "", map[string]any{"responseDeadline": "PT2S"})
		subID := sub["id"].(string)
		mode := func(m string) {
			p := r.do(t, http.MethodPatch, "/beta/trigger-subscriptions/"+subID, `[{"op":"replace","path":"/httpConfig/httpDispatchMode","value":"`+m+`"}]`, "Content-Type", "application/json-patch+json")
			require.Equal(t, http.StatusOK, p.status, string(p.body))
		}
		invoke := func(scenario string) (delivered, string) {
			ev := r.publish(t, approverTrigger, strings.Replace(approverInput, "4b4d982dddff4267ab12f0f1e72b5a6d", scenario, 1))
			d := app.next(t)
			verifySignature(t, d, sub["signingSecret"].(string))
			return d, ev["trackingNumber"].(string)
		}
		invocation := func(trackingNumber string) map[string]any {
			t.Helper()
			for _, s := range r.do(t, http.MethodGet, "/beta/trigger-invocations/status?filters="+url.QueryEscape(`subscriptionId eq "`+subID+`"`), "").list(t) {
				if s["trackingNumber"] == trackingNumber {
					return s
				}
			}
			return nil
		}
		waitStatus := func(trackingNumber, want string) map[string]any {
			t.Helper()
			var s map[string]any
			eventually(t, func() bool {
				s = invocation(trackingNumber)
				return s != nil && s["status"] == want
			}, "invocation "+want)
			return s
		}
		complete := func(callbackURL string, body any) response {
			u, err := url.Parse(callbackURL)
			require.NoError(t, err)
			return r.do(t, http.MethodPost, u.Path, jsonBody(t, body))
		}

		t.Run("SYNC", func(t *testing.T) {
			d, number := invoke("sync")
			md := metadataOf(t, d.body)
			require.Equal(t, rrMetadata{CallbackURL: md.CallbackURL, ResponseMode: "sync", Secret: md.Secret, TriggerID: approverTrigger, TriggerType: "requestResponse"}, md)
			require.True(t, strings.HasSuffix(md.CallbackURL, "/beta/trigger-invocations/"+d.header.Get("webhook-id")+"/complete"), md.CallbackURL)
			s := waitStatus(number, "SUCCEEDED")
			require.Equal(t, "REAL_TIME", s["type"])
			require.Equal(t, "approver", s["subscriptionName"])
			require.NotEmpty(t, s["completed"])
			require.JSONEq(t, approverOutput, jsonBody(t, s["completeInvocationInput"].(map[string]any)["output"]))
			start := s["startInvocationInput"].(map[string]any)
			require.Equal(t, approverTrigger, start["triggerId"])
			require.Equal(t, "sync", start["input"].(map[string]any)["accessRequestId"])
		})

		t.Run("SYNC with an output that fails the schema", func(t *testing.T) {
			_, number := invoke("sync-invalid")
			s := waitStatus(number, "FAILED")
			msg := s["completeInvocationInput"].(map[string]any)["localizedError"].(map[string]any)["message"]
			require.Contains(t, msg, "output schema")
		})

		t.Run("ASYNC completed in time", func(t *testing.T) {
			mode("ASYNC")
			d, number := invoke("async")
			md := metadataOf(t, d.body)
			require.Equal(t, "async", md.ResponseMode)
			waitStatus(number, "AWAITING_RESPONSE")
			requireError(t, complete(md.CallbackURL, map[string]any{"secret": "wrong", "output": json.RawMessage(approverOutput)}),
				http.StatusUnauthorized, "401 Unauthorized", "wrong or unknown secret")
			requireError(t, complete(md.CallbackURL, map[string]any{"secret": md.Secret, "output": map[string]any{"type": "ROBOT"}}),
				http.StatusBadRequest, "400.1 Bad Request Content", "output")
			done := complete(md.CallbackURL, map[string]any{"secret": md.Secret, "output": json.RawMessage(approverOutput)})
			require.Equal(t, http.StatusNoContent, done.status, string(done.body))
			s := waitStatus(number, "SUCCEEDED")
			require.JSONEq(t, approverOutput, jsonBody(t, s["completeInvocationInput"].(map[string]any)["output"]))
			requireError(t, complete(md.CallbackURL, map[string]any{"secret": md.Secret, "output": json.RawMessage(approverOutput)}),
				http.StatusBadRequest, "400.1 Bad Request Content", "already SUCCEEDED")
		})

		t.Run("ASYNC completed with an error", func(t *testing.T) {
			d, number := invoke("async")
			md := metadataOf(t, d.body)
			resp := complete(md.CallbackURL, map[string]any{"secret": md.Secret, "output": map[string]any{}, "error": "Access request is denied."})
			require.Equal(t, http.StatusNoContent, resp.status, string(resp.body))
			s := waitStatus(number, "FAILED")
			require.Equal(t, "Access request is denied.", s["completeInvocationInput"].(map[string]any)["localizedError"].(map[string]any)["message"])
		})

		t.Run("ASYNC too late", func(t *testing.T) {
			d, number := invoke("late")
			md := metadataOf(t, d.body)
			s := waitStatus(number, "FAILED") // the 2s deadline passes
			require.Contains(t, s["completeInvocationInput"].(map[string]any)["localizedError"].(map[string]any)["message"], "deadline")
			requireError(t, complete(md.CallbackURL, map[string]any{"secret": md.Secret, "output": json.RawMessage(approverOutput)}),
				http.StatusBadRequest, "400.1 Bad Request Content", "already FAILED")
		})

		t.Run("DYNAMIC", func(t *testing.T) {
			mode("DYNAMIC")
			_, number := invoke("sync")
			waitStatus(number, "SUCCEEDED")
			d, number := invoke("dynamic-async")
			require.Equal(t, "dynamic", metadataOf(t, d.body).ResponseMode)
			waitStatus(number, "AWAITING_RESPONSE")
			md := metadataOf(t, d.body)
			require.Equal(t, http.StatusNoContent, complete(md.CallbackURL, map[string]any{"secret": md.Secret, "output": nil}).status, "null is a valid approver output")
			waitStatus(number, "SUCCEEDED")
		})

		t.Run("test invocation", func(t *testing.T) {
			mode("SYNC")
			resp := r.do(t, http.MethodPost, "/beta/trigger-invocations/test", `{"triggerId":"`+approverTrigger+`","input":`+strings.Replace(approverInput, "4b4d982dddff4267ab12f0f1e72b5a6d", "sync", 1)+`,"contentJson":{"workflowId":1234}}`)
			invs := resp.list(t)
			require.Len(t, invs, 1)
			require.Equal(t, approverTrigger, invs[0]["triggerId"])
			require.NotEmpty(t, invs[0]["secret"])
			require.Equal(t, map[string]any{"workflowId": 1234.0}, invs[0]["contentJson"])
			app.next(t)
			var s map[string]any
			eventually(t, func() bool {
				for _, st := range r.do(t, http.MethodGet, "/beta/trigger-invocations/status", "").list(t) {
					if st["id"] == invs[0]["id"] {
						s = st
					}
				}
				return s != nil && s["status"] == "SUCCEEDED"
			}, "the test invocation succeeds")
			require.Equal(t, "TEST", s["type"])
			require.Equal(t, map[string]any{"workflowId": 1234.0}, s["startInvocationInput"].(map[string]any)["contentJson"])

			for name, body := range map[string]string{
				"unknown trigger":        `{"triggerId":"idn:nope","contentJson":{}}`,
				"input fails the schema": `{"triggerId":"` + approverTrigger + `","input":{"accessRequestId":1},"contentJson":{}}`,
				"foreign subscription":   `{"triggerId":"` + approverTrigger + `","contentJson":{},"subscriptionIds":["0123456789abcdef0123456789abcdef"]}`,
				"no contentJson":         `{"triggerId":"` + approverTrigger + `"}`,
			} {
				t.Run(name, func(t *testing.T) {
					requireError(t, r.do(t, http.MethodPost, "/beta/trigger-invocations/test", body), http.StatusBadRequest, "400.1 Bad Request Content", "")
				})
			}
		})

		t.Run("status filters and errors", func(t *testing.T) {
			all := r.do(t, http.MethodGet, "/beta/trigger-invocations/status?count=true&filters="+url.QueryEscape(`triggerId eq "`+approverTrigger+`"`), "")
			require.NotEmpty(t, all.list(t))
			require.NotEmpty(t, all.header.Get("X-Total-Count"))
			require.Empty(t, r.do(t, http.MethodGet, "/trigger-invocations/v1/status?filters="+url.QueryEscape(`triggerId eq "idn:source-created"`), "").list(t))
			requireError(t, r.do(t, http.MethodGet, "/beta/trigger-invocations/status?filters="+url.QueryEscape(`status eq "x"`), ""),
				http.StatusBadRequest, "400.1 Bad Request Content", `"status" cannot be filtered`)
			requireError(t, r.do(t, http.MethodPost, "/beta/trigger-invocations/0123456789abcdef0123456789abcdef/complete", `{"secret":"s","output":{}}`),
				http.StatusUnauthorized, "401 Unauthorized", "")
			requireError(t, r.do(t, http.MethodPost, "/beta/trigger-invocations/x/complete", `{"output":{}}`),
				http.StatusBadRequest, "400.1 Bad Request Content", "secret")
		})
	})
}

// signed posts an event to the signed ingestion endpoint of source, signed with secret at ts.
func (r *running) signed(t *testing.T, source, triggerID, id, body, secret string, ts time.Time) response {
	t.Helper()
	header := []string{"Authorization", ""} // the signature authenticates, not a token
	if secret != "" {
		wh, err := standardwebhooks.NewWebhook(secret)
		require.NoError(t, err)
		sig, err := wh.Sign(id, ts, []byte(body))
		require.NoError(t, err)
		header = append(header, "webhook-id", id, "webhook-timestamp", strconv.FormatInt(ts.Unix(), 10), "webhook-signature", sig)
	}
	return r.do(t, http.MethodPost, "/v1/event-sources/"+source+"/trigger-events/"+triggerID, body, header...)
}

func TestTriggerEventSources(t *testing.T) {
	triggerBackends(t, withTriggers(), func(t *testing.T, r *running) {
		sink := newSubscriber(t, nil)
		r.subscribe(t, iacTrigger, "sink", sink.URL, "")
		created := r.do(t, http.MethodPost, "/v1/event-sources", `{"name":"hr-system","description":"Workday"}`)
		require.Equal(t, http.StatusCreated, created.status, string(created.body))
		src := created.json(t)
		secret, _ := src["signingSecret"].(string)
		require.True(t, strings.HasPrefix(secret, "whsec_"), "shown once, on create")
		require.NotContains(t, r.do(t, http.MethodGet, "/v1/event-sources", "").body, []byte("whsec_"), "never listed")
		requireError(t, r.do(t, http.MethodPost, "/v1/event-sources", `{"name":"hr-system"}`), http.StatusConflict, "409 Conflict", `event source with name "hr-system" already exists`)
		requireError(t, r.do(t, http.MethodPost, "/v1/event-sources", `{"name":"HR System!"}`), http.StatusBadRequest, "400.1 Bad Request Content", "eventSource.name")

		now := time.Now()
		t.Run("a signed event is accepted once per webhook-id", func(t *testing.T) {
			resp := r.signed(t, "hr-system", iacTrigger, "msg_1", identityAttributesChanged, secret, now)
			require.Equal(t, http.StatusAccepted, resp.status, string(resp.body))
			again := r.signed(t, "hr-system", iacTrigger, "msg_1", identityAttributesChanged, secret, now)
			require.Equal(t, resp.json(t), again.json(t), "webhook-id is the idempotency key")
			d := sink.next(t)
			require.JSONEq(t, identityAttributesChanged, string(d.body))
			require.Equal(t, resp.json(t)["trackingNumber"], d.header.Get("X-Tracking-Number"))
		})

		t.Run("bad or stale signatures are 401 and store nothing", func(t *testing.T) {
			before := len(r.deliveries(t, `triggerId eq "`+iacTrigger+`"`))
			other := "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
			cases := []struct {
				name, source, secret, body string
				ts                         time.Time
			}{
				{"wrong secret", "hr-system", other, identityAttributesChanged, now},
				{"unsigned", "hr-system", "", identityAttributesChanged, now},
				{"stale", "hr-system", secret, identityAttributesChanged, now.Add(-6 * time.Minute)},
				{"from the future", "hr-system", secret, identityAttributesChanged, now.Add(6 * time.Minute)},
				{"unknown source", "nobody", secret, identityAttributesChanged, now},
			}
			for i, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					resp := r.signed(t, tc.source, iacTrigger, "msg_bad_"+strconv.Itoa(i), tc.body, tc.secret, tc.ts)
					body := requireError(t, resp, http.StatusUnauthorized, "401 Unauthorized", "")
					require.NotEmpty(t, body["error"])
				})
			}
			// A body changed after signing.
			wh, err := standardwebhooks.NewWebhook(secret)
			require.NoError(t, err)
			sig, err := wh.Sign("msg_tampered", now, []byte(identityAttributesChanged))
			require.NoError(t, err)
			resp := r.do(t, http.MethodPost, "/v1/event-sources/hr-system/trigger-events/"+iacTrigger, strings.Replace(identityAttributesChanged, "john.doe", "jane.doe", 1),
				"Authorization", "", "webhook-id", "msg_tampered", "webhook-timestamp", strconv.FormatInt(now.Unix(), 10), "webhook-signature", sig)
			requireError(t, resp, http.StatusUnauthorized, "401 Unauthorized", "")
			require.Len(t, r.deliveries(t, `triggerId eq "`+iacTrigger+`"`), before, "nothing stored")
		})

		t.Run("rotation keeps the old secret valid during the overlap", func(t *testing.T) {
			rot := r.do(t, http.MethodPost, "/v1/event-sources/hr-system:rotate-secret", `{"overlap":"3600s"}`)
			require.Equal(t, http.StatusOK, rot.status, string(rot.body))
			rotated := rot.json(t)
			newSecret := rotated["signingSecret"].(string)
			require.NotEqual(t, secret, newSecret)
			require.NotEmpty(t, rotated["previousSecretExpires"])
			require.Equal(t, http.StatusAccepted, r.signed(t, "hr-system", iacTrigger, "msg_old", identityAttributesChanged, secret, now).status)
			require.Equal(t, http.StatusAccepted, r.signed(t, "hr-system", iacTrigger, "msg_new", identityAttributesChanged, newSecret, now).status)
			// Rotating again with no overlap ends the first secret at once.
			again := r.do(t, http.MethodPost, "/v1/event-sources/hr-system:rotate-secret", `{"overlap":"0s"}`).json(t)
			requireError(t, r.signed(t, "hr-system", iacTrigger, "msg_old2", identityAttributesChanged, secret, now), http.StatusUnauthorized, "401 Unauthorized", "")
			requireError(t, r.signed(t, "hr-system", iacTrigger, "msg_new2", identityAttributesChanged, newSecret, now), http.StatusUnauthorized, "401 Unauthorized", "")
			require.Equal(t, http.StatusAccepted, r.signed(t, "hr-system", iacTrigger, "msg_3", identityAttributesChanged, again["signingSecret"].(string), now).status)
			requireError(t, r.do(t, http.MethodPost, "/v1/event-sources/nobody:rotate-secret", `{}`), http.StatusNotFound, "404 Not found", "")
		})

		t.Run("delete", func(t *testing.T) {
			require.Equal(t, http.StatusNoContent, r.do(t, http.MethodDelete, "/v1/event-sources/hr-system", "").status)
			requireError(t, r.do(t, http.MethodDelete, "/v1/event-sources/hr-system", ""), http.StatusNotFound, "404 Not found", "")
			require.Empty(t, r.do(t, http.MethodGet, "/v1/event-sources", "").json(t)["eventSources"])
		})
	})
}

func TestTriggerAutoDisableAndReplay(t *testing.T) {
	triggerBackends(t, withTriggers(func(c *suiteConfig) { c.Trigger.AutoDisableAfter = 100 * time.Millisecond }), func(t *testing.T, r *running) {
		var (
			mu      sync.Mutex
			healthy bool
		)
		app := newSubscriber(t, func(int, *http.Request, []byte) (int, string) {
			mu.Lock()
			defer mu.Unlock()
			if healthy {
				return http.StatusOK, ""
			}
			return http.StatusBadGateway, ""
		})
		sub := r.subscribe(t, iacTrigger, "flaky app", app.URL, "")
		id := sub["id"].(string)
		from := time.Now().Add(-time.Second)
		first := r.publish(t, iacTrigger, identityAttributesChanged)
		eventually(t, func() bool {
			return r.do(t, http.MethodGet, "/beta/trigger-subscriptions/"+id, "").json(t)["enabled"] == false
		}, "the subscription is disabled after failing for long")
		second := r.publish(t, iacTrigger, identityAttributesChanged)
		require.Empty(t, r.deliveries(t, `eventId eq "`+second["id"].(string)+`"`), "a disabled subscription gets no deliveries; the event is kept")
		eventually(t, func() bool {
			list := r.deliveries(t, `eventId eq "`+first["id"].(string)+`"`)
			return len(list) == 1 && list[0]["status"] == "FAILED"
		}, "the pending delivery fails once disabled")

		mu.Lock()
		healthy = true
		mu.Unlock()
		replay := r.do(t, http.MethodPost, "/v1/trigger-subscriptions/"+id+":replay", jsonBody(t, map[string]any{"from": from.UTC().Format(time.RFC3339Nano)}))
		require.Equal(t, http.StatusAccepted, replay.status, string(replay.body))
		require.InDelta(t, 2, replay.json(t)["count"], 0, "both events queued again")
		require.Equal(t, true, r.do(t, http.MethodGet, "/beta/trigger-subscriptions/"+id, "").json(t)["enabled"], "replay re-enables")
		var succeeded []map[string]any
		eventually(t, func() bool {
			succeeded = r.deliveries(t, `subscriptionId eq "`+id+`" and status eq "SUCCEEDED"`)
			return len(succeeded) == 2
		}, "both events delivered")
		require.Len(t, app.accepted(), 2)
		seen := map[string]bool{}
		for _, d := range succeeded {
			require.Equal(t, "REPLAY", d["kind"])
			seen[d["eventId"].(string)] = true
		}
		require.Equal(t, map[string]bool{first["id"].(string): true, second["id"].(string): true}, seen)
		for _, d := range succeeded {
			requireReplayInEventTrace(t, d["trackingNumber"].(string))
		}

		requireError(t, r.do(t, http.MethodPost, "/v1/trigger-subscriptions/"+id+":replay", `{}`), http.StatusBadRequest, "400.1 Bad Request Content", "from")
		requireError(t, r.do(t, http.MethodPost, "/v1/trigger-subscriptions/"+id+":replay", jsonBody(t, map[string]any{"from": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})),
			http.StatusBadRequest, "400.1 Bad Request Content", "before")
		requireError(t, r.do(t, http.MethodPost, "/v1/trigger-subscriptions/0123456789abcdef0123456789abcdef:replay", jsonBody(t, map[string]any{"from": from.UTC().Format(time.RFC3339)})),
			http.StatusNotFound, "404 Not found", "")
	})
}

func TestTriggerSubscriptionSecretRotation(t *testing.T) {
	r := startWith(t, storageSQLite(t), withTriggers())
	app := newSubscriber(t, nil)
	sub := r.subscribe(t, iacTrigger, "app", app.URL, "")
	old := sub["signingSecret"].(string)
	rot := r.do(t, http.MethodPost, "/v1/trigger-subscriptions/"+sub["id"].(string)+":rotate-secret", `{"overlap":"3600s"}`)
	require.Equal(t, http.StatusOK, rot.status, string(rot.body))
	fresh := rot.json(t)["signingSecret"].(string)
	require.NotEqual(t, old, fresh)
	r.publish(t, iacTrigger, identityAttributesChanged)
	d := app.next(t)
	require.Len(t, strings.Fields(d.header.Get("webhook-signature")), 2, "both signatures during the overlap")
	verifySignature(t, d, old)
	verifySignature(t, d, fresh)
}

func TestTriggerOutboundGuard(t *testing.T) {
	// Loopback is not allowed here: a subscriber on 127.0.0.1 (or localhost) can never be
	// reached, so the subscription is refused when saved, naming the flag that would allow it.
	// (The check when dialling, for names DNS resolves inward, is pkg/outbound's TestClient.)
	r := startWith(t, storageSQLite(t), withTriggers(func(c *suiteConfig) { c.Trigger.OutboundAllowCIDRs = nil }))
	app := newSubscriber(t, nil)
	body := jsonBody(t, map[string]any{
		"name": "internal", "triggerId": iacTrigger, "type": "HTTP",
		"httpConfig": map[string]any{"url": strings.Replace(app.URL, "127.0.0.1", "localhost", 1), "httpDispatchMode": "SYNC"},
	})
	resp := r.do(t, http.MethodPost, "/beta/trigger-subscriptions", body)
	require.Equal(t, http.StatusBadRequest, resp.status, string(resp.body))
	require.Contains(t, string(resp.body), "loopback")
	require.Contains(t, string(resp.body), "--outbound-allow-cidrs")
	require.Zero(t, app.requests())
}

func TestTriggerPublishEventGRPC(t *testing.T) {
	triggerBackends(t, withTriggers(), func(t *testing.T, r *running) {
		sink := newSubscriber(t, nil)
		r.subscribe(t, iacTrigger, "sink", sink.URL, "")
		conn, err := grpc.NewClient(r.suite.GRPCAddr("trigger-ingest"), grpc.WithTransportCredentials(insecure.NewCredentials()))
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, conn.Close()) })
		client := triggerv1.NewEventServiceClient(conn)
		ctx := metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer "+r.token)
		event := &structpb.Struct{}
		require.NoError(t, protojson.Unmarshal([]byte(identityAttributesChanged), event))

		first, err := client.PublishEvent(ctx, &triggerv1.PublishEventRequest{TriggerId: iacTrigger, Event: event, IdempotencyKey: "grpc-1"})
		require.NoError(t, err)
		require.Regexp(t, `^[0-9a-f]{32}$`, first.GetTrackingNumber())
		again, err := client.PublishEvent(ctx, &triggerv1.PublishEventRequest{TriggerId: iacTrigger, Event: event, IdempotencyKey: "grpc-1"})
		require.NoError(t, err)
		require.True(t, proto.Equal(first, again), "a replay answers the first answer")
		d := sink.next(t)
		require.JSONEq(t, identityAttributesChanged, string(d.body))
		require.Equal(t, first.GetTrackingNumber(), d.header.Get("X-Tracking-Number"))

		// The same key over REST is the same request (one idempotency scope for authenticated callers).
		rest := r.do(t, http.MethodPost, "/v1/trigger-events/"+iacTrigger, identityAttributesChanged, "Idempotency-Key", "grpc-1")
		require.Equal(t, first.GetId(), rest.json(t)["id"])

		other, err := structpb.NewStruct(map[string]any{"identity": map[string]any{"id": "x", "name": "y", "type": "IDENTITY"}, "changes": []any{}})
		require.NoError(t, err)
		_, err = client.PublishEvent(ctx, &triggerv1.PublishEventRequest{TriggerId: iacTrigger, Event: other, IdempotencyKey: "grpc-1"})
		require.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
		_, err = client.PublishEvent(ctx, &triggerv1.PublishEventRequest{TriggerId: "idn:nope", Event: event})
		require.Equal(t, codes.InvalidArgument, status.Code(err))
		_, err = client.PublishEvent(ctx, &triggerv1.PublishEventRequest{TriggerId: iacTrigger})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "an event is required")
	})
}
