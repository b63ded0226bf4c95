package catalogue

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// mutation edits a freshly decoded copy of a trigger's example input.
type mutation func(t testing.TB, p map[string]any)

type invalidCase struct {
	name   string
	mutate mutation
	path   string
	msg    string
}

func runInvalid(t *testing.T, id string, cases []invalidCase) {
	t.Helper()
	c := newCatalogue(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := exampleInput(t, c, id)
			tc.mutate(t, p)
			requireViolation(t, c.ValidateInput(id, p), tc.path, tc.msg)
		})
	}
}

func runValid(t *testing.T, id string, cases map[string]mutation) {
	t.Helper()
	c := newCatalogue(t)
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := exampleInput(t, c, id)
			mutate(t, p)
			require.NoError(t, c.ValidateInput(id, p))
		})
	}
}

// change returns the i-th entry of identity-attributes-changed "changes".
func change(t testing.TB, p map[string]any, i int) map[string]any {
	t.Helper()
	m, ok := arr(t, p, "changes")[i].(map[string]any)
	require.True(t, ok)
	return m
}

// seedChanges are the changes of the seeded Identity Attributes Changed
// event: a string value, an identity reference and another string. The
// reference example has only the first, so the tests below start from these
// to reach every branch of the value schema.
const seedChanges = `[
  {"attribute": "department", "oldValue": "sales", "newValue": "marketing"},
  {"attribute": "manager",
   "oldValue": {"id": "ee769173319b41d19ccec6c235423237b", "name": "nice.guy", "type": "IDENTITY"},
   "newValue": {"id": "ee769173319b41d19ccec6c235423236c", "name": "mean.guy", "type": "IDENTITY"}},
  {"attribute": "email", "oldValue": "john.doe@hotmail.com", "newValue": "john.doe@gmail.com"}
]`

// withSeedChanges runs m on the example with its changes replaced by seedChanges.
func withSeedChanges(m mutation) mutation {
	return func(t testing.TB, p map[string]any) {
		p["changes"] = decode(t, seedChanges)
		m(t, p)
	}
}

func TestIdentityAttributesChangedRejects(t *testing.T) {
	t.Parallel()
	cases := []invalidCase{
		{
			"missing attribute", func(t testing.TB, p map[string]any) { delete(change(t, p, 0), "attribute") },
			"/changes/0/attribute", "missing property",
		},
		{
			"missing identity", func(_ testing.TB, p map[string]any) { delete(p, "identity") },
			"/identity", "missing property",
		},
		{
			"missing identity id", func(t testing.TB, p map[string]any) { delete(obj(t, p, "identity"), "id") },
			"/identity/id", "missing property",
		},
		{
			"identity id not a string", func(t testing.TB, p map[string]any) { obj(t, p, "identity")["id"] = 42.0 },
			"/identity/id", "got number, want string",
		},
		{
			"changes not an array", func(_ testing.TB, p map[string]any) { p["changes"] = map[string]any{} },
			"/changes", "got object, want array",
		},
		{
			"old value is a number", func(t testing.TB, p map[string]any) { change(t, p, 0)["oldValue"] = 3.5 },
			"/changes/0/oldValue", "got number",
		},
		{
			"new value list holds a number", func(t testing.TB, p map[string]any) { change(t, p, 2)["newValue"] = []any{"a", 1.0} },
			"/changes/2/newValue/1", "got number, want string",
		},
		{
			"object value holds a list", func(t testing.TB, p map[string]any) { obj(t, change(t, p, 1), "newValue")["name"] = []any{"x"} },
			"/changes/1/newValue/name", "got array",
		},
		{
			"null identity", func(_ testing.TB, p map[string]any) { p["identity"] = nil },
			"/identity", "got null, want object",
		},
		{
			"null changes", func(_ testing.TB, p map[string]any) { p["changes"] = nil },
			"/changes", "got null, want array",
		},
		{
			"null attribute name", func(t testing.TB, p map[string]any) { change(t, p, 1)["attribute"] = nil },
			"/changes/1/attribute", "got null, want string",
		},
		{
			"unknown identity type", func(t testing.TB, p map[string]any) { obj(t, p, "identity")["type"] = "USER" },
			"/identity/type", "IDENTITY",
		},
	}
	for i := range cases {
		cases[i].mutate = withSeedChanges(cases[i].mutate)
	}
	runInvalid(t, "idn:identity-attributes-changed", cases)
}

