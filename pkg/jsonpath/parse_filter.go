package jsonpath

import "strconv"

// parseFilterSelector parses "?(expr)" with the current token on '?' and
// reads the token after ')'.
func (p *parser) parseFilterSelector() (selector, error) {
	q := p.tok.pos
	if err := p.advance(); err != nil {
		return selector{}, err
	}
	if p.tok.kind != tokLParen {
		return selector{}, syntaxErr(p.tok.pos, "expected '(' after '?', as in [?(@.name == 'x')]")
	}
	if err := p.enter(q); err != nil {
		return selector{}, err
	}
	defer p.leave()
	if err := p.advance(); err != nil {
		return selector{}, err
	}
	x, err := p.parseOr()
	if err != nil {
		return selector{}, err
	}
	if p.tok.kind != tokRParen {
		return selector{}, p.unexpectedInFilter()
	}
	return selector{kind: selFilter, filter: x}, p.advance()
}

// unexpectedInFilter explains a token that cannot continue a filter.
func (p *parser) unexpectedInFilter() error {
	if p.tok.kind == tokEOF {
		return syntaxErr(p.tok.pos, "unterminated filter: expected ')'")
	}
	return syntaxErr(p.tok.pos, "expected ')', '&&' or '||' in filter, found %s", p.tok.describe())
}

func (p *parser) parseOr() (*expr, error) {
	return p.parseChain(tokOr, exprOr, p.parseAnd)
}

func (p *parser) parseAnd() (*expr, error) {
	return p.parseChain(tokAnd, exprAnd, p.parseUnary)
}

// parseChain parses operands joined by one logical operator into a single
// n-ary node.
func (p *parser) parseChain(sep tokenKind, kind exprKind, next func() (*expr, error)) (*expr, error) {
	x, err := next()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != sep {
		return x, nil
	}
	n := &expr{kind: kind, args: []*expr{x}}
	for p.tok.kind == sep {
		if err := p.advance(); err != nil {
			return nil, err
		}
		y, err := next()
		if err != nil {
			return nil, err
		}
		n.args = append(n.args, y)
	}
	return n, nil
}

func (p *parser) parseUnary() (*expr, error) {
	switch p.tok.kind {
	case tokNot:
		if err := p.enter(p.tok.pos); err != nil {
			return nil, err
		}
		defer p.leave()
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &expr{kind: exprNot, x: x}, nil
	case tokLParen:
		if err := p.enter(p.tok.pos); err != nil {
			return nil, err
		}
		defer p.leave()
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tokRParen {
			return nil, p.unexpectedInFilter()
		}
		return x, p.advance()
	}
	return p.parseComparison()
}

// parseComparison parses "a op b", or a lone path as an existence test.
func (p *parser) parseComparison() (*expr, error) {
	a, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	op, ok := p.relOp()
	if !ok {
		if p.tok.kind == tokWord {
			return nil, syntaxErr(p.tok.pos, "unknown operator '%s'", p.tok.text)
		}
		if a.kind != opndPath {
			return nil, syntaxErr(a.pos, "a literal cannot stand alone in a filter; compare it with an operator, or use a path such as @.name to test existence")
		}
		return &expr{kind: exprExists, a: a}, nil
	}
	opPos := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	b, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	if err := checkOperands(op, opPos, a, b); err != nil {
		return nil, err
	}
	return &expr{kind: exprCompare, op: op, a: a, b: b}, nil
}

func (p *parser) relOp() (relOp, bool) {
	switch p.tok.kind {
	case tokEq:
		return opEq, true
	case tokNe:
		return opNe, true
	case tokLt:
		return opLt, true
	case tokLe:
		return opLe, true
	case tokGt:
		return opGt, true
	case tokGe:
		return opGe, true
	case tokMatch:
		return opRegex, true
	case tokWord:
		return wordOp(p.tok.text)
	}
	return 0, false
}

