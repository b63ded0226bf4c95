package gitlabfake_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/internal/testserver/gitlabfake"
)

// The fake answers what GitLab answers to requests a client gets wrong.
func TestRefusals(t *testing.T) {
	t.Parallel()
	s := gitlabfake.Start(t, "tok")
	call := func(method, path, token, contentType, body string) (int, map[string]any) {
		req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("PRIVATE-TOKEN", token)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	const issues = "/api/v4/projects/acme%2Faccess/issues"
	tests := []struct {
		name, method, path, token, contentType, body string
		status                                       int
		key, want                                    string
	}{
		{"no token", http.MethodGet, issues, "", "", "", http.StatusUnauthorized, "message", "401 Unauthorized"},
		{"wrong token", http.MethodGet, issues, "nope", "", "", http.StatusUnauthorized, "message", "401 Unauthorized"},
		{"unknown project", http.MethodGet, "/api/v4/projects/acme%2Fother/issues", "tok", "", "", http.StatusNotFound, "message", "404 Project Not Found"},
		{"no title", http.MethodPost, issues, "tok", "application/json", `{"description":"x"}`, http.StatusBadRequest, "error", "title is missing"},
		{"unknown assignee", http.MethodPost, issues, "tok", "application/json", `{"title":"x","assignee_ids":[99]}`, http.StatusNotFound, "message", "404 User Not Found"},
		{"unknown issue", http.MethodPut, issues + "/5", "tok", "application/json", `{"state_event":"close"}`, http.StatusNotFound, "message", "404 Not found"},
		{"form body", http.MethodPost, issues, "tok", "application/x-www-form-urlencoded", "title=Hello&labels=a,b", http.StatusCreated, "title", "Hello"},
		{"empty update", http.MethodPut, issues + "/1", "tok", "application/json", `{}`, http.StatusBadRequest, "error", "at least one parameter must be provided"},
		{"bad state event", http.MethodPut, issues + "/1", "tok", "application/json", `{"state_event":"explode"}`, http.StatusBadRequest, "error", "state_event does not have a valid value"},
		{"note without body", http.MethodPost, issues + "/1/notes", "tok", "application/json", `{}`, http.StatusBadRequest, "error", "body is missing"},
	}
	for _, tt := range tests { // in order: the form body creates issue 1
		status, out := call(tt.method, tt.path, tt.token, tt.contentType, tt.body)
		require.Equal(t, tt.status, status, tt.name)
		require.Contains(t, out[tt.key], tt.want, tt.name)
	}
	require.Equal(t, []string{"a", "b"}, s.Issues()[0].Labels)
}
