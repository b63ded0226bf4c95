package transform

import (
	"fmt"
	"slices"
	"strings"
)

// compiler holds the state of one Compile call.
type compiler struct {
	fieldIndex map[string]int
	field      int // index of the field being compiled
	entities   []entity
	cur        int // entity the references being compiled belong to
	nvars      int
	usesInput  bool // the current field reads its implicit input
}

// entity is a vertex of the reference graph: a field or a dynamic variable.
// Edges point from an entity to what its definition references; the graph
// drives cycle detection and the field evaluation order.
type entity struct {
	label string
	field int // the field whose definition declares the entity
	deps  []int
}

// scope is the set of dynamic variables visible at a point of a transform
// tree; inner transforms see the variables of the transforms enclosing them.
type scope struct {
	parent *scope
	vars   map[string]*varNode
}

func (c *compiler) addDep(to int) {
	e := &c.entities[c.cur]
	if !slices.Contains(e.deps, to) {
		e.deps = append(e.deps, to)
	}
}

// resolver returns the refResolver for templates compiled in sc. counterOK
// admits ${uniqueCounter}, which only generator patterns may use.
func (c *compiler) resolver(sc *scope, counterOK bool) refResolver {
	return func(path []string) (node, error) {
		name := path[0]
		if name == "uniqueCounter" && len(path) == 1 {
			if !counterOK {
				return nil, fmt.Errorf("uniqueCounter is only valid in usernameGenerator patterns and generator rule templates")
			}
			return counterNode{}, nil
		}
		if name == "identity" && len(path) > 1 {
			return identityPath(path)
		}
		if len(path) > 1 {
			return nil, fmt.Errorf("property access is only supported on $identity: %s", strings.Join(path, "."))
		}
		for s := sc; s != nil; s = s.parent {
			if v, ok := s.vars[name]; ok {
				c.addDep(len(c.fieldIndex) + v.slot)
				return v, nil
			}
		}
		// A field's reference to its own name means the identity attribute:
		// the field cannot depend on itself, and the identity value is what
		// a create profile would see before the field is computed.
		if i, ok := c.fieldIndex[name]; ok && i != c.field {
			c.addDep(i)
			return fieldNode{index: i}, nil
		}
		return identityNode{name: name}, nil
	}
}

// identityPath binds $identity.<attr>, $identity.attributes.<attr> and
// $identity.manager[.attributes].<attr>.
func identityPath(path []string) (node, error) {
	rest := path[1:]
	if rest[0] == "manager" && len(rest) > 1 {
		rest = rest[1:]
		if rest[0] == "attributes" && len(rest) == 2 {
			rest = rest[1:]
		}
		if len(rest) == 1 {
			return &referenceNode{uid: "manager", attr: rest[0]}, nil
		}
	} else {
		if rest[0] == "attributes" && len(rest) == 2 {
			rest = rest[1:]
		}
		if len(rest) == 1 {
			return identityNode{name: rest[0]}, nil
		}
	}
	return nil, fmt.Errorf("unsupported identity path %s", strings.Join(path, "."))
}

// declareVars turns the non-reserved attributes of a transform into dynamic
// variables visible to the transform and everything nested in it.
func (c *compiler) declareVars(parent *scope, a attrs, reserved func(string) bool, depth int) (*scope, error) {
	var names []string
	for k := range a.m {
		if !reserved(k) {
			names = append(names, k)
		}
	}
	if len(names) == 0 {
		return parent, nil
	}
	slices.Sort(names)
	sc := &scope{parent: parent, vars: make(map[string]*varNode, len(names))}
	for _, name := range names {
		v := &varNode{name: name, slot: c.nvars}
		c.nvars++
		c.entities = append(c.entities, entity{label: "variable $" + name, field: c.field})
		sc.vars[name] = v
	}
	saved := c.cur
	defer func() { c.cur = saved }()
	for _, name := range names {
		v := sc.vars[name]
		c.cur = len(c.fieldIndex) + v.slot
		def, err := c.compileValue(a.m[name], a.at(name), sc, depth)
		if err != nil {
			return nil, err
		}
		v.def = def
	}
	return sc, nil
}

// compileValue compiles an attribute value: a string is a template, an object
// with "type" is a nested transform, an array is a list, anything else a
// constant.
func (c *compiler) compileValue(v any, path string, sc *scope, depth int) (node, error) {
	switch t := v.(type) {
	case nil:
		return constNode{}, nil
	case string:
		tpl, err := parseTemplate(t, c.resolver(sc, false))
		if err != nil {
			return nil, atPath(path, err)
		}
		if tpl.isConstant {
			return constNode{stringValue(tpl.constant)}, nil
		}
		if tpl.single != nil {
			return tpl.single, nil
		}
		return tpl, nil
	case map[string]any:
		return c.compileTransform(t, path, sc, depth+1)
	case []any:
		if depth+1 > MaxDepth {
			return nil, atPath(path, ErrTooDeep)
		}
		items := make([]node, len(t))
		for i, it := range t {
			n, err := c.compileValue(it, fmt.Sprintf("%s[%d]", path, i), sc, depth+1)
			if err != nil {
				return nil, err
			}
			items[i] = n
		}
		return &listNode{items: items}, nil
	default:
		if _, err := scalarText(v); err != nil {
			return nil, atPath(path, fmt.Errorf("%w: %w", ErrInvalidAttribute, err))
		}
		return constNode{fromAny(v)}, nil
	}
}

// compileInput returns the node for a transform's "input" attribute, or the
// implicit input when it is absent. An empty string counts as absent: the
// replaceAll reference example sets "input": "" yet documents the implicit
// value being transformed.
func (c *compiler) compileInput(a attrs, sc *scope, depth int) (node, error) {
	v, ok := a.m["input"]
	if s, isStr := v.(string); !ok || v == nil || isStr && s == "" {
		c.usesInput = true
		return implicitNode{}, nil
	}
	return c.compileValue(v, a.at("input"), sc, depth)
}

// transformParts validates the envelope {"type":..., "attributes":{...}}.
func transformParts(m map[string]any, path string) (string, attrs, error) {
	rawType, ok := m["type"]
	if !ok {
		return "", attrs{}, atPath(path, fmt.Errorf("%w: transform object without \"type\"", ErrMissingAttribute))
	}
	typ, ok := rawType.(string)
	if !ok {
		return "", attrs{}, atPath(path+".type", fmt.Errorf("%w: want a string, got %T", ErrInvalidAttribute, rawType))
	}
	a := attrs{path: path + ".attributes"}
	switch raw := m["attributes"].(type) {
	case nil:
	case map[string]any:
		a.m = raw
	default:
		return "", attrs{}, atPath(a.path, fmt.Errorf("%w: want an object, got %T", ErrInvalidAttribute, raw))
	}
	return typ, a, nil
}

// compileTransform compiles a nested transform object. Generators are
// rejected here: they are only valid as a field's root (see compileField).
func (c *compiler) compileTransform(m map[string]any, path string, sc *scope, depth int) (node, error) {
	if depth > MaxDepth {
		return nil, atPath(path, fmt.Errorf("%w: more than %d levels", ErrTooDeep, MaxDepth))
	}
	typ, a, err := transformParts(m, path)
	if err != nil {
		return nil, err
	}
	if isGeneratorType(typ, a) {
		return nil, atPath(path, ErrGeneratorNotRoot)
	}
	n, err := c.compileOp(typ, a, sc, depth)
	if err != nil {
		return nil, atPath(path, err)
	}
	return n, nil
}
