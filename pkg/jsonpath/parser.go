package jsonpath

import (
	"errors"
	"fmt"
	"strconv"
)

// parser is a recursive-descent parser over the lexer's tokens. Path
// segments are read straight from the lexer's position, because a path
// ends at the first character that cannot continue it (whitespace, an
// operator, ')' or ','), while filters and brackets work token by token.
type parser struct {
	lex   lexer
	tok   token
	depth int
	cfg   *config
	// script is set inside a script expression [(...)], where "@.length"
	// is the array's length and '-' after a name is a minus sign.
	script bool
}

// parse compiles src into a path that starts at '$'.
func parse(src string, cfg *config) (*path, error) {
	if len(src) > cfg.maxExprLen {
		return nil, &SyntaxError{
			Pos: cfg.maxExprLen,
			Msg: fmt.Sprintf("expression is %d bytes long; the limit is %d", len(src), cfg.maxExprLen),
			Err: ErrLimitExceeded,
		}
	}
	p := &parser{lex: lexer{src: src}, cfg: cfg}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tokRoot {
		return nil, syntaxErr(p.tok.pos, "expression must start with '$', found %s", p.tok.describe())
	}
	pth, err := p.parsePath(false)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		return nil, syntaxErr(p.tok.pos, "unexpected %s after the path", p.tok.describe())
	}
	return pth, nil
}

func (p *parser) advance() error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

// enter counts one level of nesting; every recursive construct calls it so
// that WithMaxDepth bounds both parser and evaluator recursion.
func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > p.cfg.maxDepth {
		return &SyntaxError{
			Pos: pos,
			Msg: fmt.Sprintf("expression nests deeper than %d levels", p.cfg.maxDepth),
			Err: ErrLimitExceeded,
		}
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// parsePath parses the segments after a '$' or '@' token that was just
// read, then reads the token that follows the path.
func (p *parser) parsePath(relative bool) (*path, error) {
	pth := &path{relative: relative}
	for {
		c, ok := p.lex.peekByte()
		if !ok || c != '.' && c != '[' {
			break
		}
		if pth.fn != nil {
			return nil, syntaxErr(p.lex.pos, "a function call must be the last segment of a path")
		}
		var err error
		if c == '.' {
			err = p.parseDotSegment(pth)
		} else {
			var seg segment
			seg, err = p.parseBracketSegment(false)
			pth.segs = append(pth.segs, seg)
		}
		if err != nil {
			return nil, err
		}
	}
	pth.definite = true
	for i := range pth.segs {
		s := &pth.segs[i]
		if s.descendant || len(s.sels) != 1 || s.sels[0].kind != selName && s.sels[0].kind != selIndex && s.sels[0].kind != selScript {
			pth.definite = false
		}
	}
	pth.fnOverAll = pth.fn != nil && len(pth.segs) > 0 && pth.segs[0].descendant
	return pth, p.advance()
}

// parseDotSegment parses ".name", ".*", "..name", "..*", "..[...]" or a
// trailing ".fn(...)", with the lexer on the first '.'.
func (p *parser) parseDotSegment(pth *path) error {
	p.lex.pos++
	descendant := false
	if c, ok := p.lex.peekByte(); ok && c == '.' {
		descendant = true
		p.lex.pos++
	} else {
		// "$. a" is "$.a", as in Jayway.
		for c, ok := p.lex.peekByte(); ok && isSpace(c); c, ok = p.lex.peekByte() {
			p.lex.pos++
		}
	}
	c, ok := p.lex.peekByte()
	switch {
	case ok && c == '*':
		p.lex.pos++
		pth.segs = append(pth.segs, segment{descendant: descendant, sels: []selector{{kind: selWildcard}}})
		return nil
	case ok && c == '[' && descendant:
		seg, err := p.parseBracketSegment(true)
		pth.segs = append(pth.segs, seg)
		return err
	}
	namePos := p.lex.pos
	name := p.lex.dotName(p.script)
	if name == "" {
		if descendant {
			return syntaxErr(namePos, "expected a name, '*' or '[' after '..'")
		}
		return syntaxErr(namePos, "expected a name or '*' after '.'")
	}
	if c, ok := p.lex.peekByte(); ok && c == '(' {
		if descendant {
			return syntaxErr(namePos, "a function call cannot follow '..'")
		}
		fn, err := p.parseFuncCall(name, namePos)
		pth.fn = fn
		return err
	}
	pth.segs = append(pth.segs, segment{descendant: descendant, sels: []selector{nameSelector(name)}})
	return nil
}

// parseBracketSegment parses "[...]" with the lexer on '[' and leaves the
// lexer just after the closing ']'.
func (p *parser) parseBracketSegment(descendant bool) (segment, error) {
	seg := segment{descendant: descendant}
	if err := p.advance(); err != nil {
		return seg, err
	}
	open := p.tok.pos
	if err := p.advance(); err != nil {
		return seg, err
	}
	switch p.tok.kind {
	case tokQuestion:
		sel, err := p.parseFilterSelector()
		if err != nil {
			return seg, err
		}
		seg.sels = []selector{sel}
	case tokLParen:
		sel, err := p.parseScriptSelector()
		if err != nil {
			return seg, err
		}
		seg.sels = []selector{sel}
	default:
		for {
			sel, err := p.parseUnionItem()
			if err != nil {
				return seg, err
			}
			seg.sels = append(seg.sels, sel)
			if p.tok.kind != tokComma {
				break
			}
			if err := p.advance(); err != nil {
				return seg, err
			}
		}
	}
	if p.tok.kind != tokRBracket {
		return seg, syntaxErr(p.tok.pos, "expected ']' to close '[' at offset %d, found %s", open, p.tok.describe())
	}
	return seg, nil
}

// parseUnionItem parses one name, index, slice or '*' inside brackets and
// reads the token after it. Names may be quoted or, as in the reference's
// evaluator, bare: $[key], $[a, b].
func (p *parser) parseUnionItem() (selector, error) {
	switch p.tok.kind {
	case tokString:
		sel := nameSelector(p.tok.text)
		return sel, p.advance()
	case tokWord:
		p.lex.pos = p.tok.pos
		sel := nameSelector(p.lex.dotName(false))
		return sel, p.advance()
	case tokStar:
		return selector{kind: selWildcard}, p.advance()
	case tokNumber, tokColon:
		return p.parseIndexOrSlice()
	}
	return selector{}, syntaxErr(p.tok.pos, "expected a name, an index, a slice, '*', '?(' or '(' in brackets, found %s", p.tok.describe())
}

// parseScriptSelector parses "(expr)" in brackets, with the current token
// on '(', and reads the token after ')'. The expression computes an index
// or a member name from @, the node being subscripted: [(@.length-1)].
func (p *parser) parseScriptSelector() (selector, error) {
	open := p.tok.pos
	if err := p.enter(open); err != nil {
		return selector{}, err
	}
	defer p.leave()
	if err := p.advance(); err != nil {
		return selector{}, err
	}
	outer := p.script
	p.script = true
	t, err := p.parseSum()
	p.script = outer
	if err != nil {
		return selector{}, err
	}
	if t.cond != nil {
		return selector{}, syntaxErr(open, "a script expression computes an index or a name, not a condition; use [?(...)] to filter")
	}
	if err := checkValue(t.v); err != nil {
		return selector{}, err
	}
	if p.tok.kind != tokRParen {
		return selector{}, syntaxErr(p.tok.pos, "expected ')' to close the script expression at offset %d, found %s", open, p.tok.describe())
	}
	return selector{kind: selScript, script: &t.v}, p.advance()
}

func (p *parser) parseIndexOrSlice() (selector, error) {
	var (
		sl  = sliceSpec{step: 1}
		err error
	)
	if p.tok.kind == tokNumber {
		if sl.start, err = p.intLit(); err != nil {
			return selector{}, err
		}
		sl.hasStart = true
		if err := p.advance(); err != nil {
			return selector{}, err
		}
		if p.tok.kind != tokColon {
			return indexSelector(sl.start), nil
		}
	}
	// On the first ':'.
	if err := p.advance(); err != nil {
		return selector{}, err
	}
	if p.tok.kind == tokNumber {
		if sl.end, err = p.intLit(); err != nil {
			return selector{}, err
		}
		sl.hasEnd = true
		if err := p.advance(); err != nil {
			return selector{}, err
		}
	}
	if p.tok.kind == tokColon {
		if err := p.advance(); err != nil {
			return selector{}, err
		}
		if p.tok.kind == tokNumber {
			if sl.step, err = p.intLit(); err != nil {
				return selector{}, err
			}
			if err := p.advance(); err != nil {
				return selector{}, err
			}
		}
	}
	return selector{kind: selSlice, slice: sl}, nil
}

// intLit reads the current number token as an array index or slice bound.
// An integer too large for int is clamped: no array is that long, so the
// clamped value selects the same elements.
func (p *parser) intLit() (int, error) {
	n, err := strconv.ParseInt(p.tok.text, 10, 0)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, syntaxErr(p.tok.pos, "array index %s must be an integer", p.tok.text)
	}
	return int(n), nil
}

