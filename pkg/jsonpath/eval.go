package jsonpath

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// ctxCheckInterval is how many visits pass between context checks: often
// enough to stop promptly, rarely enough to cost nothing measurable.
const ctxCheckInterval = 1024

// evaluator holds the state of one Select or Match. The first error stops
// the evaluation; functions return false ("stop") once err is set.
type evaluator struct {
	ctx       context.Context
	root      any
	maxVisits int
	visits    int
	err       error
}

// visit charges one unit of work and reports whether evaluation may go on.
func (e *evaluator) visit() bool {
	if e.err != nil {
		return false
	}
	e.visits++
	if e.visits > e.maxVisits {
		e.err = fmt.Errorf("%w: evaluation needs more than %d steps", ErrLimitExceeded, e.maxVisits)
		return false
	}
	if e.visits%ctxCheckInterval == 0 {
		if err := e.ctx.Err(); err != nil {
			e.err = fmt.Errorf("jsonpath: evaluation stopped: %w", err)
			return false
		}
	}
	return true
}

// textCostUnit is how many bytes of text one step of work covers when a
// regex or substring search scans a string, so that long strings in a
// document count against WithMaxNodes in proportion to their length.
const textCostUnit = 256

// chargeText charges the scan of s; it reports whether evaluation may go
// on.
func (e *evaluator) chargeText(s string) bool {
	for range len(s) / textCostUnit {
		if !e.visit() {
			return false
		}
	}
	return true
}

// sink receives selected nodes. Match only needs to know that one exists,
// so it stops after the first result and stores nothing.
type sink struct {
	out   []any
	keep  bool
	n     int
	limit int // 0 means no limit
}

func (s *sink) add(v any) bool {
	s.n++
	if s.keep {
		s.out = append(s.out, v)
	}
	return s.limit == 0 || s.n < s.limit
}

// run evaluates p from start. It reports whether to continue.
func (e *evaluator) run(p *path, start any, s *sink) bool {
	if !p.fnOverAll {
		return e.walk(p, 0, start, s)
	}
	all := sink{keep: true}
	if !e.walk(p, 0, start, &all) && e.err != nil {
		return false
	}
	if all.out == nil {
		all.out = []any{}
	}
	if v, ok := e.call(p.fn, all.out); ok {
		return s.add(v)
	}
	return e.err == nil
}

// walk applies p.segs[i:] to node. It reports whether to continue.
func (e *evaluator) walk(p *path, i int, node any, s *sink) bool {
	if !e.visit() {
		return false
	}
	if i == len(p.segs) {
		if p.fn != nil && !p.fnOverAll {
			v, ok := e.call(p.fn, node)
			if !ok {
				return e.err == nil
			}
			return s.add(v)
		}
		return s.add(node)
	}
	seg := &p.segs[i]
	if seg.descendant {
		return e.descend(p, i, node, s)
	}
	for j := range seg.sels {
		if !e.selectFrom(p, i, &seg.sels[j], node, s) {
			return false
		}
	}
	return true
}

// descend applies segment i to node and to every descendant of node, in
// document order with object members by sorted key, since decoded Go maps
// have lost the order of the source.
func (e *evaluator) descend(p *path, i int, node any, s *sink) bool {
	seg := &p.segs[i]
	switch n := node.(type) {
	case map[string]any:
		for j := range seg.sels {
			if !e.selectFrom(p, i, &seg.sels[j], n, s) {
				return false
			}
		}
		for _, k := range sortedKeys(n) {
			if !e.visit() || !e.descend(p, i, n[k], s) {
				return false
			}
		}
	case []any:
		for j := range seg.sels {
			// A filter under ".." tests objects only, each once, as
			// Jayway's scan does; array elements are reached as descendants.
			if seg.sels[j].kind == selFilter {
				continue
			}
			if !e.selectFrom(p, i, &seg.sels[j], n, s) {
				return false
			}
		}
		for _, v := range n {
			if !e.visit() || !e.descend(p, i, v, s) {
				return false
			}
		}
	}
	return true
}

