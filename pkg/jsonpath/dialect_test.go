package jsonpath_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/jsonpath"
)

// dialectDoc holds the values the dialect tests select from.
const dialectDoc = `{
  "number": 5,
  "items": [
    {"number": 10, "key": 50},
    {"number": 20, "key": 40},
    {"number": "30", "key": 0}
  ],
  "s": "2", "two": 2,
  "list": [1, 2, 3, 4],
  "mixed": [1, "x", 2.5, null, true, 4],
  "strs": ["a", "b"],
  "empty": [],
  "d": {"k": "v"},
  "nested": {"a": [1, {"b": null}]},
  "o": {"0": "zero", "1": "one"},
  "array": [0, 1, 2, 3, 4],
  "a-b": "dashed",
  "text": "first line\nMarketing Dept"
}`

type selectCase struct {
	name string
	expr string
	want []any // nil: the root document
}

// runSelect compiles each case, checks Select against want (nil meaning
// the document itself) and that Match agrees with it.
func runSelect(t *testing.T, doc any, tests []selectCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := jsonpath.Compile(tt.expr)
			require.NoError(t, err)
			want := tt.want
			if want == nil {
				want = []any{doc}
			}
			got, err := p.Select(t.Context(), doc)
			require.NoError(t, err)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Select(%s) mismatch (-want +got):\n%s", tt.expr, diff)
			}
			matched, err := p.Match(t.Context(), doc)
			require.NoError(t, err)
			require.Equal(t, len(want) > 0, matched)
		})
	}
}

func dialectItems(t *testing.T) (doc any, items []any) {
	t.Helper()
	doc = decode(t, dialectDoc)
	return doc, doc.(map[string]any)["items"].([]any)
}

func TestArithmetic(t *testing.T) {
	t.Parallel()
	doc, items := dialectItems(t)
	none := []any{}
	runSelect(t, doc, []selectCase{
		{"reference example: paths and literals on both sides", `$.items[?(@.number + 2 > $.number + 8)]`, items[1:2]},
		{"reference example: division", `$.items[?(@.key/10 == 5)]`, items[:1]},
		{"multiplication binds tighter than addition", `$.items[?(@.number + 2 * 5 == 20)]`, items[:1]},
		{"parentheses group", `$.items[?((@.number + 2) * 5 == 60)]`, items[:1]},
		{"subtraction is left-associative", `$.items[?(@.number - 5 - 3 == 2)]`, items[:1]},
		{"division is left-associative", `$.items[?(@.key / 10 / 5 == 1)]`, items[:1]},
		{"minus without a space before a number", `$.items[?(@.number -5 == 5)]`, items[:1]},
		{"a dash right after a name belongs to the name", `$.items[?(@.number-5 == 5)]`, none},
		{"unary minus", `$.items[?(-@.number == -10)]`, items[:1]},
		{"unary minus on a group", `$.items[?(-(@.number - 30) == 10)]`, items[1:2]},
		{"arithmetic on the right", `$.items[?(@.key == @.number * 4 + 10)]`, items[:1]},
		{"literals only", `$[?(1 + 2 * 3 == 7)]`, nil},
		{"fractions", `$.items[?(@.number / @.key == 0.5)]`, items[1:2]},
		{"function result as an operand", `$[?($.items.length() * 2 == 6)]`, nil},
		{"division by zero is no match", `$.items[?(@.number / 0 == 1)]`, none},
		{"division by zero is no match, negated too", `$.items[?(@.number / 0 != 1)]`, none},
		{"division by a zero value skips that item only", `$.items[?(1 / @.key > 0)]`, items[:2]},
		{"a string operand is no match", `$.items[?(@.number + 1 == 31)]`, none},
		{"a string operand is no match, negated too", `$.items[?(@.number + 1 != 31)]`, items[:2]},
		{"a missing operand is no match", `$.items[?(@.missing + 1 != 1)]`, none},
		{"a list operand is no match", `$[?($.items[*].number + 1 > 0)]`, none},
		{"regex on a result", `$.items[?(@.number * 2 =~ /^40$/)]`, items[1:2]},
		{"regex on no result is no match", `$.items[?(@.missing * 2 =~ /^$/)]`, none},
		{"group of a condition", `$.items[?((@.key == 0 || @.key == 40) && @.number != 20)]`, items[2:]},
	})
}

