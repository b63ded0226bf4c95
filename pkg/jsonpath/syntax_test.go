package jsonpath_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/jsonpath"
)

// TestCompileSyntaxErrors checks that malformed expressions fail with a
// *SyntaxError that points at the offending byte and says what is wrong.
func TestCompileSyntaxErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		pos  int
		msg  string
	}{
		{``, 0, "must start with '$'"},
		{`@.a`, 0, "must start with '$', found '@'"},
		{`identity.name`, 0, "must start with '$'"},
		{`$.`, 2, "expected a name or '*' after '.'"},
		{`$..`, 3, "expected a name, '*' or '[' after '..'"},
		{`$.a.`, 4, "expected a name or '*' after '.'"},
		{`$a`, 1, "unexpected 'a' after the path"},
		{`$.a b`, 4, "unexpected 'b' after the path"},
		{`$ .a`, 2, "unexpected '.' after the path"},
		{`$.a [0]`, 4, "unexpected '[' after the path"},
		{`$[`, 2, "expected a name, an index, a slice"},
		{`$[]`, 2, "found ']'"},
		{`$['a'`, 5, "expected ']' to close '[' at offset 1"},
		{`$['a' 'b']`, 6, "expected ']'"},
		{`$['a]`, 2, "unterminated string literal"},
		{`$[1.5]`, 2, "must be an integer"},
		{`$[1:2:3:4]`, 7, "expected ']'"},
		{`$[?@.a]`, 3, "expected '(' after '?'"},
		{`$[?()]`, 4, "expected a value, found ')'"},
		{`$[?(!)]`, 5, "expected a value"},
		{`$[?(@.a`, 7, "unterminated filter"},
		{`$[?(@.a == 1]`, 12, "expected ')', '&&' or '||' in filter, found ']'"},
		{`$[?(@.a == )]`, 11, "expected a value, found ')'"},
		{`$[?(@.a = 1)]`, 8, "use '==' to compare"},
		{`$[?(@.a & @.b)]`, 8, "use '&&'"},
		{`$[?(@.a | @.b)]`, 8, "use '||'"},
		{`$[?(@.a foo 1)]`, 8, "unknown operator 'foo'"},
		{`$[?(1)]`, 4, "a literal cannot stand alone"},
		{`$[?('a' && @.b)]`, 4, "a literal cannot stand alone"},
		{`$[?(@.a =~ 'x')]`, 8, "'=~' needs a regex literal"},
		{`$[?(/a/ =~ /b/)]`, 8, "on exactly one side"},
		{`$[?(@.a == /x/)]`, 11, "only be used with '=~'"},
		{`$[?(@.a =~ /(?=x)/)]`, 11, "invalid regex"},
		{`$[?(@.a =~ /a)(b/)]`, 11, "invalid regex"},
		{`$[?(@.a =~ /x)]`, 11, "unterminated regex literal"},
		{`$[?(@.a == 'x)]`, 11, "unterminated string literal"},
		{`$[?(@.a == "\u12")]`, 12, `malformed \u escape`},
		{`$[?(@.a == [1,2)]`, 15, "in array literal opened at offset 11"},
		{`$[?(@.a == [@.b])]`, 12, "not paths"},
		{`$[?(@.a == tru)]`, 11, "unexpected 'tru'"},
		{`$[?(@.a == -)]`, 12, "expected a value, found ')'"},
		{`$[?(@.a == 1e)]`, 12, "malformed number exponent"},
		{`$[?(@.a == 1e999)]`, 11, "out of range"},
		{`$[?(@.a == #)]`, 11, "unexpected character '#'"},
		{`$.foo()`, 2, "unknown function foo()"},
		{`$.length(1)`, 2, "length() takes no arguments"},
		{`$.length().a`, 10, "must be the last segment"},
		{`$..length()`, 3, "cannot follow '..'"},
		{`$.concat(/x/)`, 9, "only be used with '=~'"},
		{`$.concat('a'`, 12, "in the arguments of concat()"},
		{`$[?(@.a + )]`, 10, "expected a value, found ')'"},
		{`$[?(@.a + 1)]`, 4, "an arithmetic expression cannot stand alone"},
		{`$[?(-@.a)]`, 4, "an arithmetic expression cannot stand alone"},
		{`$[?((@.a == 1) + 1)]`, 15, "arithmetic needs values on both sides"},
		{`$[?((@.a == 1) == true)]`, 15, "a condition cannot be compared"},
		{`$[?(@.a == (@.b == 1))]`, 8, "must be a value, not a condition"},
		{`$[?(@.a + /x/ == 1)]`, 10, "only be used with '=~'"},
		{`$[?(@.a == {1: 2})]`, 12, "expected a quoted member name"},
		{`$[?(@.a == {"k" 2})]`, 16, "expected ':'"},
		{`$[?(@.a == {"k": @.b})]`, 17, "not paths"},
		{`$[?(@.a == {"k": 1)]`, 18, "expected ',' or '}' in object literal opened at offset 11"},
		{`$[?(@.a =~ /x/q)]`, 11, "unsupported regex flag 'q'"},
		{`$[?('x')]`, 4, "a literal cannot stand alone"},
		{`$[?({})]`, 4, "a literal cannot stand alone"},
		{`$[?(/x/)]`, 4, "only be used with '=~'"},
		{`$[(@.length-1]`, 13, "expected ')' to close the script expression at offset 2"},
		{`$[(@.a == 1)]`, 7, "expected ')' to close the script expression at offset 2, found '=='"},
		{`$[((@.a == 1))]`, 2, "computes an index or a name, not a condition"},
		{`$[(/x/)]`, 3, "only be used with '=~'"},
		{`$[()]`, 3, "expected a value, found ')'"},
		{`$.index()`, 2, "index() takes one argument"},
		{`$.index(1, 2)`, 2, "index() takes one argument"},
		{`$.first(1)`, 2, "first() takes no arguments"},
		{`$.keys().a`, 8, "must be the last segment"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			p, err := jsonpath.Compile(tt.expr)
			require.Nil(t, p)
			require.ErrorIs(t, err, jsonpath.ErrSyntax)
			var se *jsonpath.SyntaxError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tt.pos, se.Pos, "error: %v", err)
			require.Contains(t, se.Msg, tt.msg)
			require.Contains(t, err.Error(), "offset")
			require.NotErrorIs(t, err, jsonpath.ErrLimitExceeded)
		})
	}
}

