package scimserver_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/internal/testserver/scimserver"
)

// The service provider speaks RFC 7644: uniqueness, schema checks, filters, PATCH, errors.
func TestProtocol(t *testing.T) {
	t.Parallel()
	s := scimserver.Start(t, "tok")
	call := func(method, path, token, body string) (int, map[string]any) {
		req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	const user = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen","active":true}`

	status, out := call(http.MethodPost, "/Users", "", user)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, []any{"urn:ietf:params:scim:api:messages:2.0:Error"}, out["schemas"])

	status, out = call(http.MethodPost, "/Users", "tok", user)
	require.Equal(t, http.StatusCreated, status)
	id, _ := out["id"].(string)
	require.NotEmpty(t, id)
	require.Equal(t, "User", out["meta"].(map[string]any)["resourceType"])

	status, out = call(http.MethodPost, "/Users", "tok", strings.Replace(user, "bjensen", "BJensen", 1))
	require.Equal(t, http.StatusConflict, status, "userName is unique, case-insensitively")
	require.Equal(t, "uniqueness", out["scimType"])

	status, _ = call(http.MethodPost, "/Users", "tok", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"active":true}`)
	require.Equal(t, http.StatusBadRequest, status, "userName is required")

	status, out = call(http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "bjensen"`), "tok", "")
	require.Equal(t, http.StatusOK, status)
	require.InDelta(t, 1, out["totalResults"], 0)
	status, out = call(http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "nobody"`), "tok", "")
	require.Equal(t, http.StatusOK, status)
	require.InDelta(t, 0, out["totalResults"], 0)

	status, _ = call(http.MethodPatch, "/Users/"+id, "tok",
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, false, s.Users()[0].Attributes["active"])

	status, _ = call(http.MethodDelete, "/Users/"+id, "tok", "")
	require.Equal(t, http.StatusNoContent, status)
	status, out = call(http.MethodGet, "/Users/"+id, "tok", "")
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, "404", out["status"])
}
