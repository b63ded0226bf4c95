package transform

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// kind tells which member of value is meaningful.
type kind uint8

const (
	kindNull kind = iota
	kindString
	kindOther
)

// value is the engine's internal datum. Strings, by far the common case, are
// kept unboxed so passing them between transforms does not allocate; anything
// else (bool, float64, []any, map[string]any) rides in other.
type value struct {
	str   string
	other any
	kind  kind
}

func nullValue() value { return value{} }

func stringValue(s string) value { return value{str: s, kind: kindString} }

// fromAny wraps a JSON-like Go value.
func fromAny(v any) value {
	switch x := v.(type) {
	case nil:
		return value{}
	case string:
		return value{str: x, kind: kindString}
	default:
		return value{other: v, kind: kindOther}
	}
}

func (v value) isNull() bool { return v.kind == kindNull }

// isEmpty reports null or the empty string: the values a generator pattern or
// a required field treats as missing.
func (v value) isEmpty() bool {
	switch v.kind {
	case kindNull:
		return true
	case kindString:
		return v.str == ""
	default:
		if l, ok := v.other.([]any); ok {
			return len(l) == 0
		}
		return false
	}
}

// toAny converts back to a JSON-like Go value for the Result.
func (v value) toAny() any {
	switch v.kind {
	case kindString:
		return v.str
	case kindOther:
		return v.other
	default:
		return nil
	}
}

// text renders a non-null scalar as a string, the way Java's toString would
// for the types JSON can carry. Lists and objects are rejected rather than
// flattened, because a silent "[a b]" would end up in a username.
func (v value) text() (string, error) {
	switch v.kind {
	case kindString:
		return v.str, nil
	case kindNull:
		return "", nil
	}
	return scalarText(v.other)
}

func scalarText(x any) (string, error) {
	switch t := x.(type) {
	case string:
		return t, nil
	case bool:
		return strconv.FormatBool(t), nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), nil
	case float32:
		return strconv.FormatFloat(float64(t), 'f', -1, 32), nil
	case int:
		return strconv.Itoa(t), nil
	case int64:
		return strconv.FormatInt(t, 10), nil
	case int32:
		return strconv.FormatInt(int64(t), 10), nil
	case uint64:
		return strconv.FormatUint(t, 10), nil
	case json.Number:
		return t.String(), nil
	case []any, map[string]any:
		return "", fmt.Errorf("%w: expected a single value, got %T", ErrInvalidValue, x)
	default:
		return "", fmt.Errorf("%w: unsupported value type %T", ErrInvalidValue, x)
	}
}

// truthy follows Velocity: null and false are false, so is the empty string.
func (v value) truthy() bool {
	switch v.kind {
	case kindNull:
		return false
	case kindString:
		return v.str != ""
	}
	if b, ok := v.other.(bool); ok {
		return b
	}
	return true
}

// checkSize enforces MaxOutputSize on a produced string.
func checkSize(n int) error {
	if n > MaxOutputSize {
		return fmt.Errorf("%w: %d bytes exceeds %d", ErrOutputTooLarge, n, MaxOutputSize)
	}
	return nil
}