// TestCompileAccepts covers syntax that is easy to break: whitespace,
// case-insensitive word operators, nesting and unusual but valid names.
func TestCompileAccepts(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{
		"\t$.a\n",
		`$[ ?( @.a==1&&@.b!=2||!@.c ) ]`,
		`$[?(@.a IN ['x'] && @.b NoneOf ['y'] && @.c SIZE 1 && @.d Empty true)]`,
		`$[?(((@.a)))]`,
		`$[?(@.a =~ /x\/y/ims)]`,
		`$[?(@.a =~ /é/u)]`,
		`$[?(@.a == [[1, [2]], "x", 'y', true, false, null, -1.5e-3])]`,
		`$.a-b.c_d.$e.0f.ünï`,
		`$['a','b'][0,-1][1:][*]`,
		`$..[?(@.x)]..*`,
		`$.concat()`,
		`$.concat(@, $.a, 'x', 1, [1,2])`,
		`$[?(@.a.length() > 1 && $.concat(@.b, 'x') == 'yx')]`,
		`$[?(@.a+1>$.b -2 && @.c*2/3<=-(@.d) && (1) == 1 || true)]`,
		`$[(@.length-1)]`,
		`$[key, 'k2', 0, 1:2, *]`,
		`$.a.0.-1`,
		`$. a`,
		`$[?(@.a =~ /x/gimsu)]`,
		`$[?(null || false && true)]`,
		`$[?(@.a == {"k": [1, {"x": null}], 'y': -2.5e1})]`,
		`$[?(@.a in 'x' && 1 subsetof @.b && @.c size 's' && @.d empty 1)]`,
		`$[2:113667776004:-1]`,
		`$.min()`, `$.max(1)`, `$.avg($.a)`, `$.stddev()`, `$.sum(@, 1)`,
		`$.first()`, `$.last()`, `$.index(-1)`, `$.keys()`, `$.append(1, 'x', [2], {"k": 3})`,
	} {
		t.Run(expr, func(t *testing.T) {
			t.Parallel()
			p, err := jsonpath.Compile(expr)
			require.NoError(t, err)
			require.Equal(t, expr, p.String())
		})
	}
}
