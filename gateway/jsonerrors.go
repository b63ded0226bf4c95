package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
)

// describedErrors decodes with the wrapped marshaler and rewrites its errors for callers: a
// malformed body is reported with where (line, column, byte offset) and what was expected
// there, instead of encoding/json's bare "unexpected EOF" or "invalid character …".
type describedErrors struct{ runtime.Marshaler }

func (m describedErrors) NewDecoder(r io.Reader) runtime.Decoder {
	return runtime.DecoderFunc(func(v any) error {
		// The body is bounded by limitBody; reading it whole lets errors point into it.
		data, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		err = m.Marshaler.NewDecoder(bytes.NewReader(data)).Decode(v)
		if err == nil || errors.Is(err, io.EOF) { // an empty body is the caller's to judge
			return err
		}
		return describeJSONError(data, err)
	})
}

// describeJSONError explains a decoding error of data.
func describeJSONError(data []byte, err error) error {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		at := int(syntax.Offset) - 1 // Offset counts the offending byte
		return fmt.Errorf("malformed JSON at %s: found %s, %s", position(data, at), found(data, at), expectation(syntax.Error()))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("malformed JSON at %s: the body ends, %s", position(data, len(data)), expectationAtEnd(data))
	}
	// protojson's errors already carry "(line L:C)": say it the same way, without "proto:".
	if m := protoErrorPattern.FindStringSubmatch(err.Error()); m != nil {
		kind := "invalid JSON"
		if m[1] != "" {
			kind = "malformed JSON"
		}
		return fmt.Errorf("%s at line %s, column %s: %s", kind, m[2], m[3], m[4])
	}
	return err
}

var protoErrorPattern = regexp.MustCompile(`^proto:[\s\x{00a0}]*(syntax error )?\(line (\d+):(\d+)\):\s*(.*)$`)

// position is "line L, column C (byte B)" of offset in data, all counted from 1.
func position(data []byte, offset int) string {
	offset = max(0, min(offset, len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	column := len([]rune(string(before[bytes.LastIndexByte(before, '\n')+1:]))) + 1
	return fmt.Sprintf("line %d, column %d (byte %d)", line, column, offset+1)
}

func found(data []byte, offset int) string {
	if offset < 0 || offset >= len(data) {
		return "the end of the body"
	}
	return fmt.Sprintf("%q", rune(data[offset]))
}

// expectationAtEnd says what a truncated body lacks: encoding/json reports only "unexpected
// EOF", so the body is decoded once more with a control character appended, which the
// scanner rejects naming the state it was in.
func expectationAtEnd(data []byte) string {
	probe := append(bytes.Clone(data), 0x01)
	var syntax *json.SyntaxError
	if err := json.Unmarshal(probe, new(any)); errors.As(err, &syntax) {
		return expectation(syntax.Error())
	}
	return "expected the rest of the JSON value"
}

// expectations turn encoding/json's scanner states into what was expected there.
var expectations = []struct{ state, expected string }{
	{"looking for beginning of object key string", `expected a quoted object key or '}'`},
	{"looking for beginning of value", "expected a JSON value (object, array, string, number, true, false or null)"},
	{"after object key:value pair", `expected ',' or '}' after an object member`},
	{"after object key", `expected ':' after an object key`},
	{"after array element", `expected ',' or ']' after an array element`},
	{"after top-level value", "expected nothing after the JSON value"},
	{"in string literal", `expected more of a string and its closing '"' (control characters must be escaped)`},
	{"in string escape code", `expected an escape character after '\' (one of "\/bfnrtu)`},
	{`in \u hexadecimal character escape`, `expected four hexadecimal digits after '\u'`},
	{"in numeric literal", "expected a digit"},
	{"after decimal point in numeric literal", "expected a digit after the decimal point"},
	{"in exponent of numeric literal", "expected a digit in the exponent"},
}

func expectation(scannerError string) string {
	for _, e := range expectations {
		if strings.HasSuffix(scannerError, e.state) {
			return e.expected
		}
	}
	if m := literalPattern.FindStringSubmatch(scannerError); m != nil {
		return fmt.Sprintf("expected %s to complete the literal %s", m[2], m[1])
	}
	return scannerError
}

// literalPattern matches the scanner's "in literal true (expecting 'r')".
var literalPattern = regexp.MustCompile(`in literal (\w+) \(expecting ('.+')\)$`)
