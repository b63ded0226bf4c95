package scim_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/accessflow/accessflow/internal/testserver/scimserver"
	"github.com/accessflow/accessflow/pkg/outbound"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/connectors/scim"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const token = "scim-token"

func provider(s *scimserver.Server) connector.Provider {
	return connector.Provider{
		Key: "idp", Kind: connector.KindSCIM, Endpoint: s.URL,
		Credentials: map[string]string{scim.CredentialToken: token},
	}
}

// TestOperations runs each operation twice against a real SCIM service provider: the second
// run answers the same and changes nothing more; the provider's store is checked after each.
func TestOperations(t *testing.T) {
	t.Parallel()
	s := scimserver.Start(t, token)
	c := scim.New(outbound.NewGuard(s.Loopback))
	p := provider(s)

	user := func(t *testing.T) map[string]any {
		t.Helper()
		users := s.Users()
		require.Len(t, users, 1)
		return users[0].Attributes
	}
	group := func(t *testing.T) scimserver.Resource {
		t.Helper()
		groups := s.Groups()
		require.Len(t, groups, 1)
		return groups[0]
	}
	var userID string // set by the first step
	steps := []struct {
		name  string
		req   func() connector.Request
		want  func() connector.Result
		check func(t *testing.T)
	}{
		{
			name: "create user from policy attributes",
			req: func() connector.Request {
				return connector.Request{Operation: scim.OpCreateUser, TrackingNumber: "trk-1", Attributes: map[string]any{
					"userName": "jdoe", "givenName": "John", "familyName": "Doe", "displayName": "John Doe", "mail": "jdoe@example.org", "password": "x-Secret-1",
				}}
			},
			want: func() connector.Result {
				return connector.Result{
					AccountID: userID, AccountOperation: connector.AccountCreate, Output: map[string]any{"id": userID, "userName": "jdoe"},
					AttributeRequests: []connector.AttributeRequest{
						{Name: "displayName", Value: "John Doe", Operation: connector.AttributeSet},
						{Name: "familyName", Value: "Doe", Operation: connector.AttributeSet},
						{Name: "givenName", Value: "John", Operation: connector.AttributeSet},
						{Name: "mail", Value: "jdoe@example.org", Operation: connector.AttributeSet},
						{Name: "userName", Value: "jdoe", Operation: connector.AttributeSet},
					},
				}
			},
			check: func(t *testing.T) {
				u := user(t)
				require.Equal(t, "jdoe", u["userName"])
				require.Equal(t, true, u["active"])
				require.Equal(t, map[string]any{"givenName": "John", "familyName": "Doe"}, u["name"])
				require.Equal(t, []any{map[string]any{"value": "jdoe@example.org", "type": "work", "primary": true}}, u["emails"])
			},
		},
		{
			name: "patch attributes",
			req: func() connector.Request {
				return connector.Request{Operation: scim.OpUpdateUser, AccountID: userID, Params: map[string]any{"attributes": map[string]any{"title": "Engineer", "givenName": "Johnny"}}}
			},
			want: func() connector.Result {
				return connector.Result{AccountID: userID, AccountOperation: connector.AccountModify, AttributeRequests: []connector.AttributeRequest{
					{Name: "givenName", Value: "Johnny", Operation: connector.AttributeSet},
					{Name: "title", Value: "Engineer", Operation: connector.AttributeSet},
				}}
			},
			check: func(t *testing.T) {
				u := user(t)
				require.Equal(t, "Engineer", u["title"])
				require.Equal(t, map[string]any{"givenName": "Johnny", "familyName": "Doe"}, u["name"])
			},
		},
		{
			name: "deactivate (by userName)",
			req: func() connector.Request {
				return connector.Request{Operation: scim.OpDisableUser, Params: map[string]any{"userName": "jdoe"}}
			},
			want: func() connector.Result {
				return connector.Result{AccountID: userID, AccountOperation: connector.AccountDisable, AttributeRequests: []connector.AttributeRequest{
					{Name: "active", Value: false, Operation: connector.AttributeSet},
				}}
			},
			check: func(t *testing.T) { require.Equal(t, false, user(t)["active"]) },
		},
		{
			name: "reactivate",
			req:  func() connector.Request { return connector.Request{Operation: scim.OpEnableUser, AccountID: userID} },
			want: func() connector.Result {
				return connector.Result{AccountID: userID, AccountOperation: connector.AccountEnable, AttributeRequests: []connector.AttributeRequest{
					{Name: "active", Value: true, Operation: connector.AttributeSet},
				}}
			},
			check: func(t *testing.T) { require.Equal(t, true, user(t)["active"]) },
		},
		{
			name: "create group",
			req: func() connector.Request {
				return connector.Request{Operation: scim.OpCreateGroup, Params: map[string]any{"group": "Engineers"}}
			},
			want: func() connector.Result {
				return connector.Result{Output: map[string]any{"groupId": group(t).ID, "group": "Engineers"}}
			},
			check: func(t *testing.T) { require.Equal(t, "Engineers", group(t).Attributes["displayName"]) },
		},
		{
			name: "add member",
			req: func() connector.Request {
				return connector.Request{Operation: scim.OpAddUserToGroup, AccountID: userID, Params: map[string]any{"group": "Engineers"}}
			},
			want: func() connector.Result {
				return connector.Result{
					AccountID: userID, AccountOperation: connector.AccountModify, Output: map[string]any{"groupId": group(t).ID},
					AttributeRequests: []connector.AttributeRequest{{Name: "groups", Value: group(t).ID, Operation: connector.AttributeAdd}},
				}
			},
			check: func(t *testing.T) {
				require.Equal(t, []any{map[string]any{"value": userID}}, group(t).Attributes["members"])
			},
		},
		{
			name: "remove member (group by id)",
			req: func() connector.Request {
				return connector.Request{Operation: scim.OpRemoveUserFromGroup, AccountID: userID, Params: map[string]any{"groupId": group(t).ID}}
			},
			want: func() connector.Result {
				return connector.Result{
					AccountID: userID, AccountOperation: connector.AccountModify, Output: map[string]any{"groupId": group(t).ID},
					AttributeRequests: []connector.AttributeRequest{{Name: "groups", Value: group(t).ID, Operation: connector.AttributeRemove}},
				}
			},
			check: func(t *testing.T) { require.NotContains(t, group(t).Attributes, "members") },
		},
	}
	for i, step := range steps {
		ok := t.Run(step.name, func(t *testing.T) {
			for attempt := range 2 {
				got, err := c.Run(t.Context(), p, step.req())
				require.NoError(t, err, "attempt %d", attempt+1)
				if i == 0 {
					userID = s.Users()[0].ID
				}
				require.Empty(t, cmp.Diff(step.want(), got), "attempt %d (-want +got)", attempt+1)
				step.check(t)
			}
		})
		if !ok {
			return
		}
	}

	t.Run("delete group and user", func(t *testing.T) {
		for range 2 {
			_, err := c.Run(t.Context(), p, connector.Request{Operation: scim.OpDeleteGroup, Params: map[string]any{"group": "Engineers"}})
			require.NoError(t, err)
			require.Empty(t, s.Groups())
			got, err := c.Run(t.Context(), p, connector.Request{Operation: scim.OpDeleteUser, AccountID: userID})
			require.NoError(t, err)
			require.Equal(t, connector.Result{AccountID: userID, AccountOperation: connector.AccountDelete}, got)
			require.Empty(t, s.Users())
		}
	})

	// What the provider saw: the filter query before the create, SCIM media types, PATCH shapes.
	reqs := s.Requests()
	require.Equal(t, scimserver.Request{Method: http.MethodGet, Path: "/Users", Query: "count=2&filter=userName+eq+%22jdoe%22"}, reqs[0])
	require.Equal(t, http.MethodPost, reqs[1].Method)
	require.Equal(t, []any{"urn:ietf:params:scim:schemas:core:2.0:User"}, reqs[1].Body["schemas"])
	require.Equal(t, "x-Secret-1", reqs[1].Body["password"])
	var posts int
	var groupPatches []map[string]any
	for _, r := range reqs {
		if r.Method == http.MethodPost {
			posts++
		}
		if r.Method == http.MethodPatch && strings.HasPrefix(r.Path, "/Groups/") {
			groupPatches = append(groupPatches, r.Body)
		}
	}
	require.Equal(t, 2, posts, "one user and one group were created, never a second")
	patchOp := []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}
	require.Equal(t, []map[string]any{
		{"schemas": patchOp, "Operations": []any{map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": userID}}}}},
		{"schemas": patchOp, "Operations": []any{map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": userID}}}}},
		{"schemas": patchOp, "Operations": []any{map[string]any{"op": "remove", "path": `members[value eq "` + userID + `"]`}}},
		{"schemas": patchOp, "Operations": []any{map[string]any{"op": "remove", "path": `members[value eq "` + userID + `"]`}}},
	}, groupPatches)
}

// TestPolicyAttributesOnDisableAndEnable: the attributes a source's DISABLE and ENABLE policies
// compute go in the deactivating or reactivating PATCH, mapped as an update maps them, and are
// reported after active; the operation's active wins over a computed one.
func TestPolicyAttributesOnDisableAndEnable(t *testing.T) {
	t.Parallel()
	s := scimserver.Start(t, token)
	c := scim.New(outbound.NewGuard(s.Loopback))
	p := provider(s)
	created, err := c.Run(t.Context(), p, connector.Request{Operation: scim.OpCreateUser, Attributes: map[string]any{
		"userName": "erin", "givenName": "Erin", "familyName": "E", "title": "Engineer",
	}})
	require.NoError(t, err)
	id := created.AccountID
	user := func() map[string]any {
		users := s.Users()
		require.Len(t, users, 1)
		return users[0].Attributes
	}

	for range 2 { // idempotent: the second run answers the same
		got, err := c.Run(t.Context(), p, connector.Request{Operation: scim.OpDisableUser, AccountID: id, Attributes: map[string]any{
			"title": "Former employee", "givenName": "Erin (left)", "active": true, "password": "never-sent-1",
		}})
		require.NoError(t, err)
		require.Equal(t, connector.Result{AccountID: id, AccountOperation: connector.AccountDisable, AttributeRequests: []connector.AttributeRequest{
			{Name: "active", Value: false, Operation: connector.AttributeSet},
			{Name: "givenName", Value: "Erin (left)", Operation: connector.AttributeSet},
			{Name: "title", Value: "Former employee", Operation: connector.AttributeSet},
		}}, got)
		u := user()
		require.Equal(t, false, u["active"])
		require.Equal(t, "Former employee", u["title"])
		require.Equal(t, map[string]any{"givenName": "Erin (left)", "familyName": "E"}, u["name"])
		require.NotContains(t, u, "password")
	}

	got, err := c.Run(t.Context(), p, connector.Request{Operation: scim.OpEnableUser, AccountID: id, Attributes: map[string]any{"title": "Rehired"}})
	require.NoError(t, err)
	require.Equal(t, []connector.AttributeRequest{
		{Name: "active", Value: true, Operation: connector.AttributeSet},
		{Name: "title", Value: "Rehired", Operation: connector.AttributeSet},
	}, got.AttributeRequests)
	require.Equal(t, true, user()["active"])
	require.Equal(t, "Rehired", user()["title"])

	// Without computed attributes, disable sets active alone.
	got, err = c.Run(t.Context(), p, connector.Request{Operation: scim.OpDisableUser, AccountID: id})
	require.NoError(t, err)
	require.Len(t, got.AttributeRequests, 1)
	require.Equal(t, false, user()["active"])
	require.Equal(t, "Rehired", user()["title"])
}

// TestErrors: the provider's refusals fail permanently, 429 and 5xx are retried.
func TestErrors(t *testing.T) {
	t.Parallel()
	create := connector.Request{Operation: scim.OpCreateUser, Attributes: map[string]any{"userName": "a"}}
	tests := []struct {
		name      string
		prepare   func(s *scimserver.Server, p *connector.Provider)
		req       connector.Request
		guard     *outbound.Guard
		permanent bool
		contains  string
	}{
		{"wrong token", func(_ *scimserver.Server, p *connector.Provider) { p.Credentials[scim.CredentialToken] = "nope" }, create, nil, true, "401"},
		{"schema violation", nil, connector.Request{Operation: scim.OpCreateUser, Attributes: map[string]any{"userName": "a", "active": "yes"}}, nil, true, "400"},
		{"no userName", nil, connector.Request{Operation: scim.OpCreateUser, Attributes: map[string]any{"displayName": "a"}}, nil, true, "userName is required"},
		{"unknown user", nil, connector.Request{Operation: scim.OpDisableUser, AccountID: "nope"}, nil, true, "404"},
		{"unknown user by name", nil, connector.Request{Operation: scim.OpDisableUser, Params: map[string]any{"userName": "ghost"}}, nil, true, "user not found"},
		{"unknown group", nil, connector.Request{Operation: scim.OpAddUserToGroup, AccountID: "x", Params: map[string]any{"group": "Nope"}}, nil, true, `group "Nope" not found`},
		{"rate limited", func(s *scimserver.Server, _ *connector.Provider) {
			s.FailNext(http.MethodPost, "/Users", http.StatusTooManyRequests)
		}, create, nil, false, "429"},
		{"server error", func(s *scimserver.Server, _ *connector.Provider) {
			s.FailNext(http.MethodGet, "/Users", http.StatusServiceUnavailable)
		}, create, nil, false, "503"},
		{"unsupported", nil, connector.Request{Operation: "allocate_license"}, nil, true, "not supported"},
		{"loopback refused by the guard", nil, create, outbound.NewGuard(), true, "is a loopback address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := scimserver.Start(t, token)
			p := provider(s)
			if tt.prepare != nil {
				tt.prepare(s, &p)
			}
			guard := tt.guard
			if guard == nil {
				guard = outbound.NewGuard(s.Loopback)
			}
			_, err := scim.New(guard).Run(t.Context(), p, tt.req)
			require.ErrorContains(t, err, tt.contains)
			require.Equal(t, tt.permanent, connector.IsPermanent(err), "permanent: %v", err)
			require.Empty(t, s.Users())
		})
	}
}

// TestBasicAuth: username and password go as HTTP Basic (the server refuses them, as it takes
// only its bearer token, and says so with a SCIM error).
func TestBasicAuth(t *testing.T) {
	t.Parallel()
	s := scimserver.Start(t, token)
	p := provider(s)
	p.Credentials = map[string]string{scim.CredentialUsername: "u", scim.CredentialPassword: "p"}
	_, err := scim.New(outbound.NewGuard(s.Loopback)).Run(t.Context(), p, connector.Request{Operation: scim.OpDeleteUser, AccountID: "x"})
	require.ErrorContains(t, err, "401")
	require.True(t, connector.IsPermanent(err))
}

func TestValidateProvider(t *testing.T) {
	t.Parallel()
	valid := func() connector.Provider {
		return connector.Provider{Kind: connector.KindSCIM, Endpoint: "https://idp.example.com/scim/v2", Credentials: map[string]string{scim.CredentialToken: "t"}}
	}
	tests := []struct {
		name   string
		change func(p *connector.Provider)
		want   string
	}{
		{"valid", func(*connector.Provider) {}, ""},
		{"basic auth", func(p *connector.Provider) {
			p.Credentials = map[string]string{scim.CredentialUsername: "u", scim.CredentialPassword: "p"}
		}, ""},
		{"not http", func(p *connector.Provider) { p.Endpoint = "ldap://idp.example.com" }, "want the SCIM base URL"},
		{"query", func(p *connector.Provider) { p.Endpoint = "https://idp.example.com/scim/v2?x=1" }, "want the SCIM base URL"},
		{"no credentials", func(p *connector.Provider) { p.Credentials = nil }, "credentials: want token"},
		{"both credentials", func(p *connector.Provider) { p.Credentials[scim.CredentialUsername] = "u" }, "credentials: want token"},
		{"half basic", func(p *connector.Provider) { p.Credentials = map[string]string{scim.CredentialUsername: "u"} }, "credentials: want token"},
	}
	c := scim.New(outbound.NewGuard())
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
	require.Equal(t, connector.KindSCIM, c.Kind())
	require.NotContains(t, c.Operations(), "allocate_license")
}

// TestEveryOperationRuns: each listed operation is dispatched (here to a refused address).
func TestEveryOperationRuns(t *testing.T) {
	t.Parallel()
	c := scim.New(outbound.NewGuard())
	p := connector.Provider{Endpoint: "http://127.0.0.1:1/scim/v2", Credentials: map[string]string{scim.CredentialToken: "t"}}
	for _, op := range c.Operations() {
		_, err := c.Run(t.Context(), p, connector.Request{Operation: op, AccountID: "id", IdempotencyKey: "k", Params: map[string]any{"group": "g", "attributes": map[string]any{"title": "t"}}, Attributes: map[string]any{"userName": "a"}})
		require.Error(t, err, op)
		require.NotErrorIs(t, err, connector.ErrUnsupported, op)
	}
}
