package suite_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/tracking"
)

// seedPolicy is the body of the seed issue's PUT example, verbatim.
const seedPolicy = `{
  "name": "example provisioning policy for inactive identities",
  "description": "this provisioning policy creates access based on an identity going inactive",
  "usageType": "CREATE",
  "fields": [
    {
      "name": "userName",
      "transform": {
        "type": "rule",
        "attributes": {
          "name": "Create Unique LDAP Attribute"
        }
      },
      "attributes": {
        "template": "${firstname}.${lastname}${uniqueCounter}",
        "cloudMaxUniqueChecks": "50",
        "cloudMaxSize": "20",
        "cloudRequired": "true"
      },
      "type": "string",
      "isMultiValued": false
    }
  ]
}`

// accountPolicy is the reference API's create example, trimmed to the fields without a
// generator: a CREATE policy other tests replace.
const accountPolicy = `{
  "name": "Account",
  "description": "Account Provisioning Policy",
  "usageType": "CREATE",
  "fields": [
    {"name": "displayName", "transform": {"type": "identityAttribute", "attributes": {"name": "displayName"}},
     "attributes": {}, "isRequired": false, "type": "string", "isMultiValued": false},
    {"name": "description", "transform": {"type": "static", "attributes": {"value": ""}},
     "attributes": {}, "isRequired": false, "type": "", "isMultiValued": false}
  ]
}`

func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(b, &v), string(b))
	return v
}

// withReadOnly adds the read-only fields the service fills in to a policy's JSON.
func withReadOnly(t *testing.T, policy string) any {
	t.Helper()
	p := decodeJSON(t, []byte(policy)).(map[string]any)
	for _, f := range p["fields"].([]any) {
		f.(map[string]any)["isRequired"] = false
	}
	return p
}

func newSource(t *testing.T, r *running, name string) string {
	t.Helper()
	resp := r.do(t, http.MethodPost, "/v3/sources", strings.Replace(corpLDAP, "Corp LDAP", name, 1))
	require.Equal(t, http.StatusCreated, resp.status, string(resp.body))
	return resp.json(t)["id"].(string)
}

