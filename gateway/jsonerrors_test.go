package gateway

import (
	"strings"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"

	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
)

func TestDescribedJSONErrors(t *testing.T) {
	t.Parallel()
	m := describedErrors{&runtime.JSONPb{UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: true}}}
	for _, tc := range []struct{ body, want string }{
		{`{"type":`, `malformed JSON at line 1, column 9 (byte 9): the body ends, expected a JSON value (object, array, string, number, true, false or null)`},
		{`{"type":"IDENTITY",}`, `malformed JSON at line 1, column 20 (byte 20): found '}', expected a quoted object key or '}'`},
		{"{\n  \"type\" \"IDENTITY\"\n}", `malformed JSON at line 2, column 10 (byte 12): found '"', expected ':' after an object key`},
		{`{"type":"IDENTITY" "id":"x"}`, `malformed JSON at line 1, column 20 (byte 20): found '"', expected ',' or '}' after an object member`},
		{`{"name":"é`, `malformed JSON at line 1, column 11 (byte 12): the body ends, expected more of a string and its closing '"' (control characters must be escaped)`},
		{`{"id":tru}`, `malformed JSON at line 1, column 10 (byte 10): found '}', expected 'e' to complete the literal true`},
		{`{`, `malformed JSON at line 1, column 2 (byte 2): the body ends, expected a quoted object key or '}'`},
		{`garbage`, `malformed JSON at line 1, column 1 (byte 1): found 'g', expected a JSON value (object, array, string, number, true, false or null)`},
		{`{"type":5}`, `invalid JSON at line 1, column 9: invalid value for string field type: 5`},
	} {
		t.Run(tc.body, func(t *testing.T) {
			t.Parallel()
			err := m.NewDecoder(strings.NewReader(tc.body)).Decode(&typev1.Reference{})
			require.EqualError(t, err, tc.want)
		})
	}
	t.Run("an empty body is left to the caller", func(t *testing.T) {
		require.NoError(t, m.NewDecoder(strings.NewReader(`{"type":"IDENTITY"}`)).Decode(&typev1.Reference{}))
		err := m.NewDecoder(strings.NewReader("  ")).Decode(&typev1.Reference{})
		require.ErrorContains(t, err, "EOF")
	})
}