func TestIdentityAttributesChangedAccepts(t *testing.T) {
	t.Parallel()
	cases := map[string]mutation{
		"null old value": func(t testing.TB, p map[string]any) { change(t, p, 0)["oldValue"] = nil },
		"null new value": func(t testing.TB, p map[string]any) { change(t, p, 0)["newValue"] = nil },
		"absent values": func(t testing.TB, p map[string]any) {
			delete(change(t, p, 0), "oldValue")
			delete(change(t, p, 0), "newValue")
		},
		"boolean value":      func(t testing.TB, p map[string]any) { change(t, p, 0)["newValue"] = true },
		"list of strings":    func(t testing.TB, p map[string]any) { change(t, p, 0)["newValue"] = []any{"a", "b"} },
		"empty list":         func(t testing.TB, p map[string]any) { change(t, p, 0)["oldValue"] = []any{} },
		"null object branch": func(t testing.TB, p map[string]any) { change(t, p, 1)["newValue"] = nil },
		"object of scalars": func(t testing.TB, p map[string]any) {
			change(t, p, 1)["newValue"] = map[string]any{"id": "x", "level": 3.0, "count": 2.0, "active": false}
		},
		"no changes":             func(_ testing.TB, p map[string]any) { p["changes"] = []any{} },
		"extra fields tolerated": func(_ testing.TB, p map[string]any) { p["_metadata"] = map[string]any{"triggerId": "x"} },
	}
	for name, m := range cases {
		cases[name] = withSeedChanges(m)
	}
	cases["the reference example as is"] = func(testing.TB, map[string]any) {}
	runValid(t, "idn:identity-attributes-changed", cases)
}

// accountRequest returns post-provisioning accountRequests[0].
func accountRequest(t testing.TB, p map[string]any) map[string]any {
	t.Helper()
	m, ok := arr(t, p, "accountRequests")[0].(map[string]any)
	require.True(t, ok)
	return m
}

func attributeRequest(t testing.TB, p map[string]any) map[string]any {
	t.Helper()
	m, ok := arr(t, accountRequest(t, p), "attributeRequests")[0].(map[string]any)
	require.True(t, ok)
	return m
}

func TestProvisioningCompletedRejects(t *testing.T) {
	t.Parallel()
	runInvalid(t, "idn:post-provisioning", []invalidCase{
		{
			"missing tracking number", func(_ testing.TB, p map[string]any) { delete(p, "trackingNumber") },
			"/trackingNumber", "missing property",
		},
		{
			"missing provisioning result", func(t testing.TB, p map[string]any) { delete(accountRequest(t, p), "provisioningResult") },
			"/accountRequests/0/provisioningResult", "missing property",
		},
		{
			"missing attribute name", func(t testing.TB, p map[string]any) { delete(attributeRequest(t, p), "attributeName") },
			"/accountRequests/0/attributeRequests/0/attributeName", "missing property",
		},
		{
			"errors not a list", func(_ testing.TB, p map[string]any) { p["errors"] = "Connector AD Failed" },
			"/errors", "got string",
		},
		{
			"sources not a string", func(_ testing.TB, p map[string]any) { p["sources"] = []any{"Corp AD"} },
			"/sources", "got array, want string",
		},
		{
			"requester not an object", func(_ testing.TB, p map[string]any) { p["requester"] = "William Wilson" },
			"/requester", "got string, want null or object",
		},
		{
			"requester missing id", func(t testing.TB, p map[string]any) { delete(obj(t, p, "requester"), "id") },
			"/requester/id", "missing property",
		},
		{
			"null recipient", func(_ testing.TB, p map[string]any) { p["recipient"] = nil },
			"/recipient", "got null, want object",
		},
		{
			"null sources", func(_ testing.TB, p map[string]any) { p["sources"] = nil },
			"/sources", "got null, want string",
		},
		{
			"null account operation", func(t testing.TB, p map[string]any) { accountRequest(t, p)["accountOperation"] = nil },
			"/accountRequests/0/accountOperation", "got null, want string",
		},
		{
			"unknown provisioning result", func(t testing.TB, p map[string]any) { accountRequest(t, p)["provisioningResult"] = "DONE" },
			"/accountRequests/0/provisioningResult", "SUCCESS",
		},
		{
			"unknown attribute operation", func(t testing.TB, p map[string]any) { attributeRequest(t, p)["operation"] = "Replace" },
			"/accountRequests/0/attributeRequests/0/operation", "Add",
		},
		{
			"unknown source type", func(t testing.TB, p map[string]any) { obj(t, accountRequest(t, p), "source")["type"] = "IDENTITY" },
			"/accountRequests/0/source/type", "SOURCE",
		},
	})
}

func TestProvisioningCompletedAccepts(t *testing.T) {
	t.Parallel()
	runValid(t, "idn:post-provisioning", map[string]mutation{
		"null action":           func(_ testing.TB, p map[string]any) { p["action"] = nil },
		"null errors":           func(_ testing.TB, p map[string]any) { p["errors"] = nil },
		"null warnings":         func(_ testing.TB, p map[string]any) { p["warnings"] = nil },
		"null requester":        func(_ testing.TB, p map[string]any) { p["requester"] = nil },
		"absent requester":      func(_ testing.TB, p map[string]any) { delete(p, "requester") },
		"null ticket":           func(t testing.TB, p map[string]any) { accountRequest(t, p)["ticketId"] = nil },
		"null attribute list":   func(t testing.TB, p map[string]any) { accountRequest(t, p)["attributeRequests"] = nil },
		"null attribute value":  func(t testing.TB, p map[string]any) { attributeRequest(t, p)["attributeValue"] = nil },
		"other operation value": func(t testing.TB, p map[string]any) { accountRequest(t, p)["accountOperation"] = "Unlock" },
	})
}
