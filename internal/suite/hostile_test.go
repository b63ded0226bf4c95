package suite_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// hostileBodies are request bodies a careless or malicious client sends.
func hostileBodies() map[string]string {
	deep := strings.Repeat(`{"a":`, 400) + `1` + strings.Repeat(`}`, 400)
	deepArray := strings.Repeat(`[`, 400) + strings.Repeat(`]`, 400)
	huge := strings.Repeat("x", 60<<10)
	return map[string]string{
		"truncated":           `{"name": "x",`,
		"not json":            `name=x&type=y`,
		"array":               `[]`,
		"string":              `"hello"`,
		"number":              `123`,
		"null":                `null`,
		"wrong types":         `{"name": 123, "owner": "me", "features": "PROVISIONING", "deleteThreshold": "ten", "enabled": "yes", "fields": {}}`,
		"operator injection":  `{"name": {"$ne": null}, "id": {"$gt": ""}}`,
		"sql injection":       `{"name": "x'; DROP TABLE sources; --", "description": "\" OR 1=1 --", "filter": "$[?(@.a == '' OR 1=1)]"}`,
		"unknown enums":       `{"usageType": "BOGUS", "type": "BOGUS", "features": ["BOGUS"], "httpDispatchMode": "BOGUS"}`,
		"huge strings":        `{"name": "` + huge + `", "description": "` + huge[:1000] + `"}`,
		"deep nesting":        `{"connectorAttributes": ` + deep + `, "transform": ` + deep + `}`,
		"deep arrays":         `{"features": ` + deepArray + `}`,
		"nul and controls":    `{"name": "a\u0000b\u0001c", "description": "\ud800"}`,
		"invalid utf8":        "{\"name\": \"\xff\xfe\"}",
		"regex bomb":          `{"filter": "$[?(@.name =~ /(a+)+$/)]", "input": {"name": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"}}`,
		"json patch junk":     `[{"op": "explode", "path": "/../../etc"}, {"op": "replace", "path": "/id", "value": "x"}]`,
		"patch test no value": `[{"op": "test"}]`,
		"patch copy no from":  `[{"op": "copy", "path": "/name"}]`,
		"duplicate keys":      `{"name": "a", "name": "b"}`,
		"empty object":        `{}`,
	}
}

// hostileParams are path parameter values aimed at traversal and injection.
var hostileParams = []string{
	"..%2F..%2Fetc%2Fpasswd",
	"%2e%2e",
	"' OR 1=1 --",
	"%00",
	strings.Repeat("a", 300),
	"%F0%9F%92%A3",
	"$%7Bjndi:ldap:%2F%2Fx%7D",
}

// hostileQueries are query strings with out-of-range or malformed paging and filters.
var hostileQueries = []string{
	"limit=-1", "limit=0", "limit=99999999999", "offset=-5", "offset=abc", "count=maybe",
	"filters=" + url.QueryEscape(`name eq "x" or 1 eq 1`), "filters=" + url.QueryEscape(strings.Repeat("(", 500)),
	"filters=" + url.QueryEscape(`id in (`+strings.Repeat(`"a",`, 300)+`"a")`),
}

// TestHostileInput throws malformed, mistyped, huge, deeply nested, injection and traversal
// input at every REST route read from the protos — against a real source and policy, so that
// bodies reach the code past the lookups — and asserts each answer is a 4xx (or a 2xx where the
// input is harmlessly valid) with the reference error body, never a 5xx, and that no refused
// request changed stored data.
func TestHostileInput(t *testing.T) {
	r := start(t, storageSQLite(t))
	seed := r.do(t, http.MethodPost, "/v3/sources", corpLDAP)
	require.Equal(t, http.StatusCreated, seed.status)
	sourceID := seed.json(t)["id"].(string)
	// A real source with a real policy, so that hostile bodies reach the code past the lookups.
	policy := r.do(t, http.MethodPost, "/v3/sources/"+sourceID+"/provisioning-policies", seedPolicy)
	require.Equal(t, http.StatusCreated, policy.status, string(policy.body))
	sub := r.do(t, http.MethodPost, "/beta/trigger-subscriptions", `{"name": "hostile target", "triggerId": "idn:source-created",
		"type": "HTTP", "httpConfig": {"url": "https://example.com/hook", "httpDispatchMode": "SYNC"}}`)
	require.Equal(t, http.StatusCreated, sub.status, string(sub.body))
	subscriptionID := sub.json(t)["id"].(string)
	snapshot := func() string {
		sources := r.do(t, http.MethodGet, "/v3/sources?limit=250", "")
		require.Equal(t, http.StatusOK, sources.status)
		policies := r.do(t, http.MethodGet, "/v3/sources/"+sourceID+"/provisioning-policies", "")
		require.Equal(t, http.StatusOK, policies.status)
		subs := r.do(t, http.MethodGet, "/beta/trigger-subscriptions", "")
		require.Equal(t, http.StatusOK, subs.status)
		return string(sources.body) + string(policies.body) + string(subs.body)
	}
	state := snapshot()

	tried, server5xx := 0, 0
	check := func(t *testing.T, method, path, body string) {
		t.Helper()
		resp := r.do(t, method, path, body)
		tried++
		// A refused request changes nothing; an accepted one (a harmless body that happens to
		// be valid) may, and becomes the new baseline.
		now := snapshot()
		if resp.status >= 400 {
			require.Equal(t, state, now, "%s %s with %.80q answered %d but changed stored data", method, path, body, resp.status)
		}
		state = now
		if resp.status >= 500 {
			server5xx++
			t.Errorf("%s %s with %.80q: %d %s", method, path, body, resp.status, resp.body)
			return
		}
		if resp.status >= 400 {
			var e map[string]any
			require.NoError(t, json.Unmarshal(resp.body, &e), "%s %s: error body is JSON: %s", method, path, resp.body)
			require.NotEmpty(t, e["detailCode"], "%s %s: reference error body", method, path)
			require.NotEmpty(t, e["trackingId"], "%s %s: reference error body", method, path)
		}
	}
	for _, rpc := range registeredRPCs(t) {
		for _, rt := range rpc.routes {
			method, template := rt.method, rt.template
			path := strings.NewReplacer("{source_id}", sourceID, "{sourceId}", sourceID).Replace(template)
			switch {
			case strings.HasPrefix(template, "/v3/sources/{id}"), strings.HasPrefix(template, "/sources/v1/{id}"):
				path = strings.Replace(path, "{id}", sourceID, 1)
			case strings.Contains(template, "trigger-subscriptions"):
				path = strings.Replace(path, "{id}", subscriptionID, 1)
			}
			path = concretePath(path)
			hasBody := method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
			if hasBody {
				for _, body := range hostileBodies() {
					check(t, method, path, body)
				}
			}
			if strings.Contains(template, "{") {
				for _, p := range hostileParams {
					check(t, method, pathParam.ReplaceAllString(template, p), `{}`)
				}
			}
			if method == http.MethodGet {
				for _, q := range hostileQueries {
					check(t, method, path+"?"+q, "")
				}
			}
		}
	}
	t.Logf("hostile input: %d requests tried, %d answered 5xx", tried, server5xx)
}
