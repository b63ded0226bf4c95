package transform

import "fmt"

// compileStatic: "value" is a template; every other attribute is a dynamic
// variable the template (and nested transforms) can reference.
func (c *compiler) compileStatic(a attrs, sc *scope, depth int) (node, error) {
	raw, ok := a.m["value"]
	if !ok {
		return nil, atPath(a.at("value"), ErrMissingAttribute)
	}
	sc, err := c.declareVars(sc, a, func(k string) bool { return k == "value" || k == "input" }, depth)
	if err != nil {
		return nil, err
	}
	switch raw.(type) {
	case string, map[string]any, nil:
	default:
		return nil, atPath(a.at("value"), fmt.Errorf("%w: want a string, got %T", ErrInvalidAttribute, raw))
	}
	return c.compileValue(raw, a.at("value"), sc, depth)
}

// concatNode joins its values; null items contribute nothing.
type concatNode struct{ items []node }

func (c *compiler) compileConcat(a attrs, sc *scope, depth int) (node, error) {
	items, err := c.compileList(a, "values", sc, depth)
	if err != nil {
		return nil, err
	}
	return &concatNode{items: items}, nil
}

// compileList compiles a required array attribute element by element.
func (c *compiler) compileList(a attrs, key string, sc *scope, depth int) ([]node, error) {
	raw, ok := a.m[key]
	if !ok || raw == nil {
		return nil, atPath(a.at(key), ErrMissingAttribute)
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, atPath(a.at(key), fmt.Errorf("%w: want an array, got %T", ErrInvalidAttribute, raw))
	}
	items := make([]node, len(list))
	for i, it := range list {
		n, err := c.compileValue(it, fmt.Sprintf("%s[%d]", a.at(key), i), sc, depth)
		if err != nil {
			return nil, err
		}
		items[i] = n
	}
	return items, nil
}

func (n *concatNode) eval(st *evalState) (value, error) {
	var buf [8]string
	parts := buf[:0]
	size := 0
	for _, it := range n.items {
		v, err := it.eval(st)
		if err != nil {
			return value{}, err
		}
		if v.isNull() {
			continue
		}
		s, err := v.text()
		if err != nil {
			return value{}, fmt.Errorf("concat: %w", err)
		}
		size += len(s)
		if err := checkSize(size); err != nil {
			return value{}, fmt.Errorf("concat: %w", err)
		}
		parts = append(parts, s)
	}
	switch len(parts) {
	case 0:
		return stringValue(""), nil
	case 1:
		return stringValue(parts[0]), nil
	}
	b := make([]byte, 0, size)
	for _, p := range parts {
		b = append(b, p...)
	}
	return stringValue(string(b)), nil
}
