package storage

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// Backend names.
const (
	BackendSQLite   = "sqlite"
	BackendPostgres = "postgres"
)

// Config chooses where a service keeps its data: SQLite files under DataDir (the embedded
// default) or, when DatabaseURL is set, PostgreSQL with one schema per service.
type Config struct {
	// DataDir holds one SQLite file per service.
	DataDir string
	// DatabaseURL, when set, selects PostgreSQL (postgres://…).
	DatabaseURL string
	// ConnectTimeout bounds connecting to PostgreSQL, including its first answer: a server
	// that accepts TCP but never answers fails start-up instead of hanging it.
	ConnectTimeout time.Duration
	// SQLiteSynchronous is SQLite's synchronous pragma: NORMAL survives a process crash (WAL);
	// FULL also survives an OS crash or power loss, at the cost of an fsync per commit.
	SQLiteSynchronous string
}

// DefaultConfig is the embedded default: SQLite under ./data.
func DefaultConfig() Config {
	return Config{DataDir: "data", SQLiteSynchronous: "NORMAL", ConnectTimeout: 10 * time.Second}
}

// Backend returns BackendPostgres when a database URL is set, else BackendSQLite.
func (c Config) Backend() string {
	if c.DatabaseURL != "" {
		return BackendPostgres
	}
	return BackendSQLite
}

// SQLitePath is the database file of a service.
func (c Config) SQLitePath(service string) string {
	return filepath.Join(c.DataDir, service+".db")
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	switch strings.ToUpper(c.SQLiteSynchronous) {
	case "OFF", "NORMAL", "FULL", "EXTRA":
	default:
		return fmt.Errorf("sqlite synchronous %q: want NORMAL, FULL, EXTRA or OFF", c.SQLiteSynchronous)
	}
	if c.ConnectTimeout < 0 {
		return fmt.Errorf("database connect timeout must not be negative, got %s", c.ConnectTimeout)
	}
	if c.DatabaseURL == "" {
		if c.DataDir == "" {
			return errors.New("data dir is required when no database URL is set")
		}
		return nil
	}
	u, err := url.Parse(c.DatabaseURL)
	if err != nil {
		return fmt.Errorf("database url: %w", err)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return fmt.Errorf("database url scheme %q: want postgres", u.Scheme)
	}
	return nil
}

// SchemaName is the PostgreSQL schema of a service ("trigger-ingest" → "trigger_ingest").
func SchemaName(service string) string {
	return strings.ReplaceAll(service, "-", "_")
}
