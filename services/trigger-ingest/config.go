package triggeringest

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/accessflow/accessflow/services/trigger-ingest/internal/delivery"
)

// Config is the trigger-ingest service's own configuration; the flags every service shares
// (storage, logging, secrets) live in service.Config.
type Config struct {
	// RetrySchedule is the delay before each retry of a failed delivery; a delivery whose
	// schedule is spent is FAILED (a dead letter). Each delay gets ±20% jitter.
	RetrySchedule []time.Duration
	// OutboundAllowCIDRs are the otherwise refused networks (loopback, private, link-local…)
	// subscriber URLs may still resolve to, e.g. 127.0.0.0/8 in tests.
	OutboundAllowCIDRs []netip.Prefix
	// EventRetention is how long events and their delivery history are kept.
	EventRetention time.Duration
	// DeliveryTimeout bounds one request to a subscriber.
	DeliveryTimeout time.Duration
	// DeliveryRescueAfter is how long a delivery job may stay running before it is presumed
	// lost with its process (a crash, a kill) and run again; 0 derives it from DeliveryTimeout
	// (see RescueAfter).
	DeliveryRescueAfter time.Duration
	// MaxConcurrentPerSubscription caps the requests in flight to one subscription (per process).
	MaxConcurrentPerSubscription int
	// DeliveryWorkers is the number of deliveries a process works at once.
	DeliveryWorkers int
	// AutoDisableAfter disables a subscription whose deliveries have failed, without a success
	// in between, for this long. Its events are kept; re-enable and replay it.
	AutoDisableAfter time.Duration
	// CallbackBaseURL is the public base URL of the REST gateway, which asynchronous
	// REQUEST_RESPONSE subscribers call back (…/beta/trigger-invocations/{id}/complete).
	CallbackBaseURL string
}

// DefaultConfig is the documented default (see docs/configuration.md).
func DefaultConfig() Config {
	return Config{
		RetrySchedule: []time.Duration{
			5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour,
		},
		EventRetention:               30 * 24 * time.Hour,
		DeliveryTimeout:              10 * time.Second,
		MaxConcurrentPerSubscription: 16,
		DeliveryWorkers:              100,
		AutoDisableAfter:             72 * time.Hour,
		CallbackBaseURL:              "http://localhost:8080",
	}
}

// Bind registers the service's flags on fs with c's values as defaults.
func (c *Config) Bind(fs *flag.FlagSet) {
	fs.Func("delivery-retry-schedule", "delays between delivery attempts, comma-separated Go durations; the delivery fails (dead letter) once they are spent (default \""+formatDurations(c.RetrySchedule)+"\")", func(v string) error {
		d, err := parseDurations(v)
		if err != nil {
			return err
		}
		c.RetrySchedule = d
		return nil
	})
	fs.Func("outbound-allow-cidrs", "comma-separated networks that subscriber URLs may resolve to although they are loopback, private or link-local (default none: such targets are refused)", func(v string) error {
		p, err := parsePrefixes(v)
		if err != nil {
			return err
		}
		c.OutboundAllowCIDRs = p
		return nil
	})
	fs.DurationVar(&c.EventRetention, "event-retention", c.EventRetention, "how long events, their deliveries and idempotency keys are kept (at least 24h)")
	fs.DurationVar(&c.DeliveryTimeout, "delivery-timeout", c.DeliveryTimeout, "time limit of one request to a subscriber")
	fs.DurationVar(&c.DeliveryRescueAfter, "delivery-rescue-after", c.DeliveryRescueAfter, "how long a delivery may stay running before River's stuck-job rescue retries it, the fallback when its process's death cannot be seen (jobs of a process known dead are retried within seconds, on restart or by a surviving replica); 0: --delivery-timeout plus 15s")
	fs.IntVar(&c.MaxConcurrentPerSubscription, "delivery-max-concurrent-per-subscription", c.MaxConcurrentPerSubscription, "most requests in flight to one subscription, per process")
	fs.IntVar(&c.DeliveryWorkers, "delivery-workers", c.DeliveryWorkers, "deliveries a process works at once")
	fs.DurationVar(&c.AutoDisableAfter, "subscription-auto-disable-after", c.AutoDisableAfter, "disable a subscription whose deliveries have kept failing this long (0 never disables)")
	fs.StringVar(&c.CallbackBaseURL, "invocation-callback-base-url", c.CallbackBaseURL, "public base URL of the REST gateway, given to asynchronous REQUEST_RESPONSE subscribers to complete invocations")
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	var errs []error
	if len(c.RetrySchedule) == 0 {
		errs = append(errs, errors.New("delivery retry schedule needs at least one delay"))
	}
	for _, d := range c.RetrySchedule {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("delivery retry schedule: delays must be positive, got %s", d))
			break
		}
	}
	if c.EventRetention < 24*time.Hour {
		errs = append(errs, fmt.Errorf("event retention must be at least 24h (idempotency keys live as long), got %s", c.EventRetention))
	}
	if c.DeliveryTimeout <= 0 {
		errs = append(errs, fmt.Errorf("delivery timeout must be positive, got %s", c.DeliveryTimeout))
	}
	if c.DeliveryRescueAfter < 0 {
		errs = append(errs, fmt.Errorf("delivery rescue-after must not be negative, got %s", c.DeliveryRescueAfter))
	} else if c.DeliveryRescueAfter > 0 && c.DeliveryRescueAfter <= delivery.JobTimeout(c.DeliveryTimeout) {
		errs = append(errs, fmt.Errorf("delivery rescue-after %s must exceed the delivery job's own time limit, %s (--delivery-timeout plus %s to record the outcome)",
			c.DeliveryRescueAfter, delivery.JobTimeout(c.DeliveryTimeout), delivery.RecordTimeout))
	}
	if c.MaxConcurrentPerSubscription < 1 {
		errs = append(errs, fmt.Errorf("delivery max concurrent per subscription must be at least 1, got %d", c.MaxConcurrentPerSubscription))
	}
	if c.DeliveryWorkers < 1 {
		errs = append(errs, fmt.Errorf("delivery workers must be at least 1, got %d", c.DeliveryWorkers))
	}
	if c.AutoDisableAfter < 0 {
		errs = append(errs, fmt.Errorf("subscription auto-disable-after must not be negative, got %s", c.AutoDisableAfter))
	}
	if !strings.HasPrefix(c.CallbackBaseURL, "http://") && !strings.HasPrefix(c.CallbackBaseURL, "https://") {
		errs = append(errs, fmt.Errorf("invocation callback base URL %q: want http(s)://host[:port]", c.CallbackBaseURL))
	}
	return errors.Join(errs...)
}

// RescueAfter is when a running delivery job is presumed lost: DeliveryRescueAfter when set,
// else the job's own time limit plus a margin for a slow commit.
func (c Config) RescueAfter() time.Duration {
	if c.DeliveryRescueAfter > 0 {
		return c.DeliveryRescueAfter
	}
	return delivery.JobTimeout(c.DeliveryTimeout) + rescueMargin
}

// rescueMargin separates a job's time limit from its rescue, so that a job finishing late
// (its outcome is recorded even past its limit) is not run twice.
const rescueMargin = 5 * time.Second

func parseDurations(v string) ([]time.Duration, error) {
	var out []time.Duration
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		d, err := time.ParseDuration(part)
		if err != nil {
			return nil, fmt.Errorf("retry schedule: %w", err)
		}
		out = append(out, d)
	}
	return out, nil
}

func formatDurations(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.String()
	}
	return strings.Join(parts, ",")
}

func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("outbound allow cidrs: %w", err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