// parseFuncCall parses "(args)" after a function name, with the lexer on
// '(' and leaves the lexer just after ')'.
func (p *parser) parseFuncCall(name string, namePos int) (*funcCall, error) {
	def, ok := functions[name]
	if !ok {
		return nil, syntaxErr(namePos, "unknown function %s(); supported functions are "+
			"length() concat() min() max() avg() stddev() sum() first() last() index(i) keys() append()", name)
	}
	fc := &funcCall{kind: def.kind}
	if err := p.enter(namePos); err != nil {
		return nil, err
	}
	defer p.leave()
	if err := p.advance(); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tokRParen {
		for {
			arg, err := p.parseArg()
			if err != nil {
				return nil, err
			}
			fc.args = append(fc.args, arg)
			if p.tok.kind != tokComma {
				break
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
	}
	if p.tok.kind != tokRParen {
		return nil, syntaxErr(p.tok.pos, "expected ',' or ')' in the arguments of %s(), found %s", name, p.tok.describe())
	}
	switch {
	case def.args == 0 && len(fc.args) > 0:
		return nil, syntaxErr(namePos, "%s() takes no arguments", name)
	case def.args == 1 && len(fc.args) != 1:
		return nil, syntaxErr(namePos, "%s() takes one argument", name)
	}
	return fc, nil
}

// parseArg parses a function argument: a path or a literal.
func (p *parser) parseArg() (operand, error) {
	o, err := p.parseOperand()
	if err != nil {
		return operand{}, err
	}
	return o, checkValue(o)
}
