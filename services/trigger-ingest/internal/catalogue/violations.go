package catalogue

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// violationsOf flattens the library's error tree into sorted, de-duplicated
// path/message pairs. The tree mirrors the schema (groups, $refs, oneOf
// branches) which means nothing to whoever sent the payload, so only the
// leaves are kept.
func violationsOf(err *jsonschema.ValidationError) []Violation {
	f := flattener{printer: message.NewPrinter(language.English)}
	var out []Violation
	f.collect(err, &out)
	slices.SortFunc(out, func(a, b Violation) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Message, b.Message))
	})
	return slices.Compact(out)
}

type flattener struct {
	printer *message.Printer
}

func (f flattener) collect(e *jsonschema.ValidationError, out *[]Violation) {
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		// Point at the missing property itself: that is where the fix goes.
		for _, name := range k.Missing {
			*out = append(*out, Violation{Path: pointer(e.InstanceLocation) + "/" + escapeToken(name), Message: "missing property"})
		}
	case *kind.InvalidJsonValue:
		*out = append(*out, Violation{
			Path:    pointer(e.InstanceLocation),
			Message: fmt.Sprintf("unsupported Go value of type %T; pass a JSON-decoded value", k.Value),
		})
	case *kind.OneOf:
		if len(k.Subschemas) > 0 { // more than one branch matched
			f.leaf(e, out)
			return
		}
		f.alternatives(e, out)
	case *kind.AnyOf:
		f.alternatives(e, out)
	default:
		if len(e.Causes) == 0 {
			f.leaf(e, out)
			return
		}
		for _, c := range e.Causes {
			f.collect(c, out)
		}
	}
}

func (f flattener) leaf(e *jsonschema.ValidationError, out *[]Violation) {
	*out = append(*out, Violation{Path: pointer(e.InstanceLocation), Message: e.ErrorKind.LocalizedString(f.printer)})
}

// alternatives explains a oneOf/anyOf that no branch matched. Branches the
// value does not even have the right JSON type for are summarised as one
// "got X, want A or B" message; if some branch had the right type, the
// value was presumably meant to be that shape, so that branch's own
// violations are reported (the one with the fewest, if several).
func (f flattener) alternatives(e *jsonschema.ValidationError, out *[]Violation) {
	loc := pointer(e.InstanceLocation)
	var (
		got   string
		wants []string
		best  []Violation
		found bool
	)
	for _, branch := range e.Causes {
		if t := typeMismatchAt(branch, loc); t != nil {
			got = t.Got
			wants = append(wants, t.Want...)
			continue
		}
		var vs []Violation
		f.collect(branch, &vs)
		if !found || len(vs) < len(best) {
			best, found = vs, true
		}
	}
	if found {
		*out = append(*out, best...)
		return
	}
	if len(wants) == 0 { // no causes at all; cannot happen with the library today
		f.leaf(e, out)
		return
	}
	*out = append(*out, Violation{Path: loc, Message: fmt.Sprintf("got %s, want %s", got, strings.Join(dedupe(wants), " or "))})
}

// typeMismatchAt returns the type error when a branch failed only because
// the value at loc has the wrong JSON type, looking through the single-cause
// wrappers the library adds for $ref and grouping.
func typeMismatchAt(e *jsonschema.ValidationError, loc string) *kind.Type {
	for {
		if t, ok := e.ErrorKind.(*kind.Type); ok && pointer(e.InstanceLocation) == loc {
			return t
		}
		if len(e.Causes) != 1 {
			return nil
		}
		switch e.ErrorKind.(type) {
		case *kind.Reference, *kind.Group, *kind.Schema:
			e = e.Causes[0]
		default:
			return nil
		}
	}
}

func dedupe(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// pointer encodes instance location tokens as an RFC 6901 JSON Pointer.
func pointer(tokens []string) string {
	if len(tokens) == 0 {
		return ""
	}
	var sb strings.Builder
	for _, t := range tokens {
		sb.WriteByte('/')
		sb.WriteString(escapeToken(t))
	}
	return sb.String()
}

// escapeToken applies RFC 6901 escaping to one reference token.
func escapeToken(t string) string {
	if !strings.ContainsAny(t, "~/") {
		return t
	}
	return strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
}
