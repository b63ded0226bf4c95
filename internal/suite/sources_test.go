package suite_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/tracking"
	"github.com/accessflow/accessflow/pkg/version"
)

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *running) do(t *testing.T, method, path, body string, header ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, r.base+path, rd)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	// Calls are the admin's unless the test says otherwise ("Authorization", "" sends none).
	req.Header.Set("Authorization", "Bearer "+r.token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
		if header[i+1] == "" {
			req.Header.Del(header[i])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), string(r.body))
	return m
}

// requireError checks the reference API's ErrorResponseDto and that its trackingId is the
// request's trackingNumber.
func requireError(t *testing.T, r response, status int, detailCode, textContains string) map[string]any {
	t.Helper()
	require.Equal(t, status, r.status, string(r.body))
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	body := r.json(t)
	require.Equal(t, detailCode, body["detailCode"])
	n := r.header.Get(tracking.Header)
	_, err := tracking.Parse(n)
	require.NoError(t, err, "X-Tracking-Number %q", n)
	require.Equal(t, n, body["trackingId"])
	msgs, ok := body["messages"].([]any)
	require.True(t, ok, "messages is an array: %s", r.body)
	require.Len(t, msgs, 1)
	msg := msgs[0].(map[string]any)
	require.Equal(t, "en-US", msg["locale"])
	require.Equal(t, "DEFAULT", msg["localeOrigin"])
	require.Contains(t, msg["text"], textContains)
	return body
}

const corpLDAP = `{
  "name": "Corp LDAP",
  "description": "Corporate directory",
  "owner": {"type": "IDENTITY", "id": "2c91808568c529c60168cca6f90c1313", "name": "William Wilson"},
  "connector": "openldap",
  "connectorAttributes": {"healthCheckTimeout": 30, "authSearchAttributes": ["cn", "uid", "mail"]},
  "features": ["PROVISIONING", "ENABLE", "UNLOCK"],
  "type": "OpenLDAP - Direct",
  "authoritative": false,
  "deleteThreshold": 10,
  "cluster": {"type": "CLUSTER", "id": "2c9180866166b5b0016167c32ef31a66", "name": "Corporate Cluster"}
}`

