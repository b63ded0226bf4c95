package jsonpath

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// kind is the JSON type of an operand value as filters see it. Undefined
// stands for a definite path that selected nothing, which Jayway keeps
// apart from null.
type kind uint8

const (
	kindUndefined kind = iota
	kindNull
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
	kindOther
)

// kindOf classifies v; ok is false for an undefined value.
func kindOf(v any, ok bool) kind {
	if !ok {
		return kindUndefined
	}
	switch v.(type) {
	case nil:
		return kindNull
	case bool:
		return kindBool
	case string:
		return kindString
	case float64, json.Number, number, int, int64, int32, uint, uint64, uint32, float32:
		return kindNumber
	case []any:
		return kindArray
	case map[string]any:
		return kindObject
	}
	return kindOther
}

// plain converts literal values to what encoding/json decodes, so that
// results handed to callers never contain this package's number type.
func plain(v any) any {
	switch x := v.(type) {
	case number:
		return x.f
	case []any:
		out := make([]any, len(x))
		for i, w := range x {
			out[i] = plain(w)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, w := range x {
			out[k] = plain(w)
		}
		return out
	}
	return v
}

// toFloat returns the value of a kindNumber value.
func toFloat(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case number:
		return n.f
	case json.Number:
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return math.NaN()
		}
		return f
	case int:
		return float64(n)
	case int64:
		return float64(n)
	case int32:
		return float64(n)
	case uint:
		return float64(n)
	case uint64:
		return float64(n)
	case uint32:
		return float64(n)
	case float32:
		return float64(n)
	}
	return math.NaN()
}

// numberText renders a kindNumber value the way Jayway prints numbers when
// it needs them as text (string comparison, regex input, concat).
func numberText(v any) string {
	switch n := v.(type) {
	case number:
		return n.text
	case json.Number:
		return string(n)
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(n), 'f', -1, 32)
	}
	return strconv.FormatFloat(toFloat(v), 'f', -1, 64)
}

// compareStrings orders strings like Java's String.compareTo, by UTF-16
// code units, so "<" and ">" agree with Jayway for all of Unicode.
func compareStrings(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n {
		switch {
		case len(a) < len(b):
			return -1
		case len(a) > len(b):
			return 1
		}
		return 0
	}
	if a[i] < utf8.RuneSelf && b[i] < utf8.RuneSelf {
		return cmpInt(int(a[i]), int(b[i]))
	}
	for i > 0 && !utf8.RuneStart(a[i]) {
		i--
	}
	ra, _ := utf8.DecodeRuneInString(a[i:])
	rb, _ := utf8.DecodeRuneInString(b[i:])
	if c := cmpInt(int(utf16Lead(ra)), int(utf16Lead(rb))); c != 0 {
		return c
	}
	return cmpInt(int(ra), int(rb))
}

// utf16Lead is the first UTF-16 code unit of r.
func utf16Lead(r rune) rune {
	if r < 0x10000 {
		return r
	}
	return 0xD800 + (r-0x10000)>>10
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// utf16Len is the length of s in UTF-16 code units, which is what Java's
// String.length reports for "size".
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}
