package jsonpath_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/jsonpath"
)

// TestCompileLimits checks that expression size, nesting and regex size
// are bounded and that exceeding them is a SyntaxError matching
// ErrLimitExceeded.
func TestCompileLimits(t *testing.T) {
	t.Parallel()
	nots := func(n int) string { return `$[?(` + strings.Repeat("!", n) + `@.a)]` }
	parens := func(n int) string { return `$[?(` + strings.Repeat("(", n) + `@.a` + strings.Repeat(")", n) + `)]` }
	arrays := func(n int) string { return `$[?(@.a == ` + strings.Repeat("[", n) + strings.Repeat("]", n) + `)]` }
	filters := func(n int) string { return `$` + strings.Repeat(`[?(@`, n) + strings.Repeat(`)]`, n) }
	longName := func(n int) string { return `$.` + strings.Repeat("a", n-2) }
	regex := func(n int) string { return `$[?(@.a =~ /` + strings.Repeat("a", n) + `/)]` }

	tests := []struct {
		name    string
		expr    string
		opts    []jsonpath.Option
		wantErr bool
		pos     int
	}{
		{"expression at default length", longName(jsonpath.DefaultMaxExprLen), nil, false, 0},
		{"expression over default length", longName(jsonpath.DefaultMaxExprLen + 1), nil, true, jsonpath.DefaultMaxExprLen},
		{"expression over custom length", `$.identity.name`, []jsonpath.Option{jsonpath.WithMaxExprLen(10)}, true, 10},
		// The filter itself is one level, so 31 negations reach the default 32.
		{"negations at default depth", nots(31), nil, false, 0},
		{"negations over default depth", nots(32), nil, true, 35},
		{"parentheses over default depth", parens(32), nil, true, 35},
		{"array literals over default depth", arrays(32), nil, true, 42},
		{"filters at default depth", filters(32), nil, false, 0},
		{"filters over default depth", filters(33), nil, true, 130},
		{"function arguments count", `$.concat($.concat($.concat()))`, []jsonpath.Option{jsonpath.WithMaxDepth(2)}, true, 20},
		{"custom depth", `$[?(!@.a)]`, []jsonpath.Option{jsonpath.WithMaxDepth(1)}, true, 4},
		{"regex at default length", regex(jsonpath.DefaultMaxRegexLen), nil, false, 0},
		{"regex over default length", regex(jsonpath.DefaultMaxRegexLen + 1), nil, true, 11},
		{"regex program too large", `$[?(@.a =~ /a{1000}/)]`, []jsonpath.Option{jsonpath.WithMaxRegexLen(16)}, true, 11},
		{"regex with a small source and a huge program", `$[?(@.a =~ /((a{100}){100}){100}/)]`, nil, true, 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := jsonpath.Compile(tt.expr, tt.opts...)
			if !tt.wantErr {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, jsonpath.ErrSyntax)
			var se *jsonpath.SyntaxError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tt.pos, se.Pos, "error: %v", err)
			if tt.name != "regex with a small source and a huge program" {
				// Go's regexp may itself refuse such a program first.
				require.ErrorIs(t, err, jsonpath.ErrLimitExceeded)
			}
		})
	}
}

func TestInvalidOptions(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]jsonpath.Option{
		"expr len":  jsonpath.WithMaxExprLen(0),
		"depth":     jsonpath.WithMaxDepth(-1),
		"regex len": jsonpath.WithMaxRegexLen(0),
		"nodes":     jsonpath.WithMaxNodes(0),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := jsonpath.Compile(`$`, opt)
			require.ErrorIs(t, err, jsonpath.ErrInvalidOption)
		})
	}
}

// wideDoc has n objects under "items", each with an id and a tag list.
func wideDoc(n int) any {
	items := make([]any, n)
	for i := range items {
		items[i] = map[string]any{"id": float64(i), "tags": []any{"a", "b"}}
	}
	return map[string]any{"items": items}
}

