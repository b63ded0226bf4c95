package transform

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// guidePolicy is the create policy of the provisioning-policy guide, with
// the temporaryPassword field the guide adds.
const guidePolicy = `[
	{"name":"email","transform":{"type":"identityAttribute","attributes":{"name":"email"}},"attributes":{},"isRequired":false,"type":"string","isMultiValued":false},
	{"name":"displayName","transform":{"type":"lower","attributes":{"input":{"type":"identityAttribute","attributes":{"name":"displayName"}}}},"attributes":{},"type":"string"},
	{"name":"firstName","transform":{"type":"identityAttribute","attributes":{"name":"firstName"}},"attributes":{},"type":"string"},
	{"name":"lastName","transform":{"type":"identityAttribute","attributes":{"name":"lastName"}},"attributes":{},"type":"string"},
	{"name":"hireDate","transform":{"type":"identityAttribute","attributes":{"name":"hireDate"}},"attributes":{},"type":"string"},
	{"name":"temporaryPassword","transform":{"type":"concat","attributes":{"values":[
		{"type":"identityAttribute","attributes":{"name":"firstName"}},
		{"type":"identityAttribute","attributes":{"name":"lastName"}},
		{"type":"substring","attributes":{"input":{"type":"identityAttribute","attributes":{"name":"hireDate"}},"start":5,"end":7}},
		{"type":"static","attributes":{"value":"Rt4e!"}}]}},"attributes":{},"isRequired":false,"type":"boolean","isMultiValued":false},
	{"name":"enabled","transform":{"type":"identityAttribute","attributes":{"name":"enabled"}},"attributes":{},"type":"boolean"},
	{"name":"locked","transform":{"type":"identityAttribute","attributes":{"name":"locked"}},"attributes":{},"type":"boolean"}]`

func TestGuidePolicy(t *testing.T) {
	t.Parallel()
	res, err := evalPolicy(t, guidePolicy, Input{Identity: map[string]any{
		"email": "john.doe@example.com", "displayName": "John Doe", "firstName": "john", "lastName": "doe",
		"hireDate": "2023-12-13", "enabled": true, "locked": false,
	}})
	require.NoError(t, err)
	want := map[string]any{
		"email": "john.doe@example.com", "displayName": "john doe", "firstName": "john", "lastName": "doe",
		"hireDate": "2023-12-13", "temporaryPassword": "johndoe12Rt4e!", "enabled": true, "locked": false,
	}
	if diff := cmp.Diff(want, res.Attributes); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	require.Empty(t, res.Claims)
	require.Empty(t, res.Warnings)
}

func TestPolicySemantics(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		policy   string
		identity map[string]any
		account  map[string]any
		want     map[string]any
		wantErr  error
	}{
		{
			// The static doc's note: mail built from displayName higher up.
			name: "field reference beats identity attribute",
			policy: `[{"name":"mail","transform":{"type":"static","attributes":{"value":"$displayName@yourdomain.com"}}},
				{"name":"displayName","transform":{"type":"static","attributes":{"value":"${firstname}.${lastname}"}}}]`,
			identity: map[string]any{"firstname": "Ada", "lastname": "Lovelace", "displayName": "ignored"},
			want:     map[string]any{"mail": "Ada.Lovelace@yourdomain.com", "displayName": "Ada.Lovelace"},
		},
		{
			name:     "self reference means the identity attribute",
			policy:   `[{"name":"title","transform":{"type":"upper","attributes":{"input":"$title"}}}]`,
			identity: map[string]any{"title": "cto"},
			want:     map[string]any{"title": "CTO"},
		},
		{
			name:     "no transform takes the implicit input",
			policy:   `[{"name":"department","transform":{}},{"name":"title"}]`,
			identity: map[string]any{"department": "Sales", "title": "Rep"},
			account:  map[string]any{"title": "Senior Rep"},
			want:     map[string]any{"department": "Sales", "title": "Senior Rep"},
		},
		{
			name: "multi-valued fields produce lists",
			policy: `[{"name":"groups","isMultiValued":true,"transform":{"type":"identityAttribute","attributes":{"name":"groups"}}},
				{"name":"one","isMultiValued":true,"transform":{"type":"static","attributes":{"value":"a"}}},
				{"name":"none","isMultiValued":true,"transform":{"type":"identityAttribute","attributes":{"name":"missing"}}},
				{"name":"literal","isMultiValued":true,"transform":{"type":"firstValid","attributes":{"values":[["x","$one"]]}}}]`,
			identity: map[string]any{"groups": []any{"g1", "g2"}},
			want: map[string]any{
				"groups": []any{"g1", "g2"}, "one": []any{"a"}, "none": []any{}, "literal": []any{"x", "a"},
			},
		},
		{
			name:    "required field missing",
			policy:  `[{"name":"mail","isRequired":true,"transform":{"type":"identityAttribute","attributes":{"name":"email"}}}]`,
			wantErr: ErrRequiredValueMissing,
		},
		{
			name: "variables are memoised and scoped",
			policy: `[{"name":"x","transform":{"type":"static","attributes":{"value":"$v-$v-$w",
				"v":{"type":"randomAlphaNumeric","attributes":{"length":"4"}},
				"w":{"type":"static","attributes":{"value":"$inner","inner":"in"}}}}}]`,
			want: nil, // checked below: both $v are the same draw
		},
		{
			name:     "number formatting",
			policy:   `[{"name":"x","transform":{"type":"static","attributes":{"value":"$n/$f/$b"}}}]`,
			identity: map[string]any{"n": 42.0, "f": 1.5, "b": false},
			want:     map[string]any{"x": "42/1.5/false"},
		},
		{
			name:     "list in a template is an error",
			policy:   `[{"name":"x","transform":{"type":"static","attributes":{"value":"a$groups"}}}]`,
			identity: map[string]any{"groups": []any{"g1"}},
			wantErr:  ErrInvalidValue,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := evalPolicy(t, tc.policy, Input{Identity: tc.identity, Account: tc.account, Random: seeded(1)})
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			if tc.want == nil {
				parts := strings.Split(res.Attributes["x"].(string), "-")
				require.Len(t, parts, 3)
				require.Regexp(t, `^[A-Za-z0-9]{4}$`, parts[0])
				require.Equal(t, parts[0], parts[1], "a variable is evaluated once per evaluation")
				require.Equal(t, "in", parts[2])
				return
			}
			if diff := cmp.Diff(tc.want, res.Attributes); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestProgramIsReusableAndIndependent(t *testing.T) {
	t.Parallel()
	prog, err := Compile(decodeFields(t, `[{"name":"x","transform":{"type":"firstValid","attributes":{"values":[
		{"type":"static","attributes":{"value":"$v","v":{"type":"identityAttribute","attributes":{"name":"a"}}}},"none"]}}}]`))
	require.NoError(t, err)
	for i, tc := range []struct {
		identity map[string]any
		want     any
	}{{map[string]any{"a": "first"}, "first"}, {nil, "none"}, {map[string]any{"a": "third"}, "third"}} {
		res, err := prog.Evaluate(t.Context(), Input{Identity: tc.identity})
		require.NoError(t, err)
		require.Equal(t, tc.want, res.Attributes["x"], "evaluation %d must not see state of earlier ones", i)
	}
}
