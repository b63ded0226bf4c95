package transform

import (
	"fmt"
	"strings"
)

// firstValidNode returns the first non-null value. With ignoreErrors, a
// failing candidate (such as a reference to a missing manager) is skipped
// instead of failing the field.
type firstValidNode struct {
	items        []node
	ignoreErrors bool
}

func (c *compiler) compileFirstValid(a attrs, sc *scope, depth int) (node, error) {
	items, err := c.compileList(a, "values", sc, depth)
	if err != nil {
		return nil, err
	}
	ignore, err := a.boolean("ignoreErrors", false)
	if err != nil {
		return nil, err
	}
	return &firstValidNode{items: items, ignoreErrors: ignore}, nil
}

func (n *firstValidNode) eval(st *evalState) (value, error) {
	for _, it := range n.items {
		v, err := it.eval(st)
		if err != nil {
			if n.ignoreErrors && st.ctx.Err() == nil {
				continue
			}
			return value{}, err
		}
		if !v.isNull() {
			return v, nil
		}
	}
	return nullValue(), nil
}

// conditionalNode implements "ValueA eq ValueB": both operands are templates
// compared as case-sensitive text, and neither may be null.
type conditionalNode struct {
	left, right   node
	positive, neg node
}

// splitEq finds the first "eq" operator surrounded by whitespace. The
// expression is split before templating so a value containing " eq " cannot
// change the comparison.
func splitEq(expr string) (left, right string, ok bool) {
	space := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for i := 1; i+2 < len(expr); i++ {
		if expr[i] == 'e' && expr[i+1] == 'q' && space(expr[i-1]) && space(expr[i+2]) {
			return strings.TrimSpace(expr[:i]), strings.TrimSpace(expr[i+2:]), true
		}
	}
	return "", "", false
}

func (c *compiler) compileConditional(a attrs, sc *scope, depth int) (node, error) {
	reserved := func(k string) bool {
		return k == "expression" || k == "positiveCondition" || k == "negativeCondition" || k == "input"
	}
	sc, err := c.declareVars(sc, a, reserved, depth)
	if err != nil {
		return nil, err
	}
	expr, err := a.requiredLiteral("expression")
	if err != nil {
		return nil, err
	}
	left, right, ok := splitEq(expr)
	if !ok {
		return nil, atPath(a.at("expression"), fmt.Errorf("%w: %q must have the form \"ValueA eq ValueB\"", ErrInvalidAttribute, expr))
	}
	n := &conditionalNode{}
	if n.left, err = c.compileValue(left, a.at("expression"), sc, depth); err != nil {
		return nil, err
	}
	if n.right, err = c.compileValue(right, a.at("expression"), sc, depth); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		key string
		dst *node
	}{{"positiveCondition", &n.positive}, {"negativeCondition", &n.neg}} {
		raw, ok := a.m[p.key]
		if !ok {
			return nil, atPath(a.at(p.key), ErrMissingAttribute)
		}
		if *p.dst, err = c.compileValue(raw, a.at(p.key), sc, depth); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func (n *conditionalNode) eval(st *evalState) (value, error) {
	l, err := n.left.eval(st)
	if err != nil {
		return value{}, err
	}
	r, err := n.right.eval(st)
	if err != nil {
		return value{}, err
	}
	if l.isNull() || r.isNull() {
		return value{}, fmt.Errorf("conditional: %w: operand is null", ErrInvalidValue)
	}
	ls, err := l.text()
	if err != nil {
		return value{}, fmt.Errorf("conditional: %w", err)
	}
	rs, err := r.text()
	if err != nil {
		return value{}, fmt.Errorf("conditional: %w", err)
	}
	if ls == rs {
		return n.positive.eval(st)
	}
	return n.neg.eval(st)
}

// lookupNode maps its input through a table, falling back to "default".
type lookupNode struct {
	in    node
	table map[string]node
	def   node
}

func (c *compiler) compileLookup(a attrs, sc *scope, depth int) (node, error) {
	in, err := c.compileInput(a, sc, depth)
	if err != nil {
		return nil, err
	}
	raw, ok := a.m["table"]
	if !ok || raw == nil {
		return nil, atPath(a.at("table"), ErrMissingAttribute)
	}
	table, ok := raw.(map[string]any)
	if !ok {
		return nil, atPath(a.at("table"), fmt.Errorf("%w: want an object, got %T", ErrInvalidAttribute, raw))
	}
	n := &lookupNode{in: in, table: make(map[string]node, len(table))}
	for k, v := range table {
		vn, err := c.compileValue(v, a.at("table")+"."+k, sc, depth)
		if err != nil {
			return nil, err
		}
		if k == "default" {
			n.def = vn
			continue
		}
		n.table[k] = vn
	}
	return n, nil
}

func (n *lookupNode) eval(st *evalState) (value, error) {
	v, err := n.in.eval(st)
	if err != nil {
		return value{}, err
	}
	if !v.isNull() {
		s, err := v.text()
		if err != nil {
			return value{}, fmt.Errorf("lookup: %w", err)
		}
		if hit, ok := n.table[s]; ok {
			return hit.eval(st)
		}
	}
	if n.def != nil {
		return n.def.eval(st)
	}
	if v.isNull() {
		return nullValue(), nil
	}
	return value{}, fmt.Errorf("lookup: %w: no entry for %q and no default", ErrInvalidValue, v.str)
}
