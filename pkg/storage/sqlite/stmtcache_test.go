package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"
)

// The statement cache runs a query again while rows of its first run are still open (the
// second run is prepared apart), and reuses statements with fresh arguments each time.
func TestStatementCache(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := sql.OpenDB(cachingConnector{dsn: "file:" + filepath.Join(t.TempDir(), "cache.db"), drv: &sqlite.Driver{}})
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	db.SetMaxOpenConns(1)
	_, err := db.ExecContext(ctx, `CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)`)
	require.NoError(t, err)
	for i, v := range []string{"a", "b", "c"} {
		res, err := db.ExecContext(ctx, `INSERT INTO t (k, v) VALUES ($1, $2)`, i, v)
		require.NoError(t, err)
		n, err := res.RowsAffected()
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
	}
	const q = `SELECT v FROM t WHERE k >= $1 ORDER BY k`
	err = withTx(ctx, db, func(tx *sql.Tx) error {
		outer, err := tx.QueryContext(ctx, q, 0)
		require.NoError(t, err)
		defer outer.Close()
		var got []string
		for outer.Next() {
			var v string
			require.NoError(t, outer.Scan(&v))
			require.Equal(t, []string{"c"}, queryAll(t, tx, q, 2))
			got = append(got, v)
		}
		require.NoError(t, outer.Err())
		require.Equal(t, []string{"a", "b", "c"}, got)
		return nil
	})
	require.NoError(t, err)
	var v string
	require.NoError(t, db.QueryRowContext(ctx, q, 1).Scan(&v))
	require.Equal(t, "b", v, "the cached statement takes the new argument")
}

func withTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func queryAll(t *testing.T, tx *sql.Tx, q string, arg any) []string {
	t.Helper()
	rows, err := tx.QueryContext(t.Context(), q, arg)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var w string
		require.NoError(t, rows.Scan(&w))
		out = append(out, w)
	}
	require.NoError(t, rows.Err())
	return out
}
