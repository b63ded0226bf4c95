// Package store keeps the approval service's data: identities, groups, approvable
// relationships, approval chains, access requests and approval flows. Each object is kept whole
// as protobuf JSON beside the columns its keys and queries need. The SQL is written once and
// runs on every storage.Backend; the conformance suite in storetest proves it on SQLite and
// PostgreSQL. Flows are written with optimistic concurrency (a row version), and the jobs a
// write causes are inserted in its transaction.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/groupcommit"
)

// errStale reports a flow written by someone else since it was read; InTx retries.
var errStale = errors.New("flow changed concurrently")

// maxAttempts bounds the retries of a transaction that lost an optimistic-concurrency race.
const maxAttempts = 20

// Store is the approval service's store.
type Store struct {
	backend storage.Backend
	// group shares transactions among concurrent writers on SQLite's single connection.
	group *groupcommit.Group
}

// New returns a store on backend, which must have been opened with Migrations(backend.Name()).
func New(backend storage.Backend) *Store {
	s := &Store{backend: backend}
	if backend.Name() == storage.BackendSQLite {
		s.group = groupcommit.New(backend, groupcommit.WithMaxGroup(64))
	}
	return s
}

// Backend is the store's backend.
func (s *Store) Backend() storage.Backend { return s.backend }

// Tx is a transaction on the store: reads and writes of every object, and job inserts.
type Tx struct {
	tx storage.Tx
}

// InsertJob enqueues a River job in the transaction.
func (t *Tx) InsertJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	return t.tx.InsertJob(ctx, args, opts)
}

// InTx runs fn in a transaction (on SQLite, possibly shared with concurrent callers, each in a
// savepoint of its own). When a flow write loses a race with another writer, the whole of fn
// runs again on fresh reads.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	for attempt := 1; ; attempt++ {
		var err error
		run := func(ctx context.Context, tx storage.Tx) error { return fn(ctx, &Tx{tx: tx}) }
		if s.group != nil {
			err = s.group.Do(ctx, run)
		} else {
			err = s.backend.InTx(ctx, run)
		}
		if !errors.Is(err, errStale) || attempt >= maxAttempts {
			return err
		}
	}
}

// Read runs fn with the store's readers outside a transaction (each read on its own).
func (s *Store) Read() *Reader { return &Reader{q: s.backend.DB()} }

// Reader reads objects; a Tx embeds one bound to the transaction.
type Reader struct{ q storage.DBTX }

// Reader returns the transaction's reader.
func (t *Tx) Reader() *Reader { return &Reader{q: t.tx} }

func marshal(m proto.Message) (string, error) {
	b, err := protojson.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode %T: %w", m, err)
	}
	return string(b), nil
}

func unmarshal[T proto.Message](doc string, m T) (T, error) {
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal([]byte(doc), m); err != nil {
		return m, fmt.Errorf("decode %T: %w", m, err)
	}
	return m, nil
}

func getDoc[T proto.Message](ctx context.Context, q storage.DBTX, what, query, id string, m T) (T, error) {
	var doc string
	if err := q.QueryRow(ctx, query, id).Scan(&doc); err != nil {
		return m, fmt.Errorf("%s %q: %w", what, id, err)
	}
	return unmarshal(doc, m)
}

func listDocs[T proto.Message](ctx context.Context, q storage.DBTX, what, query string, args []any, newT func() T) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("list %s: %w", what, err)
		}
		m, err := unmarshal(doc, newT())
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	return out, nil
}

// Query selects a page of a collection.
type Query struct {
	Filters []collection.Condition
	Page    collection.Page
}

// where turns conditions on the fields in columns into a WHERE clause whose placeholders start
// after the args already given.
func where(conds []collection.Condition, columns map[string]string, args []any) (string, []any) {
	var clauses []string
	for _, c := range conds {
		col := columns[c.Field]
		switch c.Op {
		case collection.OpIn:
			ph := make([]string, len(c.Values))
			for i, v := range c.Values {
				args = append(args, fmt.Sprint(v))
				ph[i] = fmt.Sprintf("$%d", len(args))
			}
			clauses = append(clauses, fmt.Sprintf("%s IN (%s)", col, strings.Join(ph, ", ")))
		case collection.OpSw:
			args = append(args, escapeLike(fmt.Sprint(c.Values[0]))+"%")
			clauses = append(clauses, fmt.Sprintf(`%s LIKE $%d ESCAPE '\'`, col, len(args)))
		default:
			args = append(args, fmt.Sprint(c.Values[0]))
			clauses = append(clauses, fmt.Sprintf("%s = $%d", col, len(args)))
		}
	}
	if len(clauses) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(clauses, " AND "), args
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// page lists one page of table's docs and, when count is set, the total.
func page[T proto.Message](ctx context.Context, q storage.DBTX, table, order string, columns map[string]string, query Query, newT func() T) ([]T, error) {
	w, args := where(query.Filters, columns, nil)
	args = append(args, query.Page.Limit, query.Page.Offset)
	sql := fmt.Sprintf(`SELECT doc FROM %s%s ORDER BY %s LIMIT $%d OFFSET $%d`, table, w, order, len(args)-1, len(args))
	return listDocs(ctx, q, table, sql, args, newT)
}

func count(ctx context.Context, q storage.DBTX, table string, columns map[string]string, query Query) (int, error) {
	w, args := where(query.Filters, columns, nil)
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM `+table+w, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	return n, nil
}

func micros(t interface{ AsTime() time.Time }) int64 { return t.AsTime().UnixMicro() }

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
