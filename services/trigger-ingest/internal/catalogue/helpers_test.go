package catalogue

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// newCatalogue builds the real catalogue; New is cheap enough to call per test.
func newCatalogue(t testing.TB) *Catalogue {
	t.Helper()
	c, err := New()
	require.NoError(t, err)
	return c
}

// decode turns JSON text into the generic value shape callers validate.
func decode(t testing.TB, text string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(text), &v))
	return v
}

// exampleInput returns a fresh, mutable decoding of a trigger's example.
func exampleInput(t testing.TB, c *Catalogue, id string) map[string]any {
	t.Helper()
	tr, ok := c.Get(id)
	require.True(t, ok, id)
	v, ok := decode(t, string(tr.ExampleInput)).(map[string]any)
	require.True(t, ok, "example input of %s is not an object", id)
	return v
}

// requireViolation asserts err is a *ValidationError with a violation at
// path whose message contains msg, and that the path is in err's text.
func requireViolation(t *testing.T, err error, path, msg string) {
	t.Helper()
	require.ErrorIs(t, err, ErrInvalidPayload)
	var verr *ValidationError
	require.ErrorAs(t, err, &verr)
	require.Contains(t, err.Error(), path)
	for _, v := range verr.Violations {
		if v.Path == path && strings.Contains(v.Message, msg) {
			return
		}
	}
	require.Failf(t, "violation not found", "want %s: ...%s...; got %v", path, msg, verr.Violations)
}

// obj and arr walk into decoded JSON, failing the test on a shape mismatch.
func obj(t testing.TB, v any, key string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)[key].(map[string]any)
	require.True(t, ok, "%q is not an object", key)
	return m
}

func arr(t testing.TB, v any, key string) []any {
	t.Helper()
	a, ok := v.(map[string]any)[key].([]any)
	require.True(t, ok, "%q is not an array", key)
	return a
}
