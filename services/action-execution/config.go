package actionexecution

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Config is the action-execution service's own configuration; the flags every service shares
// (storage, logging, secrets, peers) live in service.Config.
type Config struct {
	// ScriptTimeout bounds one run of a script (its connector call and the policy calls
	// around it). River rescues a job of a killed process once it has been running a little
	// longer than this, so it also bounds how soon a flow resumes after a crash.
	ScriptTimeout time.Duration
	// Workers is how many scripts a process runs at once.
	Workers int
	// OutboundAllowCIDRs are the otherwise refused networks (loopback, private, link-local…)
	// provider endpoints may still resolve to, e.g. 10.0.0.0/8 for an internal directory.
	OutboundAllowCIDRs []netip.Prefix
	// ApprovalBaseURL is the public base URL of the REST gateway, which the approve and deny
	// links of email_approval and slack_approval scripts point at.
	ApprovalBaseURL string
}

// DefaultConfig is the documented default (see docs/configuration.md).
func DefaultConfig() Config {
	return Config{ScriptTimeout: 10 * time.Second, Workers: 50, ApprovalBaseURL: "http://localhost:8080"}
}

// Bind registers the service's flags on fs with c's values as defaults.
func (c *Config) Bind(fs *flag.FlagSet) {
	fs.DurationVar(&c.ScriptTimeout, "action-script-timeout", c.ScriptTimeout, "time limit of one run of an action script; the jobs of a killed process are rescued a few seconds after it")
	fs.IntVar(&c.Workers, "action-workers", c.Workers, "action scripts a process runs at once")
	fs.StringVar(&c.ApprovalBaseURL, "action-approval-base-url", c.ApprovalBaseURL, "public base URL of the REST gateway, which the approve and deny links of approval scripts point at")
	fs.Func("action-outbound-allow-cidrs", "comma-separated networks that provider endpoints may resolve to although they are loopback, private or link-local (default none: such targets are refused)", func(v string) error {
		var out []netip.Prefix
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			p, err := netip.ParsePrefix(part)
			if err != nil {
				return fmt.Errorf("action outbound allow cidrs: %w", err)
			}
			out = append(out, p.Masked())
		}
		c.OutboundAllowCIDRs = out
		return nil
	})
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.ScriptTimeout < time.Second {
		errs = append(errs, fmt.Errorf("action script timeout must be at least 1s, got %s", c.ScriptTimeout))
	}
	if c.Workers < 1 {
		errs = append(errs, fmt.Errorf("action workers must be at least 1, got %d", c.Workers))
	}
	if !strings.HasPrefix(c.ApprovalBaseURL, "http://") && !strings.HasPrefix(c.ApprovalBaseURL, "https://") {
		errs = append(errs, fmt.Errorf("action approval base URL %q: want http(s)://host[:port]", c.ApprovalBaseURL))
	}
	return errors.Join(errs...)
}
