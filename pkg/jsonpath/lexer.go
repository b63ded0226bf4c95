package jsonpath

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// lexer turns expression text into tokens on demand. The parser pulls one
// token at a time and, for dot-notation names, reads raw text through
// dotName: member names may start with digits or contain '-', which would
// otherwise lex as numbers.
type lexer struct {
	src string
	pos int
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func (l *lexer) peekByte() (byte, bool) {
	if l.pos < len(l.src) {
		return l.src[l.pos], true
	}
	return 0, false
}

func (l *lexer) next() (token, error) {
	start := l.pos
	for l.pos < len(l.src) && isSpace(l.src[l.pos]) {
		l.pos++
	}
	t := token{pos: l.pos, spaced: l.pos > start}
	if l.pos >= len(l.src) {
		t.kind = tokEOF
		return t, nil
	}
	c := l.src[l.pos]
	two := ""
	if l.pos+1 < len(l.src) {
		two = l.src[l.pos : l.pos+2]
	}
	single := func(k tokenKind) (token, error) {
		l.pos++
		t.kind = k
		return t, nil
	}
	double := func(k tokenKind) (token, error) {
		l.pos += 2
		t.kind = k
		return t, nil
	}
	switch c {
	case '$':
		return single(tokRoot)
	case '@':
		return single(tokCurrent)
	case '.':
		if two == ".." {
			return double(tokDotDot)
		}
		return single(tokDot)
	case '*':
		return single(tokStar)
	case '[':
		return single(tokLBracket)
	case ']':
		return single(tokRBracket)
	case '(':
		return single(tokLParen)
	case ')':
		return single(tokRParen)
	case ',':
		return single(tokComma)
	case ':':
		return single(tokColon)
	case '?':
		return single(tokQuestion)
	case '!':
		if two == "!=" {
			return double(tokNe)
		}
		return single(tokNot)
	case '=':
		switch two {
		case "==":
			return double(tokEq)
		case "=~":
			return double(tokMatch)
		}
		return t, syntaxErr(t.pos, "unexpected '='; use '==' to compare")
	case '<':
		if two == "<=" {
			return double(tokLe)
		}
		return single(tokLt)
	case '>':
		if two == ">=" {
			return double(tokGe)
		}
		return single(tokGt)
	case '&':
		if two == "&&" {
			return double(tokAnd)
		}
		return t, syntaxErr(t.pos, "unexpected '&'; use '&&' for logical and")
	case '|':
		if two == "||" {
			return double(tokOr)
		}
		return t, syntaxErr(t.pos, "unexpected '|'; use '||' for logical or")
	case '\'', '"':
		return l.lexString(t)
	case '/':
		// Division or a regex: only the parser knows which, and it
		// re-reads a regex with lexRegex from this position.
		return single(tokSlash)
	case '+':
		return single(tokPlus)
	case '{':
		return single(tokLBrace)
	case '}':
		return single(tokRBrace)
	case '-':
		if len(two) < 2 || !isDigit(two[1]) {
			return single(tokMinus)
		}
	}
	if c == '-' || isDigit(c) {
		return l.lexNumber(t)
	}
	if isWordStart(c) {
		end := l.pos + 1
		for end < len(l.src) && (isWordStart(l.src[end]) || isDigit(l.src[end])) {
			end++
		}
		t.kind, t.text = tokWord, l.src[l.pos:end]
		l.pos = end
		return t, nil
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.pos:])
	return t, syntaxErr(t.pos, "unexpected character %q", r)
}

// lexNumber reads a JSON-style number, allowing a leading minus sign.
func (l *lexer) lexNumber(t token) (token, error) {
	s, i := l.src, l.pos
	if s[i] == '-' {
		i++
	}
	digits := func() bool {
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		return i > start
	}
	if !digits() {
		return t, syntaxErr(t.pos, "expected digits after '-'")
	}
	if i+1 < len(s) && s[i] == '.' && isDigit(s[i+1]) {
		i++
		digits()
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return t, syntaxErr(j, "malformed number exponent")
		}
	}
	t.kind, t.text = tokNumber, s[l.pos:i]
	l.pos = i
	return t, nil
}