func TestSources(t *testing.T) {
	backends(t, func(t *testing.T, r *running) {
		created := r.do(t, http.MethodPost, "/v3/sources", corpLDAP)
		require.Equal(t, http.StatusCreated, created.status, string(created.body))
		src := created.json(t)
		id, _ := src["id"].(string)
		require.Regexp(t, `^[0-9a-f]{32}$`, id)
		require.Equal(t, "Corp LDAP", src["name"])
		require.Equal(t, false, src["authoritative"], "documented zero values are emitted")
		require.Equal(t, map[string]any{"healthCheckTimeout": 30.0, "authSearchAttributes": []any{"cn", "uid", "mail"}}, src["connectorAttributes"])
		require.Equal(t, src["created"], src["modified"])
		require.NotContains(t, src, "cluster", "fields we do not model are accepted and not echoed")

		t.Run("get round-trips on both path forms", func(t *testing.T) {
			for _, path := range []string{"/v3/sources/" + id, "/sources/v1/" + id} {
				got := r.do(t, http.MethodGet, path, "")
				require.Equal(t, http.StatusOK, got.status)
				require.Equal(t, src, got.json(t))
			}
		})

		t.Run("duplicate name is 409", func(t *testing.T) {
			dup := r.do(t, http.MethodPost, "/v3/sources", strings.Replace(corpLDAP, "Corp LDAP", "corp ldap", 1))
			body := requireError(t, dup, http.StatusConflict, "409 Conflict", `source with name "corp ldap" already exists`)
			require.NotContains(t, string(dup.body), "constraint", "no database text: %v", body)
		})

		t.Run("missing name is 400 naming the field", func(t *testing.T) {
			bad := r.do(t, http.MethodPost, "/v3/sources", `{"owner":{"id":"x"},"connector":"openldap"}`)
			body := requireError(t, bad, http.StatusBadRequest, "400.1 Bad Request Content", "source.name")
			require.NotEmpty(t, body["causes"])
		})

		t.Run("validation errors", func(t *testing.T) {
			cases := map[string]string{
				"unknown feature":       strings.Replace(corpLDAP, `"UNLOCK"`, `"TELEPORT"`, 1),
				"threshold above 100":   strings.Replace(corpLDAP, `"deleteThreshold": 10`, `"deleteThreshold": 101`, 1),
				"owner without id":      strings.Replace(corpLDAP, `"id": "2c91808568c529c60168cca6f90c1313", `, ``, 1),
				"owner of another type": strings.Replace(corpLDAP, `"type": "IDENTITY"`, `"type": "ROLE"`, 1),
				"name too long":         strings.Replace(corpLDAP, `"Corp LDAP"`, `"`+strings.Repeat("n", 129)+`"`, 1),
				"wrong type":            strings.Replace(corpLDAP, `"authoritative": false`, `"authoritative": "no"`, 1),
				"malformed json":        `{"name": "x",`,
				"not an object":         `[1,2,3]`,
			}
			for name, body := range cases {
				t.Run(name, func(t *testing.T) {
					requireError(t, r.do(t, http.MethodPost, "/v3/sources", body), http.StatusBadRequest, "400.1 Bad Request Content", "")
				})
			}
		})

		t.Run("unknown ids of any shape are 404", func(t *testing.T) {
			for _, unknown := range []string{"2c9180835d191a86015d28455b4a2329", "nope", "x%27%3B--", "%E2%9C%93"} {
				requireError(t, r.do(t, http.MethodGet, "/v3/sources/"+unknown, ""), http.StatusNotFound, "404 Not found", "not found")
				requireError(t, r.do(t, http.MethodDelete, "/v3/sources/"+unknown, ""), http.StatusNotFound, "404 Not found", "not found")
				requireError(t, r.do(t, http.MethodPut, "/v3/sources/"+unknown, corpLDAP), http.StatusNotFound, "404 Not found", "not found")
			}
		})

		t.Run("put replaces, keeps id and created", func(t *testing.T) {
			put := r.do(t, http.MethodPut, "/v3/sources/"+id, strings.Replace(corpLDAP, `"deleteThreshold": 10`, `"deleteThreshold": 20`, 1))
			require.Equal(t, http.StatusOK, put.status, string(put.body))
			updated := put.json(t)
			require.Equal(t, id, updated["id"])
			require.Equal(t, src["created"], updated["created"])
			require.InDelta(t, 20.0, updated["deleteThreshold"], 0)
			require.Equal(t, updated, r.do(t, http.MethodGet, "/v3/sources/"+id, "").json(t))
		})

		t.Run("list, page, count and filter", func(t *testing.T) {
			for _, name := range []string{"Alpha", "Beta", "Corp AD"} {
				resp := r.do(t, http.MethodPost, "/v3/sources", strings.Replace(corpLDAP, "Corp LDAP", name, 1))
				require.Equal(t, http.StatusCreated, resp.status)
			}
			names := func(resp response) []string {
				t.Helper()
				require.Equal(t, http.StatusOK, resp.status, string(resp.body))
				var list []map[string]any
				require.NoError(t, json.Unmarshal(resp.body, &list), "a bare JSON array")
				out := []string{}
				for _, s := range list {
					out = append(out, s["name"].(string))
				}
				return out
			}
			all := r.do(t, http.MethodGet, "/v3/sources?count=true", "")
			require.Equal(t, []string{"Alpha", "Beta", "Corp AD", "Corp LDAP"}, names(all))
			require.Equal(t, "4", all.header.Get("X-Total-Count"))
			require.Empty(t, r.do(t, http.MethodGet, "/v3/sources", "").header.Get("X-Total-Count"))

			page := r.do(t, http.MethodGet, "/v3/sources?limit=2&offset=1&count=true", "")
			require.Equal(t, []string{"Beta", "Corp AD"}, names(page))
			require.Equal(t, "4", page.header.Get("X-Total-Count"))

			filtered := r.do(t, http.MethodGet, "/v3/sources?count=true&filters="+url.QueryEscape(`name sw "corp"`), "")
			require.Equal(t, []string{"Corp AD", "Corp LDAP"}, names(filtered))
			require.Equal(t, "2", filtered.header.Get("X-Total-Count"))
			require.Equal(t, []string{"Beta"}, names(r.do(t, http.MethodGet, "/sources/v1?filters="+url.QueryEscape(`name eq "Beta"`), "")))

			for query, text := range map[string]string{
				"limit=0":   "limit",
				"limit=251": "limit",
				"offset=-1": "offset",
				"limit=abc": "limit",
				"filters=" + url.QueryEscape(`type eq "x"`):    `"type" cannot be filtered`,
				"filters=" + url.QueryEscape(`name eq "x" or`): `"or" is not supported`,
			} {
				requireError(t, r.do(t, http.MethodGet, "/v3/sources?"+query, ""), http.StatusBadRequest, "400.1 Bad Request Content", text)
			}
		})

		t.Run("delete is 202 with the task result, then 404", func(t *testing.T) {
			del := r.do(t, http.MethodDelete, "/v3/sources/"+id, "")
			require.Equal(t, http.StatusAccepted, del.status, string(del.body))
			require.Equal(t, "application/json", del.header.Get("Content-Type"))
			task := del.json(t)
			require.Equal(t, "TASK_RESULT", task["type"])
			require.Regexp(t, `^[0-9a-f]{32}$`, task["id"])
			require.Contains(t, task, "name")
			require.Empty(t, task["name"], "the reference documents the name as null/empty")
			require.Len(t, task, 3, "exactly the reference's {type, id, name}: %s", del.body)
			requireError(t, r.do(t, http.MethodGet, "/v3/sources/"+id, ""), http.StatusNotFound, "404 Not found", "not found")
			requireError(t, r.do(t, http.MethodDelete, "/sources/v1/"+id, ""), http.StatusNotFound, "404 Not found", "not found")
		})
	})
}