func TestProvisioningPolicies(t *testing.T) {
	backends(t, func(t *testing.T, r *running) {
		sourceID := newSource(t, r, "Corp LDAP")
		base := "/v3/sources/" + sourceID + "/provisioning-policies"

		created := r.do(t, http.MethodPost, base, accountPolicy)
		require.Equal(t, http.StatusCreated, created.status, string(created.body))
		require.Equal(t, decodeJSON(t, []byte(accountPolicy)), decodeJSON(t, created.body))
		require.Regexp(t, `^"[^"]+"$`, created.header.Get("ETag"))

		t.Run("the seed PUT example round-trips", func(t *testing.T) {
			put := r.do(t, http.MethodPut, base+"/CREATE", seedPolicy)
			require.Equal(t, http.StatusOK, put.status, string(put.body))
			require.Equal(t, withReadOnly(t, seedPolicy), decodeJSON(t, put.body))
			for _, path := range []string{base + "/CREATE", "/sources/v1/" + sourceID + "/provisioning-policies/CREATE"} {
				got := r.do(t, http.MethodGet, path, "")
				require.Equal(t, http.StatusOK, got.status, string(got.body))
				require.Equal(t, withReadOnly(t, seedPolicy), decodeJSON(t, got.body), path)
				require.Equal(t, put.header.Get("ETag"), got.header.Get("ETag"))
			}
		})

		t.Run("create errors", func(t *testing.T) {
			requireError(t, r.do(t, http.MethodPost, base, seedPolicy), http.StatusConflict, "409 Conflict", "already has a provisioning policy CREATE")
			body := requireError(t, r.do(t, http.MethodPost, base, strings.Replace(seedPolicy, `"CREATE"`, `"TELEPORT"`, 1)),
				http.StatusBadRequest, "400.1 Bad Request Content", "CHANGE_PASSWORD")
			require.NotEmpty(t, body["causes"])
			requireError(t, r.do(t, http.MethodPost, base, strings.Replace(seedPolicy, `"usageType": "CREATE",`, ``, 1)),
				http.StatusBadRequest, "400.1 Bad Request Content", "policy.usageType: is required")
			requireError(t, r.do(t, http.MethodPost, "/v3/sources/2c9180835d191a86015d28455b4a2329/provisioning-policies", strings.Replace(seedPolicy, `"CREATE"`, `"UPDATE"`, 1)),
				http.StatusNotFound, "404 Not found", "source")
			requireError(t, r.do(t, http.MethodPost, base, strings.Replace(seedPolicy, `"cloudMaxSize": "20"`, `"cloudMaxSize": "-20"`, 1)),
				http.StatusBadRequest, "400.1 Bad Request Content", `policy.fields[0].attributes.cloudMaxSize: field "userName"`)
		})

		t.Run("every usage type, listed as a bare array", func(t *testing.T) {
			other := newSource(t, r, "All Usages")
			otherBase := "/v3/sources/" + other + "/provisioning-policies"
			usages := []string{
				"ASSIGN", "CHANGE_PASSWORD", "CREATE", "CREATE_GROUP", "CREATE_IDENTITY", "DELETE", "DELETE_GROUP", "DISABLE",
				"EDIT_GROUP", "ENABLE", "REGISTER", "UNASSIGN", "UNLOCK", "UPDATE", "UPDATE_GROUP", "UPDATE_IDENTITY",
			}
			for _, u := range usages {
				resp := r.do(t, http.MethodPost, otherBase, strings.Replace(accountPolicy, `"CREATE"`, `"`+u+`"`, 1))
				require.Equal(t, http.StatusCreated, resp.status, string(resp.body))
			}
			list := r.do(t, http.MethodGet, otherBase+"?count=true", "")
			require.Equal(t, http.StatusOK, list.status, string(list.body))
			require.Equal(t, "16", list.header.Get("X-Total-Count"))
			var policies []map[string]any
			require.NoError(t, json.Unmarshal(list.body, &policies), "a bare JSON array")
			var got []string
			for _, p := range policies {
				got = append(got, p["usageType"].(string))
			}
			require.Equal(t, usages, got)
			page := r.do(t, http.MethodGet, "/sources/v1/"+other+"/provisioning-policies?limit=2&offset=3", "")
			require.Equal(t, http.StatusOK, page.status)
			require.NoError(t, json.Unmarshal(page.body, &policies))
			require.Len(t, policies, 2)
			require.Equal(t, "CREATE_GROUP", policies[0]["usageType"])
			requireError(t, r.do(t, http.MethodGet, "/v3/sources/nope/provisioning-policies", ""), http.StatusNotFound, "404 Not found", "source")
			requireError(t, r.do(t, http.MethodGet, otherBase+"?limit=251", ""), http.StatusBadRequest, "400.1 Bad Request Content", "limit")
		})

		t.Run("get, put and delete errors", func(t *testing.T) {
			requireError(t, r.do(t, http.MethodGet, base+"/TELEPORT", ""), http.StatusBadRequest, "400.1 Bad Request Content", "usageType")
			requireError(t, r.do(t, http.MethodGet, base+"/UNLOCK", ""), http.StatusNotFound, "404 Not found", "provisioning policy UNLOCK")
			requireError(t, r.do(t, http.MethodPut, base+"/UNLOCK", strings.Replace(seedPolicy, `"CREATE"`, `"UNLOCK"`, 1)), http.StatusNotFound, "404 Not found", "")
			requireError(t, r.do(t, http.MethodDelete, base+"/UNLOCK", ""), http.StatusNotFound, "404 Not found", "")
			requireError(t, r.do(t, http.MethodPut, base+"/CREATE", strings.Replace(seedPolicy, `"CREATE"`, `"UPDATE"`, 1)),
				http.StatusBadRequest, "400.1 Bad Request Content", "policy.usageType")
		})

		t.Run("put and patch honour If-Match", func(t *testing.T) {
			current := r.do(t, http.MethodGet, base+"/CREATE", "")
			tag := current.header.Get("ETag")
			put := r.do(t, http.MethodPut, base+"/CREATE", strings.Replace(seedPolicy, "inactive identities", "joiners", 1), "If-Match", tag)
			require.Equal(t, http.StatusOK, put.status, string(put.body))
			require.NotEqual(t, tag, put.header.Get("ETag"))
			requireError(t, r.do(t, http.MethodPut, base+"/CREATE", seedPolicy, "If-Match", tag),
				http.StatusPreconditionFailed, "412 Precondition Failed", "has changed since it was read")

			patch := `[{"op": "replace", "path": "/description", "value": "patched"},
			           {"op": "add", "path": "/fields/0", "value": {"name": "email", "transform": {"type": "identityAttribute", "attributes": {"name": "email"}},
			            "attributes": {}, "isRequired": false, "type": "string", "isMultiValued": false}}]`
			requireError(t, r.do(t, http.MethodPatch, base+"/CREATE", patch, "Content-Type", "application/json-patch+json", "If-Match", tag),
				http.StatusPreconditionFailed, "412 Precondition Failed", "")
			patched := r.do(t, http.MethodPatch, base+"/CREATE", patch, "Content-Type", "application/json-patch+json", "If-Match", put.header.Get("ETag"))
			require.Equal(t, http.StatusOK, patched.status, string(patched.body))
			body := patched.json(t)
			require.Equal(t, "patched", body["description"])
			require.Equal(t, "email", body["fields"].([]any)[0].(map[string]any)["name"])
			require.Equal(t, body, r.do(t, http.MethodGet, base+"/CREATE", "").json(t))

			requireError(t, r.do(t, http.MethodPatch, base+"/CREATE", `[{"op": "test", "path": "/name", "value": "other"}]`, "Content-Type", "application/json-patch+json"),
				http.StatusPreconditionFailed, "412 Precondition Failed", "test failed")
			requireError(t, r.do(t, http.MethodPatch, base+"/CREATE", `[{"op": "remove", "path": "/fields/7"}]`, "Content-Type", "application/json-patch+json"),
				http.StatusBadRequest, "400.1 Bad Request Content", "operations[0]")
			requireError(t, r.do(t, http.MethodPatch, base+"/CREATE", `{"op": "remove"}`, "Content-Type", "application/json-patch+json"),
				http.StatusBadRequest, "400.1 Bad Request Content", "")
			requireError(t, r.do(t, http.MethodPatch, base+"/CREATE", `[{"op": "replace", "path": "/fields/1/transform/type", "value": "upperCase"}]`, "Content-Type", "application/json-patch+json"),
				http.StatusBadRequest, "400.1 Bad Request Content", `policy.fields[1].transform: field "userName": unknown transform type`)
			requireError(t, r.do(t, http.MethodPatch, base+"/ENABLE", `[{"op": "remove", "path": "/description"}]`, "Content-Type", "application/json-patch+json"),
				http.StatusNotFound, "404 Not found", "")
		})

		t.Run("bulk update is all or nothing", func(t *testing.T) {
			bulkSource := newSource(t, r, "Bulk")
			bulkBase := "/v3/sources/" + bulkSource + "/provisioning-policies"
			for _, u := range []string{"CREATE", "UPDATE"} {
				require.Equal(t, http.StatusCreated, r.do(t, http.MethodPost, bulkBase, strings.Replace(accountPolicy, `"CREATE"`, `"`+u+`"`, 1)).status)
			}
			changed := func(u string) string {
				return strings.Replace(strings.Replace(accountPolicy, `"CREATE"`, `"`+u+`"`, 1), "Account Provisioning Policy", "bulk", 1)
			}
			requireError(t, r.do(t, http.MethodPost, bulkBase+"/bulk-update", "["+changed("CREATE")+","+changed("ENABLE")+"]"),
				http.StatusNotFound, "404 Not found", "ENABLE")
			requireError(t, r.do(t, http.MethodPost, bulkBase+"/bulk-update", "["+changed("CREATE")+","+changed("CREATE")+"]"),
				http.StatusBadRequest, "400.1 Bad Request Content", "policies[1].usageType")
			require.Equal(t, "Account Provisioning Policy", r.do(t, http.MethodGet, bulkBase+"/CREATE", "").json(t)["description"], "nothing changed")

			ok := r.do(t, http.MethodPost, "/sources/v1/"+bulkSource+"/provisioning-policies/bulk-update", "["+changed("UPDATE")+","+changed("CREATE")+"]")
			require.Equal(t, http.StatusOK, ok.status, string(ok.body))
			var out []map[string]any
			require.NoError(t, json.Unmarshal(ok.body, &out), "a bare JSON array")
			require.Len(t, out, 2)
			require.Equal(t, "UPDATE", out[0]["usageType"])
			for _, u := range []string{"CREATE", "UPDATE"} {
				require.Equal(t, "bulk", r.do(t, http.MethodGet, bulkBase+"/"+u, "").json(t)["description"])
			}
		})

		t.Run("delete is 204 then 404", func(t *testing.T) {
			del := r.do(t, http.MethodDelete, base+"/CREATE", "")
			require.Equal(t, http.StatusNoContent, del.status, string(del.body))
			require.Empty(t, del.body)
			requireError(t, r.do(t, http.MethodGet, base+"/CREATE", ""), http.StatusNotFound, "404 Not found", "")
			requireError(t, r.do(t, http.MethodDelete, base+"/CREATE", ""), http.StatusNotFound, "404 Not found", "")
		})
	})
}

