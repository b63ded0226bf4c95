// Package collection implements the reference API's standard collection parameters: paging
// (limit, offset, count) and the `filters` expression syntax, e.g.
//
//	name eq "Corp AD" and id in ("2c91…", "2c92…")
//
// Filters are parsed into conditions and checked against the fields and operators each list
// endpoint allows; stores turn conditions into queries.
package collection

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/accessflow/accessflow/pkg/apierror"
)

// Op is a filter operator.
type Op string

// The operators of the reference syntax.
const (
	OpEq     Op = "eq"
	OpNe     Op = "ne"
	OpIn     Op = "in"
	OpSw     Op = "sw"
	OpCo     Op = "co"
	OpGe     Op = "ge"
	OpGt     Op = "gt"
	OpLe     Op = "le"
	OpLt     Op = "lt"
	OpIsNull Op = "isnull"
)

var knownOps = map[Op]bool{OpEq: true, OpNe: true, OpIn: true, OpSw: true, OpCo: true, OpGe: true, OpGt: true, OpLe: true, OpLt: true, OpIsNull: true}

// Condition is one `field op value` term.
type Condition struct {
	Field string
	Op    Op
	// Values holds one value (several for in, none for isnull): string, float64 or bool.
	Values []any
}

// Allowed lists the operators each filterable field accepts.
type Allowed map[string][]Op

// maxFilterLen bounds the expression; longer ones are refused before parsing.
const maxFilterLen = 2000

// ParseFilters parses expr (terms joined by `and`) and checks each term against allowed. An
// empty expr yields no conditions. Errors are invalid-argument errors naming "filters".
func ParseFilters(expr string, allowed Allowed) ([]Condition, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, nil
	}
	if len(expr) > maxFilterLen {
		return nil, apierror.InvalidField("filters", "longer than %d characters", maxFilterLen)
	}
	p := &parser{toks: nil}
	toks, err := tokenize(expr)
	if err != nil {
		return nil, apierror.InvalidField("filters", "%v", err)
	}
	p.toks = toks
	conds, err := p.parse()
	if err != nil {
		return nil, apierror.InvalidField("filters", "%v", err)
	}
	for _, c := range conds {
		ops, ok := allowed[c.Field]
		if !ok {
			return nil, apierror.InvalidField("filters", "field %q cannot be filtered on (filterable: %s)", c.Field, fieldList(allowed))
		}
		if !containsOp(ops, c.Op) {
			return nil, apierror.InvalidField("filters", "operator %q is not supported on %q (supported: %s)", c.Op, c.Field, opList(ops))
		}
		for _, v := range c.Values {
			if _, ok := v.(string); !ok && c.Op != OpEq && c.Op != OpNe && c.Op != OpIn {
				return nil, apierror.InvalidField("filters", "operator %q on %q needs a string value", c.Op, c.Field)
			}
		}
	}
	return conds, nil
}

type tokenKind int

const (
	tokWord tokenKind = iota
	tokString
	tokNumber
	tokLParen
	tokRParen
	tokComma
)

type token struct {
	kind tokenKind
	text string
	pos  int
}

func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{tokLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tokRParen, ")", i})
			i++
		case c == ',':
			toks = append(toks, token{tokComma, ",", i})
			i++
		case c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated string at position %d", i)
			}
			toks = append(toks, token{tokString, b.String(), i})
			i = j + 1
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(s) && (s[j] == '.' || (s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			toks = append(toks, token{tokNumber, s[i:j], i})
			i = j
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			toks = append(toks, token{tokWord, s[i:j], i})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at position %d", c, i)
		}
	}
	return toks, nil
}

func isWordByte(c byte) bool {
	return c == '.' || c == '_' || unicode.IsLetter(rune(c)) || (c >= '0' && c <= '9')
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) next() (token, bool) {
	if p.i >= len(p.toks) {
		return token{}, false
	}
	t := p.toks[p.i]
	p.i++
	return t, true
}

func (p *parser) parse() ([]Condition, error) {
	var conds []Condition
	for {
		c, err := p.term()
		if err != nil {
			return nil, err
		}
		conds = append(conds, c)
		t, ok := p.next()
		if !ok {
			return conds, nil
		}
		if t.kind != tokWord || !strings.EqualFold(t.text, "and") {
			if t.kind == tokWord && (strings.EqualFold(t.text, "or") || strings.EqualFold(t.text, "not")) {
				return nil, fmt.Errorf("%q is not supported at position %d: combine terms with \"and\"", t.text, t.pos)
			}
			return nil, fmt.Errorf("expected \"and\" at position %d, got %q", t.pos, t.text)
		}
	}
}

func (p *parser) term() (Condition, error) {
	field, ok := p.next()
	if !ok || field.kind != tokWord {
		return Condition{}, fmt.Errorf("expected a field name%s", at(field, ok))
	}
	opTok, ok := p.next()
	if !ok || opTok.kind != tokWord {
		return Condition{}, fmt.Errorf("expected an operator after %q%s", field.text, at(opTok, ok))
	}
	op := Op(strings.ToLower(opTok.text))
	if !knownOps[op] {
		return Condition{}, fmt.Errorf("unknown operator %q at position %d", opTok.text, opTok.pos)
	}
	c := Condition{Field: field.text, Op: op}
	switch op {
	case OpIsNull:
		return c, nil
	case OpIn:
		open, ok := p.next()
		if !ok || open.kind != tokLParen {
			return Condition{}, fmt.Errorf("expected \"(\" after in%s", at(open, ok))
		}
		for {
			v, err := p.value()
			if err != nil {
				return Condition{}, err
			}
			c.Values = append(c.Values, v)
			sep, ok := p.next()
			if !ok {
				return Condition{}, fmt.Errorf("unclosed \"(\" at position %d", open.pos)
			}
			if sep.kind == tokRParen {
				return c, nil
			}
			if sep.kind != tokComma {
				return Condition{}, fmt.Errorf("expected \",\" or \")\" at position %d", sep.pos)
			}
		}
	default:
		v, err := p.value()
		if err != nil {
			return Condition{}, err
		}
		c.Values = []any{v}
		return c, nil
	}
}

func (p *parser) value() (any, error) {
	t, ok := p.next()
	if !ok {
		return nil, fmt.Errorf("expected a value at the end")
	}
	switch t.kind {
	case tokString:
		return t.text, nil
	case tokNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q at position %d", t.text, t.pos)
		}
		return f, nil
	case tokWord:
		switch strings.ToLower(t.text) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return nil, fmt.Errorf("expected a value at position %d, got %q (quote strings with \")", t.pos, t.text)
}

func at(t token, ok bool) string {
	if !ok {
		return " at the end"
	}
	return fmt.Sprintf(" at position %d", t.pos)
}

func containsOp(ops []Op, op Op) bool {
	for _, o := range ops {
		if o == op {
			return true
		}
	}
	return false
}

func fieldList(allowed Allowed) string {
	names := make([]string, 0, len(allowed))
	for f := range allowed {
		names = append(names, f)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func opList(ops []Op) string {
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}
