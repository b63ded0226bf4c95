package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"reflect"

	"modernc.org/sqlite"
)

// stmtCacheSize bounds the statements one connection keeps prepared.
const stmtCacheSize = 256

// cachingConnector opens modernc connections that keep their prepared statements by SQL text.
// modernc prepares (parses and plans) every statement run through Exec or Query anew, and
// River's statements are large: profiles under load spent a third of the CPU in SQLite's
// parser. A prepared statement is run again after a reset, as SQLite intends.
type cachingConnector struct {
	dsn string
	drv *sqlite.Driver
}

func (c cachingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return newCachingConn(conn)
}

func (c cachingConnector) Driver() driver.Driver { return c.drv }

// base is what cachingConn needs of a modernc connection.
type base interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type cachedStmt struct {
	stmt interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	busy bool // rows of it are open
}

// cachingConn is used by one goroutine at a time (database/sql locks a connection for every
// call, rows included), so its cache needs no lock.
type cachingConn struct {
	base
	stmts map[string]*cachedStmt
}

func newCachingConn(c driver.Conn) (*cachingConn, error) {
	b, ok := c.(base)
	if !ok {
		return nil, errors.Join(errors.New("sqlite driver connection lacks the context interfaces"), c.Close())
	}
	return &cachingConn{base: b, stmts: map[string]*cachedStmt{}}, nil
}

// stmt returns the cached statement of query, preparing it on first use; nil when it is in
// use by open rows (the caller runs the query uncached).
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if s, ok := c.stmts[query]; ok {
		if s.busy {
			return nil, nil
		}
		return s, nil
	}
	st, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	full, ok := st.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	})
	if !ok {
		return nil, errors.Join(errors.New("sqlite statement lacks the context interfaces"), st.Close())
	}
	if len(c.stmts) >= stmtCacheSize {
		c.evict()
	}
	s := &cachedStmt{stmt: full}
	c.stmts[query] = s
	return s, nil
}

// evict closes one idle statement (any: the cache is large enough for the fixed statements,
// and only queries built with varying lists churn it).
func (c *cachingConn) evict() {
	for q, s := range c.stmts {
		if !s.busy {
			_ = s.stmt.Close()
			delete(c.stmts, q)
			return
		}
	}
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.base.ExecContext(ctx, query, args)
	}
	return s.stmt.ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.base.QueryContext(ctx, query, args)
	}
	rows, err := s.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &cachedRows{Rows: rows, stmt: s}, nil
}

func (c *cachingConn) Close() error {
	errs := make([]error, 0, len(c.stmts)+1)
	for q, s := range c.stmts {
		errs = append(errs, s.stmt.Close())
		delete(c.stmts, q)
	}
	return errors.Join(append(errs, c.base.Close())...)
}

// cachedRows frees its statement for reuse when closed.
type cachedRows struct {
	driver.Rows
	stmt *cachedStmt
}

func (r *cachedRows) Close() error {
	r.stmt.busy = false
	return r.Rows.Close()
}

// The column-type interfaces modernc's rows implement, passed through.

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}