// checkOperands rejects comparisons that could never be true because a
// literal has the wrong type, so users learn about it when they save the
// filter rather than by never receiving events.
func checkOperands(op relOp, opPos int, a, b operand) error {
	if op == opRegex {
		if (a.kind == opndRegex) == (b.kind == opndRegex) {
			return syntaxErr(opPos, "'=~' needs a regex literal such as /abc/i on exactly one side")
		}
		return nil
	}
	for _, o := range []operand{a, b} {
		if o.kind == opndRegex {
			return syntaxErr(o.pos, "a regex literal can only be used with '=~'")
		}
	}
	isLit := func(o operand) bool { return o.kind == opndLiteral }
	switch op {
	case opSize:
		if _, ok := b.lit.(number); isLit(b) && !ok {
			return syntaxErr(b.pos, "'size' needs a number on the right")
		}
	case opEmpty:
		if _, ok := b.lit.(bool); isLit(b) && !ok {
			return syntaxErr(b.pos, "'empty' needs true or false on the right")
		}
	case opSubsetOf, opAnyOf, opNoneOf:
		if _, ok := a.lit.([]any); isLit(a) && !ok {
			return syntaxErr(a.pos, "'%s' needs an array on the left", op)
		}
		fallthrough
	case opIn, opNin:
		if _, ok := b.lit.([]any); isLit(b) && !ok {
			return syntaxErr(b.pos, "'%s' needs an array on the right, such as ['a','b']", op)
		}
	}
	return nil
}

// parseOperand parses a path, regex or literal and reads the next token.
func (p *parser) parseOperand() (operand, error) {
	pos := p.tok.pos
	switch p.tok.kind {
	case tokCurrent, tokRoot:
		pth, err := p.parsePath(p.tok.kind == tokCurrent)
		if err != nil {
			return operand{}, err
		}
		return operand{kind: opndPath, pos: pos, path: pth}, nil
	case tokRegex:
		re, err := compileRegex(p.tok, p.cfg)
		if err != nil {
			return operand{}, err
		}
		return operand{kind: opndRegex, pos: pos, re: re}, p.advance()
	}
	lit, err := p.parseLiteral()
	if err != nil {
		return operand{}, err
	}
	return operand{kind: opndLiteral, pos: pos, lit: lit}, nil
}

// parseLiteral parses a string, number, true, false, null or array literal
// and reads the next token.
func (p *parser) parseLiteral() (any, error) {
	t := p.tok
	switch t.kind {
	case tokString:
		return t.text, p.advance()
	case tokNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, syntaxErr(t.pos, "number %s is out of range", t.text)
		}
		return number{f: f, text: t.text}, p.advance()
	case tokWord:
		switch t.text {
		case "true":
			return true, p.advance()
		case "false":
			return false, p.advance()
		case "null":
			return nil, p.advance()
		}
		return nil, syntaxErr(t.pos, "unexpected '%s'; paths in filters start with '@' or '$', strings are quoted", t.text)
	case tokLBracket:
		return p.parseArrayLiteral()
	case tokEOF:
		return nil, syntaxErr(t.pos, "unexpected end of expression: expected a value")
	}
	return nil, syntaxErr(t.pos, "expected a value, found %s", t.describe())
}

func (p *parser) parseArrayLiteral() (any, error) {
	open := p.tok.pos
	if err := p.enter(open); err != nil {
		return nil, err
	}
	defer p.leave()
	if err := p.advance(); err != nil {
		return nil, err
	}
	arr := []any{}
	if p.tok.kind == tokRBracket {
		return arr, p.advance()
	}
	for {
		if p.tok.kind == tokCurrent || p.tok.kind == tokRoot {
			return nil, syntaxErr(p.tok.pos, "array literals hold only constant values, not paths")
		}
		v, err := p.parseLiteral()
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
		switch p.tok.kind {
		case tokComma:
			if err := p.advance(); err != nil {
				return nil, err
			}
		case tokRBracket:
			return arr, p.advance()
		default:
			return nil, syntaxErr(p.tok.pos, "expected ',' or ']' in array literal opened at offset %d, found %s", open, p.tok.describe())
		}
	}
}