func TestScriptExpression(t *testing.T) {
	t.Parallel()
	doc, items := dialectItems(t)
	runSelect(t, doc, []selectCase{
		{"last element", `$.list[(@.length-1)]`, []any{4.0}},
		{"spaced", `$.list[( @.length - 2 )]`, []any{3.0}},
		{"length is past the end", `$.list[(@.length)]`, []any{}},
		{"constant index", `$.list[(1+1)]`, []any{3.0}},
		{"division", `$.list[(@.length/2)]`, []any{3.0}},
		{"not an integer", `$.list[(@.length/3)]`, []any{}},
		{"string names a member", `$.o[('1')]`, []any{"one"}},
		{"number names an object member", `$.o[(2-1)]`, []any{"one"}},
		{"an object has no length", `$.d[(@.length-1)]`, []any{}},
		{"on a scalar", `$.number[(@.length-1)]`, []any{}},
		{"then more segments", `$.items[(@.length-1)].key`, []any{0.0}},
		{"in a filter, a single value", `$[?(@.list[(@.length-1)] == 4)]`, nil},
		{"in a filter, missing", `$[?(@.list[(@.length)])]`, []any{}},
		{"in a filter, on the document", `$.items[?(@.number == $.items[(@.length-2)].number)]`, items[1:2]},
	})
}

func TestBracketNames(t *testing.T) {
	t.Parallel()
	doc, items := dialectItems(t)
	runSelect(t, doc, []selectCase{
		{"unquoted name", `$[number]`, []any{5.0}},
		{"unquoted union", `$[number, two]`, []any{5.0, 2.0}},
		{"unquoted and quoted union", `$[ two ,'number' ]`, []any{2.0, 5.0}},
		{"after an index", `$.items[0][number]`, []any{10.0}},
		{"dashed name", `$[a-b]`, []any{"dashed"}},
		{"missing name", `$[nope]`, []any{}},
		{"name of a word operator", `$.items[key]`, []any{}},
		{"in a filter path", `$.items[?(@[key] == 40)]`, items[1:2]},
	})
}

func TestDotNumberSteps(t *testing.T) {
	t.Parallel()
	doc := decode(t, dialectDoc)
	runSelect(t, doc, []selectCase{
		{"index after a dot", `$.array.2`, []any{2.0}},
		{"negative index after a dot", `$.array.-1`, []any{4.0}},
		{"index out of range", `$.array.9`, []any{}},
		{"not a canonical integer", `$.array.01`, []any{}},
		{"digit name on an object", `$.o.0`, []any{"zero"}},
		{"bracket index on an object names a member", `$.o[0]`, []any{"zero"}},
		{"bracket index union on an object", `$.o[1,0]`, []any{"one", "zero"}},
		{"bracket index missing on an object", `$.o[2]`, []any{}},
		{"quoted digits index an array", `$.array['3']`, []any{3.0}},
		{"in a definite filter path", `$[?(@.array.2 == 2 && @.o[1] == 'one')]`, nil},
	})
}

func TestRegexMatchesAnywhere(t *testing.T) {
	t.Parallel()
	doc := decode(t, dialectDoc)
	none := []any{}
	runSelect(t, doc, []selectCase{
		{"substring", `$[?($.text =~ /Market/)]`, nil},
		{"substring miss", `$[?($.text =~ /market/)]`, none},
		{"anchors match the whole text", `$[?($.text =~ /^Marketing/)]`, none},
		{"i flag", `$[?($.text =~ /market/i)]`, nil},
		{"g flag is accepted and changes nothing", `$[?($.text =~ /Market/g)]`, nil},
		{"g and i flags", `$[?($.text =~ /MARKET/gi)]`, nil},
		{"m flag lets anchors match lines", `$[?($.text =~ /^Marketing/m)]`, nil},
		{"without s, dot stops at a newline", `$[?($.text =~ /line.Marketing/)]`, none},
		{"s flag", `$[?($.text =~ /line.Marketing/s)]`, nil},
		{"u flag", `$[?($.text =~ /DEPT/ui)]`, nil},
		{"all flags", `$[?($.text =~ /^marketing/gimsu)]`, nil},
		{"number text", `$[?($.number =~ /5/)]`, nil},
		{"any array element", `$[?($.strs =~ /b/)]`, nil},
	})
}

