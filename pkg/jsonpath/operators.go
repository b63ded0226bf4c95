package jsonpath

import (
	"math"
	"strings"
)

// compare applies a relational operator with Jayway's semantics. A value
// of the wrong type makes the comparison false rather than an error;
// where Jayway throws instead (e.g. "in" with a string on the right), the
// negated operators are false too, so a malformed test never matches.
func (e *evaluator) compare(op relOp, l any, lok bool, r any, rok bool) bool {
	switch op {
	case opEq:
		return e.equal(l, lok, r, rok)
	case opNe:
		return !e.equal(l, lok, r, rok) && e.err == nil
	case opLt:
		c, ok := order(l, lok, r, rok)
		return ok && c < 0
	case opLe:
		c, ok := order(l, lok, r, rok)
		return ok && c <= 0
	case opGt:
		c, ok := order(l, lok, r, rok)
		return ok && c > 0
	case opGe:
		c, ok := order(l, lok, r, rok)
		return ok && c >= 0
	case opIn, opNin:
		list, ok := asList(r, rok)
		if !ok {
			return false
		}
		found := e.member(l, lok, list)
		return e.err == nil && found == (op == opIn)
	case opSubsetOf, opAnyOf, opNoneOf:
		left, lok := asList(l, lok)
		right, rok := asList(r, rok)
		if !lok || !rok {
			return false
		}
		return e.setOp(op, left, right)
	case opSize:
		return size(l, lok, r, rok)
	case opEmpty:
		want, ok := r.(bool)
		if !rok || !ok {
			return false
		}
		switch v := l.(type) {
		case string:
			return lok && (v == "") == want
		case []any:
			return lok && (len(v) == 0) == want
		case map[string]any:
			return lok && (len(v) == 0) == want
		}
		return false
	case opContains:
		switch kindOf(l, lok) {
		case kindString:
			sub, ok := r.(string)
			return rok && ok && e.chargeText(l.(string)) && strings.Contains(l.(string), sub)
		case kindArray:
			// Jayway asks the right operand whether it equals each element.
			for _, v := range l.([]any) {
				if e.equal(r, rok, v, true) {
					return true
				}
			}
		}
		return false
	}
	return false
}

// equal compares two values of the same JSON type: numbers by value,
// strings, booleans and null as themselves, arrays and objects deeply.
// Values of different types are never equal, so "2" is not 2, as in the
// reference evaluator. Undefined equals nothing.
func (e *evaluator) equal(l any, lok bool, r any, rok bool) bool {
	if !e.visit() {
		return false
	}
	lk, rk := kindOf(l, lok), kindOf(r, rok)
	if lk != rk {
		return false
	}
	switch lk {
	case kindString:
		return l.(string) == r.(string)
	case kindNumber:
		return toFloat(l) == toFloat(r)
	case kindBool:
		return l.(bool) == r.(bool)
	case kindNull:
		return true
	case kindArray, kindObject:
		return e.deepEqual(l, r)
	}
	return false
}

// deepEqual compares two JSON values of the same kind structurally, with
// numbers compared by value and no string/number conversion.
func (e *evaluator) deepEqual(a, b any) bool {
	if !e.visit() {
		return false
	}
	ak, bk := kindOf(a, true), kindOf(b, true)
	if ak != bk {
		return false
	}
	switch ak {
	case kindNull:
		return true
	case kindBool:
		return a.(bool) == b.(bool)
	case kindNumber:
		return toFloat(a) == toFloat(b)
	case kindString:
		return a.(string) == b.(string)
	case kindArray:
		x, y := a.([]any), b.([]any)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if !e.deepEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case kindObject:
		x, y := a.(map[string]any), b.(map[string]any)
		if len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !e.deepEqual(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// order compares two numbers or two strings; other pairs are unordered.
func order(l any, lok bool, r any, rok bool) (int, bool) {
	lk, rk := kindOf(l, lok), kindOf(r, rok)
	switch {
	case lk == kindNumber && rk == kindNumber:
		a, b := toFloat(l), toFloat(r)
		if math.IsNaN(a) || math.IsNaN(b) {
			return 0, false
		}
		switch {
		case a < b:
			return -1, true
		case a > b:
			return 1, true
		}
		return 0, true
	case lk == kindString && rk == kindString:
		return compareStrings(l.(string), r.(string)), true
	}
	return 0, false
}

// member reports whether v equals an element of list.
func (e *evaluator) member(v any, ok bool, list []any) bool {
	for _, w := range list {
		if e.equal(v, ok, w, true) {
			return true
		}
	}
	return false
}

// setOp implements subsetof, anyof and noneof.
func (e *evaluator) setOp(op relOp, left, right []any) bool {
	for _, v := range left {
		found := e.member(v, true, right)
		if e.err != nil {
			return false
		}
		switch {
		case op == opSubsetOf && !found:
			return false
		case op == opAnyOf && found:
			return true
		case op == opNoneOf && found:
			return false
		}
	}
	return op != opAnyOf
}

func asList(v any, ok bool) ([]any, bool) {
	a, isArr := v.([]any)
	return a, ok && isArr
}

// size compares the length of a string (in UTF-16 units, like Java) or an
// array with a number, truncated to an integer as Jayway does.
func size(l any, lok bool, r any, rok bool) bool {
	if kindOf(r, rok) != kindNumber || !lok {
		return false
	}
	f := math.Trunc(toFloat(r))
	var n int
	switch v := l.(type) {
	case string:
		n = utf16Len(v)
	case []any:
		n = len(v)
	default:
		return false
	}
	return float64(n) == f
}

// regexMatches matches a regex operand against a value. Like Jayway,
// strings, numbers and booleans are matched as text, an array matches if
// any element does, and anything else, including a missing value, is
// matched as the empty string.
func (e *evaluator) regexMatches(o operand, v any, ok bool) bool {
	if a, isArr := v.([]any); ok && isArr {
		for _, w := range a {
			in := regexInput(w, true)
			if !e.visit() || !e.chargeText(in) {
				return false
			}
			if o.re.MatchString(in) {
				return true
			}
		}
		return false
	}
	in := regexInput(v, ok)
	return e.chargeText(in) && o.re.MatchString(in)
}

func regexInput(v any, ok bool) string {
	switch kindOf(v, ok) {
	case kindString:
		return v.(string)
	case kindNumber:
		return numberText(v)
	case kindBool:
		if v.(bool) {
			return "true"
		}
		return "false"
	}
	return ""
}
