package gitlab_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/accessflow/accessflow/internal/testserver/gitlabfake"
	"github.com/accessflow/accessflow/pkg/outbound"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/connectors/gitlab"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const token = "glpat-test"

func provider(s *gitlabfake.Server, project any) connector.Provider {
	return connector.Provider{
		Key: "gitlab", Kind: connector.KindGitLab, Endpoint: s.URL,
		Settings:    map[string]any{gitlab.SettingProject: project},
		Credentials: map[string]string{gitlab.CredentialToken: token},
	}
}

// TestIssueLifecycle runs each operation twice against the fake: the second run answers the
// same and changes nothing more.
func TestIssueLifecycle(t *testing.T) {
	t.Parallel()
	s := gitlabfake.Start(t, token)
	c := gitlab.New(outbound.NewGuard(s.Loopback))
	issue := func(t *testing.T) gitlabfake.Issue {
		t.Helper()
		issues := s.Issues()
		require.Len(t, issues, 1)
		return issues[0]
	}
	marker, _ := gitlab.Marker("script-create")
	steps := []struct {
		name    string
		project any
		req     connector.Request
		check   func(t *testing.T, i gitlabfake.Issue)
	}{
		{
			name: "create", project: "acme/access",
			req: connector.Request{Operation: gitlab.OpCreate, IdempotencyKey: "script-create", Params: map[string]any{
				"title": "Provision jdoe", "description": "Create jdoe in LDAP.", "labels": "access,ldap", "assignees": []any{"jdoe"},
			}},
			check: func(t *testing.T, i gitlabfake.Issue) {
				require.Equal(t, "Provision jdoe", i.Title)
				require.Equal(t, "Create jdoe in LDAP.\n\n"+marker, i.Description)
				require.Equal(t, []string{"access", "ldap"}, i.Labels)
				require.Equal(t, []int64{7}, i.AssigneeIDs)
				require.Equal(t, "opened", i.State)
			},
		},
		{
			name: "comment", project: 42,
			req: connector.Request{Operation: gitlab.OpAddComment, IdempotencyKey: "script-comment", Params: map[string]any{"issueIid": float64(1), "body": "jdoe created."}},
			check: func(t *testing.T, i gitlabfake.Issue) {
				require.Len(t, i.Notes, 1)
				require.True(t, strings.HasPrefix(i.Notes[0].Body, "jdoe created.\n\n<!-- accessflow"))
			},
		},
		{
			name: "add label", project: "acme/access",
			req:   connector.Request{Operation: gitlab.OpAddLabel, Params: map[string]any{"issueIid": "1", "labels": []any{"done", "ldap"}}},
			check: func(t *testing.T, i gitlabfake.Issue) { require.Equal(t, []string{"access", "ldap", "done"}, i.Labels) },
		},
		{
			name: "remove label", project: "acme/access",
			req:   connector.Request{Operation: gitlab.OpRemoveLabel, Params: map[string]any{"issueIid": 1, "label": "ldap"}},
			check: func(t *testing.T, i gitlabfake.Issue) { require.Equal(t, []string{"access", "done"}, i.Labels) },
		},
		{
			name: "assign", project: "acme/access",
			req:   connector.Request{Operation: gitlab.OpAssignUser, Params: map[string]any{"issueIid": 1, "usernames": "boss"}},
			check: func(t *testing.T, i gitlabfake.Issue) { require.Equal(t, []int64{7, 8}, i.AssigneeIDs) },
		},
		{
			name: "unassign", project: "acme/access",
			req:   connector.Request{Operation: gitlab.OpUnassignUser, Params: map[string]any{"issueIid": 1, "username": "jdoe"}},
			check: func(t *testing.T, i gitlabfake.Issue) { require.Equal(t, []int64{8}, i.AssigneeIDs) },
		},
		{
			name: "unassign the last", project: "acme/access",
			req:   connector.Request{Operation: gitlab.OpUnassignUser, Params: map[string]any{"issueIid": 1, "usernames": []any{"boss", "jdoe"}}},
			check: func(t *testing.T, i gitlabfake.Issue) { require.Empty(t, i.AssigneeIDs) },
		},
		{
			name: "close", project: "acme/access",
			req:   connector.Request{Operation: gitlab.OpClose, Params: map[string]any{"issueIid": 1}},
			check: func(t *testing.T, i gitlabfake.Issue) { require.Equal(t, "closed", i.State) },
		},
	}
	for _, step := range steps {
		ok := t.Run(step.name, func(t *testing.T) {
			var first connector.Result
			for attempt := range 2 {
				res, err := c.Run(t.Context(), provider(s, step.project), step.req)
				require.NoError(t, err)
				require.Equal(t, "1", res.TicketID)
				require.Equal(t, int64(1), res.Output["issueIid"])
				require.Equal(t, s.URL+"/acme/access/-/issues/1", res.Output["issueUrl"])
				if attempt == 0 {
					first = res
				} else {
					require.Equal(t, first, res, "a retry answers the same")
				}
				step.check(t, issue(t))
			}
		})
		if !ok {
			return
		}
	}

	// What GitLab saw: the project by encoded path or ID, JSON bodies in GitLab's shapes.
	var creates, notes, updates []gitlabfake.Request
	for _, r := range s.Requests() {
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/issues"):
			creates = append(creates, r)
		case r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/notes"):
			notes = append(notes, r)
		case r.Method == http.MethodPut:
			updates = append(updates, r)
		}
	}
	require.Len(t, creates, 1)
	require.Equal(t, "/api/v4/projects/acme%2Faccess/issues", creates[0].Path)
	require.Equal(t, map[string]any{
		"title": "Provision jdoe", "description": "Create jdoe in LDAP.\n\n" + marker, "labels": "access,ldap", "assignee_ids": []any{float64(7)},
	}, creates[0].Body)
	require.Len(t, notes, 1)
	require.Equal(t, "/api/v4/projects/42/issues/1/notes", notes[0].Path)
	require.Contains(t, updates, gitlabfake.Request{Method: http.MethodPut, Path: "/api/v4/projects/acme%2Faccess/issues/1", Query: map[string][]string{}, Body: map[string]any{"assignee_ids": []any{}}})
	require.Contains(t, updates, gitlabfake.Request{Method: http.MethodPut, Path: "/api/v4/projects/acme%2Faccess/issues/1", Query: map[string][]string{}, Body: map[string]any{"state_event": "close"}})
}

