package store

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/accessflow/accessflow/pkg/storage"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations returns the trigger-ingest service's migrations for a backend.
func Migrations(backend string) (fs.FS, error) {
	switch backend {
	case storage.BackendSQLite, storage.BackendPostgres:
		return fs.Sub(migrationsFS, "migrations/"+backend)
	default:
		return nil, fmt.Errorf("no migrations for backend %q", backend)
	}
}
