package jsonpath

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
	}
	if x.op == opRegex {
		if x.a.kind == opndRegex {
			v, ok := e.value(&x.b, cur)
			return e.err == nil && e.regexMatches(x.a, v, ok)
		}
		v, ok := e.value(&x.a, cur)
		return e.err == nil && e.regexMatches(x.b, v, ok)
	}
	l, lok := e.value(&x.a, cur)
	r, rok := e.value(&x.b, cur)
	if e.err != nil {
		return false
	}
	return e.compare(x.op, l, lok, r, rok)
}

// value evaluates an operand. A definite path yields its single value, or
// ok=false when it selects nothing; any other path yields the list of what
// it selects, possibly empty, as Jayway does.
func (e *evaluator) value(o *operand, cur any) (any, bool) {
	if o.kind != opndPath {
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
		sel := &p.segs[i].sels[0]
		var ok bool
		if sel.kind == selName {
			m, isMap := node.(map[string]any)
			if !isMap {
				return nil, false
			}
			node, ok = m[sel.name]
		} else {
			a, isArr := node.([]any)
			if !isArr {
				return nil, false
			}
			node, ok = index(a, sel.index)
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