func TestStandaloneLiterals(t *testing.T) {
	t.Parallel()
	doc, items := dialectItems(t)
	none := []any{}
	runSelect(t, doc, []selectCase{
		{"true", `$[?(true)]`, nil},
		{"false", `$[?(false)]`, none},
		{"null is false", `$[?(null)]`, none},
		{"parenthesised", `$[?((true))]`, nil},
		{"or false", `$.items[?(@.key == 0 || false)]`, items[2:]},
		{"and true", `$.items[?(true && @.key == 40)]`, items[1:2]},
		{"not false", `$.items[?(!false && @.key == 40)]`, items[1:2]},
		{"not null", `$.items[?(!null)]`, items},
		{"and false", `$.items[?(@.key && false)]`, none},
	})
}

func TestObjectLiterals(t *testing.T) {
	t.Parallel()
	doc := decode(t, dialectDoc)
	none := []any{}
	runSelect(t, doc, []selectCase{
		{"equal", `$[?(@.d == {"k":"v"})]`, nil},
		{"single quotes", `$[?(@.d == {'k': 'v'})]`, nil},
		{"different value", `$[?(@.d == {"k": "w"})]`, none},
		{"extra member", `$[?(@.d != {"k": "v", "x": 1})]`, nil},
		{"nested", `$[?(@.nested == {"a": [1, {"b": null}]})]`, nil},
		{"nested number by value", `$[?(@.nested == {"a": [1.0, {"b": null}]})]`, nil},
		{"empty objects", `$[?({} == {})]`, nil},
		{"in a list", `$[?(@.d in [{"k": "v"}, 1])]`, nil},
		{"not a string", `$[?(@.d == '{"k":"v"}')]`, none},
	})
}

// TestTypeMismatchSelectsNothing checks that operands of the wrong type
// compile and select nothing, as the reference evaluator treats them.
func TestTypeMismatchSelectsNothing(t *testing.T) {
	t.Parallel()
	doc := decode(t, dialectDoc)
	none := []any{}
	runSelect(t, doc, []selectCase{
		{"in a string", `$[?(@.number in "5")]`, none},
		{"nin a number", `$[?(@.number nin 1)]`, none},
		{"number subsetof", `$[?(123 subsetof @.list)]`, none},
		{"subsetof a string", `$[?(@.list subsetof 'x')]`, none},
		{"string anyof", `$[?('x' anyof ['x'])]`, none},
		{"noneof a number", `$[?(@.list noneof 1)]`, none},
		{"size a string", `$[?(@.list size "9")]`, none},
		{"size a string of the length", `$[?(@.list size "4")]`, none},
		{"empty a number", `$[?(@.list empty 1)]`, none},
		{"well typed still matches", `$[?(@.list size 4 && 3 in @.list)]`, nil},
	})
}

func TestNoCoercion(t *testing.T) {
	t.Parallel()
	doc := decode(t, dialectDoc)
	none := []any{}
	runSelect(t, doc, []selectCase{
		{"string is not a number", `$[?(@.s == 2)]`, none},
		{"number is not a string", `$[?(@.two == "2")]`, none},
		{"number literal on the left", `$[?(2 == @.s)]`, none},
		{"not equal across types", `$[?(@.s != 2 && @.two != "2")]`, nil},
		{"strings equal", `$[?(@.s == "2")]`, nil},
		{"numbers equal by value", `$[?(@.two == 2.0)]`, nil},
		{"in does not coerce", `$[?(@.s in [2])]`, none},
		{"contains does not coerce", `$[?(@.list contains '1')]`, none},
	})
}

func TestSlices(t *testing.T) {
	t.Parallel()
	doc := decode(t, dialectDoc)
	none := []any{}
	runSelect(t, doc, []selectCase{
		{"negative step, start after end", `$.array[3:0:-2]`, none},
		{"negative step walks forwards", `$.array[1:4:-1]`, []any{1.0, 2.0, 3.0}},
		{"zero step is one", `$.array[0:3:0]`, []any{0.0, 1.0, 2.0}},
		{"end beyond 32 bits", `$.array[2:113667776004]`, []any{2.0, 3.0, 4.0}},
		{"start beyond 32 bits", `$.array[-113667776004:2]`, []any{0.0, 1.0}},
		{"start beyond 64 bits", `$.array[99999999999999999999:]`, none},
		{"index beyond 32 bits", `$.array[113667776004]`, none},
		{"negative index beyond 32 bits", `$.array[-113667776004]`, none},
		{"step beyond 32 bits", `$.array[1:5:113667776004]`, []any{1.0}},
		{"huge step does not overflow", `$.array[0:5:9223372036854775807]`, []any{0.0}},
		{"positive step", `$.array[1:5:2]`, []any{1.0, 3.0}},
		{"start equals end", `$.array[2:2]`, none},
	})
}

