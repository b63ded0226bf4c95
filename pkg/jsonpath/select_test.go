package jsonpath_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/jsonpath"
)

// TestSelect checks path syntax and selection order on the seed events and
// small documents.
func TestSelect(t *testing.T) {
	t.Parallel()
	iac := decode(t, identityAttributesChanged)
	pc := decode(t, provisioningCompleted)
	arr := decode(t, `[0, 1, 2, 3, 4, 5]`)
	odd := decode(t, `{"a-b": 1, "0x": 2, "naïve": 3, "with space": 4, "quote'd": 5, "": 6, "x": null}`)
	nested := decode(t, `{"a": {"b": [{"c": 1}, {"c": 2, "d": {"c": 3}}]}, "c": 0}`)
	mixed := decode(t, `{"items": [1, "1", "a", true, null, [1], {"k": 1}]}`)

	tests := []struct {
		name string
		expr string
		doc  any
		want []any
	}{
		{"root", `$`, arr, []any{arr}},
		{"dot name", `$.identity.name`, iac, []any{"john.doe"}},
		{"single-quoted name", `$['identity']['name']`, iac, []any{"john.doe"}},
		{"double-quoted name", `$["identity"]["name"]`, iac, []any{"john.doe"}},
		{"mixed notation", `$.changes[0]['attribute']`, iac, []any{"department"}},
		{"whitespace around expression and in brackets", "  $[ 'identity' ][ \"name\" ]  ", iac, []any{"john.doe"}},
		{"missing name", `$.identity.title`, iac, []any{}},
		{"name on array", `$.changes.attribute`, iac, []any{}},
		{"index", `$.changes[1].attribute`, iac, []any{"manager"}},
		{"negative index", `$.changes[-1].attribute`, iac, []any{"email"}},
		{"index out of range", `$.changes[3]`, iac, []any{}},
		{"negative index out of range", `$.changes[-4]`, iac, []any{}},
		{"index on object", `$.identity[0]`, iac, []any{}},
		{"index union", `$.changes[0,2].attribute`, iac, []any{"department", "email"}},
		{"index union keeps order and duplicates", `$[3,1,3]`, arr, []any{3.0, 1.0, 3.0}},
		{"name union", `$.identity['name','type']`, iac, []any{"john.doe", "IDENTITY"}},
		{"name union skips missing", `$.identity['name','nope']`, iac, []any{"john.doe"}},
		{"slice", `$[1:3]`, arr, []any{1.0, 2.0}},
		{"slice with step", `$[0:6:2]`, arr, []any{0.0, 2.0, 4.0}},
		{"slice docs example", `$.changes[0:2:1].attribute`, iac, []any{"department", "manager"}},
		{"slice first n", `$.changes[:2].attribute`, iac, []any{"department", "manager"}},
		{"slice last n", `$.changes[-1:].attribute`, iac, []any{"email"}},
		{"slice open", `$[:]`, arr, []any{0.0, 1.0, 2.0, 3.0, 4.0, 5.0}},
		{"slice negative bounds", `$[-3:-1]`, arr, []any{3.0, 4.0}},
		{"slice clamps", `$[-100:100]`, arr, []any{0.0, 1.0, 2.0, 3.0, 4.0, 5.0}},
		{"slice empty", `$[4:2]`, arr, []any{}},
		{"slice negative step walks forwards", `$[::-1]`, arr, []any{0.0, 1.0, 2.0, 3.0, 4.0, 5.0}},
		{"slice negative step with start after end", `$[4:1:-2]`, arr, []any{}},
		{"slice zero step is one", `$[::0]`, arr, []any{0.0, 1.0, 2.0, 3.0, 4.0, 5.0}},
		{"slice in union", `$[0, 4:]`, arr, []any{0.0, 4.0, 5.0}},
		{"slice on object", `$.identity[0:1]`, iac, []any{}},
		{"wildcard array", `$.changes[*].attribute`, iac, []any{"department", "manager", "email"}},
		{"wildcard dot", `$.changes.*.attribute`, iac, []any{"department", "manager", "email"}},
		{"wildcard object sorted by key", `$.identity.*`, iac, []any{"ee769173319b41d19ccec6cea52f237b", "john.doe", "IDENTITY"}},
		{"wildcard scalar", `$.identity.name.*`, iac, []any{}},
		{"deep scan name", `$..c`, nested, []any{0.0, 1.0, 2.0, 3.0}},
		{"deep scan docs example", `$..name`, iac, []any{"mean.guy", "nice.guy", "john.doe"}},
		{"deep scan wildcard", `$.a..*`, nested, []any{
			[]any{map[string]any{"c": 1.0}, map[string]any{"c": 2.0, "d": map[string]any{"c": 3.0}}},
			map[string]any{"c": 1.0},
			map[string]any{"c": 2.0, "d": map[string]any{"c": 3.0}},
			1.0, 2.0,
			map[string]any{"c": 3.0},
			3.0,
		}},
		{"deep scan index", `$..[1].c`, nested, []any{2.0}},
		{"deep scan bracket name", `$..['c']`, nested, []any{0.0, 1.0, 2.0, 3.0}},
		{"deep scan filter tests each object once", `$..[?(@.type == 'IDENTITY')].name`, iac, []any{"mean.guy", "nice.guy", "john.doe"}},
		{"deep scan filter then name", `$..[?(@.c > 1)].c`, nested, []any{2.0, 3.0}},
		{"filter on array", `$.changes[?(@.attribute == 'email')].newValue`, iac, []any{"john.doe@gmail.com"}},
		{"filter on root object tests the root", `$[?($.identity.name == "john.doe")].identity.type`, iac, []any{"IDENTITY"}},
		{"filter on object tests the object", `$.identity[?(@.type == 'IDENTITY')].id`, iac, []any{"ee769173319b41d19ccec6cea52f237b"}},
		{"filter on scalar", `$.identity.name[?(@ == 'john.doe')]`, iac, []any{}},
		{"filter on current value", `$[?(@ > 3)]`, arr, []any{4.0, 5.0}},
		{"nested filters", `$.accountRequests[?(@.attributeRequests[?(@.operation == 'Add')])].accountOperation`, pc, []any{"Modify"}},
		{"chained filters", `$.changes[?(@.attribute != 'email')][?(@.newValue.name)].attribute`, iac, []any{"manager"}},
		{"filter with root reference", `$.changes[?($.identity.type == 'IDENTITY')].attribute`, iac, []any{"department", "manager", "email"}},
		{"filter current item index", `$.changes[?(@['attribute'] == 'manager')].newValue.name`, iac, []any{"mean.guy"}},
		{"filter items by type", `$.items[?(@ == 1)]`, mixed, []any{1.0}},
		{"filter items size", `$.items[?(@ size 1)]`, mixed, []any{"1", "a", []any{1.0}}},
		{"filter items empty", `$.items[?(@ empty false)]`, mixed, []any{"1", "a", []any{1.0}, map[string]any{"k": 1.0}}},
		{"length", `$.changes.length()`, iac, []any{3.0}},
		{"length of root", `$.length()`, iac, []any{2.0}},
		{"length per node", `$.changes[*].length()`, iac, []any{3.0, 3.0, 3.0}},
		{"length after deep scan counts results", `$..id.length()`, iac, []any{3.0}},
		{"length of scalar", `$.identity.name.length()`, iac, []any{}},
		{"concat docs style", `$.concat($.identity.name, " ", $.identity.type)`, iac, []any{"john.doe IDENTITY"}},
		{"concat numbers and booleans", `$.concat(1, '-', 2.50, true, null)`, iac, []any{"1-2.50true"}},
		{"concat of array node", `$.errors.concat('!')`, pc, []any{"Connector AD Failed!"}},
		{"concat list argument", `$.concat($..name)`, iac, []any{"mean.guynice.guyjohn.doe"}},
		{"concat relative argument", `$.identity.concat(@.name, '@', @.type)`, iac, []any{"john.doe@IDENTITY"}},
		{"concat missing argument", `$.concat($.nope)`, iac, []any{}},
		{"odd name with dash", `$.a-b`, odd, []any{1.0}},
		{"odd name starting with digit", `$.0x`, odd, []any{2.0}},
		{"odd non-ASCII name", `$.naïve`, odd, []any{3.0}},
		{"odd name with space", `$['with space']`, odd, []any{4.0}},
		{"odd name with escaped quote", `$['quote\'d']`, odd, []any{5.0}},
		{"odd empty name", `$['']`, odd, []any{6.0}},
		{"null value is selected", `$.x`, odd, []any{nil}},
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
			matched, err := p.Match(t.Context(), tt.doc)
			require.NoError(t, err)
			require.Equal(t, len(tt.want) > 0, matched)
		})
	}
}

