package jsonpath_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/jsonpath"
)

// TestDocsExamples runs every expression in the filtering-events guide
// against the guide's Identity Attributes Changed event, the Provisioning
// Completed event (for the warnings examples) or a small event carrying
// the attributes an example needs.
func TestDocsExamples(t *testing.T) {
	t.Parallel()
	docs := decode(t, docsIdentityAttributesChanged)
	changes := docs.(map[string]any)["changes"].([]any)
	pc := decode(t, provisioningCompleted)
	created := decode(t, `{"attributes": {"created": "2020-04-27T16:48:33.597Z"}}`)
	withAttrs := decode(t, `{"identity": {"name": "john.doe", "attributes": {"firstname": "John", "lastname": "Doe"}}}`)
	withAltEmail := decode(t, `{"identity": {"attributes": {"alternateEmail": "jd@example.com"}}}`)
	support := decode(t, `{"changes": [{"attribute": "department", "oldValue": "Sales", "newValue": "US Customer Support"}]}`)

	tests := []struct {
		name string
		expr string
		doc  any
		want []any
	}{
		// Expressions table.
		{"root", `$`, docs, []any{docs}},
		{"current", `$.changes[?(@.attribute == "department")]`, docs, []any{changes[0]}},
		{"child", `$.identity`, docs, []any{docs.(map[string]any)["identity"]}},
		{"recursive descent", `$..id`, docs, []any{"ee769173319b41d19ccec6c235423236c", "ee769173319b41d19ccec6c235423237b", "ee769173319b41d19ccec6cea52f237b"}},
		{"wildcard", `$.changes[*]`, docs, changes},
		{"subscript", `$.changes[1].attribute`, docs, []any{"manager"}},
		{"union", `$.changes[0,1,2]`, docs, changes},
		{"slice", `$.changes[0:2:1]`, docs, changes[:2]},
		{"slice first n", `$.changes[:2]`, docs, changes[:2]},
		{"slice last n", `$.changes[-1:]`, docs, changes[2:]},
		{"filter", `$[?($.identity.name == "john.doe")]`, docs, []any{docs}},
		{"script expression", `$.changes[(@.length-1)]`, docs, changes[2:]},
		// Functions table.
		{"length", `$[?($.changes.length() >= 3)]`, docs, []any{docs}},
		{"concat", `$.concat($.identity.attributes.firstname," ",$.identity.attributes.lastname)`, withAttrs, []any{"John Doe"}},
		// Operators table.
		{"equals", `$[?($.identity.name == "john.doe")]`, docs, []any{docs}},
		{"not equal", `$[?($.identity.name != "george.washington")]`, docs, []any{docs}},
		{"greater than", `$[?($.attributes.created > '2020-04-27T16:48:33.200Z')]`, created, []any{created}},
		{"greater than or equal", `$[?($.attributes.created >= '2020-04-27T16:48:33.597Z')]`, created, []any{created}},
		{"less than", `$[?($.attributes.created < '2020-04-27T16:48:33.200Z')]`, created, []any{}},
		{"less than or equal", `$[?($.attributes.created <= '2020-04-27T16:48:33.200Z')]`, created, []any{}},
		{"regex", `$.changes[?(@.attribute == "department" && @.newValue =~ /US.*Support/i)]`, support, support.(map[string]any)["changes"].([]any)},
		{"regex on guide event", `$.changes[?(@.attribute == "department" && @.newValue =~ /US.*Support/i)]`, docs, []any{}},
		{"in", `$.changes[?(@.attribute == 'department' && @.newValue in ['sales','engineering'])]`, docs, []any{}},
		{"not in", `$.changes[?(@.attribute == 'department' && @.newValue nin ['sales','engineering'])]`, docs, []any{changes[0]}},
		{"subset of", `$[?($.warnings subsetof ['Account skipped','Invalid account'])]`, pc, []any{}},
		{"any of", `$[?($.warnings anyof ['Account skipped','Invalid account'])]`, pc, []any{}},
		{"none of", `$[?($.warnings noneof ['Account skipped','Invalid account'])]`, pc, []any{pc}},
		{"size, with the guide's missing ')' added", `$[?($.warnings size 1)]`, pc, []any{pc}},
		{"and", `$.changes[?(@.attribute == "cloudLifecycleState" && @.newValue == "terminated")]`, docs, []any{changes[2]}},
		{"not", `$.identity.attributes[?(!@.alternateEmail)]`, withAttrs, []any{withAttrs.(map[string]any)["identity"].(map[string]any)["attributes"]}},
		{"not with alternate email", `$.identity.attributes[?(!@.alternateEmail)]`, withAltEmail, []any{}},
		{"or", `$.changes[?(@.attribute == "cloudLifecycleState" || @.attribute == "department")]`, docs, []any{changes[0], changes[2]}},
		{"contains", `$[?($.identity.name contains "john")]`, docs, []any{docs}},
		// Testing filters section.
		{"contains that must not fire", `$[?($.identity.name contains "archer")]`, docs, []any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := jsonpath.Compile(tt.expr)
			require.NoError(t, err)
			got, err := p.Select(t.Context(), tt.doc)
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Select(%s) mismatch (-want +got):\n%s", tt.expr, diff)
			}
		})
	}
}

// TestDocsExamplesRejected covers the guide example that does not compile:
// the size example lacks its closing ')'.
func TestDocsExamplesRejected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		expr string
		pos  int
	}{
		{"size example as printed", `$[?($.warnings size 1]`, 21},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := jsonpath.Compile(tt.expr)
			var se *jsonpath.SyntaxError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tt.pos, se.Pos, "error: %v", err)
			require.ErrorIs(t, err, jsonpath.ErrSyntax)
		})
	}
}
