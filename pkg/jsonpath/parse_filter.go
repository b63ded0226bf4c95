package jsonpath

import "strconv"

// Filter grammar, loosest binding first:
//
//	or      = and { "||" and }
//	and     = unary { "&&" unary }
//	unary   = "!" unary | compare
//	compare = sum [ relop sum ]
//	sum     = product { ("+" | "-") product }
//	product = factor { ("*" | "/") factor }
//	factor  = "-" factor | "(" or ")" | operand
//
// A parenthesised group is either a condition, (@.a || @.b), or a value,
// (@.a + 1) * 2; which one is only known once it is parsed, so groups are
// parsed as "or" and a lone value inside comes back as an exprValue.

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
	if x, err = asCondition(x); err != nil {
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
// n-ary node. A single operand is returned as it is, so that a value in
// parentheses can still be used as a value.
func (p *parser) parseChain(sep tokenKind, kind exprKind, next func() (*expr, error)) (*expr, error) {
	x, err := next()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != sep {
		return x, nil
	}
	if x, err = asCondition(x); err != nil {
		return nil, err
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
		if y, err = asCondition(y); err != nil {
			return nil, err
		}
		n.args = append(n.args, y)
	}
	return n, nil
}

func (p *parser) parseUnary() (*expr, error) {
	if p.tok.kind != tokNot {
		return p.parseComparison()
	}
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
	if x, err = asCondition(x); err != nil {
		return nil, err
	}
	return &expr{kind: exprNot, x: x}, nil
}

// asCondition turns a value standing where a condition is needed into
// one: a path tests existence, and true, false and null are constants (null
// being false). Other values cannot stand alone.
func asCondition(x *expr) (*expr, error) {
	if x.kind != exprValue {
		return x, nil
	}
	switch x.a.kind {
	case opndPath:
		x.kind = exprExists
		return x, nil
	case opndLiteral:
		switch v := x.a.lit.(type) {
		case bool:
			x.kind, x.isTrue = exprConst, v
			return x, nil
		case nil:
			x.kind = exprConst
			return x, nil
		}
	case opndRegex:
		return nil, syntaxErr(x.a.pos, "a regex literal can only be used with '=~'")
	case opndArith:
		return nil, syntaxErr(x.a.pos, "an arithmetic expression cannot stand alone in a filter; compare it with an operator")
	}
	return nil, syntaxErr(x.a.pos, "a literal cannot stand alone in a filter; compare it with an operator, or use a path such as @.name to test existence")
}

// term is what the arithmetic levels of the grammar produce: a value, or a
// condition that was written in parentheses.
type term struct {
	v    operand
	cond *expr
}

// parseComparison parses "a op b", or a lone value that the caller turns
// into a condition or uses as a value.
func (p *parser) parseComparison() (*expr, error) {
	a, err := p.parseSum()
	if err != nil {
		return nil, err
	}
	op, ok := p.relOp()
	if a.cond != nil {
		if ok {
			return nil, syntaxErr(p.tok.pos, "a condition cannot be compared; compare values")
		}
		return a.cond, nil
	}
	if !ok {
		if p.tok.kind == tokWord {
			return nil, syntaxErr(p.tok.pos, "unknown operator '%s'", p.tok.text)
		}
		return &expr{kind: exprValue, a: a.v}, nil
	}
	opPos := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	b, err := p.parseSum()
	if err != nil {
		return nil, err
	}
	if b.cond != nil {
		return nil, syntaxErr(opPos, "the right side of %s must be a value, not a condition", op)
	}
	if err := checkOperands(op, opPos, a.v, b.v); err != nil {
		return nil, err
	}
	return &expr{kind: exprCompare, op: op, a: a.v, b: b.v}, nil
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

// checkOperands checks where regex literals appear. Operands of the wrong
// type are not errors: like the reference evaluator, such a comparison
// simply selects nothing.
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
	return nil
}

// checkValue rejects a regex literal used as a plain value.
func checkValue(o operand) error {
	if o.kind == opndRegex {
		return syntaxErr(o.pos, "a regex literal can only be used with '=~'")
	}
	return nil
}

// Precedence levels of arithmetic operators.
const (
	levelSum = iota
	levelProduct
)

// arithOpAt reports whether the current token is an operator of the given
// level. A number token with a minus sign in operator position, as in
// "@.a -1", is split into the operator and the number.
func (p *parser) arithOpAt(level int) (arithOp, bool) {
	switch k := p.tok.kind; {
	case level == levelProduct && k == tokStar:
		return opMul, true
	case level == levelProduct && k == tokSlash:
		return opDiv, true
	case level == levelSum && k == tokPlus:
		return opAdd, true
	case level == levelSum && k == tokMinus:
		return opSub, true
	case level == levelSum && k == tokNumber && p.tok.text[0] == '-':
		p.lex.pos = p.tok.pos + 1
		return opSub, true
	}
	return 0, false
}

func (p *parser) parseSum() (term, error) { return p.parseArith(levelSum) }

// parseArithOperand parses what the operators of level join: products
// for sums, factors for products.
func (p *parser) parseArithOperand(level int) (term, error) {
	if level == levelSum {
		return p.parseArith(levelProduct)
	}
	return p.parseFactor()
}

// parseArith parses the operands of one precedence level joined by its
// operators into one flat arith node. (Levels are numbers rather than
// method values so that compiling allocates nothing for them.)
func (p *parser) parseArith(level int) (term, error) {
	t, err := p.parseArithOperand(level)
	if err != nil {
		return term{}, err
	}
	o, ok := p.arithOpAt(level)
	if !ok {
		return t, nil
	}
	first, err := p.arithOperand(t)
	if err != nil {
		return term{}, err
	}
	a := &arith{terms: []operand{first}}
	for ok {
		if err := p.advance(); err != nil {
			return term{}, err
		}
		u, err := p.parseArithOperand(level)
		if err != nil {
			return term{}, err
		}
		v, err := p.arithOperand(u)
		if err != nil {
			return term{}, err
		}
		a.ops = append(a.ops, o)
		a.terms = append(a.terms, v)
		o, ok = p.arithOpAt(level)
	}
	return term{v: operand{kind: opndArith, pos: first.pos, arith: a}}, nil
}

// arithOperand checks that t can take part in arithmetic.
func (p *parser) arithOperand(t term) (operand, error) {
	if t.cond != nil {
		return operand{}, syntaxErr(p.tok.pos, "arithmetic needs values on both sides, not conditions")
	}
	return t.v, checkValue(t.v)
}

func (p *parser) parseFactor() (term, error) {
	pos := p.tok.pos
	switch p.tok.kind {
	case tokMinus:
		if err := p.enter(pos); err != nil {
			return term{}, err
		}
		defer p.leave()
		if err := p.advance(); err != nil {
			return term{}, err
		}
		t, err := p.parseFactor()
		if err != nil {
			return term{}, err
		}
		v, err := p.arithOperand(t)
		if err != nil {
			return term{}, err
		}
		zero := operand{kind: opndLiteral, pos: pos, lit: number{text: "0"}}
		return term{v: operand{kind: opndArith, pos: pos, arith: &arith{terms: []operand{zero, v}, ops: []arithOp{opSub}}}}, nil
	case tokLParen:
		if err := p.enter(pos); err != nil {
			return term{}, err
		}
		defer p.leave()
		if err := p.advance(); err != nil {
			return term{}, err
		}
		x, err := p.parseOr()
		if err != nil {
			return term{}, err
		}
		if p.tok.kind != tokRParen {
			return term{}, p.unexpectedInFilter()
		}
		if x.kind == exprValue {
			return term{v: x.a}, p.advance()
		}
		return term{cond: x}, p.advance()
	}
	v, err := p.parseOperand()
	return term{v: v}, err
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
		if p.script && isLength(pth) {
			return operand{kind: opndLength, pos: pos}, nil
		}
		return operand{kind: opndPath, pos: pos, path: pth}, nil
	case tokSlash:
		t, err := p.lex.lexRegex(p.tok)
		if err != nil {
			return operand{}, err
		}
		re, err := compileRegex(t, p.cfg)
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

// isLength reports whether pth is "@.length".
func isLength(pth *path) bool {
	return pth.relative && pth.fn == nil && len(pth.segs) == 1 && !pth.segs[0].descendant &&
		pth.segs[0].sels[0].kind == selName && pth.segs[0].sels[0].name == "length"
}

// parseLiteral parses a string, number, true, false, null, array or object
// literal and reads the next token.
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
	case tokLBrace:
		return p.parseObjectLiteral()
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

// parseObjectLiteral parses a JSON object, {"k": value, ...}, whose keys
// are quoted strings and whose values are constants.
func (p *parser) parseObjectLiteral() (any, error) {
	open := p.tok.pos
	if err := p.enter(open); err != nil {
		return nil, err
	}
	defer p.leave()
	if err := p.advance(); err != nil {
		return nil, err
	}
	obj := map[string]any{}
	if p.tok.kind == tokRBrace {
		return obj, p.advance()
	}
	for {
		if p.tok.kind != tokString {
			return nil, syntaxErr(p.tok.pos, "expected a quoted member name in object literal opened at offset %d, found %s", open, p.tok.describe())
		}
		key := p.tok.text
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind != tokColon {
			return nil, syntaxErr(p.tok.pos, "expected ':' after the member name, found %s", p.tok.describe())
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind == tokCurrent || p.tok.kind == tokRoot {
			return nil, syntaxErr(p.tok.pos, "object literals hold only constant values, not paths")
		}
		v, err := p.parseLiteral()
		if err != nil {
			return nil, err
		}
		obj[key] = v
		switch p.tok.kind {
		case tokComma:
			if err := p.advance(); err != nil {
				return nil, err
			}
		case tokRBrace:
			return obj, p.advance()
		default:
			return nil, syntaxErr(p.tok.pos, "expected ',' or '}' in object literal opened at offset %d, found %s", open, p.tok.describe())
		}
	}
}
