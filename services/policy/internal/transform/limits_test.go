package transform

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOutputSizeLimits(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("a", MaxOutputSize/2+1)
	cases := []struct {
		name      string
		transform string
		identity  map[string]any
	}{
		{"concat", `{"type":"concat","attributes":{"values":["$big","$big"]}}`, map[string]any{"big": big}},
		{"template", `{"type":"static","attributes":{"value":"$big$big"}}`, map[string]any{"big": big}},
		{"empty-match blow-up", `{"type":"replace","attributes":{"regex":"(?:)","replacement":"xxxxxxxxxxxxxxxxxxxx"}}`, map[string]any{subject: strings.Repeat("a", 4000)}},
		{"regex expansion", `{"type":"replace","attributes":{"regex":"a","replacement":"aaaa"}}`, map[string]any{subject: big}},
		{"literal expansion", `{"type":"replace","attributes":{"regex":"a","replacement":"bb"}}`, map[string]any{subject: big}},
		{"base64 growth", `{"type":"base64Encode"}`, map[string]any{subject: strings.Repeat("a", MaxOutputSize*3/4+3)}},
		{"oversized identity value", `{"type":"identityAttribute","attributes":{"name":"huge"}}`, map[string]any{"huge": big + big}},
		{"pad", `{"type":"leftPad","attributes":{"length":"65536","padding":"é"}}`, map[string]any{subject: "x"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := evalOne(t, strings.ReplaceAll(tc.transform, `"$big"`, `"${big}"`), Input{Identity: tc.identity})
			require.ErrorIs(t, err, ErrOutputTooLarge)
		})
	}
}

func TestReplacementUsesVariablesNotTemplates(t *testing.T) {
	t.Parallel()
	// "$big" in a replacement is a Java group reference, not a variable:
	// compiling it must fail rather than silently template it.
	_, err := Compile([]Field{{Name: "x", Transform: decode(t, `{"type":"replace","attributes":{"regex":"a","replacement":"$big"}}`)}})
	require.ErrorIs(t, err, ErrInvalidAttribute)
}

func TestVariableChainDepth(t *testing.T) {
	t.Parallel()
	// A long chain of sibling variables is shallow JSON but deep evaluation.
	attrs := map[string]any{"value": "$v0"}
	const chain = MaxDepth + 5
	for i := range chain {
		attrs["v"+strconv.Itoa(i)] = "$v" + strconv.Itoa(i+1)
	}
	attrs["v"+strconv.Itoa(chain)] = "end"
	prog, err := Compile([]Field{{Name: "x", Transform: map[string]any{"type": "static", "attributes": attrs}}})
	require.NoError(t, err)
	_, err = prog.Evaluate(t.Context(), Input{})
	require.ErrorIs(t, err, ErrTooDeep)
}

func TestContextCancellation(t *testing.T) {
	t.Parallel()
	prog, err := Compile(decodeFields(t, seedPolicy))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	res, err := prog.Evaluate(ctx, Input{Identity: johnSmith, Claimer: NewMemoryClaimer()})
	require.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, res)
	require.Empty(t, res.Claims)
}

// cancellingResolver cancels the evaluation from inside a firstValid with
// ignoreErrors: the cancellation must not be swallowed as an ignorable error.
type cancellingResolver struct{ cancel context.CancelFunc }

func (c cancellingResolver) ReferenceAttribute(ctx context.Context, _, _ string) (any, error) {
	c.cancel()
	return nil, ctx.Err()
}

func TestCancellationIsNotIgnored(t *testing.T) {
	t.Parallel()
	prog, err := Compile(decodeFields(t, `[{"name":"x","transform":{"type":"firstValid","attributes":{"ignoreErrors":true,"values":[
		{"type":"getReferenceIdentityAttribute","attributes":{"uid":"manager","attributeName":"dn"}},"fallback"]}}}]`))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	_, err = prog.Evaluate(ctx, Input{References: cancellingResolver{cancel}})
	require.ErrorIs(t, err, context.Canceled)
}

func TestOversizedCandidatesAreRefusedBeforeClaiming(t *testing.T) {
	t.Parallel()
	half := strings.Repeat("a", MaxOutputSize/2+1)
	claimer := newRecorder()
	res, err := evalPolicy(t, generatorField("${x}${uniqueCounter}${x}", ""), Input{Identity: map[string]any{"x": half}, Claimer: claimer})
	require.ErrorIs(t, err, ErrOutputTooLarge)
	require.Empty(t, res.Claims)
	require.Empty(t, claimer.calls, "nothing may be claimed for an oversized value")
}
