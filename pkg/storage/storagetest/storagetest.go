// Package storagetest gives tests real databases: a fresh SQLite file, or a fresh PostgreSQL
// database cloned from a template that was migrated once (cloning takes milliseconds, migrating
// takes seconds).
package storagetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDatabaseURL names the PostgreSQL server tests use; CI always sets it.
const EnvDatabaseURL = "ACCESSFLOW_TEST_DATABASE_URL"

// SQLitePath returns a database path in a fresh temporary directory.
func SQLitePath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "test.db")
}

// PostgresURL returns the test server's URL, or skips the test — loudly — when it is unset.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvDatabaseURL)
	if u == "" {
		t.Skipf("SKIPPING PostgreSQL test: %s is not set (e.g. postgres://postgres@127.0.0.1:5432/test); `make test` sets it", EnvDatabaseURL)
	}
	return u
}

// MigrateFunc migrates the database at url.
type MigrateFunc func(ctx context.Context, databaseURL string) error

// NewPostgresDatabase returns the URL of a new database, dropped when the test ends, cloned from
// a template that migrate built. The template is named after name and a hash of migrations and
// the River version, so it is rebuilt exactly when either changes.
func NewPostgresDatabase(t testing.TB, name string, migrations fs.FS, migrate MigrateFunc) string {
	t.Helper()
	base := PostgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvDatabaseURL, err)
	}
	defer admin.Close(ctx)

	// One lock serializes template builds and clones across the test processes that go test
	// runs in parallel: PostgreSQL refuses to clone a template another session is using.
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(hashtext('accessflow.storagetest'))"); err != nil {
		t.Fatalf("lock: %v", err)
	}
	defer func() {
		_, _ = admin.Exec(context.Background(), "SELECT pg_advisory_unlock(hashtext('accessflow.storagetest'))")
	}()

	tmpl := "af_tmpl_" + name + "_" + fingerprint(t, migrations)
	if err := ensureTemplate(ctx, admin, base, tmpl, migrate); err != nil {
		t.Fatalf("template %s: %v", tmpl, err)
	}
	db := "af_test_" + name + "_" + randomSuffix()
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", db, tmpl)); err != nil {
		t.Fatalf("clone %s: %v", tmpl, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop %s: %v", db, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", db)); err != nil {
			t.Errorf("drop %s: %v", db, err)
		}
	})
	return withDatabase(t, base, db)
}

func ensureTemplate(ctx context.Context, admin *pgx.Conn, base, tmpl string, migrate MigrateFunc) error {
	var ready bool
	err := admin.QueryRow(ctx,
		"SELECT coalesce(shobj_description(oid, 'pg_database'), '') = 'ready' FROM pg_database WHERE datname = $1", tmpl,
	).Scan(&ready)
	switch {
	case err == nil && ready:
		return nil
	case err == nil: // exists but a previous build died half-way
		if _, err := admin.Exec(ctx, fmt.Sprintf("DROP DATABASE %s WITH (FORCE)", tmpl)); err != nil {
			return fmt.Errorf("drop stale template: %w", err)
		}
	case !errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("look up template: %w", err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+tmpl); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return fmt.Errorf("parse url: %w", err)
	}
	u.Path = "/" + tmpl
	if err := migrate(ctx, u.String()); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf("COMMENT ON DATABASE %s IS 'ready'", tmpl)); err != nil {
		return fmt.Errorf("mark ready: %w", err)
	}
	return nil
}

func withDatabase(t testing.TB, base, db string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvDatabaseURL, err)
	}
	u.Path = "/" + db
	return u.String()
}

func fingerprint(t testing.TB, migrations fs.FS) string {
	t.Helper()
	h := sha256.New()
	if migrations == nil {
		return "none"
	}
	err := fs.WalkDir(migrations, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%s\x00", path, b)
		return nil
	})
	if err != nil {
		t.Fatalf("hash migrations: %v", err)
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if strings.HasPrefix(dep.Path, "github.com/riverqueue/river") {
				fmt.Fprintf(h, "%s@%s\x00", dep.Path, dep.Version)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