// TestSelectJSONNumber checks documents decoded with UseNumber, which keeps
// numbers exact and their text as written.
func TestSelectJSONNumber(t *testing.T) {
	t.Parallel()
	dec := json.NewDecoder(strings.NewReader(`{"n": 10, "f": 2.50, "big": 12345678901234567890, "s": "2.50", "l": [1, 2]}`))
	dec.UseNumber()
	var doc any
	require.NoError(t, dec.Decode(&doc))

	tests := []struct {
		expr  string
		match bool
	}{
		{`$[?($.n == 10)]`, true},
		{`$[?($.n > 9.5)]`, true},
		{`$[?($.n < 9.5)]`, false},
		{`$[?($.f == 2.5)]`, true},
		{`$[?($.s == $.f)]`, false},
		{`$[?($.f =~ /2\.50/)]`, true},
		{`$[?($.big > 1e19)]`, true},
		{`$[?($.l size 2)]`, true},
		{`$[?(2 in $.l)]`, true},
		{`$[?($.l.length() == 2)]`, true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			got, err := jsonpath.MustCompile(tt.expr).Match(t.Context(), doc)
			require.NoError(t, err)
			require.Equal(t, tt.match, got)
		})
	}
}

// TestPathConcurrentUse evaluates one compiled Path from many goroutines;
// run with -race to check that evaluation shares no mutable state.
func TestPathConcurrentUse(t *testing.T) {
	t.Parallel()
	p := jsonpath.MustCompile(`$.changes[?(@.attribute in ['department','email'] && @.newValue =~ /.*(marketing|gmail).*/)].attribute`)
	doc := decode(t, identityAttributesChanged)
	want := []any{"department", "email"}
	for i := range 8 {
		t.Run(string(rune('a'+i)), func(t *testing.T) {
			t.Parallel()
			for range 100 {
				got, err := p.Select(t.Context(), doc)
				require.NoError(t, err)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("Select mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}