// TestErrors: GitLab's refusals fail permanently, 429 and 5xx are retried.
func TestErrors(t *testing.T) {
	t.Parallel()
	create := connector.Request{Operation: gitlab.OpCreate, IdempotencyKey: "k", Params: map[string]any{"title": "t"}}
	tests := []struct {
		name      string
		prepare   func(s *gitlabfake.Server, p *connector.Provider)
		req       connector.Request
		guard     *outbound.Guard
		permanent bool
		contains  string
	}{
		{"wrong token", func(_ *gitlabfake.Server, p *connector.Provider) { p.Credentials[gitlab.CredentialToken] = "nope" }, create, nil, true, "401"},
		{"unknown project", func(_ *gitlabfake.Server, p *connector.Provider) { p.Settings[gitlab.SettingProject] = "acme/other" }, create, nil, true, "404"},
		{"unknown issue", nil, connector.Request{Operation: gitlab.OpClose, Params: map[string]any{"issueIid": 99}}, nil, true, "404"},
		{"unknown user", nil, connector.Request{Operation: gitlab.OpCreate, IdempotencyKey: "k", Params: map[string]any{"title": "t", "assignees": "ghost"}}, nil, true, `no GitLab user "ghost"`},
		{"no title", nil, connector.Request{Operation: gitlab.OpCreate, IdempotencyKey: "k"}, nil, true, "param title is required"},
		{"no iid", nil, connector.Request{Operation: gitlab.OpClose}, nil, true, "param issueIid"},
		{"rate limited", func(s *gitlabfake.Server, _ *connector.Provider) {
			s.FailNext(http.MethodPost, "/issues", http.StatusTooManyRequests)
		}, create, nil, false, "429"},
		{"server error", func(s *gitlabfake.Server, _ *connector.Provider) {
			s.FailNext(http.MethodGet, "/issues", http.StatusBadGateway)
		}, create, nil, false, "502"},
		{"unsupported", nil, connector.Request{Operation: "gitlab_issue_delete"}, nil, true, "not supported"},
		{"loopback refused by the guard", nil, create, outbound.NewGuard(), true, "is a loopback address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := gitlabfake.Start(t, token)
			p := provider(s, "acme/access")
			if tt.prepare != nil {
				tt.prepare(s, &p)
			}
			guard := tt.guard
			if guard == nil {
				guard = outbound.NewGuard(s.Loopback)
			}
			_, err := gitlab.New(guard).Run(t.Context(), p, tt.req)
			require.ErrorContains(t, err, tt.contains)
			require.Equal(t, tt.permanent, connector.IsPermanent(err), "permanent: %v", err)
			require.Empty(t, s.Issues())
		})
	}
}

func TestValidateProvider(t *testing.T) {
	t.Parallel()
	valid := func() connector.Provider {
		return connector.Provider{
			Kind: connector.KindGitLab, Endpoint: "https://gitlab.example.com",
			Settings: map[string]any{gitlab.SettingProject: "group/sub/project"}, Credentials: map[string]string{gitlab.CredentialToken: "glpat-x"},
		}
	}
	tests := []struct {
		name   string
		change func(p *connector.Provider)
		want   string
	}{
		{"valid", func(*connector.Provider) {}, ""},
		{"numeric project from JSON", func(p *connector.Provider) { p.Settings[gitlab.SettingProject] = float64(42) }, ""},
		{"not a URL", func(p *connector.Provider) { p.Endpoint = "gitlab.example.com" }, "want the instance's base URL"},
		{"credentials in URL", func(p *connector.Provider) { p.Endpoint = "https://u:p@gitlab.example.com" }, "want the instance's base URL"},
		{"no token", func(p *connector.Provider) { p.Credentials = nil }, "credential token is required"},
		{"no project", func(p *connector.Provider) { p.Settings = nil }, "setting project is required"},
		{"fractional project", func(p *connector.Provider) { p.Settings[gitlab.SettingProject] = 4.5 }, "setting project is required"},
	}
	c := gitlab.New(outbound.NewGuard())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := valid()
			tt.change(&p)
			err := c.ValidateProvider(p)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.want)
			require.True(t, connector.IsPermanent(err))
		})
	}
	require.Equal(t, connector.KindGitLab, c.Kind())
	require.Len(t, c.Operations(), 7)
}

// TestEveryOperationRuns: each listed operation is dispatched (here to a refused address).
func TestEveryOperationRuns(t *testing.T) {
	t.Parallel()
	c := gitlab.New(outbound.NewGuard())
	p := connector.Provider{Endpoint: "http://127.0.0.1:1", Settings: map[string]any{gitlab.SettingProject: "a/b"}, Credentials: map[string]string{gitlab.CredentialToken: "t"}}
	for _, op := range c.Operations() {
		_, err := c.Run(t.Context(), p, connector.Request{Operation: op, AccountID: "", IdempotencyKey: "k", Params: map[string]any{"title": "t", "issueIid": 1, "body": "b", "labels": "l", "usernames": "u"}, Attributes: nil})
		require.Error(t, err, op)
		require.NotErrorIs(t, err, connector.ErrUnsupported, op)
	}
}
