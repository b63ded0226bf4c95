package transform

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Program is a compiled provisioning policy. It is immutable and safe for
// concurrent use: compile it once, evaluate it for many identities.
type Program struct {
	fields []compiledField // by policy position
	order  []int           // evaluation order (dependencies first)
	nvars  int
	states sync.Pool // *evalState, reused across evaluations
}

type compiledField struct {
	name      string
	root      node       // nil: the field takes its implicit input
	gen       *generator // set instead of root for unique-value fields
	usesInput bool
	required  bool
	multi     bool
}

// Compile validates a policy and prepares it for evaluation. Every error is a
// *FieldError naming the offending field.
func Compile(fields []Field) (*Program, error) {
	c := &compiler{fieldIndex: make(map[string]int, len(fields))}
	for i, f := range fields {
		if f.Name == "" {
			return nil, &FieldError{Path: fmt.Sprintf("fields[%d].name", i), Err: ErrMissingAttribute}
		}
		if _, dup := c.fieldIndex[f.Name]; dup {
			return nil, &FieldError{Field: f.Name, Err: ErrDuplicateField}
		}
		c.fieldIndex[f.Name] = i
		c.entities = append(c.entities, entity{label: "field " + f.Name, field: i})
	}
	p := &Program{fields: make([]compiledField, len(fields))}
	for i, f := range fields {
		cf, err := c.compileField(i, f)
		if err != nil {
			return nil, fieldError(f.Name, err)
		}
		p.fields[i] = cf
	}
	if cycle := findCycle(c.entities); cycle != nil {
		owner := c.entities[cycle[0]].field
		return nil, &FieldError{
			Field: fields[owner].Name,
			Err:   fmt.Errorf("%w: %s", ErrCycle, describeCycle(c.entities, cycle)),
		}
	}
	p.order = evalOrder(c.entities, len(fields), func(i int) bool { return p.fields[i].gen != nil })
	p.nvars = c.nvars
	return p, nil
}

func fieldError(field string, err error) *FieldError {
	var pe *pathError
	if errors.As(err, &pe) {
		return &FieldError{Field: field, Path: pe.path, Err: pe.err}
	}
	return &FieldError{Field: field, Err: err}
}

func (c *compiler) compileField(i int, f Field) (compiledField, error) {
	c.field, c.cur, c.usesInput = i, i, false
	cf := compiledField{name: f.Name, required: f.IsRequired, multi: f.IsMultiValued}
	fa := attrs{m: f.Attributes, path: "attributes"}
	if _, _, _, err := uniqueSettings(fa); err != nil {
		return cf, err
	}
	if len(f.Transform) == 0 {
		cf.usesInput = true
		return cf, nil
	}
	typ, a, err := transformParts(f.Transform, "transform")
	if err != nil {
		return cf, err
	}
	if isGeneratorType(typ, a) {
		if cf.gen, err = c.compileGenerator(typ, a, fa, 1); err != nil {
			return cf, atPath("transform", err)
		}
	} else if cf.root, err = c.compileTransform(f.Transform, "transform", nil, 1); err != nil {
		return cf, err
	}
	cf.usesInput = c.usesInput
	return cf, nil
}

// Order returns the field names in evaluation order.
func (p *Program) Order() []string {
	names := make([]string, len(p.order))
	for i, idx := range p.order {
		names[i] = p.fields[idx].name
	}
	return names
}

// Evaluate computes every field for one identity. It always returns a
// non-nil Result; on error its Claims list the unique values already
// reserved, so the caller can release them, and Attributes holds the fields
// computed so far. Field failures are *FieldError; a cancelled ctx stops the
// evaluation between fields and inside the claim.
func (p *Program) Evaluate(ctx context.Context, in Input) (*Result, error) {
	st := p.state(ctx, in)
	defer p.release(st)
	res := &Result{Attributes: make(map[string]any, len(p.fields))}
	for _, i := range p.order {
		f := &p.fields[i]
		if err := ctx.Err(); err != nil {
			res.Warnings = slices.Clone(st.warnings)
			return res, fmt.Errorf("evaluation stopped before field %q: %w", f.name, err)
		}
		v, err := p.evalField(st, f, res)
		if err != nil {
			res.Warnings = slices.Clone(st.warnings)
			return res, fieldError(f.name, err)
		}
		st.fields[i] = v
		if f.multi {
			res.Attributes[f.name] = asList(v)
		} else {
			res.Attributes[f.name] = v.toAny()
		}
	}
	if len(st.warnings) > 0 {
		res.Warnings = slices.Clone(st.warnings)
	}
	return res, nil
}

func (p *Program) evalField(st *evalState, f *compiledField, res *Result) (value, error) {
	st.field = f.name
	st.implicit = value{}
	if f.usesInput {
		st.implicit = implicitInput(st, f.name)
	}
	var v value
	var err error
	switch {
	case f.gen != nil:
		v, err = claimUnique(st, f, res)
	case f.root != nil:
		v, err = f.root.eval(st)
	default:
		v = st.implicit
	}
	if err != nil {
		return value{}, err
	}
	if v.kind == kindString {
		if err := checkSize(len(v.str)); err != nil {
			return value{}, err
		}
	}
	if f.required && v.isEmpty() {
		return value{}, ErrRequiredValueMissing
	}
	return v, nil
}

// implicitInput is what a transform without "input" works on: the account's
// current value of the attribute (the Velocity "current" of the create and
// update profiles), else the identity attribute of the same name, mirroring
// an identity-profile mapping.
func implicitInput(st *evalState, name string) value {
	if v, ok := st.account[name]; ok && v != nil {
		return fromAny(v)
	}
	return fromAny(st.identity[name])
}

// claimUnique builds the candidates and lets the Claimer reserve one, in a
// single call.
func claimUnique(st *evalState, f *compiledField, res *Result) (value, error) {
	cands, err := f.gen.candidates(st)
	if err != nil {
		return value{}, err
	}
	if len(cands) == 0 {
		if f.gen.required {
			return value{}, ErrNoCandidates
		}
		st.warnf("no unique value candidates could be generated; value left empty")
		return nullValue(), nil
	}
	if st.claimer == nil {
		return value{}, fmt.Errorf("%w: unique values need Input.Claimer", ErrMissingDependency)
	}
	got, err := st.claimer.Claim(st.ctx, f.name, cands)
	if err != nil {
		return value{}, fmt.Errorf("claim: %w", err)
	}
	if !slices.Contains(cands, got) {
		return value{}, fmt.Errorf("%w: %q", ErrClaimerContract, got)
	}
	res.Claims = append(res.Claims, Claim{Attribute: f.name, Value: got})
	return stringValue(got), nil
}

// asList shapes a multi-valued field's value: lists pass, null becomes an
// empty list, a scalar becomes a one-element list.
func asList(v value) any {
	switch {
	case v.isNull():
		return []any{}
	case v.kind == kindOther:
		if l, ok := v.other.([]any); ok {
			return l
		}
	}
	return []any{v.toAny()}
}

func (p *Program) state(ctx context.Context, in Input) *evalState {
	st, _ := p.states.Get().(*evalState)
	if st == nil {
		st = &evalState{fields: make([]value, len(p.fields)), vars: make([]varMemo, p.nvars)}
	}
	st.ctx, st.identity, st.account = ctx, in.Identity, in.Account
	st.refs, st.claimer, st.random = in.References, in.Claimer, in.Random
	return st
}

func (p *Program) release(st *evalState) {
	clear(st.fields)
	clear(st.vars)
	*st = evalState{fields: st.fields, vars: st.vars, warnings: st.warnings[:0]}
	p.states.Put(st)
}
