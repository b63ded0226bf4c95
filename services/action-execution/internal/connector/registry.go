package connector

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// ProviderOperations is implemented by connectors whose operations depend on the provider's
// settings (the REST connector's endpoints): the registry asks it instead of Operations.
type ProviderOperations interface {
	ProviderOperations(p Provider) []string
}

// Registry holds the connectors of the running service, one per kind.
type Registry struct {
	byKind map[string]Connector
}

// NewRegistry returns a registry of connectors; two with the same kind are an error.
func NewRegistry(connectors ...Connector) (*Registry, error) {
	r := &Registry{byKind: map[string]Connector{}}
	for _, c := range connectors {
		if _, dup := r.byKind[c.Kind()]; dup {
			return nil, fmt.Errorf("two connectors of kind %s", c.Kind())
		}
		r.byKind[c.Kind()] = c
	}
	return r, nil
}

// Get returns the connector of kind.
func (r *Registry) Get(kind string) (Connector, bool) {
	c, ok := r.byKind[kind]
	return c, ok
}

// Kinds lists the kinds the registry holds, sorted.
func (r *Registry) Kinds() []string {
	out := make([]string, 0, len(r.byKind))
	for k := range r.byKind {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Operations returns the operations p's connector supports for p.
func (r *Registry) Operations(p Provider) ([]string, error) {
	c, ok := r.byKind[p.Kind]
	if !ok {
		return nil, fmt.Errorf("no %s connector in this build (have: %s)", p.Kind, strings.Join(r.Kinds(), ", "))
	}
	var ops []string
	if po, ok := c.(ProviderOperations); ok {
		ops = po.ProviderOperations(p)
	} else {
		ops = c.Operations()
	}
	ops = slices.Clone(ops)
	sort.Strings(ops)
	return ops, nil
}

// Supports returns an error naming what p's connector supports when it does not support op.
func (r *Registry) Supports(p Provider, op string) error {
	ops, err := r.Operations(p)
	if err != nil {
		return err
	}
	if !slices.Contains(ops, op) {
		return fmt.Errorf("provider %q (%s) does not support %q (it supports: %s): %w", p.Key, p.Kind, op, strings.Join(ops, ", "), ErrUnsupported)
	}
	return nil
}
