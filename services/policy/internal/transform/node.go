package transform

import (
	"context"
	"fmt"
	"io"
)

// node is one compiled piece of a transform tree. Implementations hold only
// data fixed at compile time, so one compiled Program can serve concurrent
// evaluations; everything per-evaluation lives in evalState.
type node interface {
	eval(st *evalState) (value, error)
}

// evalState is the scratch space of one evaluation. Programs pool it so the
// hot path reuses its slices instead of allocating them per call.
type evalState struct {
	ctx      context.Context
	identity map[string]any
	account  map[string]any
	refs     ReferenceResolver
	claimer  Claimer
	random   io.Reader

	implicit value     // the current field's implicit input
	fields   []value   // computed field values, by field index
	vars     []varMemo // lazily computed dynamic variables, by slot
	warnings []string
	field    string // current field name, for warnings
	depth    int    // current chain of variable indirections
}

// varMemo caches a dynamic variable so a template referencing it twice (or a
// conditional testing it) evaluates the defining transform once.
type varMemo struct {
	v    value
	err  error
	done bool
}

func (st *evalState) warnf(format string, args ...any) {
	st.warnings = append(st.warnings, fmt.Sprintf("field %q: ", st.field)+fmt.Sprintf(format, args...))
}

// constNode yields a value fixed at compile time.
type constNode struct{ v value }

func (n constNode) eval(*evalState) (value, error) { return n.v, nil }

// implicitNode yields the field's implicit input: what a transform without an
// explicit "input" attribute operates on.
type implicitNode struct{}

func (implicitNode) eval(st *evalState) (value, error) { return st.implicit, nil }

// identityNode reads an identity attribute.
type identityNode struct{ name string }

func (n identityNode) eval(st *evalState) (value, error) { return fromAny(st.identity[n.name]), nil }

// fieldNode reads another field of the policy; the compile-time topological
// order guarantees it has been computed.
type fieldNode struct{ index int }

func (n fieldNode) eval(st *evalState) (value, error) { return st.fields[n.index], nil }

// varNode is a dynamic variable declared in a transform's attributes.
type varNode struct {
	name string
	slot int
	def  node
}

func (n *varNode) eval(st *evalState) (value, error) {
	m := &st.vars[n.slot]
	if m.done {
		return m.v, m.err
	}
	if st.depth >= MaxDepth {
		return value{}, fmt.Errorf("%w: variable $%s", ErrTooDeep, n.name)
	}
	st.depth++
	v, err := n.def.eval(st)
	st.depth--
	if err != nil {
		err = fmt.Errorf("variable $%s: %w", n.name, err)
	}
	m.v, m.err, m.done = v, err, true
	return v, err
}

// listNode builds a list from element nodes, for literal JSON arrays.
type listNode struct{ items []node }

func (n *listNode) eval(st *evalState) (value, error) {
	out := make([]any, 0, len(n.items))
	for _, it := range n.items {
		v, err := it.eval(st)
		if err != nil {
			return value{}, err
		}
		out = append(out, v.toAny())
	}
	return value{other: out, kind: kindOther}, nil
}

// counterNode marks ${uniqueCounter} in a generator pattern. It is never
// evaluated as a normal node; generators split patterns around it.
type counterNode struct{}

func (counterNode) eval(*evalState) (value, error) { return stringValue(""), nil }
