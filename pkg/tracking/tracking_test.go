package tracking_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/tracking"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input string
		ok    bool
	}{
		{"reference example", "4b4d982dddff4267ab12f0f1e72b5a6d", true},
		{"uppercase", "4B4D982DDDFF4267AB12F0F1E72B5A6D", false},
		{"short", "4b4d982dddff4267ab12f0f1e72b5a6", false},
		{"long", "4b4d982dddff4267ab12f0f1e72b5a6d0", false},
		{"dashes", "4b4d982d-ddff-4267-ab12-f0f1e72b", false},
		{"all zeros", "00000000000000000000000000000000", false},
		{"empty", "", false},
		{"non hex", "zb4d982dddff4267ab12f0f1e72b5a6d", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := tracking.Parse(tt.input)
			if !tt.ok {
				require.ErrorIs(t, err, tracking.ErrInvalid)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.input, n.String())
		})
	}
}

func TestNewIsValidAndUnique(t *testing.T) {
	t.Parallel()
	seen := map[tracking.Number]bool{}
	for range 1000 {
		n := tracking.New()
		_, err := tracking.Parse(n.String())
		require.NoError(t, err)
		require.False(t, seen[n], "duplicate %s", n)
		seen[n] = true
	}
}

func TestTraceIDRoundTrip(t *testing.T) {
	t.Parallel()
	n := tracking.New()
	require.Equal(t, n, tracking.FromTraceID(n.TraceID()))
}

func TestContext(t *testing.T) {
	t.Parallel()
	_, ok := tracking.FromContext(t.Context())
	require.False(t, ok)
	n := tracking.New()
	got, ok := tracking.FromContext(tracking.NewContext(t.Context(), n))
	require.True(t, ok)
	require.Equal(t, n, got)
}

func FuzzParse(f *testing.F) {
	f.Add("4b4d982dddff4267ab12f0f1e72b5a6d")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := tracking.Parse(s)
		if err != nil {
			if !errors.Is(err, tracking.ErrInvalid) {
				t.Fatalf("unexpected error type: %v", err)
			}
			return
		}
		if tracking.FromTraceID(n.TraceID()) != n {
			t.Fatalf("round trip of %q failed", s)
		}
	})
}
