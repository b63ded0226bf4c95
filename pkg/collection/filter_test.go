package collection_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/collection"
)

var allowed = collection.Allowed{
	"id":   {collection.OpEq, collection.OpIn},
	"name": {collection.OpEq, collection.OpSw, collection.OpCo, collection.OpIn},
}

func TestParseFilters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want []collection.Condition
	}{
		{"", nil},
		{`name eq "Corp AD"`, []collection.Condition{{Field: "name", Op: collection.OpEq, Values: []any{"Corp AD"}}}},
		{`name SW "Co" and id in ("a", "b")`, []collection.Condition{
			{Field: "name", Op: collection.OpSw, Values: []any{"Co"}},
			{Field: "id", Op: collection.OpIn, Values: []any{"a", "b"}},
		}},
		{`name eq "say \"hi\""`, []collection.Condition{{Field: "name", Op: collection.OpEq, Values: []any{`say "hi"`}}}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			got, err := collection.ParseFilters(tt.expr, allowed)
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseFilters (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseFiltersErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		`type eq "x"`:              `field "type" cannot be filtered`,
		`name gt "x"`:              `operator "gt" is not supported on "name"`,
		`name eq "x" or id eq "y"`: `"or" is not supported`,
		`name eq "x`:               "unterminated string",
		`name eq`:                  "expected a value at the end",
		`name banana "x"`:          `unknown operator "banana"`,
		`name in ("a" "b")`:        `expected "," or ")"`,
		`name in ("a"`:             "unclosed",
		`name sw 3`:                "needs a string value",
		`name eq x`:                "quote strings",
		`name eq "a" id eq "b"`:    `expected "and"`,
		`$ eq "a"`:                 "unexpected character",
	}
	for expr, want := range tests {
		t.Run(expr, func(t *testing.T) {
			t.Parallel()
			_, err := collection.ParseFilters(expr, allowed)
			require.ErrorIs(t, err, apierror.ErrInvalidArgument)
			require.ErrorContains(t, err, want)
			require.ErrorContains(t, err, "filters: ")
		})
	}
}

func FuzzParseFilters(f *testing.F) {
	for _, s := range []string{`name eq "Corp AD"`, `id in ("a","b") and name co "x"`, `name isnull`, `(`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		conds, err := collection.ParseFilters(expr, allowed)
		if err != nil {
			require.ErrorIs(t, err, apierror.ErrInvalidArgument)
			return
		}
		for _, c := range conds {
			require.Contains(t, allowed, c.Field)
		}
	})
}