func TestEvaluateAndReservations(t *testing.T) {
	backends(t, func(t *testing.T, r *running) {
		sourceID := newSource(t, r, "Corp LDAP")
		require.Equal(t, http.StatusCreated, r.do(t, http.MethodPost, "/v3/sources/"+sourceID+"/provisioning-policies", seedPolicy).status)
		evaluate := "/v1/sources/" + sourceID + "/provisioning-policies/CREATE:evaluate"
		john := `{"identity": {"id": "2c9180835d191a86015d28455b4a2329", "name": "John Smith", "attributes": {"firstname": "John", "lastname": "Smith"}}}`

		n := tracking.New().String()
		resp := r.do(t, http.MethodPost, evaluate, john, tracking.Header, n)
		require.Equal(t, http.StatusOK, resp.status, string(resp.body))
		body := resp.json(t)
		require.Equal(t, map[string]any{"userName": "John.Smith"}, body["attributes"])
		require.Equal(t, []any{}, body["warnings"])
		reservations := body["reservations"].([]any)
		require.Len(t, reservations, 1)
		res := reservations[0].(map[string]any)
		require.Equal(t, "userName", res["attribute"])
		require.Equal(t, "John.Smith", res["value"])
		require.Equal(t, n, res["trackingNumber"])
		require.Equal(t, "2c9180835d191a86015d28455b4a2329", res["identityId"])
		id := res["id"].(string)

		got := r.do(t, http.MethodGet, "/v1/reservations/"+id, "")
		require.Equal(t, http.StatusOK, got.status, string(got.body))
		require.Equal(t, res, got.json(t))

		t.Run("a dry run reserves nothing", func(t *testing.T) {
			dry := r.do(t, http.MethodPost, evaluate, strings.Replace(john, `{"identity"`, `{"dryRun": true, "identity"`, 1))
			require.Equal(t, http.StatusOK, dry.status, string(dry.body))
			require.Equal(t, map[string]any{"userName": "John.Smith1"}, dry.json(t)["attributes"])
			require.Equal(t, []any{}, dry.json(t)["reservations"])
		})

		t.Run("release and confirm", func(t *testing.T) {
			second := r.do(t, http.MethodPost, evaluate, john).json(t)["reservations"].([]any)[0].(map[string]any)
			require.Equal(t, "John.Smith1", second["value"])
			release := r.do(t, http.MethodPost, "/v1/reservations/"+second["id"].(string)+":release", `{}`)
			require.Equal(t, http.StatusNoContent, release.status, string(release.body))
			requireError(t, r.do(t, http.MethodPost, "/v1/reservations/"+second["id"].(string)+":release", `{}`), http.StatusNotFound, "404 Not found", "reservation")

			confirm := r.do(t, http.MethodPost, "/v1/reservations/"+id+":confirm", `{"accountId": "uid=john.smith,ou=people"}`)
			require.Equal(t, http.StatusOK, confirm.status, string(confirm.body))
			require.Equal(t, true, confirm.json(t)["confirmed"])
			require.Equal(t, "uid=john.smith,ou=people", confirm.json(t)["accountId"])
			requireError(t, r.do(t, http.MethodPost, "/v1/reservations/"+id+":release", `{}`), http.StatusPreconditionFailed, "412 Precondition Failed", "forget the account")
			requireError(t, r.do(t, http.MethodPost, "/v1/reservations/unknown:confirm", `{}`), http.StatusNotFound, "404 Not found", "")
			requireError(t, r.do(t, http.MethodGet, "/v1/reservations/unknown", ""), http.StatusNotFound, "404 Not found", "")
		})

		t.Run("the account index", func(t *testing.T) {
			accounts := "/v1/sources/" + sourceID + "/accounts/"
			rec := r.do(t, http.MethodPut, accounts+"uid=7", `{"attributes": {"userName": "JOHN.SMITH1"}}`)
			require.Equal(t, http.StatusNoContent, rec.status, string(rec.body))
			next := r.do(t, http.MethodPost, evaluate, john)
			require.Equal(t, "John.Smith2", next.json(t)["attributes"].(map[string]any)["userName"], "values on the target are taken, case-insensitively")
			require.Equal(t, http.StatusNoContent, r.do(t, http.MethodDelete, accounts+"uid=7", "").status)
			requireError(t, r.do(t, http.MethodDelete, accounts+"uid=7", ""), http.StatusNotFound, "404 Not found", "account")
			requireError(t, r.do(t, http.MethodPut, "/v1/sources/nope/accounts/uid=7", `{"attributes": {"userName": "x"}}`), http.StatusNotFound, "404 Not found", "source")
		})

		t.Run("when every candidate is taken the error says so", func(t *testing.T) {
			for {
				resp := r.do(t, http.MethodPost, evaluate, john)
				if resp.status != http.StatusOK {
					requireError(t, resp, http.StatusBadRequest, "400.1 Bad Request Content",
						`unique values exhausted: field "userName": all 50 candidate values for "userName" ("John.Smith" … "John.Smith49") are taken`)
					break
				}
				require.Less(t, len(resp.json(t)["attributes"].(map[string]any)["userName"].(string)), 13, "never more than 50 John Smiths")
			}
		})

		t.Run("evaluation errors", func(t *testing.T) {
			requireError(t, r.do(t, http.MethodPost, "/v1/sources/"+sourceID+"/provisioning-policies/UPDATE:evaluate", john), http.StatusNotFound, "404 Not found", "provisioning policy UPDATE")
			requireError(t, r.do(t, http.MethodPost, "/v1/sources/nope/provisioning-policies/CREATE:evaluate", john), http.StatusNotFound, "404 Not found", "source")
			requireError(t, r.do(t, http.MethodPost, "/v1/sources/"+sourceID+"/provisioning-policies/create:evaluate", john), http.StatusBadRequest, "400.1 Bad Request Content", "usageType")
			requireError(t, r.do(t, http.MethodPost, evaluate, `{"identity": {"attributes": {"firstname": "Cher"}}}`), http.StatusBadRequest, "400.1 Bad Request Content", `field "userName"`)
		})
	})
}
