package jsonpath

import (
	"math"
	"slices"
	"strings"
)

// call applies a path's trailing function to node. ok is false when the
// function has no result for node.
func (e *evaluator) call(fn *funcCall, node any) (any, bool) {
	switch fn.kind {
	case fnLength:
		// Jayway's length() counts array elements or object members; for
		// anything else it has no result.
		switch v := node.(type) {
		case []any:
			return float64(len(v)), true
		case map[string]any:
			return float64(len(v)), true
		}
		return nil, false
	case fnConcat:
		return e.concat(fn.args, node)
	case fnMin, fnMax, fnAvg, fnStddev, fnSum:
		return e.aggregate(fn, node)
	case fnFirst, fnLast, fnIndex:
		a, ok := node.([]any)
		if !ok {
			return nil, false
		}
		switch fn.kind {
		case fnFirst:
			return index(a, 0)
		case fnLast:
			return index(a, -1)
		}
		v, ok := e.value(&fn.args[0], node)
		if kindOf(v, ok) != kindNumber {
			return nil, false
		}
		f := toFloat(v)
		if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return nil, false
		}
		return index(a, int(f))
	case fnKeys:
		m, ok := node.(map[string]any)
		if !ok {
			return nil, false
		}
		keys := make([]any, 0, len(m))
		for _, k := range sortedKeys(m) {
			if !e.visit() {
				return nil, false
			}
			keys = append(keys, k)
		}
		return keys, true
	case fnAppend:
		return e.appendArgs(fn.args, node)
	}
	return nil, false
}

// aggregate computes min, max, avg, stddev or sum over the numbers among
// the elements of node, when it is an array, and the values of the
// arguments (the elements of those that are lists), as Jayway does. Other
// values are skipped; with no number at all there is no result. Each
// element counts against WithMaxNodes, since a filter can aggregate the
// whole document once per element it tests.
func (e *evaluator) aggregate(fn *funcCall, node any) (any, bool) {
	var nums []float64
	add := func(v any) bool {
		if !e.visit() {
			return false
		}
		if kindOf(v, true) == kindNumber {
			if f := toFloat(v); !math.IsNaN(f) {
				nums = append(nums, f)
			}
		}
		return true
	}
	if a, ok := node.([]any); ok {
		for _, v := range a {
			if !add(v) {
				return nil, false
			}
		}
	}
	for i := range fn.args {
		v, ok := e.value(&fn.args[i], node)
		if e.err != nil {
			return nil, false
		}
		if !ok {
			continue
		}
		if a, isArr := v.([]any); isArr {
			for _, w := range a {
				if !add(w) {
					return nil, false
				}
			}
			continue
		}
		if !add(v) {
			return nil, false
		}
	}
	if len(nums) == 0 {
		return nil, false
	}
	var r float64
	switch fn.kind {
	case fnMin:
		r = slices.Min(nums)
	case fnMax:
		r = slices.Max(nums)
	case fnSum, fnAvg, fnStddev:
		for _, f := range nums {
			r += f
		}
		if fn.kind == fnSum {
			break
		}
		mean := r / float64(len(nums))
		if fn.kind == fnAvg {
			r = mean
			break
		}
		// Population standard deviation, as Jayway computes it.
		var sq float64
		for _, f := range nums {
			sq += (f - mean) * (f - mean)
		}
		r = math.Sqrt(sq / float64(len(nums)))
	}
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return nil, false
	}
	return r, true
}

// appendArgs returns a copy of the array node with each argument's value
// added as one more element; Jayway appends to the document itself, which
// evaluation here never modifies. Anything but an array is returned as is.
func (e *evaluator) appendArgs(args []operand, node any) (any, bool) {
	a, ok := node.([]any)
	if !ok {
		return node, true
	}
	for range a {
		if !e.visit() {
			return nil, false
		}
	}
	out := make([]any, len(a), len(a)+len(args))
	copy(out, a)
	for i := range args {
		v, ok := e.value(&args[i], node)
		if e.err != nil {
			return nil, false
		}
		if !ok {
			continue
		}
		out = append(out, plain(v))
	}
	return out, true
}

// concat joins the string elements of node, when node is an array, with
// the text of each argument. Jayway fails the whole query when an argument
// path selects nothing; here that leaves concat without a result.
func (e *evaluator) concat(args []operand, node any) (any, bool) {
	var b strings.Builder
	if a, ok := node.([]any); ok {
		for _, v := range a {
			if s, ok := v.(string); ok {
				b.WriteString(s)
			}
		}
	}
	for i := range args {
		v, ok := e.value(&args[i], node)
		if e.err != nil || !ok {
			return nil, false
		}
		if a, isArr := v.([]any); isArr {
			for _, w := range a {
				appendText(&b, w)
			}
			continue
		}
		appendText(&b, v)
	}
	return b.String(), true
}

// appendText writes scalars as text; null, objects and nested arrays add
// nothing.
func appendText(b *strings.Builder, v any) {
	switch kindOf(v, true) {
	case kindString:
		b.WriteString(v.(string))
	case kindNumber:
		b.WriteString(numberText(v))
	case kindBool:
		if v.(bool) {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	}
}