// selectFrom applies one selector of segment i to node and continues with
// segment i+1 on each selected child.
func (e *evaluator) selectFrom(p *path, i int, sel *selector, node any, s *sink) bool {
	switch sel.kind {
	case selName, selIndex:
		if v, ok := member(sel, node); ok {
			return e.walk(p, i+1, v, s)
		}
	case selScript:
		return e.script(p, i, sel.script, node, s)
	case selSlice:
		if a, ok := node.([]any); ok {
			return e.slice(p, i, a, sel.slice, s)
		}
	case selWildcard:
		switch n := node.(type) {
		case []any:
			for _, v := range n {
				if !e.walk(p, i+1, v, s) {
					return false
				}
			}
		case map[string]any:
			for _, k := range sortedKeys(n) {
				if !e.walk(p, i+1, n[k], s) {
					return false
				}
			}
		}
	case selFilter:
		switch n := node.(type) {
		case []any:
			for _, v := range n {
				if e.test(sel.filter, v) {
					if !e.walk(p, i+1, v, s) {
						return false
					}
				} else if e.err != nil {
					return false
				}
			}
		case map[string]any:
			// Jayway tests an object against the filter as a whole, which
			// is what lets "$[?(...)]" filter a whole event.
			if e.test(sel.filter, n) {
				return e.walk(p, i+1, n, s)
			}
			return e.err == nil
		}
	}
	return true
}

// member selects a name or index from node. As in JavaScript, a name that
// is an integer also indexes an array and an index also names an object
// member.
func member(sel *selector, node any) (any, bool) {
	switch n := node.(type) {
	case map[string]any:
		v, ok := n[sel.name]
		return v, ok
	case []any:
		if sel.hasIndex {
			return index(n, sel.index)
		}
	}
	return nil, false
}

// script evaluates a script expression against node and selects the
// member it names: an integer indexes, a string names a member.
func (e *evaluator) script(p *path, i int, o *operand, node any, s *sink) bool {
	if v, ok := e.scriptMember(o, node); ok {
		return e.walk(p, i+1, v, s)
	}
	return e.err == nil
}

// scriptMember returns the member of node that script expression o names.
func (e *evaluator) scriptMember(o *operand, node any) (any, bool) {
	v, ok := e.value(o, node)
	if e.err != nil {
		return nil, false
	}
	var sel selector
	switch kindOf(v, ok) {
	case kindString:
		sel = nameSelector(v.(string))
	case kindNumber:
		f := toFloat(v)
		if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return nil, false
		}
		sel = indexSelector(int(f))
	default:
		return nil, false
	}
	return member(&sel, node)
}

// index returns a[i], counting from the end for negative i.
func index(a []any, i int) (any, bool) {
	if i < 0 {
		i += len(a)
	}
	if i < 0 || i >= len(a) {
		return nil, false
	}
	return a[i], true
}

// slice selects a[start:end:step] as Jayway and JavaScript evaluators do:
// negative bounds count from the end, out-of-range bounds are clamped, and
// the walk always goes forwards, so a start at or after the end selects
// nothing. A step below 1 is 1 (Jayway ignores the step; JavaScript reads
// 0 as 1 and never walks backwards).
func (e *evaluator) slice(p *path, i int, a []any, sl sliceSpec, s *sink) bool {
	n := len(a)
	bound := func(v int) int {
		if v < 0 {
			return max(v+n, 0)
		}
		return min(v, n)
	}
	lo, hi, step := 0, n, max(sl.step, 1)
	if sl.hasStart {
		lo = bound(sl.start)
	}
	if sl.hasEnd {
		hi = bound(sl.end)
	}
	for j := lo; j < hi; j += step {
		if !e.walk(p, i+1, a[j], s) {
			return false
		}
		if step >= hi-j { // j+step would pass hi, or overflow
			break
		}
	}
	return true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
