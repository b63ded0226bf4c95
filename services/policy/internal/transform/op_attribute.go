package transform

import (
	"fmt"
)

func compileIdentityAttribute(a attrs) (node, error) {
	name, err := a.requiredLiteral("name")
	if err != nil {
		return nil, err
	}
	return identityNode{name: name}, nil
}

// accountNode reads an attribute of the account on the target source.
// Multi-account selection (accountSortAttribute, accountFilter, ...) has no
// meaning with the single account an Input carries, so those options are
// accepted and ignored.
type accountNode struct {
	source string
	attr   string
}

func compileAccountAttribute(a attrs) (node, error) {
	attr, err := a.requiredLiteral("attributeName")
	if err != nil {
		return nil, err
	}
	var source string
	for _, k := range []string{"sourceName", "applicationName", "applicationId"} {
		s, ok, err := a.literal(k)
		if err != nil {
			return nil, err
		}
		if ok {
			source = s
			break
		}
	}
	return accountNode{source: source, attr: attr}, nil
}

func (n accountNode) eval(st *evalState) (value, error) {
	if n.source != "" {
		if m, ok := st.account[n.source].(map[string]any); ok {
			return fromAny(m[n.attr]), nil
		}
	}
	return fromAny(st.account[n.attr]), nil
}

// referenceNode reads another identity's attribute through the caller's
// ReferenceResolver ("manager" means the evaluated identity's manager).
type referenceNode struct {
	uid  string
	attr string
}

func compileReference(a attrs) (node, error) {
	uid, err := a.requiredLiteral("uid")
	if err != nil {
		return nil, err
	}
	attr, err := a.requiredLiteral("attributeName")
	if err != nil {
		return nil, err
	}
	if uid == "" || attr == "" {
		return nil, atPath(a.path, fmt.Errorf("%w: uid and attributeName must not be empty", ErrInvalidAttribute))
	}
	return &referenceNode{uid: uid, attr: attr}, nil
}

func (n *referenceNode) eval(st *evalState) (value, error) {
	if st.refs == nil {
		return value{}, fmt.Errorf("%w: reference to %s.%s needs Input.References", ErrMissingDependency, n.uid, n.attr)
	}
	v, err := st.refs.ReferenceAttribute(st.ctx, n.uid, n.attr)
	if err != nil {
		return value{}, fmt.Errorf("reference %s.%s: %w", n.uid, n.attr, err)
	}
	return fromAny(v), nil
}
