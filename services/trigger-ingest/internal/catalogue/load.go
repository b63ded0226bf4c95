package catalogue

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// load builds a Catalogue from defs and the schema/example files in fsys.
// It is separate from New so tests can feed it broken file sets.
func load(fsys fs.FS, defs []definition) (*Catalogue, error) {
	comp := jsonschema.NewCompiler()
	comp.DefaultDraft(jsonschema.Draft2020)
	comp.AssertFormat()
	// Every schema is self-contained; refuse to fetch anything from disk
	// or network if one ever refers outside itself.
	comp.UseLoader(jsonschema.SchemeURLLoader{})

	byID := make(map[string]*entry, len(defs))
	for _, def := range defs {
		if err := def.check(); err != nil {
			return nil, err
		}
		if _, dup := byID[def.id]; dup {
			return nil, fmt.Errorf("catalogue: duplicate trigger id %q", def.id)
		}
		e, err := loadEntry(comp, fsys, def)
		if err != nil {
			return nil, fmt.Errorf("catalogue: trigger %s: %w", def.id, err)
		}
		byID[def.id] = e
	}
	return &Catalogue{byID: byID, ids: slices.Sorted(maps.Keys(byID))}, nil
}

func (d definition) check() error {
	switch {
	case !strings.HasPrefix(d.id, "idn:") || len(d.id) == len("idn:"):
		return fmt.Errorf("catalogue: trigger id %q must be \"idn:\" plus a name", d.id)
	case d.typ != FireAndForget && d.typ != RequestResponse:
		return fmt.Errorf("catalogue: trigger %s: unknown type %q", d.id, d.typ)
	case d.name == "" || d.description == "":
		return fmt.Errorf("catalogue: trigger %s: name and description are required", d.id)
	}
	return nil
}

func loadEntry(comp *jsonschema.Compiler, fsys fs.FS, def definition) (*entry, error) {
	slug := strings.TrimPrefix(def.id, "idn:")
	e := &entry{trigger: Trigger{ID: def.id, Name: def.name, Type: def.typ, Description: def.description}}

	var err error
	if e.trigger.InputSchema, e.input, err = compileSchema(comp, fsys, slug, Input); err != nil {
		return nil, err
	}
	if e.trigger.ExampleInput, err = readExample(fsys, slug, Input); err != nil {
		return nil, err
	}

	hasOutput, err := exists(fsys, schemaPath(slug, Output))
	if err != nil {
		return nil, err
	}
	if hasOutput != (def.typ == RequestResponse) {
		return nil, fmt.Errorf("%s trigger must have an output schema exactly when it is %s (found one: %t)",
			def.typ, RequestResponse, hasOutput)
	}
	if !hasOutput {
		hasExample, err := exists(fsys, examplePath(slug, Output))
		if err != nil {
			return nil, err
		}
		if hasExample {
			return nil, fmt.Errorf("%s trigger must not have an example output", def.typ)
		}
		return e, nil
	}
	if e.trigger.OutputSchema, e.output, err = compileSchema(comp, fsys, slug, Output); err != nil {
		return nil, err
	}
	if e.trigger.ExampleOutput, err = readExample(fsys, slug, Output); err != nil {
		return nil, err
	}
	return e, nil
}

func schemaPath(slug string, d Direction) string {
	return "schemas/" + slug + "." + string(d) + ".json"
}

func examplePath(slug string, d Direction) string {
	return "examples/" + slug + "." + string(d) + ".json"
}

// schemaID is the $id each schema file must declare. Checking it catches a
// file copied from another trigger without being renamed.
func schemaID(slug string, d Direction) string {
	return "urn:accessflow:trigger:" + slug + ":" + string(d)
}

// compileSchema reads, registers and compiles one schema file and returns
// it both compiled and as compact JSON text for Trigger.
func compileSchema(comp *jsonschema.Compiler, fsys fs.FS, slug string, d Direction) (string, *jsonschema.Schema, error) {
	path := schemaPath(slug, d)
	raw, err := fs.ReadFile(fsys, path)
	if err != nil {
		return "", nil, fmt.Errorf("read %s schema: %w", d, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return "", nil, fmt.Errorf("parse %s: %w", path, err)
	}
	want := schemaID(slug, d)
	if obj, _ := doc.(map[string]any); obj == nil || obj["$id"] != want {
		return "", nil, fmt.Errorf("%s: $id must be %q", path, want)
	}
	if err := comp.AddResource(want, doc); err != nil {
		return "", nil, fmt.Errorf("register %s: %w", path, err)
	}
	sch, err := comp.Compile(want)
	if err != nil {
		return "", nil, fmt.Errorf("compile %s: %w", path, err)
	}
	var text bytes.Buffer
	if err := json.Compact(&text, raw); err != nil {
		return "", nil, fmt.Errorf("compact %s: %w", path, err)
	}
	return text.String(), sch, nil
}

// readExample returns the example payload as compact JSON.
func readExample(fsys fs.FS, slug string, d Direction) (json.RawMessage, error) {
	path := examplePath(slug, d)
	raw, err := fs.ReadFile(fsys, path)
	if err != nil {
		return nil, fmt.Errorf("read example %s: %w", d, err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return buf.Bytes(), nil
}

func exists(fsys fs.FS, path string) (bool, error) {
	_, err := fs.Stat(fsys, path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("stat %s: %w", path, err)
	}
}
