package jsonpath

import (
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
		if s.descendant || len(s.sels) != 1 || s.sels[0].kind != selName && s.sels[0].kind != selIndex {
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
	name := p.lex.dotName()
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
	pth.segs = append(pth.segs, segment{descendant: descendant, sels: []selector{{kind: selName, name: name}}})
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
		return seg, syntaxErr(p.tok.pos, "script expressions such as [(@.length-1)] are not supported; use a negative index such as [-1]")
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
// reads the token after it.
func (p *parser) parseUnionItem() (selector, error) {
	switch p.tok.kind {
	case tokString:
		sel := selector{kind: selName, name: p.tok.text}
		return sel, p.advance()
	case tokStar:
		return selector{kind: selWildcard}, p.advance()
	case tokNumber, tokColon:
		return p.parseIndexOrSlice()
	}
	return selector{}, syntaxErr(p.tok.pos, "expected a quoted name, an index, a slice, '*' or '?(' in brackets, found %s", p.tok.describe())
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
			return selector{kind: selIndex, index: sl.start}, nil
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
func (p *parser) intLit() (int, error) {
	n, err := strconv.ParseInt(p.tok.text, 10, 32)
	if err != nil {
		return 0, syntaxErr(p.tok.pos, "array index %s must be an integer between -2147483648 and 2147483647", p.tok.text)
	}
	return int(n), nil
}

// parseFuncCall parses "(args)" after a function name, with the lexer on
// '(' and leaves the lexer just after ')'.
func (p *parser) parseFuncCall(name string, namePos int) (*funcCall, error) {
	fc := &funcCall{}
	switch name {
	case "length":
		fc.kind = fnLength
	case "concat":
		fc.kind = fnConcat
	default:
		return nil, syntaxErr(namePos, "unknown function %s(); supported functions are length() and concat()", name)
	}
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
	if fc.kind == fnLength && len(fc.args) > 0 {
		return nil, syntaxErr(namePos, "length() takes no arguments")
	}
	return fc, nil
}

// parseArg parses a function argument: a path or a literal.
func (p *parser) parseArg() (operand, error) {
	if p.tok.kind == tokRegex {
		return operand{}, syntaxErr(p.tok.pos, "a regex literal can only be used with '=~'")
	}
	return p.parseOperand()
}
