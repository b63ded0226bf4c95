package jsonpath_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/jsonpath"
)

// TestSemantics pins down Jayway's comparison rules on values the seed
// events do not contain: numbers as strings, booleans, null, non-BMP text,
// empty containers and values built in Go rather than decoded.
func TestSemantics(t *testing.T) {
	t.Parallel()
	doc := decode(t, `{
		"n": 5, "s": "5", "f": "5.0", "b": true, "nul": null,
		"obj": {"a": [1, {"b": 2}]}, "obj2": {"a": [1, {"b": 2}]}, "obj3": {"a": [1, {"b": 3}]},
		"emoji": "a😀", "arr": [true, 5, "x"], "e": "", "ea": [], "eo": {},
		"tab\tkey": 1
	}`)
	goDoc := map[string]any{"i": 5, "i64": int64(5), "u": uint(5), "f32": float32(2.5), "list": []any{1, 2}}

	tests := []struct {
		name  string
		doc   any
		expr  string
		match bool
	}{
		{"objects equal by value", doc, `$[?($.obj == $.obj2)]`, true},
		{"objects differ deeply", doc, `$[?($.obj == $.obj3)]`, false},
		{"objects not equal", doc, `$[?($.obj != $.obj3)]`, true},
		{"array and scalar never equal", doc, `$[?($.obj.a == 1)]`, false},
		{"nested definite path", doc, `$[?($.obj.a[1].b == 2)]`, true},
		{"string is not the number of its text", doc, `$[?($.s == 5)]`, false},
		{"string is not a number of the same value", doc, `$[?($.f == 5)]`, false},
		{"number is not a string of the same value", doc, `$[?(5 == $.f)]`, false},
		{"string differs from number", doc, `$[?($.s != 5)]`, true},
		{"number left, non-numeric string", doc, `$[?(5 == 'abc')]`, false},
		{"number left, NaN is not a number", doc, `$[?(5 == 'NaN')]`, false},
		{"number left, hex is not a number", doc, `$[?(5 == '0x5')]`, false},
		{"boolean equals boolean only", doc, `$[?($.b == true)]`, true},
		{"boolean is not its text", doc, `$[?($.b == 'true')]`, false},
		{"null equals null", doc, `$[?($.nul == null)]`, true},
		{"null exists", doc, `$[?($.nul)]`, true},
		{"not null exists", doc, `$[?(!$.nul)]`, false},
		{"regex on boolean", doc, `$[?($.b =~ /^true$/)]`, true},
		{"regex on number", doc, `$[?($.n =~ /^5$/)]`, true},
		{"regex on null is empty text", doc, `$[?($.nul =~ /^$/)]`, true},
		{"regex on array of mixed", doc, `$[?($.arr =~ /true/)]`, true},
		{"regex m flag", doc, `$[?($.s =~ /^5$/m)]`, true},
		{"regex s flag", doc, `$[?($.s =~ /.*/s)]`, true},
		{"size counts UTF-16 units", doc, `$[?($.emoji size 3)]`, true},
		{"size counts UTF-16 units miss", doc, `$[?($.emoji size 2)]`, false},
		{"strings order by UTF-16 units", doc, `$[?($.emoji < 'a\uffff')]`, true},
		{"strings order by UTF-16 units miss", doc, `$[?($.emoji > 'a\uffff')]`, false},
		{"surrogate pair escape", doc, `$[?($.emoji == "a\ud83d\ude00")]`, true},
		{"lone surrogate escape", doc, `$[?($.emoji == "a\ud83d")]`, false},
		{"escaped tab in name", doc, `$['tab\tkey']`, true},
		{"empty string", doc, `$[?($.e empty true)]`, true},
		{"empty array", doc, `$[?($.ea empty true)]`, true},
		{"empty object", doc, `$[?($.eo empty true)]`, true},
		{"empty number", doc, `$[?($.n empty true)]`, false},
		{"empty with path on the right", doc, `$[?($.ea empty $.b)]`, true},
		{"empty with non-boolean path on the right", doc, `$[?($.ea empty $.n)]`, false},
		{"size with non-number path on the right", doc, `$[?($.ea size $.s)]`, false},
		{"contains number", doc, `$[?($.arr contains 5)]`, true},
		{"contains string of number", doc, `$[?($.arr contains '5')]`, false},
		{"in with string of number", doc, `$[?('5' in $.arr)]`, false},
		{"in number and numeric string", doc, `$[?(5.0 in ['5'])]`, false},
		{"in number and number", doc, `$[?(5.0 in [5])]`, true},
		{"subsetof with duplicates", doc, `$[?(['x','x'] subsetof $.arr)]`, true},
		{"anyof nested arrays", doc, `$[?([[1]] anyof [[1], 2])]`, true},
		{"noneof nested arrays", doc, `$[?([[1]] noneof [[2], 1])]`, true},
		{"go int types equal", goDoc, `$[?($.i == 5 && $.i64 == 5 && $.u == 5 && $.f32 == 2.5)]`, true},
		{"go int types order", goDoc, `$[?($.i > 4 && $.i64 < 6 && $.u >= 5 && $.f32 <= 2.5)]`, true},
		{"go int types as text", goDoc, `$[?($.i =~ /^5$/ && $.f32 =~ /^2\.5$/ && $.i64 != '5')]`, true},
		{"go int list", goDoc, `$[?(2 in $.list && $.list size 2)]`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := jsonpath.MustCompile(tt.expr).Match(t.Context(), tt.doc)
			require.NoError(t, err)
			require.Equal(t, tt.match, got)
		})
	}
}

func TestMustCompilePanics(t *testing.T) {
	t.Parallel()
	require.Panics(t, func() { jsonpath.MustCompile(`$[`) })
}
