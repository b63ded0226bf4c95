package transform

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// intParam is an integer attribute that is either fixed or computed by a
// nested transform, so "begin" can come from an indexOf.
type intParam struct {
	n     node
	fixed int
	set   bool
}

func (c *compiler) intParam(a attrs, key string, sc *scope, depth int) (intParam, error) {
	raw, ok := a.m[key]
	if !ok || raw == nil {
		return intParam{}, nil
	}
	if m, isObj := raw.(map[string]any); isObj {
		n, err := c.compileTransform(m, a.at(key), sc, depth+1)
		return intParam{n: n, set: true}, err
	}
	n, err := toInt(raw)
	if err != nil {
		return intParam{}, atPath(a.at(key), err)
	}
	return intParam{fixed: n, set: true}, nil
}

func (p intParam) get(st *evalState) (int, error) {
	if p.n == nil {
		return p.fixed, nil
	}
	v, err := p.n.eval(st)
	if err != nil {
		return 0, err
	}
	s, err := v.text()
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%w: %q is not an integer", ErrInvalidValue, s)
	}
	return n, nil
}

type substringNode struct {
	in                           node
	begin, beginOff, end, endOff intParam
}

// compileSubstring accepts "start" as an alias of "begin": the provisioning
// policy guide's worked example spells it that way.
func (c *compiler) compileSubstring(a attrs, sc *scope, depth int) (node, error) {
	in, err := c.compileInput(a, sc, depth)
	if err != nil {
		return nil, err
	}
	n := &substringNode{in: in}
	beginKey := "begin"
	if !a.has("begin") && a.has("start") {
		beginKey = "start"
	}
	for _, p := range []struct {
		key string
		dst *intParam
	}{{beginKey, &n.begin}, {"beginOffset", &n.beginOff}, {"end", &n.end}, {"endOffset", &n.endOff}} {
		if *p.dst, err = c.intParam(a, p.key, sc, depth); err != nil {
			return nil, err
		}
	}
	if !n.begin.set {
		return nil, atPath(a.at("begin"), ErrMissingAttribute)
	}
	return n, nil
}

// eval follows the documented rules: begin -1 means 0 and ignores
// beginOffset; a missing or -1 end means the end of the string. Indexes
// count characters and are clamped to the string rather than throwing.
func (n *substringNode) eval(st *evalState) (value, error) {
	v, err := n.in.eval(st)
	if err != nil || v.isNull() {
		return v, err
	}
	s, err := v.text()
	if err != nil {
		return value{}, fmt.Errorf("substring: %w", err)
	}
	begin, err := n.begin.get(st)
	if err != nil {
		return value{}, fmt.Errorf("substring: begin: %w", err)
	}
	if begin == -1 {
		begin = 0
	} else if off, err := n.beginOff.get(st); err != nil {
		return value{}, fmt.Errorf("substring: beginOffset: %w", err)
	} else {
		begin += off
	}
	end := -1
	if n.end.set {
		if end, err = n.end.get(st); err != nil {
			return value{}, fmt.Errorf("substring: end: %w", err)
		}
		if end != -1 {
			off, err := n.endOff.get(st)
			if err != nil {
				return value{}, fmt.Errorf("substring: endOffset: %w", err)
			}
			end += off
		}
	}
	return stringValue(runeSlice(s, begin, end)), nil
}

// runeSlice returns characters [begin, end) of s, end -1 meaning the end,
// clamping both to the string.
func runeSlice(s string, begin, end int) string {
	if isASCII(s) {
		if end == -1 || end > len(s) {
			end = len(s)
		}
		begin = max(begin, 0)
		if begin >= end {
			return ""
		}
		return s[begin:end]
	}
	begin = max(begin, 0)
	startByte, endByte, i := len(s), len(s), 0
	for pos := range s {
		if i == begin {
			startByte = pos
		}
		if i == end {
			endByte = pos
			break
		}
		i++
	}
	if startByte >= endByte {
		return ""
	}
	return s[startByte:endByte]
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// indexOfNode returns the character position of a substring, or -1, as text
// (the docs show "0").
type indexOfNode struct {
	in  node
	sub string
}

func (c *compiler) compileIndexOf(a attrs, sc *scope, depth int) (node, error) {
	in, err := c.compileInput(a, sc, depth)
	if err != nil {
		return nil, err
	}
	sub, err := a.requiredLiteral("substring")
	if err != nil {
		return nil, err
	}
	return &indexOfNode{in: in, sub: sub}, nil
}

func (n *indexOfNode) eval(st *evalState) (value, error) {
	v, err := n.in.eval(st)
	if err != nil || v.isNull() {
		return v, err
	}
	s, err := v.text()
	if err != nil {
		return value{}, fmt.Errorf("indexOf: %w", err)
	}
	i := strings.Index(s, n.sub)
	if i > 0 {
		i = utf8.RuneCountInString(s[:i])
	}
	return stringValue(strconv.Itoa(i)), nil
}

// splitNode splits on a single character or a regular expression and returns
// the element at index, dropping trailing empty elements like Java's split.
type splitNode struct {
	in     node
	lit    string
	re     *regexp.Regexp
	index  int
	throws bool
}

func (c *compiler) compileSplit(a attrs, sc *scope, depth int) (node, error) {
	in, err := c.compileInput(a, sc, depth)
	if err != nil {
		return nil, err
	}
	delim, err := a.requiredLiteral("delimiter")
	if err != nil {
		return nil, err
	}
	if delim == "" {
		return nil, atPath(a.at("delimiter"), fmt.Errorf("%w: empty delimiter", ErrInvalidAttribute))
	}
	idx, ok, err := a.atLeast("index", 0)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, atPath(a.at("index"), ErrMissingAttribute)
	}
	throws, err := a.boolean("throws", true)
	if err != nil {
		return nil, err
	}
	n := &splitNode{in: in, index: idx, throws: throws}
	if utf8.RuneCountInString(delim) == 1 {
		n.lit = delim
	} else if n.re, err = compileRegex(delim); err != nil {
		return nil, atPath(a.at("delimiter"), err)
	}
	return n, nil
}

func (n *splitNode) eval(st *evalState) (value, error) {
	v, err := n.in.eval(st)
	if err != nil || v.isNull() {
		return v, err
	}
	s, err := v.text()
	if err != nil {
		return value{}, fmt.Errorf("split: %w", err)
	}
	var parts []string
	if n.re == nil {
		parts = strings.Split(s, n.lit)
	} else {
		parts = n.re.Split(s, -1)
	}
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if n.index >= len(parts) {
		if n.throws {
			return value{}, fmt.Errorf("split: %w: index %d, %d parts", ErrIndexOutOfRange, n.index, len(parts))
		}
		return nullValue(), nil
	}
	return stringValue(parts[n.index]), nil
}

// endOfStringNode returns the last numChars characters, or null when the
// input is shorter (Cloud Services Deployment Utility getEndOfString).
type endOfStringNode struct {
	in node
	n  int
}

func (n *endOfStringNode) eval(st *evalState) (value, error) {
	v, err := n.in.eval(st)
	if err != nil || v.isNull() {
		return v, err
	}
	s, err := v.text()
	if err != nil {
		return value{}, fmt.Errorf("getEndOfString: %w", err)
	}
	count := utf8.RuneCountInString(s)
	if n.n > count {
		return nullValue(), nil
	}
	return stringValue(runeSlice(s, count-n.n, -1)), nil
}
