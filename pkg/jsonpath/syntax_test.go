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
		{`$[`, 2, "expected a quoted name, an index, a slice"},
		{`$[]`, 2, "found ']'"},
		{`$[a]`, 2, "found 'a'"},
		{`$['a'`, 5, "expected ']' to close '[' at offset 1"},
		{`$['a' 'b']`, 6, "expected ']'"},
		{`$['a]`, 2, "unterminated string literal"},
		{`$[1.5]`, 2, "must be an integer"},
		{`$[99999999999]`, 2, "must be an integer"},
		{`$[1:2:3:4]`, 7, "expected ']'"},
		{`$[(@.length-1)]`, 2, "script expressions"},
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
		{`$[?(@.a =~ /x/g)]`, 11, "unsupported regex flag 'g'"},
		{`$[?(@.a =~ /x)]`, 11, "unterminated regex literal"},
		{`$[?(@.a in 'x')]`, 11, "'in' needs an array on the right"},
		{`$[?(@.a nin 1)]`, 12, "'nin' needs an array on the right"},
		{`$[?(@.a subsetof 'x')]`, 17, "'subsetof' needs an array on the right"},
		{`$[?('x' anyof ['x'])]`, 4, "'anyof' needs an array on the left"},
		{`$[?(@.a size 'x')]`, 13, "'size' needs a number"},
		{`$[?(@.a empty 1)]`, 14, "'empty' needs true or false"},
		{`$[?(@.a == 'x)]`, 11, "unterminated string literal"},
		{`$[?(@.a == "\u12")]`, 12, `malformed \u escape`},
		{`$[?(@.a == [1,2)]`, 15, "in array literal opened at offset 11"},
		{`$[?(@.a == [@.b])]`, 12, "not paths"},
		{`$[?(@.a == {})]`, 11, "object literals are not supported"},
		{`$[?(@.a == tru)]`, 11, "unexpected 'tru'"},
		{`$[?(@.a == -)]`, 11, "expected digits after '-'"},
		{`$[?(@.a == 1e)]`, 12, "malformed number exponent"},
		{`$[?(@.a == 1e999)]`, 11, "out of range"},
		{`$[?(@.a == #)]`, 11, "unexpected character '#'"},
		{`$.foo()`, 2, "unknown function foo()"},
		{`$.length(1)`, 2, "length() takes no arguments"},
		{`$.length().a`, 10, "must be the last segment"},
		{`$..length()`, 3, "cannot follow '..'"},
		{`$.concat(/x/)`, 9, "only be used with '=~'"},
		{`$.concat('a'`, 12, "in the arguments of concat()"},
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
	} {
		t.Run(expr, func(t *testing.T) {
			t.Parallel()
			p, err := jsonpath.Compile(expr)
			require.NoError(t, err)
			require.Equal(t, expr, p.String())
		})
	}
}