// lexString decodes a quoted string. Unknown escapes keep the escaped
// character, as Jayway does, so filters accepted there are accepted here.
func (l *lexer) lexString(t token) (token, error) {
	s := l.src
	quote := s[l.pos]
	i := l.pos + 1
	// Fast path: no escapes.
	if j := strings.IndexByte(s[i:], quote); j >= 0 && strings.IndexByte(s[i:i+j], '\\') < 0 {
		t.kind, t.text = tokString, s[i:i+j]
		l.pos = i + j + 1
		return t, nil
	}
	var b strings.Builder
	for i < len(s) {
		c := s[i]
		switch {
		case c == quote:
			t.kind, t.text = tokString, b.String()
			l.pos = i + 1
			return t, nil
		case c != '\\':
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			break
		}
		esc := s[i+1]
		i += 2
		switch esc {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, n, err := decodeUnicodeEscape(s, i-2)
			if err != nil {
				return t, err
			}
			b.WriteRune(r)
			i = i - 2 + n
		default:
			b.WriteByte(esc)
		}
	}
	return t, syntaxErr(t.pos, "unterminated string literal")
}

// decodeUnicodeEscape decodes \uXXXX at s[at:], joining a surrogate pair
// written as two escapes. It returns the rune and the bytes consumed.
func decodeUnicodeEscape(s string, at int) (rune, int, error) {
	hex4 := func(p int) (rune, bool) {
		if p+6 > len(s) || s[p] != '\\' || s[p+1] != 'u' {
			return 0, false
		}
		var r rune
		for _, c := range []byte(s[p+2 : p+6]) {
			var d byte
			switch {
			case isDigit(c):
				d = c - '0'
			case c >= 'a' && c <= 'f':
				d = c - 'a' + 10
			case c >= 'A' && c <= 'F':
				d = c - 'A' + 10
			default:
				return 0, false
			}
			r = r<<4 | rune(d)
		}
		return r, true
	}
	r, ok := hex4(at)
	if !ok {
		return 0, 0, syntaxErr(at, "malformed \\u escape; want \\uXXXX")
	}
	if r >= 0xD800 && r < 0xDC00 {
		if lo, ok := hex4(at + 6); ok && lo >= 0xDC00 && lo < 0xE000 {
			return (r-0xD800)<<10 | (lo - 0xDC00) + 0x10000, 12, nil
		}
	}
	if r >= 0xD800 && r < 0xE000 {
		return utf8.RuneError, 6, nil
	}
	return r, 6, nil
}

// lexRegex reads /pattern/flags starting at the '/' at t.pos. Escapes are
// kept for the regex engine; "\/" stays as is, which Go's regexp reads as
// a literal slash.
func (l *lexer) lexRegex(t token) (token, error) {
	s := l.src
	l.pos = t.pos
	i := l.pos + 1
	for i < len(s) && s[i] != '/' {
		if s[i] == '\\' {
			i++
		}
		i++
	}
	if i >= len(s) {
		return t, syntaxErr(t.pos, "unterminated regex literal")
	}
	t.kind, t.text = tokRegex, s[l.pos+1:i]
	i++
	fstart := i
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
		i++
	}
	t.flags = s[fstart:i]
	l.pos = i
	return t, nil
}

// dotName reads a member name written in dot notation. It stops at
// characters that can follow a path in a filter (operators, brackets,
// parentheses, commas, whitespace), as Jayway does. A '-' belongs to the
// name ("$.a-b"), except inside a script expression, where "@.length-1" is
// arithmetic as in JavaScript; there a dashed name needs brackets.
func (l *lexer) dotName(dashIsMinus bool) string {
	start := l.pos
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c < utf8.RuneSelf {
			if isWordStart(c) || isDigit(c) || c == '$' || c == '-' && (!dashIsMinus || l.pos == start) {
				l.pos++
				continue
			}
			break
		}
		r, n := utf8.DecodeRuneInString(l.src[l.pos:])
		if r == utf8.RuneError || unicode.IsSpace(r) {
			break
		}
		l.pos += n
	}
	return l.src[start:l.pos]
}
