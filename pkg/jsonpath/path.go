package jsonpath

import (
	"context"
	"fmt"
)

// Path is a compiled JSONPath expression. It is immutable and safe for
// concurrent use, so compile a subscription's filter once and evaluate it
// against every event.
type Path struct {
	src  string
	root *path
	cfg  config
}

// Compile parses expr. Syntax errors are *SyntaxError (matching ErrSyntax);
// an expression over a size or nesting limit also matches ErrLimitExceeded.
func Compile(expr string, opts ...Option) (*Path, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	root, err := parse(expr, &cfg)
	if err != nil {
		return nil, err
	}
	return &Path{src: expr, root: root, cfg: cfg}, nil
}

// MustCompile is Compile for expressions known to be valid, such as
// constants in code and tests; it panics on error.
func MustCompile(expr string, opts ...Option) *Path {
	p, err := Compile(expr, opts...)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the expression the Path was compiled from.
func (p *Path) String() string { return p.src }

// Select returns the nodes that the path selects from doc, in document
// order with object members by sorted key. doc is a value as decoded by
// encoding/json into any (map[string]any, []any, string, float64 or
// json.Number, bool, nil). The results alias doc; do not modify them.
//
// The error wraps ErrLimitExceeded when the evaluation needs more steps
// than WithMaxNodes allows, or the context's error when ctx ends first.
func (p *Path) Select(ctx context.Context, doc any) ([]any, error) {
	s := sink{keep: true}
	if err := p.eval(ctx, doc, &s); err != nil {
		return nil, err
	}
	if s.out == nil {
		return []any{}, nil
	}
	return s.out, nil
}

// Match reports whether the path selects anything from doc: the meaning of
// an event-trigger filter. It stops at the first selected node.
func (p *Path) Match(ctx context.Context, doc any) (bool, error) {
	s := sink{limit: 1}
	if err := p.eval(ctx, doc, &s); err != nil {
		return false, err
	}
	return s.n > 0, nil
}

func (p *Path) eval(ctx context.Context, doc any, s *sink) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("jsonpath: evaluation stopped: %w", err)
	}
	e := evaluator{ctx: ctx, root: doc, maxVisits: p.cfg.maxNodes}
	e.run(p.root, doc, s)
	return e.err
}
