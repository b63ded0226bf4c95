package transform

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// attrs wraps a transform's (or field's) attributes object with typed readers
// that report problems as ErrInvalidAttribute / ErrMissingAttribute at the
// attribute's path.
type attrs struct {
	m    map[string]any
	path string
}

func (a attrs) at(key string) string { return a.path + "." + key }

func (a attrs) has(key string) bool {
	_, ok := a.m[key]
	return ok
}

// literal reads a plain string attribute (no template processing). Regular
// expressions, delimiters and date formats use it: their '$' is syntax.
func (a attrs) literal(key string) (string, bool, error) {
	v, ok := a.m[key]
	if !ok || v == nil {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", false, atPath(a.at(key), fmt.Errorf("%w: want a string, got %T", ErrInvalidAttribute, v))
	}
	return s, true, nil
}

func (a attrs) requiredLiteral(key string) (string, error) {
	s, ok, err := a.literal(key)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", atPath(a.at(key), ErrMissingAttribute)
	}
	return s, nil
}

// integer reads a whole number given as a JSON number or a numeric string:
// the docs show both ("length": "8", "begin": 2).
func (a attrs) integer(key string) (int, bool, error) {
	v, ok := a.m[key]
	if !ok || v == nil {
		return 0, false, nil
	}
	n, err := toInt(v)
	if err != nil {
		return 0, false, atPath(a.at(key), err)
	}
	return n, true, nil
}

// atLeast reads an optional integer that must be >= lowest when present.
func (a attrs) atLeast(key string, lowest int) (int, bool, error) {
	n, ok, err := a.integer(key)
	if err != nil || !ok {
		return n, ok, err
	}
	if n < lowest {
		return 0, false, atPath(a.at(key), fmt.Errorf("%w: %d is below the minimum %d", ErrInvalidAttribute, n, lowest))
	}
	return n, true, nil
}

// boolean reads true/false given as a JSON bool or a string ("true").
func (a attrs) boolean(key string, def bool) (bool, error) {
	v, ok := a.m[key]
	if !ok || v == nil {
		return def, nil
	}
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(t))
		if err != nil {
			return false, atPath(a.at(key), fmt.Errorf("%w: %q is not a boolean", ErrInvalidAttribute, t))
		}
		return b, nil
	}
	return false, atPath(a.at(key), fmt.Errorf("%w: want a boolean, got %T", ErrInvalidAttribute, v))
}

// toInt converts a JSON-ish number or numeric string to int, rejecting
// fractions and absurd magnitudes.
func toInt(v any) (int, error) {
	switch t := v.(type) {
	case float64:
		if t != math.Trunc(t) || math.Abs(t) > 1<<31 {
			return 0, fmt.Errorf("%w: %v is not a whole number", ErrInvalidAttribute, t)
		}
		return int(t), nil
	case int:
		return t, nil
	case int64:
		if t > 1<<31 || t < -(1<<31) {
			return 0, fmt.Errorf("%w: %d is out of range", ErrInvalidAttribute, t)
		}
		return int(t), nil
	case json.Number:
		return toInt(string(t))
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(t))
		if err != nil || n > 1<<31 || n < -(1<<31) {
			return 0, fmt.Errorf("%w: %q is not a whole number", ErrInvalidAttribute, t)
		}
		return n, nil
	}
	return 0, fmt.Errorf("%w: want a number, got %T", ErrInvalidAttribute, v)
}
