package transform

import (
	"fmt"
	"strings"
)

// knownTypes lists the supported transform types, for error messages.
func knownTypes() []string {
	return []string{
		"accountAttribute", "base64Decode", "base64Encode", "concat", "conditional",
		"dateFormat", "e164phone", "firstValid", "getReferenceIdentityAttribute",
		"identityAttribute", "indexOf", "leftPad", "lookup", "lower", "normalizeNames",
		"randomAlphaNumeric", "replace", "replaceAll", "rightPad", "rule", "split",
		"static", "substring", "trim", "upper", "usernameGenerator", "uuid",
	}
}

// compileOp builds the node for one transform type. Each case lives with its
// operation in an op_*.go file; this switch only routes.
func (c *compiler) compileOp(typ string, a attrs, sc *scope, depth int) (node, error) {
	switch typ {
	case "static":
		return c.compileStatic(a, sc, depth)
	case "identityAttribute":
		return compileIdentityAttribute(a)
	case "accountAttribute":
		return compileAccountAttribute(a)
	case "getReferenceIdentityAttribute":
		return compileReference(a)
	case "concat":
		return c.compileConcat(a, sc, depth)
	case "lower":
		return c.textOp("lower", a, sc, depth, lowerText)
	case "upper":
		return c.textOp("upper", a, sc, depth, upperText)
	case "trim":
		return c.textOp("trim", a, sc, depth, trimText)
	case "substring":
		return c.compileSubstring(a, sc, depth)
	case "indexOf":
		return c.compileIndexOf(a, sc, depth)
	case "split":
		return c.compileSplit(a, sc, depth)
	case "leftPad":
		return c.compilePad(a, sc, depth, true)
	case "rightPad":
		return c.compilePad(a, sc, depth, false)
	case "replace":
		return c.compileReplace(a, sc, depth)
	case "replaceAll":
		return c.compileReplaceAll(a, sc, depth)
	case "firstValid":
		return c.compileFirstValid(a, sc, depth)
	case "conditional":
		return c.compileConditional(a, sc, depth)
	case "lookup":
		return c.compileLookup(a, sc, depth)
	case "dateFormat":
		return c.compileDateFormat(a, sc, depth)
	case "base64Encode":
		return c.textOp("base64Encode", a, sc, depth, base64EncodeText)
	case "base64Decode":
		return c.textOp("base64Decode", a, sc, depth, base64DecodeText)
	case "normalizeNames":
		return c.textOp("normalizeNames", a, sc, depth, normalizeNamesText)
	case "e164phone":
		return c.compilePhone(a, sc, depth)
	case "uuid":
		return uuidNode{}, nil
	case "randomAlphaNumeric":
		return compileRandomAlphaNumeric(a)
	case "rule":
		return c.compileRule(a, sc, depth)
	}
	return nil, fmt.Errorf("%w: %q (supported: %s)", ErrUnknownTransform, typ, strings.Join(knownTypes(), ", "))
}

// textFunc is the body of a single-input string operation. It receives the
// input already converted to text; null inputs never reach it because every
// such operation maps null to null, as the docs state for leftPad, base64 and
// friends.
type textFunc func(st *evalState, s string) (value, error)

// textNode applies a textFunc to its input.
type textNode struct {
	op string
	in node
	fn textFunc
}

func (c *compiler) textOp(op string, a attrs, sc *scope, depth int, fn textFunc) (node, error) {
	in, err := c.compileInput(a, sc, depth)
	if err != nil {
		return nil, err
	}
	return &textNode{op: op, in: in, fn: fn}, nil
}

func (n *textNode) eval(st *evalState) (value, error) {
	v, err := n.in.eval(st)
	if err != nil || v.isNull() {
		return v, err
	}
	s, err := v.text()
	if err != nil {
		return value{}, fmt.Errorf("%s: %w", n.op, err)
	}
	out, err := n.fn(st, s)
	if err != nil {
		return value{}, fmt.Errorf("%s: %w", n.op, err)
	}
	if out.kind == kindString {
		if err := checkSize(len(out.str)); err != nil {
			return value{}, fmt.Errorf("%s: %w", n.op, err)
		}
	}
	return out, nil
}

func lowerText(_ *evalState, s string) (value, error) { return stringValue(strings.ToLower(s)), nil }

func upperText(_ *evalState, s string) (value, error) { return stringValue(strings.ToUpper(s)), nil }

func trimText(_ *evalState, s string) (value, error) { return stringValue(strings.TrimSpace(s)), nil }
