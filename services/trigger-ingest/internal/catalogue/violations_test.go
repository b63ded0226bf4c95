package catalogue

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPointerEscaping(t *testing.T) {
	t.Parallel()
	require.Empty(t, pointer(nil))
	require.Equal(t, "/changes/0/attribute", pointer([]string{"changes", "0", "attribute"}))
	require.Equal(t, "/a~1b/c~0d", pointer([]string{"a/b", "c~d"}))
}

// Property names containing "/" or "~" must still yield a usable pointer,
// including for missing-property violations that the library reports on
// the parent object.
func TestViolationPathsEscapeKeys(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	p := exampleInput(t, c, "idn:identity-attributes-changed")
	change(t, p, 0)["newValue"] = map[string]any{"cn/ou~x": []any{}}
	requireViolation(t, c.ValidateInput("idn:identity-attributes-changed", p), "/changes/0/newValue/cn~1ou~0x", "got array")
}

func TestViolationString(t *testing.T) {
	t.Parallel()
	require.Equal(t, "(root): got null, want object", Violation{Message: "got null, want object"}.String())
	require.Equal(t, "/a: missing property", Violation{Path: "/a", Message: "missing property"}.String())
}