// wideObj has n members.
func wideObj(n int) map[string]any {
	m := make(map[string]any, n)
	for i := range n {
		m[strconv.Itoa(i)] = float64(i)
	}
	return m
}

// TestEvaluationLimits checks that the work of one evaluation is bounded,
// including filters whose cost grows quadratically with the document.
func TestEvaluationLimits(t *testing.T) {
	t.Parallel()
	deep := any("leaf")
	for range 5000 {
		deep = map[string]any{"x": deep}
	}
	long := map[string]any{"s": strings.Repeat("a", 1<<20)}
	tests := []struct {
		name    string
		expr    string
		doc     any
		opts    []jsonpath.Option
		wantErr bool
	}{
		{"deep scan within limit", `$..id`, wideDoc(100), nil, false},
		// Failing cases select nothing, so that Match, which stops at the
		// first result, has to do all the work too.
		{"deep scan over custom limit", `$..nope`, wideDoc(100), []jsonpath.Option{jsonpath.WithMaxNodes(100)}, true},
		{"quadratic filter over default limit", `$.items[?(@.id in $..nope)]`, wideDoc(2000), nil, true},
		{"quadratic set operator over default limit", `$[?($..tags[*] anyof $..id)]`, wideDoc(2000), nil, true},
		{"deep document within limit", `$..x.length()`, deep, nil, false},
		{"deep document over custom limit", `$..leaf`, deep, []jsonpath.Option{jsonpath.WithMaxNodes(1000)}, true},
		{"long string regex within limit", `$[?($.s =~ /b.*/)]`, long, nil, false},
		{"long string regex over limit", `$[?($.s =~ /b.*/)]`, long, []jsonpath.Option{jsonpath.WithMaxNodes(1000)}, true},
		{"long string contains over limit", `$[?($.s contains 'b')]`, long, []jsonpath.Option{jsonpath.WithMaxNodes(1000)}, true},
		{"quadratic aggregation over default limit", `$.items[?($..id.sum() < 0)]`, wideDoc(2000), nil, true},
		{"quadratic aggregation of a list over default limit", `$.list[?($.list.max() < 0)]`, map[string]any{"list": make([]any, 2000)}, nil, true},
		{"quadratic keys over default limit", `$.list[?($.obj.keys() empty true)]`, map[string]any{"list": make([]any, 2000), "obj": wideObj(2000)}, nil, true},
		{"quadratic append over default limit", `$.list[?($.list.append(1) empty true)]`, map[string]any{"list": make([]any, 2000)}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := jsonpath.Compile(tt.expr, tt.opts...)
			require.NoError(t, err)
			_, selErr := p.Select(t.Context(), tt.doc)
			_, matchErr := p.Match(t.Context(), tt.doc)
			if !tt.wantErr {
				require.NoError(t, selErr)
				require.NoError(t, matchErr)
				return
			}
			require.ErrorIs(t, selErr, jsonpath.ErrLimitExceeded)
			require.ErrorIs(t, matchErr, jsonpath.ErrLimitExceeded)
		})
	}
}

// cancelAfter is a context whose Err starts returning context.Canceled
// after n calls, to cancel an evaluation midway without timing.
type cancelAfter struct {
	context.Context
	n atomic.Int64
}

func (c *cancelAfter) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func TestEvaluationCancel(t *testing.T) {
	t.Parallel()
	p := jsonpath.MustCompile(`$..id`)
	doc := wideDoc(5000)

	t.Run("already canceled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := p.Select(ctx, doc)
		require.ErrorIs(t, err, context.Canceled)
		_, err = p.Match(ctx, doc)
		require.ErrorIs(t, err, context.Canceled)
	})
	t.Run("canceled midway", func(t *testing.T) {
		t.Parallel()
		ctx := &cancelAfter{Context: t.Context()}
		ctx.n.Store(2)
		_, err := p.Select(ctx, doc)
		require.ErrorIs(t, err, context.Canceled)
		require.NotErrorIs(t, err, jsonpath.ErrLimitExceeded)
	})
}