func TestGatewayEdges(t *testing.T) {
	r := start(t, storageSQLite(t))

	t.Run("unknown route", func(t *testing.T) {
		requireError(t, r.do(t, http.MethodGet, "/v3/nothing-here", ""), http.StatusNotFound, "404 Not found", "did not find")
	})
	t.Run("wrong method", func(t *testing.T) {
		resp := r.do(t, http.MethodPatch, "/v3/sources", `{}`)
		require.Contains(t, []int{http.StatusMethodNotAllowed, http.StatusNotFound}, resp.status)
		require.NotEmpty(t, resp.json(t)["detailCode"])
	})
	t.Run("body too large is 413", func(t *testing.T) {
		big := fmt.Sprintf(`{"name":"x","description":%q}`, strings.Repeat("a", 70<<10))
		requireError(t, r.do(t, http.MethodPost, "/v3/sources", big), http.StatusRequestEntityTooLarge, "413 Payload Too Large", "larger than")
	})
	t.Run("malformed JSON is 400 saying where and what was expected", func(t *testing.T) {
		requireError(t, r.do(t, http.MethodPost, "/v3/sources", "{\n  \"name\": \"x\",\n}"), http.StatusBadRequest, "400.1 Bad Request Content",
			`malformed JSON at line 3, column 1 (byte 18): found '}', expected a quoted object key or '}'`)
		requireError(t, r.do(t, http.MethodPost, "/v3/sources", `{"name":`), http.StatusBadRequest, "400.1 Bad Request Content",
			`malformed JSON at line 1, column 9 (byte 9): the body ends, expected a JSON value`)
		requireError(t, r.do(t, http.MethodPost, "/v3/sources", `{"name":5}`), http.StatusBadRequest, "400.1 Bad Request Content",
			`invalid JSON at line 1, column 9: invalid value for string field name: 5`)
	})
	t.Run("malformed tracking number is 400", func(t *testing.T) {
		requireError(t, r.do(t, http.MethodGet, "/v3/sources", "", tracking.Header, "NOT-A-NUMBER"), http.StatusBadRequest, "400.1 Bad Request Content", "X-Tracking-Number")
	})
	t.Run("supplied tracking number is kept", func(t *testing.T) {
		n := tracking.New().String()
		resp := r.do(t, http.MethodGet, "/v3/sources/unknown", "", tracking.Header, n)
		body := requireError(t, resp, http.StatusNotFound, "404 Not found", "")
		require.Equal(t, n, body["trackingId"])
	})
	t.Run("healthz, readyz, openapi", func(t *testing.T) {
		require.Equal(t, http.StatusOK, r.do(t, http.MethodGet, "/healthz", "").status)
		ready := r.do(t, http.MethodGet, "/readyz", "")
		require.Equal(t, http.StatusOK, ready.status)
		require.Equal(t, map[string]any{"services": map[string]any{
			"policy": "SERVING", "trigger-ingest": "SERVING", "approval": "SERVING", "action-execution": "SERVING",
		}}, ready.json(t))
		doc := r.do(t, http.MethodGet, "/openapi.json", "")
		require.Equal(t, http.StatusOK, doc.status)
		require.Contains(t, doc.json(t)["paths"], "/v3/sources/{id}")
	})
	t.Run("openapi describes the API, its version and its security", func(t *testing.T) {
		resp := r.do(t, http.MethodGet, "/openapi.json", "")
		require.Equal(t, http.StatusOK, resp.status)
		var doc struct {
			Info struct {
				Title, Version, Description string
				License                     struct{ Name, URL string }
			}
			Tags []struct {
				Name, Description string
			}
			TagGroups []struct {
				Name string
				Tags []string
			} `json:"x-tagGroups"`
			SecurityDefinitions map[string]struct {
				Type, In, Name, Flow string
				TokenURL             string `json:"tokenUrl"`
				Scopes               map[string]string
			}
			Security []map[string][]string
			Paths    map[string]map[string]struct {
				OperationID string
				Tags        []string
				Security    []map[string][]string
			}
		}
		require.NoError(t, json.Unmarshal(resp.body, &doc))
		require.Equal(t, "Accessflow", doc.Info.Title)
		require.Equal(t, version.String(), doc.Info.Version)
		require.NotEmpty(t, doc.Info.Description)
		require.NotEmpty(t, doc.Info.License.Name)

		bearer, oauth := doc.SecurityDefinitions["bearerAuth"], doc.SecurityDefinitions["clientCredentials"]
		require.Equal(t, "apiKey", bearer.Type)
		require.Equal(t, "Authorization", bearer.Name)
		require.Equal(t, "header", bearer.In)
		require.Equal(t, "oauth2", oauth.Type)
		require.Equal(t, "application", oauth.Flow, "Swagger 2.0's name of the client credentials flow")
		require.Equal(t, "/oauth/token", oauth.TokenURL)
		require.Contains(t, oauth.Scopes, "idn:sources:manage")
		require.NotEmpty(t, doc.Security)

		create := doc.Paths["/v3/sources"]["post"]
		require.Equal(t, []map[string][]string{{"bearerAuth": {}}, {"clientCredentials": {"idn:sources:manage"}}}, create.Security)

		declared, grouped := map[string]bool{}, map[string]bool{}
		for _, tag := range doc.Tags {
			require.NotEmpty(t, tag.Description, tag.Name)
			declared[tag.Name] = true
		}
		for _, g := range doc.TagGroups {
			for _, tag := range g.Tags {
				grouped[tag] = true
			}
		}
		require.Equal(t, declared, grouped, "every tag belongs to a service's group")
		groups := make([]string, 0, len(doc.TagGroups))
		for _, g := range doc.TagGroups {
			groups = append(groups, g.Name)
		}
		require.Subset(t, groups, []string{"policy", "trigger-ingest"})
		for path, ops := range doc.Paths {
			for method, op := range ops {
				require.Len(t, op.Tags, 1, "%s %s", method, path)
				require.True(t, declared[op.Tags[0]], "%s %s has the undeclared tag %s", method, path, op.Tags[0])
			}
		}
	})
}
