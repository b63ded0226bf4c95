package transform

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// maxRegexLen bounds regular expressions so compiling a hostile policy stays
// cheap; RE2 already guarantees linear-time matching.
const maxRegexLen = 4096

func compileRegex(expr string) (*regexp.Regexp, error) {
	if len(expr) > maxRegexLen {
		return nil, fmt.Errorf("%w: regular expression longer than %d bytes", ErrInvalidAttribute, maxRegexLen)
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidAttribute, err)
	}
	return re, nil
}

// replacer is one compiled pattern → replacement pair.
type replacer struct {
	re *regexp.Regexp
	// template is the replacement in Go's Expand syntax.
	template string
	// literal/plain allow a strings.ReplaceAll fast path when neither the
	// pattern nor the replacement uses regex features.
	literal, plain string
	isLiteral      bool
}

func newReplacer(pattern, replacement string) (replacer, error) {
	re, err := compileRegex(pattern)
	if err != nil {
		return replacer{}, err
	}
	tmpl, plain, err := javaReplacement(replacement, re.NumSubexp())
	if err != nil {
		return replacer{}, err
	}
	r := replacer{re: re, template: tmpl}
	if prefix, complete := re.LiteralPrefix(); complete && plain && prefix != "" {
		r.literal, r.plain, r.isLiteral = prefix, unescapeJava(replacement), true
	}
	return r, nil
}

// apply replaces every match, refusing to build a string past MaxOutputSize
// (a one-byte input and an empty-match pattern could otherwise explode).
func (r *replacer) apply(s string) (string, error) {
	if r.isLiteral {
		count := strings.Count(s, r.literal)
		if count == 0 {
			return s, nil
		}
		if err := checkSize(len(s) + count*(len(r.plain)-len(r.literal))); err != nil {
			return "", err
		}
		return strings.ReplaceAll(s, r.literal, r.plain), nil
	}
	matches := r.re.FindAllStringSubmatchIndex(s, -1)
	if len(matches) == 0 {
		return s, nil
	}
	dst := make([]byte, 0, len(s))
	last := 0
	for _, m := range matches {
		dst = append(dst, s[last:m[0]]...)
		dst = r.re.ExpandString(dst, r.template, s, m)
		last = m[1]
		if err := checkSize(len(dst)); err != nil {
			return "", err
		}
	}
	dst = append(dst, s[last:]...)
	if err := checkSize(len(dst)); err != nil {
		return "", err
	}
	return string(dst), nil
}

// javaReplacement converts a java.util.regex replacement ("$1", "${name}",
// "\$") to Go's Expand syntax. plain reports that it references no group.
// Java reads "$12" as group 12 only if that group exists, else group 1
// followed by "2"; the conversion keeps that rule.
func javaReplacement(s string, groups int) (string, bool, error) {
	var b strings.Builder
	plain := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) {
				return "", false, fmt.Errorf("%w: replacement ends with a backslash", ErrInvalidAttribute)
			}
			i++
			if s[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(s[i])
			}
		case '$':
			plain = false
			if i+1 < len(s) && s[i+1] == '{' {
				end := strings.IndexByte(s[i:], '}')
				if end < 0 || !isIdent(s[i+2:i+end]) {
					return "", false, fmt.Errorf("%w: bad group reference in replacement %q", ErrInvalidAttribute, s)
				}
				b.WriteString(s[i : i+end+1])
				i += end
				continue
			}
			j := i + 1
			if j >= len(s) || s[j] < '0' || s[j] > '9' {
				return "", false, fmt.Errorf("%w: illegal group reference in replacement %q", ErrInvalidAttribute, s)
			}
			num := int(s[j] - '0')
			j++
			for j < len(s) && s[j] >= '0' && s[j] <= '9' && num*10+int(s[j]-'0') <= groups {
				num = num*10 + int(s[j]-'0')
				j++
			}
			if num > groups {
				return "", false, fmt.Errorf("%w: replacement references group %d, pattern has %d", ErrInvalidAttribute, num, groups)
			}
			fmt.Fprintf(&b, "${%d}", num)
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), plain, nil
}

// unescapeJava drops the backslashes of a replacement without group refs.
func unescapeJava(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// replaceNode applies one or more replacers in sequence.
type replaceNode struct {
	op   string
	in   node
	reps []replacer
}

func (c *compiler) compileReplace(a attrs, sc *scope, depth int) (node, error) {
	in, err := c.compileInput(a, sc, depth)
	if err != nil {
		return nil, err
	}
	pattern, err := a.requiredLiteral("regex")
	if err != nil {
		return nil, err
	}
	replacement, err := a.requiredLiteral("replacement")
	if err != nil {
		return nil, err
	}
	r, err := newReplacer(pattern, replacement)
	if err != nil {
		return nil, atPath(a.path, err)
	}
	return &replaceNode{op: "replace", in: in, reps: []replacer{r}}, nil
}

// compileReplaceAll applies the table's patterns in sorted key order: a
// decoded JSON object has no order, and a fixed one keeps results stable.
// A missing or empty table returns the input unchanged, as documented.
func (c *compiler) compileReplaceAll(a attrs, sc *scope, depth int) (node, error) {
	in, err := c.compileInput(a, sc, depth)
	if err != nil {
		return nil, err
	}
	n := &replaceNode{op: "replaceAll", in: in}
	raw, ok := a.m["table"]
	if !ok || raw == nil {
		return n, nil
	}
	table, ok := raw.(map[string]any)
	if !ok {
		return nil, atPath(a.at("table"), fmt.Errorf("%w: want an object, got %T", ErrInvalidAttribute, raw))
	}
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		repl, ok := table[k].(string)
		if !ok {
			return nil, atPath(a.at("table")+"."+k, fmt.Errorf("%w: want a string, got %T", ErrInvalidAttribute, table[k]))
		}
		r, err := newReplacer(k, repl)
		if err != nil {
			return nil, atPath(a.at("table")+"."+k, err)
		}
		n.reps = append(n.reps, r)
	}
	return n, nil
}

func (n *replaceNode) eval(st *evalState) (value, error) {
	v, err := n.in.eval(st)
	if err != nil || v.isNull() {
		return v, err
	}
	s, err := v.text()
	if err != nil {
		return value{}, fmt.Errorf("%s: %w", n.op, err)
	}
	for i := range n.reps {
		if s, err = n.reps[i].apply(s); err != nil {
			return value{}, fmt.Errorf("%s: %w", n.op, err)
		}
	}
	return stringValue(s), nil
}
