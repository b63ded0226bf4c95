package jsonpath

import (
	"regexp"
	"strconv"
	"strings"
)

// path is a compiled query: a start node ($ or @), segments applied in
// order, and an optional function applied to what they select.
type path struct {
	relative bool // starts at @ (the filter's current node) instead of $
	segs     []segment
	fn       *funcCall
	// definite paths (only single names, indexes and script expressions)
	// select at most one node; inside filters they yield that value or "undefined" rather than
	// a list, which is what Jayway's comparisons expect.
	definite bool
	// fnOverAll applies fn once to the list of all selected nodes. Jayway
	// does this for "$..x.fn()" so that "$..id.length()" counts ids.
	fnOverAll bool
}

// segment applies its selectors to each input node, or, when descendant,
// to each input node and all of its descendants ("..").
type segment struct {
	descendant bool
	sels       []selector
}

type selKind uint8

const (
	selName selKind = iota
	selIndex
	selSlice
	selWildcard
	selFilter
	selScript
)

// selector is one item of a segment. Names and indexes are kept in both
// forms, as JavaScript property access does: a name that is an integer
// ("$.list.2") also indexes an array, and an index ("$[0]") also names the
// member "0" of an object. hasIndex says whether index is set.
type selector struct {
	kind     selKind
	name     string
	index    int
	hasIndex bool
	slice    sliceSpec
	filter   *expr
	script   *operand // [(expr)]: evaluated with @ as the subscripted node
}

// nameSelector returns the selector for a member name.
func nameSelector(name string) selector {
	sel := selector{kind: selName, name: name}
	// Check the first byte before parsing: a failed Atoi allocates its
	// error, and most names are not numbers.
	if name == "" || !isDigit(name[0]) && (name[0] != '-' || len(name) == 1 || !isDigit(name[1])) {
		return sel
	}
	if n, err := strconv.Atoi(name); err == nil && strconv.Itoa(n) == name {
		sel.index, sel.hasIndex = n, true
	}
	return sel
}

// indexSelector returns the selector for an array index.
func indexSelector(i int) selector {
	return selector{kind: selIndex, name: strconv.Itoa(i), index: i, hasIndex: true}
}

// sliceSpec is [start:end:step]. Values beyond the platform's int are
// clamped, which selects the same elements as the exact value would.
type sliceSpec struct {
	start, end, step int
	hasStart, hasEnd bool
}

type exprKind uint8

const (
	exprOr exprKind = iota
	exprAnd
	exprNot
	exprExists
	exprCompare
	exprConst // true, false or null standing alone
	// exprValue is a value not yet placed: the parser turns it into
	// exprExists or exprConst where a condition is needed, or takes its
	// operand back when the value was parenthesised arithmetic. It never
	// reaches evaluation.
	exprValue
)

// expr is a filter expression node. One struct with a kind, rather than an
// interface per node type, keeps evaluation free of dynamic dispatch and
// lets the evaluator stay on the stack.
type expr struct {
	kind exprKind
	// args holds the operands of exprOr and exprAnd. They are n-ary so a
	// long chain of "||" does not make the tree deep.
	args   []*expr
	x      *expr   // exprNot
	op     relOp   // exprCompare
	a, b   operand // exprCompare: a op b; exprExists, exprValue: a
	isTrue bool    // exprConst
}

type relOp uint8

const (
	opEq relOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
	opRegex
	opIn
	opNin
	opSubsetOf
	opAnyOf
	opNoneOf
	opSize
	opEmpty
	opContains
)

// String returns the operator as written in expressions.
func (o relOp) String() string {
	switch o {
	case opEq:
		return "=="
	case opNe:
		return "!="
	case opLt:
		return "<"
	case opLe:
		return "<="
	case opGt:
		return ">"
	case opGe:
		return ">="
	case opRegex:
		return "=~"
	case opIn:
		return "in"
	case opNin:
		return "nin"
	case opSubsetOf:
		return "subsetof"
	case opAnyOf:
		return "anyof"
	case opNoneOf:
		return "noneof"
	case opSize:
		return "size"
	case opEmpty:
		return "empty"
	default:
		return "contains"
	}
}

// wordOp recognises word operators case-insensitively, like Jayway.
func wordOp(w string) (relOp, bool) {
	switch strings.ToLower(w) {
	case "in":
		return opIn, true
	case "nin":
		return opNin, true
	case "subsetof":
		return opSubsetOf, true
	case "anyof":
		return opAnyOf, true
	case "noneof":
		return opNoneOf, true
	case "size":
		return opSize, true
	case "empty":
		return opEmpty, true
	case "contains":
		return opContains, true
	}
	return 0, false
}

type operandKind uint8

const (
	opndLiteral operandKind = iota
	opndPath
	opndRegex
	opndArith
	opndLength // @.length in a script expression: the array's length
)

// operand is one side of a comparison or a function argument. Literals
// hold JSON-like Go values ([]any for arrays, map[string]any for objects,
// number for numbers).
type operand struct {
	kind  operandKind
	pos   int // where the operand starts, for error messages
	lit   any
	path  *path
	re    *regexp.Regexp
	arith *arith
}

type arithOp uint8

const (
	opAdd arithOp = iota
	opSub
	opMul
	opDiv
)

// arith is a run of operands joined by operators of one precedence level,
// terms[0] ops[0] terms[1] ops[1] ..., evaluated left to right. Keeping a
// chain flat rather than as nested binary nodes means "1+1+...+1" does not
// deepen the tree; only parentheses and unary minus nest, and those count
// against WithMaxDepth.
type arith struct {
	terms []operand
	ops   []arithOp
}

// number is a numeric literal. It keeps its source text, which is what a
// regex matches against and what concat() writes ("1.50", not "1.5").
type number struct {
	f    float64
	text string
}

type fnKind uint8

const (
	fnLength fnKind = iota
	fnConcat
	fnMin
	fnMax
	fnAvg
	fnStddev
	fnSum
	fnFirst
	fnLast
	fnIndex
	fnKeys
	fnAppend
)

// functions maps the names of the functions a path may end with to their
// kinds and the number of arguments they take (-1: any number).
var functions = map[string]struct {
	kind fnKind
	args int
}{
	"length": {fnLength, 0},
	"concat": {fnConcat, -1},
	"min":    {fnMin, -1},
	"max":    {fnMax, -1},
	"avg":    {fnAvg, -1},
	"stddev": {fnStddev, -1},
	"sum":    {fnSum, -1},
	"first":  {fnFirst, 0},
	"last":   {fnLast, 0},
	"index":  {fnIndex, 1},
	"keys":   {fnKeys, 0},
	"append": {fnAppend, -1},
}

type funcCall struct {
	kind fnKind
	args []operand
}
