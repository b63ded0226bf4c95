package transform

import (
	"fmt"
	"strings"
)

// template is a compiled string value such as "$fn.$ln" or
// "#if($t == 'Employee')Full-Time#{else}Contingent#end". It implements just
// the part of Velocity the transform docs rely on: $name, ${name}, $!name,
// $identity.<attr> / $identity.manager.attributes.<attr> paths, and
// #if/#elseif/#else/#end with ==, !=, &&, || and !.
type template struct {
	parts []tplPart
	// single is set when the whole template is one reference: the referenced
	// value then passes through untouched, keeping its type and its null-ness
	// (so firstValid can skip a null "$var").
	single node
	// constant is the rendered text when the template has no references.
	constant   string
	isConstant bool
	hint       int // literal bytes, used to pre-size the output buffer
}

type tplPart struct {
	lit     string
	ref     node
	name    string // reference name, for warnings
	cond    *tplIf
	counter bool
}

type tplIf struct {
	conds  []cond
	bodies [][]tplPart
	els    []tplPart
}

func (t *template) eval(st *evalState) (value, error) {
	if t.isConstant {
		return stringValue(t.constant), nil
	}
	if t.single != nil {
		return t.single.eval(st)
	}
	var b strings.Builder
	b.Grow(t.hint + 16)
	if err := renderParts(st, t.parts, &b); err != nil {
		return value{}, err
	}
	return stringValue(b.String()), nil
}

func renderParts(st *evalState, parts []tplPart, b *strings.Builder) error {
	for i := range parts {
		p := &parts[i]
		switch {
		case p.cond != nil:
			body, err := p.cond.pick(st)
			if err != nil {
				return err
			}
			if err := renderParts(st, body, b); err != nil {
				return err
			}
			continue
		case p.counter:
			continue
		case p.ref == nil:
			if err := checkSize(b.Len() + len(p.lit)); err != nil {
				return err
			}
			b.WriteString(p.lit)
			continue
		}
		v, err := p.ref.eval(st)
		if err != nil {
			return err
		}
		if v.isNull() {
			continue
		}
		s, err := v.text()
		if err != nil {
			return fmt.Errorf("$%s: %w", p.name, err)
		}
		if err := checkSize(b.Len() + len(s)); err != nil {
			return err
		}
		b.WriteString(s)
	}
	return nil
}

func (f *tplIf) pick(st *evalState) ([]tplPart, error) {
	for i, c := range f.conds {
		ok, err := c.test(st)
		if err != nil {
			return nil, err
		}
		if ok {
			return f.bodies[i], nil
		}
	}
	return f.els, nil
}

// refResolver binds a reference path (["fn"], ["identity","manager",...]) to
// the node that reads it. It decides scoping, so the parser stays ignorant of
// variables, fields and identities.
type refResolver func(path []string) (node, error)

// parseTemplate compiles src. Parse errors wrap ErrInvalidTemplate.
func parseTemplate(src string, resolve refResolver) (*template, error) {
	p := &tplParser{src: src, resolve: resolve}
	parts, term, err := p.parseParts(0)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrInvalidTemplate, src, err)
	}
	if term != "" {
		return nil, fmt.Errorf("%w: %q: unexpected #%s", ErrInvalidTemplate, src, term)
	}
	t := &template{parts: parts}
	hasRef := false
	for _, pt := range parts {
		t.hint += len(pt.lit)
		if pt.ref != nil || pt.cond != nil || pt.counter {
			hasRef = true
		}
	}
	switch {
	case !hasRef:
		var b strings.Builder
		for _, pt := range parts {
			b.WriteString(pt.lit)
		}
		t.constant, t.isConstant = b.String(), true
	case len(parts) == 1 && parts[0].ref != nil:
		t.single = parts[0].ref
	}
	return t, nil
}

type tplParser struct {
	src     string
	pos     int
	resolve refResolver
}

// parseParts reads until the end of input or a branch directive, which it
// returns ("else", "elseif", "end") without consuming what follows it.
func (p *tplParser) parseParts(depth int) ([]tplPart, string, error) {
	if depth > MaxDepth {
		return nil, "", ErrTooDeep
	}
	var parts []tplPart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, tplPart{lit: lit.String()})
			lit.Reset()
		}
	}
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch c {
		case '$':
			part, ok, err := p.parseRef()
			if err != nil {
				return nil, "", err
			}
			if !ok {
				lit.WriteByte('$')
				p.pos++
				continue
			}
			flush()
			parts = append(parts, part)
		case '#':
			d := p.directive()
			switch d {
			case "":
				lit.WriteByte('#')
				p.pos++
			case "if":
				flush()
				f, err := p.parseIf(depth)
				if err != nil {
					return nil, "", err
				}
				parts = append(parts, tplPart{cond: f})
			default:
				flush()
				return parts, d, nil
			}
		default:
			lit.WriteByte(c)
			p.pos++
		}
	}
	flush()
	return parts, "", nil
}

