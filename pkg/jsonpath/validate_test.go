package jsonpath_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/jsonpath"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	docs := decode(t, docsIdentityAttributesChanged)
	allTrue := jsonpath.ValidateResult{IsValid: true, IsValidJSONPath: true, IsPathExist: true}
	parsesOnly := jsonpath.ValidateResult{IsValidJSONPath: true}

	tests := []struct {
		name    string
		filter  string
		input   any
		opts    []jsonpath.Option
		want    jsonpath.ValidateResult
		wantErr error
	}{
		{
			name:   "API reference example",
			filter: `$[?($.identityId == "201327fda1c44704ac01181e963d463c")]`,
			input:  map[string]any{"identityId": "201327fda1c44704ac01181e963d463c"},
			want:   allTrue,
		},
		{"guide request example", `$[?($.identity.name == "john.doe")]`, docs, nil, allTrue, nil},
		{"array filter", `$.changes[?(@.attribute == "cloudLifecycleState")]`, docs, nil, allTrue, nil},
		{"plain path", `$.identity.name`, docs, nil, allTrue, nil},
		{"filter does not match", `$[?($.identity.name == "jane.doe")]`, docs, nil, parsesOnly, nil},
		{"path does not exist", `$.identity.title`, docs, nil, parsesOnly, nil},
		{"empty input", `$[?($.identity)]`, map[string]any{}, nil, parsesOnly, nil},
		{"syntax error", `$[?($.identity.name = "john.doe")]`, docs, nil, jsonpath.ValidateResult{}, jsonpath.ErrSyntax},
		{"empty filter", ``, docs, nil, jsonpath.ValidateResult{}, jsonpath.ErrSyntax},
		{"arithmetic filter", `$.changes[?(@.attribute == "manager" && $.changes.length() - 1 == 2)]`, docs, nil, allTrue, nil},
		{"too long", `$.identity.name`, docs, []jsonpath.Option{jsonpath.WithMaxExprLen(5)}, jsonpath.ValidateResult{}, jsonpath.ErrLimitExceeded},
		{"evaluation limit", `$..nope`, docs, []jsonpath.Option{jsonpath.WithMaxNodes(3)}, parsesOnly, jsonpath.ErrLimitExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := jsonpath.Validate(t.Context(), tt.filter, tt.input, tt.opts...)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(jsonpath.ValidateResult{}, "Err")); diff != "" {
				t.Errorf("Validate(%s) mismatch (-want +got):\n%s", tt.filter, diff)
			}
			if tt.wantErr == nil {
				require.NoError(t, got.Err)
				return
			}
			require.ErrorIs(t, got.Err, tt.wantErr)
		})
	}
}

// TestValidateResultJSON checks the wire form against the reference
// ValidateFilterOutputDto.
func TestValidateResultJSON(t *testing.T) {
	t.Parallel()
	got, err := json.Marshal(jsonpath.ValidateResult{IsValid: true, IsValidJSONPath: true, IsPathExist: true})
	require.NoError(t, err)
	require.JSONEq(t, `{"isValid": true, "isValidJSONPath": true, "isPathExist": true}`, string(got))
}
