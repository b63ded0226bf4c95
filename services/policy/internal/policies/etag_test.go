package policies

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/storage"
)

func TestPreconditionParse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		values  []string
		want    precondition
		invalid bool
	}{
		{"one tag", []string{`"3.abc"`}, precondition{present: true, tags: []string{`"3.abc"`}}, false},
		{"any", []string{` * `}, precondition{present: true, any: true}, false},
		{"a list, weak tags dropped", []string{`"a", W/"b" ,"c"`}, precondition{present: true, tags: []string{`"a"`, `"c"`}}, false},
		{"several header values", []string{`"a"`, `"b"`}, precondition{present: true, tags: []string{`"a"`, `"b"`}}, false},
		{"a comma inside a tag", []string{`"a,b"`}, precondition{present: true, tags: []string{`"a,b"`}}, false},
		{"empty tag", []string{`""`}, precondition{present: true, tags: []string{`""`}}, false},
		{"unquoted", []string{`abc`}, precondition{}, true},
		{"unterminated", []string{`"abc`}, precondition{}, true},
		{"no separator", []string{`"a" "b"`}, precondition{}, true},
		{"star in a list", []string{`"a", *`}, precondition{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got precondition
			var err error
			for _, v := range tc.values {
				got.present = true
				if err = got.parse(v); err != nil {
					break
				}
			}
			if tc.invalid {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(precondition{})); diff != "" {
				t.Errorf("parse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPreconditionCheck(t *testing.T) {
	t.Parallel()
	require.NoError(t, precondition{}.check("p", "1.x"), "no If-Match")
	require.NoError(t, precondition{present: true, any: true}.check("p", "1.x"))
	require.NoError(t, precondition{present: true, tags: []string{`"0.x"`, `"1.x"`}}.check("p", "1.x"))
	require.ErrorIs(t, precondition{present: true, tags: []string{`"0.x"`}}.check("p", "1.x"), storage.ErrPreconditionFailed)
	require.ErrorIs(t, precondition{present: true}.check("p", "1.x"), storage.ErrPreconditionFailed, "only weak tags: none matches")
}

// FuzzPreconditionParse: If-Match comes from any client; parsing never panics, and every tag
// it keeps is a quoted string found in the input.
func FuzzPreconditionParse(f *testing.F) {
	for _, seed := range []string{`"a"`, `*`, `W/"a", "b"`, `"a,b"`, `""`, `"`, `W/`, `,`, `"a",`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		var p precondition
		if err := p.parse(v); err != nil {
			return
		}
		for _, tag := range p.tags {
			if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' || !strings.Contains(v, tag) {
				t.Fatalf("parse(%q) kept %q", v, tag)
			}
		}
	})
}
