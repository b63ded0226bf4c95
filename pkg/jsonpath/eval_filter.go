package jsonpath

import "math"

// test reports whether cur satisfies the filter x. After an error it
// returns false and leaves the error in e.err.
func (e *evaluator) test(x *expr, cur any) bool {
	if !e.visit() {
		return false
	}
	switch x.kind {
	case exprOr:
		for _, y := range x.args {
			if e.test(y, cur) {
				return true
			}
			if e.err != nil {
				return false
			}
		}
		return false
	case exprAnd:
		for _, y := range x.args {
			if !e.test(y, cur) {
				return false
			}
		}
		return true
	case exprNot:
		ok := e.test(x.x, cur)
		return !ok && e.err == nil
	case exprExists:
		return e.exists(x.a.path, cur)
	case exprConst:
		return x.isTrue
	}
	if x.op == opRegex {
		re, o := x.a, &x.b
		if x.b.kind == opndRegex {
			re, o = x.b, &x.a
		}
		v, ok := e.value(o, cur)
		return e.err == nil && (ok || o.kind != opndArith) && e.regexMatches(re, v, ok)
	}
	l, lok := e.value(&x.a, cur)
	r, rok := e.value(&x.b, cur)
	if e.err != nil {
		return false
	}
	// Arithmetic without a result (a non-number operand, division by
	// zero) makes the whole comparison false, negated operators included.
	if !lok && x.a.kind == opndArith || !rok && x.b.kind == opndArith {
		return false
	}
	return e.compare(x.op, l, lok, r, rok)
}

// value evaluates an operand. A definite path yields its single value, or
// ok=false when it selects nothing; any other path yields the list of what
// it selects, possibly empty, as Jayway does.
func (e *evaluator) value(o *operand, cur any) (any, bool) {
	switch o.kind {
	case opndPath:
	case opndArith:
		return e.arith(o.arith, cur)
	case opndLength:
		if a, ok := cur.([]any); ok {
			return float64(len(a)), true
		}
		return nil, false
	default:
		return o.lit, true
	}
	p := o.path
	start := cur
	if !p.relative {
		start = e.root
	}
	if p.definite {
		return e.lookup(p, start)
	}
	s := sink{keep: true}
	e.run(p, start, &s)
	if s.out == nil {
		return []any{}, true
	}
	return s.out, true
}

// exists reports whether p selects anything from cur.
func (e *evaluator) exists(p *path, cur any) bool {
	start := cur
	if !p.relative {
		start = e.root
	}
	if p.definite {
		_, ok := e.lookup(p, start)
		return ok
	}
	s := sink{limit: 1}
	e.run(p, start, &s)
	return e.err == nil && s.n > 0
}

// lookup follows a definite path without allocating, which is the common
// case inside filters (@.attribute, $.identity.name).
func (e *evaluator) lookup(p *path, node any) (any, bool) {
	for i := range p.segs {
		if !e.visit() {
			return nil, false
		}
		var ok bool
		if sel := &p.segs[i].sels[0]; sel.kind == selScript {
			node, ok = e.scriptMember(sel.script, node)
		} else {
			node, ok = member(sel, node)
		}
		if !ok {
			return nil, false
		}
	}
	if p.fn != nil {
		return e.call(p.fn, node)
	}
	return node, true
}

// arith evaluates arithmetic on numbers. It has no result when an operand
// is not a number, on division by zero or when the result overflows.
func (e *evaluator) arith(a *arith, cur any) (any, bool) {
	acc, ok := e.number(&a.terms[0], cur)
	for j := 0; ok && j < len(a.ops); j++ {
		var y float64
		if y, ok = e.number(&a.terms[j+1], cur); !ok {
			break
		}
		switch a.ops[j] {
		case opAdd:
			acc += y
		case opSub:
			acc -= y
		case opMul:
			acc *= y
		case opDiv:
			if y == 0 {
				return nil, false
			}
			acc /= y
		}
	}
	if !ok || math.IsInf(acc, 0) || math.IsNaN(acc) {
		return nil, false
	}
	return acc, true
}

// number evaluates an operand that must be a number.
func (e *evaluator) number(o *operand, cur any) (float64, bool) {
	v, ok := e.value(o, cur)
	if kindOf(v, ok) != kindNumber {
		return 0, false
	}
	f := toFloat(v)
	return f, !math.IsNaN(f)
}
