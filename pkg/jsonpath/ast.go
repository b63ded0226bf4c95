package jsonpath

import (
	"regexp"
	"strings"
)

// path is a compiled query: a start node ($ or @), segments applied in
// order, and an optional function applied to what they select.
type path struct {
	relative bool // starts at @ (the filter's current node) instead of $
	segs     []segment
	fn       *funcCall
	// definite paths (only single names and indexes) select at most one
	// node; inside filters they yield that value or "undefined" rather than
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
)

type selector struct {
	kind   selKind
	name   string
	index  int
	slice  sliceSpec
	filter *expr
}

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
)

// expr is a filter expression node. One struct with a kind, rather than an
// interface per node type, keeps evaluation free of dynamic dispatch and
// lets the evaluator stay on the stack.
type expr struct {
	kind exprKind
	// args holds the operands of exprOr and exprAnd. They are n-ary so a
	// long chain of "||" does not make the tree deep.
	args []*expr
	x    *expr   // exprNot
	op   relOp   // exprCompare
	a, b operand // exprCompare: a op b; exprExists: a
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
)

// operand is one side of a comparison or a function argument. Literals
// hold JSON-like Go values ([]any for arrays, number for numbers).
type operand struct {
	kind operandKind
	pos  int // where the operand starts, for error messages
	lit  any
	path *path
	re   *regexp.Regexp
}

// number is a numeric literal. It keeps its source text because Jayway
// compares a string to a number by the number's text ("1.0" == 1.0 but
// not "1" == 1.0).
type number struct {
	f    float64
	text string
}

type fnKind uint8

const (
	fnLength fnKind = iota
	fnConcat
)

type funcCall struct {
	kind fnKind
	args []operand
}
