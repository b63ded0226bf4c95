package transform

import (
	"container/heap"
	"slices"
	"strings"
)

// findCycle returns the entities forming a reference cycle, in order, or nil.
// It is iterative so a long chain in a hostile policy cannot overflow the
// stack.
func findCycle(ents []entity) []int {
	const (
		white = iota
		grey
		black
	)
	color := make([]uint8, len(ents))
	type frame struct{ v, next int }
	for root := range ents {
		if color[root] != white {
			continue
		}
		stack := []frame{{v: root}}
		color[root] = grey
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			deps := ents[top.v].deps
			if top.next == len(deps) {
				color[top.v] = black
				stack = stack[:len(stack)-1]
				continue
			}
			d := deps[top.next]
			top.next++
			switch color[d] {
			case white:
				color[d] = grey
				stack = append(stack, frame{v: d})
			case grey:
				var cycle []int
				for i := len(stack) - 1; i >= 0; i-- {
					cycle = append(cycle, stack[i].v)
					if stack[i].v == d {
						break
					}
				}
				slices.Reverse(cycle)
				return cycle
			}
		}
	}
	return nil
}

func describeCycle(ents []entity, cycle []int) string {
	labels := make([]string, 0, len(cycle)+1)
	for _, e := range cycle {
		labels = append(labels, ents[e].label)
	}
	labels = append(labels, ents[cycle[0]].label)
	return strings.Join(labels, " -> ")
}

// evalOrder returns field indexes so that every field comes after the fields
// it references. Among fields that are ready at the same time it prefers
// non-generator fields, then policy order: a generator claims a value, so
// running it after the cheap fields means a failure there leaves fewer
// claims to release. The graph must be acyclic.
func evalOrder(ents []entity, nFields int, isGenerator func(int) bool) []int {
	remaining := make([]int, len(ents))
	dependents := make([][]int, len(ents))
	for e, ent := range ents {
		remaining[e] = len(ent.deps)
		for _, d := range ent.deps {
			dependents[d] = append(dependents[d], e)
		}
	}
	rank := func(e int) int {
		switch {
		case e >= nFields:
			return 0 // variables: no cost, unblock fields early
		case isGenerator(e):
			return 2
		}
		return 1
	}
	q := &readyQueue{rank: rank}
	for e := range ents {
		if remaining[e] == 0 {
			heap.Push(q, e)
		}
	}
	order := make([]int, 0, nFields)
	for q.Len() > 0 {
		e := heap.Pop(q).(int)
		if e < nFields {
			order = append(order, e)
		}
		for _, d := range dependents[e] {
			remaining[d]--
			if remaining[d] == 0 {
				heap.Push(q, d)
			}
		}
	}
	return order
}

// readyQueue orders ready entities by (rank, index).
type readyQueue struct {
	items []int
	rank  func(int) int
}

func (q *readyQueue) Len() int { return len(q.items) }

func (q *readyQueue) Less(i, j int) bool {
	a, b := q.items[i], q.items[j]
	if ra, rb := q.rank(a), q.rank(b); ra != rb {
		return ra < rb
	}
	return a < b
}

func (q *readyQueue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }

func (q *readyQueue) Push(x any) { q.items = append(q.items, x.(int)) }

func (q *readyQueue) Pop() any {
	last := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return last
}
