package storage

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// PlatformVersionTable tracks the migrations every service shares, apart from its own.
const PlatformVersionTable = "accessflow_platform_version"

// GooseUp applies migrations (nil: none) to db, tracking them in table (empty: goose's default).
func GooseUp(ctx context.Context, dialect goose.Dialect, db *sql.DB, migrations fs.FS, table string) error {
	if migrations == nil {
		return nil
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if table != "" {
		opts = append(opts, goose.WithTableName(table))
	}
	p, err := goose.NewProvider(dialect, db, migrations, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// MigrationsFor picks a backend's migrations from an embedded tree laid out as
// migrations/<backend>/NNNNN_name.sql, the layout every Accessflow store uses.
func MigrationsFor(tree fs.FS, backend string) (fs.FS, error) {
	switch backend {
	case BackendSQLite, BackendPostgres:
		return fs.Sub(tree, "migrations/"+backend)
	default:
		return nil, fmt.Errorf("no migrations for backend %q", backend)
	}
}

// WriteProbe is a write that changes nothing, run by a backend's readiness check after its
// storage was found full: it succeeds once space is back.
const WriteProbe = `UPDATE goose_db_version SET is_applied = is_applied WHERE id = (SELECT max(id) FROM goose_db_version)`
