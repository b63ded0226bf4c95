package suite_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestValidateFilterDialect checks validate-filter over REST for the
// filter dialect's edges: an empty or missing filter is an answer
// (isValidJSONPath false) rather than a 400, as in the reference, and the
// reference evaluator's extensions (arithmetic, script expressions, bare
// bracket names, regex matching anywhere) are valid filters. The endpoint
// stores nothing, so one backend is enough.
func TestValidateFilterDialect(t *testing.T) {
	r := startWith(t, storageSQLite(t), withTriggers())
	invalid := map[string]any{"isValid": false, "isValidJSONPath": false, "isPathExist": false}
	matches := map[string]any{"isValid": true, "isValidJSONPath": true, "isPathExist": true}
	noMatch := map[string]any{"isValid": false, "isValidJSONPath": true, "isPathExist": false}
	input := json.RawMessage(identityAttributesChanged)

	cases := []struct {
		name string
		body any
		want map[string]any
	}{
		{"empty filter", map[string]any{"input": input, "filter": ""}, invalid},
		{"missing filter", map[string]any{"input": input}, invalid},
		{"blank filter", map[string]any{"input": input, "filter": "  "}, invalid},
		{"arithmetic", map[string]any{"input": input, "filter": `$[?($.changes.length() - 1 == 2)]`}, matches},
		{"division by zero", map[string]any{"input": input, "filter": `$[?($.changes.length() / 0 == 1)]`}, noMatch},
		{"script expression", map[string]any{"input": input, "filter": `$.changes[(@.length-1)][?(@.attribute == 'email')]`}, matches},
		{"bare bracket names", map[string]any{"input": input, "filter": `$[identity][name, type]`}, matches},
		{"regex matches anywhere", map[string]any{"input": input, "filter": `$.changes[?(@.newValue =~ /gmail/g)]`}, matches},
		{"type mismatch selects nothing", map[string]any{"input": input, "filter": `$[?($.identity.name in "john.doe")]`}, noMatch},
		{"no coercion", map[string]any{"input": input, "filter": `$[?($.changes.length() == "3")]`}, noMatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/beta/trigger-subscriptions/validate-filter", "/trigger-subscriptions/v1/validate-filter"} {
				resp := r.do(t, http.MethodPost, path, jsonBody(t, tc.body))
				require.Equal(t, http.StatusOK, resp.status, string(resp.body))
				require.Equal(t, tc.want, resp.json(t))
			}
		})
	}
	// The input stays required.
	requireError(t, r.do(t, http.MethodPost, "/beta/trigger-subscriptions/validate-filter", `{"filter":""}`), http.StatusBadRequest, "400.1 Bad Request Content", "input")
}
