package policy_test

import (
	"flag"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/services/policy"
)

func TestConfig(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		args    []string
		want    time.Duration
		invalid bool
	}{
		{"default", nil, time.Hour, false},
		{"flag", []string{"--reservation-ttl=90s"}, 90 * time.Second, false},
		{"below a second", []string{"--reservation-ttl=500ms"}, 500 * time.Millisecond, true},
		{"negative", []string{"--reservation-ttl=-1m"}, -time.Minute, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := policy.DefaultConfig()
			fs := flag.NewFlagSet("policy", flag.ContinueOnError)
			cfg.Bind(fs)
			require.NoError(t, fs.Parse(tc.args))
			require.Equal(t, tc.want, cfg.ReservationTTL)
			if tc.invalid {
				require.ErrorContains(t, cfg.Validate(), "reservation ttl")
			} else {
				require.NoError(t, cfg.Validate())
			}
		})
	}
}

// TestSpecReadsItsConfig checks that the spec's flags and validation act on the config it was
// made with.
func TestSpecReadsItsConfig(t *testing.T) {
	t.Parallel()
	cfg := policy.DefaultConfig()
	spec := policy.NewSpec(&cfg)
	fs := flag.NewFlagSet("policy", flag.ContinueOnError)
	spec.BindFlags(fs)
	require.NoError(t, fs.Parse([]string{"--reservation-ttl=0s"}))
	require.Zero(t, cfg.ReservationTTL)
	require.Error(t, spec.Validate())
}
