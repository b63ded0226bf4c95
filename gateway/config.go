package gateway

import (
	"errors"
	"flag"
	"fmt"

	"github.com/accessflow/accessflow/pkg/service"
)

// Config is the gateway's own configuration.
type Config struct {
	// Addr is the HTTP listen address.
	Addr string
	// MaxBodyBytes caps request bodies.
	MaxBodyBytes int64
	// RateLimit is the requests per second each client may make (0 disables), RateBurst its burst.
	RateLimit float64
	RateBurst int
}

// DefaultConfig is the documented default.
func DefaultConfig() Config {
	return Config{
		Addr:         ":8080",
		MaxBodyBytes: 1 << 20,
		RateLimit:    100,
		RateBurst:    200,
	}
}

// Bind registers the gateway's listen flags on fs.
func (c *Config) Bind(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "gateway-addr", c.Addr, "HTTP listen address of the REST gateway")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest request body the gateway accepts; larger ones get 413")
	fs.Float64Var(&c.RateLimit, "rate-limit", c.RateLimit, "requests per second each client (bearer credentials, else address) may make through the gateway; excess gets 429 with Retry-After; 0 disables")
	fs.IntVar(&c.RateBurst, "rate-burst", c.RateBurst, "burst of requests above --rate-limit a client may make")
}

// StandaloneFlags returns the flags of the standalone gateway binary, bound to cfg and gw (whose
// values are the defaults): the shared flags, the gateway's own and the services' targets.
func StandaloneFlags(cfg *service.Config, gw *Config) *flag.FlagSet {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	cfg.Bind(fs)
	gw.Bind(fs)
	cfg.Targets.Bind(fs)
	return fs
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, fmt.Errorf("max body bytes must be at least 1024, got %d", c.MaxBodyBytes))
	}
	if c.RateLimit < 0 || (c.RateLimit > 0 && c.RateBurst < 1) {
		errs = append(errs, fmt.Errorf("rate limit %v with burst %d: want a non-negative limit and a positive burst", c.RateLimit, c.RateBurst))
	}
	if c.Addr == "" {
		errs = append(errs, errors.New("gateway address is required"))
	}
	return errors.Join(errs...)
}