// directive recognises a directive at p.pos and returns its name without
// consuming it; "" means the '#' is literal text.
func (p *tplParser) directive() string {
	rest := p.src[p.pos:]
	for _, d := range [...]string{"elseif", "else", "end", "if"} {
		if strings.HasPrefix(rest, "#{"+d+"}") {
			return d
		}
		if strings.HasPrefix(rest, "#"+d) {
			after := rest[len(d)+1:]
			if d == "if" || d == "elseif" {
				if strings.HasPrefix(strings.TrimLeft(after, " \t"), "(") {
					return d
				}
				continue
			}
			if after == "" || !isIdentChar(after[0]) {
				return d
			}
		}
	}
	return ""
}

// consumeDirective skips the directive name d (plain or braced form).
func (p *tplParser) consumeDirective(d string) {
	if strings.HasPrefix(p.src[p.pos:], "#{"+d+"}") {
		p.pos += len(d) + 3
		return
	}
	p.pos += len(d) + 1
}

func (p *tplParser) parseIf(depth int) (*tplIf, error) {
	f := &tplIf{}
	d := "if"
	for {
		p.consumeDirective(d)
		c, err := p.parseCondition()
		if err != nil {
			return nil, err
		}
		body, term, err := p.parseParts(depth + 1)
		if err != nil {
			return nil, err
		}
		f.conds = append(f.conds, c)
		f.bodies = append(f.bodies, body)
		switch term {
		case "elseif":
			d = "elseif"
			continue
		case "else":
			p.consumeDirective("else")
			els, term, err := p.parseParts(depth + 1)
			if err != nil {
				return nil, err
			}
			if term != "end" {
				return nil, fmt.Errorf("#else without #end")
			}
			f.els = els
			p.consumeDirective("end")
			return f, nil
		case "end":
			p.consumeDirective("end")
			return f, nil
		default:
			return nil, fmt.Errorf("#if without #end")
		}
	}
}

// parseRef reads a reference at p.pos ('$'). ok=false means the '$' is
// literal text, as in Velocity ("US$5").
func (p *tplParser) parseRef() (tplPart, bool, error) {
	start := p.pos
	j := start + 1
	if j < len(p.src) && p.src[j] == '!' {
		j++
	}
	if j >= len(p.src) {
		return tplPart{}, false, nil
	}
	var path []string
	if p.src[j] == '{' {
		end := strings.IndexByte(p.src[j:], '}')
		if end < 0 {
			return tplPart{}, false, fmt.Errorf("unclosed ${ at offset %d", start)
		}
		inner := p.src[j+1 : j+end]
		path = strings.Split(inner, ".")
		for _, seg := range path {
			if !isIdent(seg) {
				return tplPart{}, false, fmt.Errorf("invalid reference ${%s}", inner)
			}
		}
		j += end + 1
	} else {
		if !isIdentStart(p.src[j]) {
			return tplPart{}, false, nil
		}
		k := j
		for k < len(p.src) && isIdentChar(p.src[k]) {
			k++
		}
		path = []string{p.src[j:k]}
		j = k
		// Property paths are only meaningful on $identity; elsewhere a '.'
		// ends the reference so "$fn.$ln" and "$fn.smith" behave as users
		// expect.
		for path[0] == "identity" && j+1 < len(p.src) && p.src[j] == '.' && isIdentStart(p.src[j+1]) {
			k = j + 1
			for k < len(p.src) && isIdentChar(p.src[k]) {
				k++
			}
			path = append(path, p.src[j+1:k])
			j = k
		}
		if path[0] != "identity" && j+1 < len(p.src) && p.src[j] == '.' && isIdentStart(p.src[j+1]) {
			k = j + 1
			for k < len(p.src) && isIdentChar(p.src[k]) {
				k++
			}
			if k < len(p.src) && p.src[k] == '(' {
				return tplPart{}, false, fmt.Errorf("method calls are not supported: %s", p.src[start:k])
			}
		}
	}
	n, err := p.resolve(path)
	if err != nil {
		return tplPart{}, false, err
	}
	p.pos = j
	part := tplPart{ref: n, name: strings.Join(path, ".")}
	if _, ok := n.(counterNode); ok {
		part = tplPart{counter: true, name: part.name}
	}
	return part, true, nil
}

func isIdentStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func isIdent(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentChar(s[i]) {
			return false
		}
	}
	return true
}
