package store

import (
	"embed"
	"io/fs"

	"github.com/accessflow/accessflow/pkg/storage"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations returns the approval service's migrations for a backend.
func Migrations(backend string) (fs.FS, error) { return storage.MigrationsFor(migrationsFS, backend) }
