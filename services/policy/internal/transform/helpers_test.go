package transform

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// subject is the field name the single-transform tests evaluate; its
// implicit input is Identity[subject].
const subject = "attr"

// decode parses a JSON object literal from a test table.
func decode(t testing.TB, src string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(src), &m), src)
	return m
}

// decodeFields parses a JSON array of policy fields.
func decodeFields(t testing.TB, src string) []Field {
	t.Helper()
	var fields []Field
	require.NoError(t, json.Unmarshal([]byte(src), &fields), src)
	return fields
}

// evalOne compiles a one-field policy around transform and evaluates it.
func evalOne(t testing.TB, transform string, in Input) (any, *Result, error) {
	t.Helper()
	prog, err := Compile([]Field{{Name: subject, Transform: decode(t, transform)}})
	if err != nil {
		return nil, nil, err
	}
	res, err := prog.Evaluate(context.Background(), in)
	return res.Attributes[subject], res, err
}

// seeded returns a deterministic random source for uuid/randomAlphaNumeric.
func seeded(seed uint64) *rand.ChaCha8 {
	var key [32]byte
	key[0] = byte(seed)
	return rand.NewChaCha8(key)
}

// fakeResolver serves reference lookups from a map of uid → attributes.
type fakeResolver map[string]map[string]any

func (f fakeResolver) ReferenceAttribute(_ context.Context, uid, attribute string) (any, error) {
	attrs, ok := f[uid]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrReferenceNotFound, uid)
	}
	return attrs[attribute], nil
}
