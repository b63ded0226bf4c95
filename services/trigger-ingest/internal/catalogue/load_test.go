package catalogue

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

// realFS copies the embedded files into a MapFS that a test may break.
func realFS(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	require.NoError(t, fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(files, path)
		m[path] = &fstest.MapFile{Data: data}
		return err
	}))
	return m
}

func TestLoadRealFilesMatchesNew(t *testing.T) {
	t.Parallel()
	c, err := load(realFS(t), definitions())
	require.NoError(t, err)
	require.Equal(t, newCatalogue(t).List(), c.List())
}

func TestLoadRejectsBrokenCatalogues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(m fstest.MapFS, defs []definition) []definition
		want   string
	}{
		{"missing input schema", func(m fstest.MapFS, d []definition) []definition {
			delete(m, "schemas/source-created.input.json")
			return d
		}, "read input schema"},
		{"missing example", func(m fstest.MapFS, d []definition) []definition {
			delete(m, "examples/source-created.input.json")
			return d
		}, "read example input"},
		{"malformed schema", func(m fstest.MapFS, d []definition) []definition {
			m["schemas/source-created.input.json"] = &fstest.MapFile{Data: []byte(`{"$id":`)}
			return d
		}, "parse schemas/source-created.input.json"},
		{"wrong $id", func(m fstest.MapFS, d []definition) []definition {
			m["schemas/source-created.input.json"] = m["schemas/source-deleted.input.json"]
			return d
		}, `$id must be "urn:accessflow:trigger:source-created:input"`},
		{"schema that does not compile", func(m fstest.MapFS, d []definition) []definition {
			m["schemas/source-created.input.json"] = &fstest.MapFile{Data: []byte(
				`{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"urn:accessflow:trigger:source-created:input","type":5}`)}
			return d
		}, "compile schemas/source-created.input.json"},
		{"schema pointing outside itself", func(m fstest.MapFS, d []definition) []definition {
			m["schemas/source-created.input.json"] = &fstest.MapFile{Data: []byte(
				`{"$id":"urn:accessflow:trigger:source-created:input","$ref":"file:///etc/schema.json"}`)}
			return d
		}, "compile schemas/source-created.input.json"},
		{"malformed example", func(m fstest.MapFS, d []definition) []definition {
			m["examples/source-created.input.json"] = &fstest.MapFile{Data: []byte(`{`)}
			return d
		}, "parse examples/source-created.input.json"},
		{"fire-and-forget with output schema", func(m fstest.MapFS, d []definition) []definition {
			m["schemas/source-created.output.json"] = &fstest.MapFile{Data: []byte(`{}`)}
			return d
		}, "must have an output schema exactly when"},
		{"fire-and-forget with example output", func(m fstest.MapFS, d []definition) []definition {
			m["examples/source-created.output.json"] = &fstest.MapFile{Data: []byte(`{}`)}
			return d
		}, "must not have an example output"},
		{"request-response without output schema", func(m fstest.MapFS, d []definition) []definition {
			delete(m, "schemas/access-request-pre-approval.output.json")
			return d
		}, "must have an output schema exactly when"},
		{"request-response without example output", func(m fstest.MapFS, d []definition) []definition {
			delete(m, "examples/access-request-pre-approval.output.json")
			return d
		}, "read example output"},
		{"duplicate id", func(_ fstest.MapFS, d []definition) []definition {
			return append(d, d[0])
		}, "duplicate trigger id"},
		{"id without prefix", func(_ fstest.MapFS, d []definition) []definition {
			return append(d, definition{"source-created", "n", FireAndForget, "d"})
		}, `must be "idn:" plus a name`},
		{"unknown type", func(_ fstest.MapFS, d []definition) []definition {
			return append(d, definition{"idn:x", "n", "SOMETIMES", "d"})
		}, "unknown type"},
		{"empty description", func(_ fstest.MapFS, d []definition) []definition {
			return append(d, definition{"idn:x", "n", FireAndForget, ""})
		}, "name and description are required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := realFS(t)
			defs := tc.mutate(m, definitions())
			_, err := load(m, defs)
			require.ErrorContains(t, err, tc.want)
		})
	}
}
