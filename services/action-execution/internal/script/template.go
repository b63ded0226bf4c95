package script

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"text/template"
	"text/template/parse"
)

// ErrTemplate marks a metadata template that does not compile, reads what a flow's context
// does not hold, or fails when rendered.
var ErrTemplate = errors.New("template error")

// Data is what a script's metadata templates read: the flow's context, the earlier scripts'
// outputs and the trackingNumber.
type Data struct {
	FlowID          string
	TrackingNumber  string
	Operation       string
	Recipient       Identity
	Requester       Identity
	Relationship    Relationship
	Source          Source
	ApprovalFlowID  string
	AccessRequestID string
	Inputs          map[string]any
	// Scripts holds the outputs of the scripts that ran before, by name (each a
	// map[string]any).
	Scripts map[string]any
}

// Identity is a person or system in Data.
type Identity struct {
	ID         string
	Name       string
	Email      string
	Attributes map[string]any
}

// Relationship is the relationship a flow grants or revokes, in Data.
type Relationship struct {
	ID         string
	Name       string
	SourceID   string
	TargetKind string
	TargetID   string
	TargetName string
}

// Source is the policy-service source of the script's provider, in Data.
type Source struct {
	ID   string
	Name string
}

var funcs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"lower": strings.ToLower,
	"upper": strings.ToUpper,
	"trim":  strings.TrimSpace,
}

// Funcs are the functions metadata (and REST connector) templates may call, beyond
// text/template's own.
func Funcs() template.FuncMap { return funcs }

// Render renders every string in metadata (recursively) as a template over data, with a
// missing map key an error.
func Render(metadata map[string]any, data Data) (map[string]any, error) {
	out, err := walk(metadata, "", func(path, s string) (any, error) {
		t, err := compile(path, s)
		if err != nil || t == nil {
			return s, err
		}
		var b strings.Builder
		if err := t.Execute(&b, data); err != nil {
			return nil, fmt.Errorf("%w: metadata.%s: %w", ErrTemplate, path, err)
		}
		return b.String(), nil
	})
	if err != nil {
		return nil, err
	}
	m, _ := out.(map[string]any)
	return m, nil
}

// Check compiles every template in metadata and checks what it reads: fields of Data that
// exist, and .Scripts.<name> only for names in earlier (the scripts that run before).
func Check(metadata map[string]any, earlier []string) error {
	_, err := walk(metadata, "", func(path, s string) (any, error) {
		t, err := compile(path, s)
		if err != nil || t == nil {
			return nil, err
		}
		c := checker{path: path, earlier: earlier}
		for _, tt := range t.Templates() {
			if tt.Tree != nil {
				if err := c.node(tt.Root, true); err != nil {
					return nil, err
				}
			}
		}
		return nil, nil
	})
	return err
}

func compile(path, s string) (*template.Template, error) {
	if !strings.Contains(s, "{{") {
		return nil, nil
	}
	t, err := template.New(path).Option("missingkey=error").Funcs(funcs).Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%w: metadata.%s: %w", ErrTemplate, path, err)
	}
	return t, nil
}

// walk rebuilds v with every string replaced by fn's answer; keys are visited in order so
// that the first error is stable.
func walk(v any, path string, fn func(path, s string) (any, error)) (any, error) {
	switch x := v.(type) {
	case string:
		return fn(path, x)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make(map[string]any, len(x))
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			r, err := walk(x[k], p, fn)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := walk(e, fmt.Sprintf("%s[%d]", path, i), fn)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	default:
		return v, nil
	}
}

// checker walks a template's tree and checks the field chains read from dot while dot is the
// flow's Data (outside range and with).
type checker struct {
	path    string
	earlier []string
}

var dataType = reflect.TypeFor[Data]()

func (c checker) node(n parse.Node, dotIsData bool) error {
	switch x := n.(type) {
	case *parse.ListNode:
		if x == nil {
			return nil
		}
		for _, e := range x.Nodes {
			if err := c.node(e, dotIsData); err != nil {
				return err
			}
		}
	case *parse.ActionNode:
		return c.node(x.Pipe, dotIsData)
	case *parse.PipeNode:
		if x == nil {
			return nil
		}
		for _, cmd := range x.Cmds {
			for _, arg := range cmd.Args {
				if err := c.node(arg, dotIsData); err != nil {
					return err
				}
			}
		}
	case *parse.IfNode:
		return c.branch(&x.BranchNode, dotIsData, dotIsData)
	case *parse.RangeNode:
		return c.branch(&x.BranchNode, dotIsData, false)
	case *parse.WithNode:
		return c.branch(&x.BranchNode, dotIsData, false)
	case *parse.FieldNode:
		if dotIsData {
			return c.fields(x.Ident)
		}
	case *parse.ChainNode:
		return c.node(x.Node, dotIsData)
	}
	return nil
}

func (c checker) branch(b *parse.BranchNode, dotIsData, bodyDotIsData bool) error {
	if err := c.node(b.Pipe, dotIsData); err != nil {
		return err
	}
	if err := c.node(b.List, bodyDotIsData); err != nil {
		return err
	}
	return c.node(b.ElseList, dotIsData)
}

// fields checks a chain like .Recipient.Attributes.email: struct fields must exist; map keys
// are free, except the script names under .Scripts.
func (c checker) fields(idents []string) error {
	t := dataType
	for i, name := range idents {
		switch t.Kind() {
		case reflect.Struct:
			f, ok := t.FieldByName(name)
			if !ok {
				return fmt.Errorf("%w: metadata.%s: .%s: a flow's context has no field %q (it has %s)", ErrTemplate, c.path, strings.Join(idents[:i+1], "."), name, fieldNames(t))
			}
			t = f.Type
			if f.Name == "Scripts" && i+1 < len(idents) {
				script := idents[i+1]
				if !slices.Contains(c.earlier, script) {
					return fmt.Errorf("%w: metadata.%s: .Scripts.%s: no script named %q runs before this one", ErrTemplate, c.path, script, script)
				}
				return nil
			}
		default:
			return nil // a map or interface: keys are data, checked when rendered
		}
	}
	return nil
}

func fieldNames(t reflect.Type) string {
	names := make([]string, t.NumField())
	for i := range names {
		names[i] = t.Field(i).Name
	}
	return strings.Join(names, ", ")
}
