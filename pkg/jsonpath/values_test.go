package jsonpath

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCompareStrings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"a", "a", 0},
		{"a", "b", -1},
		{"b", "a", 1},
		{"ab", "a", 1},
		{"a", "ab", -1},
		{"Z", "a", -1},
		{"é", "e", 1},
		{"é", "ê", -1},
		// U+FFFF sorts after a surrogate pair in UTF-16, before it in UTF-8.
		{"\uffff", "😀", 1},
		{"😀", "\uffff", -1},
		{"😀", "😁", -1},
		{"x😀", "x😀", 0},
	}
	for _, tt := range tests {
		t.Run(tt.a+"|"+tt.b, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, compareStrings(tt.a, tt.b))
		})
	}
}

func TestNumbers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   any
		f    float64
		text string
	}{
		{float64(2.5), 2.5, "2.5"},
		{float64(1e21), 1e21, "1000000000000000000000"},
		{float32(0.5), 0.5, "0.5"},
		{json.Number("1.50"), 1.5, "1.50"},
		{number{f: 1, text: "1.0"}, 1, "1.0"},
		{int(-3), -3, "-3"},
		{int32(3), 3, "3"},
		{int64(3), 3, "3"},
		{uint(3), 3, "3"},
		{uint32(3), 3, "3"},
		{uint64(3), 3, "3"},
	}
	for _, tt := range tests {
		require.Equal(t, kindNumber, kindOf(tt.in, true))
		require.InDelta(t, tt.f, toFloat(tt.in), 0)
		require.Equal(t, tt.text, numberText(tt.in))
	}
	require.True(t, math.IsNaN(toFloat(json.Number("x"))))
	require.True(t, math.IsNaN(toFloat("x")))
	require.Equal(t, kindOther, kindOf(struct{}{}, true))
	require.Equal(t, kindUndefined, kindOf(nil, false))
}

func TestUTF16Len(t *testing.T) {
	t.Parallel()
	require.Equal(t, 0, utf16Len(""))
	require.Equal(t, 3, utf16Len("abc"))
	require.Equal(t, 1, utf16Len("é"))
	require.Equal(t, 2, utf16Len("😀"))
}
