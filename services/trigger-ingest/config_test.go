package triggeringest_test

import (
	"flag"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	triggeringest "github.com/accessflow/accessflow/services/trigger-ingest"
)

func TestDefaultConfig(t *testing.T) {
	t.Parallel()
	cfg := triggeringest.DefaultConfig()
	require.NoError(t, cfg.Validate())
	var total time.Duration
	for _, d := range cfg.RetrySchedule {
		total += d
	}
	require.GreaterOrEqual(t, total, 24*time.Hour, "the default schedule retries for at least a day")
	require.Empty(t, cfg.OutboundAllowCIDRs, "internal targets are refused by default")
	require.Equal(t, 30*24*time.Hour, cfg.EventRetention)
	require.Equal(t, 10*time.Second, cfg.DeliveryTimeout)
	// A running delivery presumed lost after its own limit (request 10s + recording 10s) and a
	// margin: not after River's hour.
	require.Equal(t, 25*time.Second, cfg.RescueAfter())
}

func TestRescueAfterFlag(t *testing.T) {
	t.Parallel()
	cfg := triggeringest.DefaultConfig()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	cfg.Bind(fs)
	require.NoError(t, fs.Parse([]string{"--delivery-timeout", "2s"}))
	require.Equal(t, 17*time.Second, cfg.RescueAfter(), "derived from the delivery timeout")
	require.NoError(t, fs.Parse([]string{"--delivery-rescue-after", "40s"}))
	require.Equal(t, 40*time.Second, cfg.RescueAfter())
	require.NoError(t, cfg.Validate())
}

func TestConfigFlags(t *testing.T) {
	t.Parallel()
	cfg := triggeringest.DefaultConfig()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	cfg.Bind(fs)
	require.NoError(t, fs.Parse([]string{
		"--delivery-retry-schedule", "5s, 5m,30m",
		"--outbound-allow-cidrs", "127.0.0.0/8,10.1.2.3/16",
		"--event-retention", "48h",
	}))
	require.Equal(t, []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute}, cfg.RetrySchedule)
	require.Equal(t, []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.1.0.0/16")}, cfg.OutboundAllowCIDRs)
	require.Equal(t, 48*time.Hour, cfg.EventRetention)
	require.NoError(t, cfg.Validate())

	for _, args := range [][]string{
		{"--delivery-retry-schedule", "soon"},
		{"--outbound-allow-cidrs", "localhost"},
	} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		c := triggeringest.DefaultConfig()
		c.Bind(fs)
		require.Error(t, fs.Parse(args), "%v", args)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	cases := map[string]func(*triggeringest.Config){
		"empty schedule":     func(c *triggeringest.Config) { c.RetrySchedule = nil },
		"negative delay":     func(c *triggeringest.Config) { c.RetrySchedule = []time.Duration{-time.Second} },
		"short retention":    func(c *triggeringest.Config) { c.EventRetention = time.Hour },
		"no timeout":         func(c *triggeringest.Config) { c.DeliveryTimeout = 0 },
		"no concurrency":     func(c *triggeringest.Config) { c.MaxConcurrentPerSubscription = 0 },
		"no workers":         func(c *triggeringest.Config) { c.DeliveryWorkers = 0 },
		"negative disable":   func(c *triggeringest.Config) { c.AutoDisableAfter = -time.Second },
		"callback not a URL": func(c *triggeringest.Config) { c.CallbackBaseURL = "gateway:8080" },
		"negative rescue":    func(c *triggeringest.Config) { c.DeliveryRescueAfter = -time.Second },
		// A rescue before the job's own limit would run live deliveries twice.
		"rescue within the job's limit": func(c *triggeringest.Config) { c.DeliveryRescueAfter = c.DeliveryTimeout },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := triggeringest.DefaultConfig()
			mutate(&cfg)
			require.Error(t, cfg.Validate())
		})
	}
}
