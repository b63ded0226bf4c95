package transform

import (
	"errors"
	"fmt"
	"strings"
)

// cond is a compiled #if condition.
type cond interface {
	test(st *evalState) (bool, error)
}

type truthCond struct{ n node }

func (c truthCond) test(st *evalState) (bool, error) {
	v, err := c.n.eval(st)
	if err != nil {
		return false, err
	}
	return v.truthy(), nil
}

type notCond struct{ c cond }

func (c notCond) test(st *evalState) (bool, error) {
	ok, err := c.c.test(st)
	return !ok, err
}

type andCond struct{ a, b cond }

func (c andCond) test(st *evalState) (bool, error) {
	ok, err := c.a.test(st)
	if err != nil || !ok {
		return false, err
	}
	return c.b.test(st)
}

type orCond struct{ a, b cond }

func (c orCond) test(st *evalState) (bool, error) {
	ok, err := c.a.test(st)
	if err != nil || ok {
		return ok, err
	}
	return c.b.test(st)
}

// cmpCond compares two operands by their text, the way Velocity's == treats
// a string against a string; null equals only null.
type cmpCond struct {
	l, r node
	neq  bool
}

func (c cmpCond) test(st *evalState) (bool, error) {
	lv, err := c.l.eval(st)
	if err != nil {
		return false, err
	}
	rv, err := c.r.eval(st)
	if err != nil {
		return false, err
	}
	var eq bool
	switch {
	case lv.isNull() || rv.isNull():
		eq = lv.isNull() && rv.isNull()
	default:
		ls, err := lv.text()
		if err != nil {
			return false, err
		}
		rs, err := rv.text()
		if err != nil {
			return false, err
		}
		eq = ls == rs
	}
	return eq != c.neq, nil
}

var errBadCondition = errors.New("malformed #if condition")

// parseCondition reads "(expr)" at p.pos, after a #if / #elseif.
func (p *tplParser) parseCondition() (cond, error) {
	p.skipSpace()
	if !p.eat("(") {
		return nil, errBadCondition
	}
	c, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !p.eat(")") {
		return nil, fmt.Errorf("%w: missing )", errBadCondition)
	}
	return c, nil
}

func (p *tplParser) parseOr(depth int) (cond, error) {
	if depth > MaxDepth {
		return nil, ErrTooDeep
	}
	l, err := p.parseAnd(depth)
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpace()
		if !p.eat("||") && !p.eatWord("or") {
			return l, nil
		}
		r, err := p.parseAnd(depth)
		if err != nil {
			return nil, err
		}
		l = orCond{l, r}
	}
}

func (p *tplParser) parseAnd(depth int) (cond, error) {
	l, err := p.parseUnary(depth)
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpace()
		if !p.eat("&&") && !p.eatWord("and") {
			return l, nil
		}
		r, err := p.parseUnary(depth)
		if err != nil {
			return nil, err
		}
		l = andCond{l, r}
	}
}

func (p *tplParser) parseUnary(depth int) (cond, error) {
	if depth > MaxDepth {
		return nil, ErrTooDeep
	}
	p.skipSpace()
	if !strings.HasPrefix(p.src[p.pos:], "!=") && p.eat("!") || p.eatWord("not") {
		c, err := p.parseUnary(depth + 1)
		if err != nil {
			return nil, err
		}
		return notCond{c}, nil
	}
	if p.eat("(") {
		c, err := p.parseOr(depth + 1)
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if !p.eat(")") {
			return nil, fmt.Errorf("%w: missing )", errBadCondition)
		}
		return c, nil
	}
	l, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	switch {
	case p.eat("=="), p.eatWord("eq"):
		r, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		return cmpCond{l: l, r: r}, nil
	case p.eat("!="), p.eatWord("ne"):
		r, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		return cmpCond{l: l, r: r, neq: true}, nil
	}
	return truthCond{l}, nil
}

func (p *tplParser) parseOperand() (node, error) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return nil, fmt.Errorf("%w: missing operand", errBadCondition)
	}
	switch c := p.src[p.pos]; {
	case c == '$':
		part, ok, err := p.parseRef()
		if err != nil {
			return nil, err
		}
		if !ok || part.counter {
			return nil, fmt.Errorf("%w: bad reference", errBadCondition)
		}
		return part.ref, nil
	case c == '\'' || c == '"':
		end := strings.IndexByte(p.src[p.pos+1:], c)
		if end < 0 {
			return nil, fmt.Errorf("%w: unterminated string", errBadCondition)
		}
		s := p.src[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		return constNode{stringValue(s)}, nil
	case p.eatWord("true"):
		return constNode{fromAny(true)}, nil
	case p.eatWord("false"):
		return constNode{fromAny(false)}, nil
	case p.eatWord("null"):
		return constNode{}, nil
	case c == '-' || c >= '0' && c <= '9':
		k := p.pos + 1
		for k < len(p.src) && (p.src[k] >= '0' && p.src[k] <= '9' || p.src[k] == '.') {
			k++
		}
		s := p.src[p.pos:k]
		p.pos = k
		return constNode{stringValue(s)}, nil
	}
	return nil, fmt.Errorf("%w: unexpected %q", errBadCondition, p.src[p.pos:])
}

func (p *tplParser) skipSpace() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
		p.pos++
	}
}

func (p *tplParser) eat(tok string) bool {
	if strings.HasPrefix(p.src[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

// eatWord consumes a keyword only when it is not the prefix of a longer word.
func (p *tplParser) eatWord(w string) bool {
	rest := p.src[p.pos:]
	if !strings.HasPrefix(rest, w) || len(rest) > len(w) && isIdentChar(rest[len(w)]) {
		return false
	}
	p.pos += len(w)
	return true
}
