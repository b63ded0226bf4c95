package ingest

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body      string
		canonical string
		ok        bool
	}{
		{`{"b": 1, "a": [true, null, 1.5e3]}`, `{"a":[true,null,1.5e3],"b":1}`, true},
		{`  {"big": 12345678901234567890}  `, `{"big":12345678901234567890}`, true},
		{`{}`, `{}`, true},
		{`[]`, "", false},
		{`"x"`, "", false},
		{`{"a":1}{"b":2}`, "", false},
		{`{"a":`, "", false},
		{``, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			t.Parallel()
			_, canonical, err := decode([]byte(tt.body))
			if !tt.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.canonical, string(canonical), "numbers keep their text; keys are sorted")
		})
	}
}

// FuzzDecode: decode accepts exactly the JSON objects, and their canonical form is stable.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":[1,{"b":null}]}`, `[]`, `{`, `{"a":1} x`, `{"\u00e9":"\ud83d\ude00"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		doc, canonical, err := decode(body)
		if err != nil {
			return
		}
		_, isObject := doc.(map[string]any)
		require.True(t, isObject)
		require.True(t, json.Valid(canonical))
		_, again, err := decode(canonical)
		require.NoError(t, err)
		require.Equal(t, string(canonical), string(again))
	})
}