func TestWhitespaceAfterDot(t *testing.T) {
	t.Parallel()
	doc := decode(t, dialectDoc)
	runSelect(t, doc, []selectCase{
		{"after root", `$. number`, []any{5.0}},
		{"tab", "$.\tnumber", []any{5.0}},
		{"after an index", `$.items[0]. key`, []any{50.0}},
		{"in a filter", `$[?(@. number == 5)]`, nil},
		{"before a wildcard", `$.array. *`, []any{0.0, 1.0, 2.0, 3.0, 4.0}},
	})
}

func TestFunctions(t *testing.T) {
	t.Parallel()
	doc := decode(t, dialectDoc)
	none := []any{}
	runSelect(t, doc, []selectCase{
		{"min", `$.list.min()`, []any{1.0}},
		{"max", `$.list.max()`, []any{4.0}},
		{"avg", `$.list.avg()`, []any{2.5}},
		{"sum", `$.list.sum()`, []any{10.0}},
		{"stddev is the population's", `$.list.stddev()`, []any{math.Sqrt(1.25)}},
		{"numbers only", `$.mixed.sum()`, []any{7.5}},
		{"arguments count too", `$.sum(1, 2, $.list)`, []any{13.0}},
		{"arguments with an array", `$.list.max(9)`, []any{9.0}},
		{"no numbers", `$.strs.max()`, none},
		{"empty array", `$.empty.avg()`, none},
		{"on an object", `$.d.min()`, none},
		{"over a deep scan", `$..number.sum()`, []any{35.0}},
		{"first", `$.list.first()`, []any{1.0}},
		{"last", `$.list.last()`, []any{4.0}},
		{"first of empty", `$.empty.first()`, none},
		{"first of a scalar", `$.number.first()`, none},
		{"index", `$.list.index(1)`, []any{2.0}},
		{"index from the end", `$.list.index(-1)`, []any{4.0}},
		{"index out of range", `$.list.index(9)`, none},
		{"index not an integer", `$.list.index(1.5)`, none},
		{"index from a path", `$.list.index($.two)`, []any{3.0}},
		{"keys sorted", `$.o.keys()`, []any{[]any{"0", "1"}}},
		{"keys of an array", `$.list.keys()`, none},
		{"append", `$.list.append(5, 'x', [6], {"k": 7})`, []any{[]any{1.0, 2.0, 3.0, 4.0, 5.0, "x", []any{6.0}, map[string]any{"k": 7.0}}}},
		{"append a path", `$.strs.append($.d.k)`, []any{[]any{"a", "b", "v"}}},
		{"append to a scalar", `$.number.append(1)`, []any{5.0}},
		{"in filters", `$[?(@.list.max() == 4 && @.list.first() == 1 && @.list.last() == 4 && @.list.index(2) == 3 && @.list.avg() == 2.5)]`, nil},
		{"keys in a filter", `$[?(@.d.keys() contains 'k')]`, nil},
		{"append in a filter", `$[?(@.list.append(9) == [1, 2, 3, 4, 9] && @.list.length() == 4)]`, nil},
		{"arithmetic on results", `$[?(@.list.sum() / @.list.length() == @.list.avg())]`, nil},
	})
}

// TestAppendLeavesDocument checks that append() copies: the document is
// the caller's and shared between evaluations.
func TestAppendLeavesDocument(t *testing.T) {
	t.Parallel()
	doc := decode(t, dialectDoc)
	p := jsonpath.MustCompile(`$.list.append(5)`)
	for range 2 {
		got, err := p.Select(t.Context(), doc)
		require.NoError(t, err)
		require.Equal(t, []any{[]any{1.0, 2.0, 3.0, 4.0, 5.0}}, got)
	}
	require.Len(t, doc.(map[string]any)["list"], 4)
}
