package policy

import (
	"flag"
	"fmt"
	"time"

	"github.com/accessflow/accessflow/services/policy/internal/policies"
)

// Config is the policy service's own configuration.
type Config struct {
	// ReservationTTL is how long a generated unique value stays reserved unless confirmed.
	ReservationTTL time.Duration
}

// DefaultConfig is the documented default (see docs/configuration.md).
func DefaultConfig() Config {
	return Config{ReservationTTL: policies.DefaultReservationTTL}
}

// Bind registers the service's flags on fs with c's values as defaults.
func (c *Config) Bind(fs *flag.FlagSet) {
	fs.DurationVar(&c.ReservationTTL, "reservation-ttl", c.ReservationTTL,
		"how long a generated unique value (e.g. a username) stays reserved unless the caller confirms it; expired reservations are free again and a periodic job deletes them")
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	if c.ReservationTTL < time.Second {
		return fmt.Errorf("reservation ttl %s: want at least 1s", c.ReservationTTL)
	}
	return nil
}
