package jsonpath

import "strings"

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
	}
	return nil, false
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
