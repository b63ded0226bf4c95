package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStatementCache(t *testing.T) {
	db, err := openDB(t.Context(), filepath.Join(t.TempDir(), "cache.db"), "NORMAL", connWrite)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	db.SetMaxOpenConns(1)
	ctx := t.Context()
	_, err = db.ExecContext(ctx, "CREATE TABLE t (n INTEGER)")
	require.NoError(t, err)
	for i := range 3 {
		_, err = db.ExecContext(ctx, "INSERT INTO t (n) VALUES (?)", i)
		require.NoError(t, err)
	}
	cached := func() int {
		conn, err := db.Conn(ctx)
		require.NoError(t, err)
		defer conn.Close()
		var n int
		require.NoError(t, conn.Raw(func(dc any) error {
			n = len(dc.(*cachingConn).stmts)
			return nil
		}))
		return n
	}
	const all = "SELECT n FROM t ORDER BY n"
	type querier interface {
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	}
	query := func(q querier) []int {
		rows, err := q.QueryContext(ctx, all)
		require.NoError(t, err)
		defer rows.Close()
		var out []int
		for rows.Next() {
			var n int
			require.NoError(t, rows.Scan(&n))
			out = append(out, n)
		}
		require.NoError(t, rows.Err())
		return out
	}

	t.Run("the same query while its rows are open", func(t *testing.T) {
		tx, err := db.BeginTx(ctx, nil) // one connection for both queries
		require.NoError(t, err)
		defer func() { _ = tx.Rollback() }()
		outer, err := tx.QueryContext(ctx, all)
		require.NoError(t, err)
		defer outer.Close()
		var pairs []string
		for outer.Next() {
			var n int
			require.NoError(t, outer.Scan(&n))
			pairs = append(pairs, fmt.Sprint(n, query(tx)))
		}
		require.NoError(t, outer.Err())
		require.Equal(t, []string{"0 [0 1 2]", "1 [0 1 2]", "2 [0 1 2]"}, pairs)
		require.Equal(t, []int{0, 1, 2}, query(tx), "the statement is free again")
	})

	t.Run("a cached statement sees later writes and rolled back ones go", func(t *testing.T) {
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		_, err = tx.ExecContext(ctx, "INSERT INTO t (n) VALUES (?)", 9)
		require.NoError(t, err)
		require.Equal(t, []int{0, 1, 2, 9}, query(tx))
		require.NoError(t, tx.Rollback())
		require.Equal(t, []int{0, 1, 2}, query(db))
	})

	t.Run("bounded", func(t *testing.T) {
		for i := range stmtCacheSize + 50 {
			var n int
			require.NoError(t, db.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) + %d FROM t", i)).Scan(&n))
			require.Equal(t, 3+i, n)
		}
		require.Equal(t, stmtCacheSize, cached())
	})

	t.Run("errors", func(t *testing.T) {
		_, err := db.ExecContext(ctx, "INSERT INTO nope VALUES (1)")
		require.ErrorContains(t, err, "no such table")
		_, err = db.ExecContext(ctx, "CREATE TABLE nope (n INTEGER)")
		require.NoError(t, err)
		_, err = db.ExecContext(ctx, "INSERT INTO nope VALUES (1)")
		require.NoError(t, err, "a statement that failed to prepare is not cached")
		_, err = db.ExecContext(ctx, "CREATE UNIQUE INDEX nope_n ON nope (n)")
		require.NoError(t, err)
		_, err = db.ExecContext(ctx, "INSERT INTO nope VALUES (?)", 1)
		require.ErrorContains(t, err, "UNIQUE")
		_, err = db.ExecContext(ctx, "INSERT INTO nope VALUES (?)", 2)
		require.NoError(t, err, "a cached statement runs again after it failed")
		var n int
		require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM nope").Scan(&n))
		require.Equal(t, 2, n)
	})
}
