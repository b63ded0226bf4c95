// Package store keeps the policy service's data. Its SQL is written once and runs on every
// storage.Backend (SQLite and PostgreSQL); the conformance suite in storetest proves it on each.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/groupcommit"
)

// Store is the policy service's store.
type Store struct {
	backend storage.Backend
	now     func() time.Time
	// group batches claims into shared transactions where writes are serial (SQLite);
	// nil on PostgreSQL, where claims commit on their own, in parallel.
	group *groupcommit.Group
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock that stamps policies and reservations and decides when a
// reservation has expired (default: the wall clock).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// New returns a store on backend, which must have been opened with Migrations(backend.Name()).
func New(backend storage.Backend, opts ...Option) *Store {
	s := &Store{backend: backend, now: time.Now}
	if backend.Name() != storage.BackendPostgres {
		// A claim writes nothing when it fails (an *ExhaustedError), so it needs no savepoint.
		s.group = groupcommit.New(backend, groupcommit.WithMaxGroup(64),
			groupcommit.WithoutSavepoints(func(err error) bool {
				var ex *ExhaustedError
				return errors.As(err, &ex)
			}))
	}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// Ready reports whether the database answers.
func (s *Store) Ready(ctx context.Context) error { return s.backend.Ready(ctx) }

// SourceFilterFields are the fields and operators ListSources accepts.
var SourceFilterFields = collection.Allowed{
	"id":   {collection.OpEq, collection.OpIn},
	"name": {collection.OpEq, collection.OpIn, collection.OpSw, collection.OpCo},
}

// SourceQuery selects sources.
type SourceQuery struct {
	Filters []collection.Condition
	Page    collection.Page
}

// CreateSource stores src, whose id, created and modified the caller has set. A name that
// clashes (case-insensitively) with another source's is storage.ErrConflict.
func (s *Store) CreateSource(ctx context.Context, src *policyv1.Source) error {
	doc, err := marshal(src)
	if err != nil {
		return err
	}
	return s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		_, err := tx.Exec(ctx,
			`INSERT INTO sources (id, name, name_key, doc, created_us, modified_us) VALUES ($1, $2, $3, $4, $5, $6)`,
			src.GetId(), src.GetName(), nameKey(src.GetName()), doc,
			src.GetCreated().AsTime().UnixMicro(), src.GetModified().AsTime().UnixMicro())
		if err != nil {
			return storage.Conflict(fmt.Errorf("create source %q: %w", src.GetName(), err), "source", "name", src.GetName())
		}
		return nil
	})
}

// GetSource returns the source with id, or storage.ErrNotFound.
func (s *Store) GetSource(ctx context.Context, id string) (*policyv1.Source, error) {
	var doc string
	if err := s.backend.DB().QueryRow(ctx, `SELECT doc FROM sources WHERE id = $1`, id).Scan(&doc); err != nil {
		return nil, fmt.Errorf("source %q: %w", id, err)
	}
	return unmarshal(doc)
}

// ListSources returns one page of the sources q selects, ordered by name.
func (s *Store) ListSources(ctx context.Context, q SourceQuery) ([]*policyv1.Source, error) {
	where, args := sourceWhere(q.Filters)
	args = append(args, q.Page.Limit, q.Page.Offset)
	query := fmt.Sprintf(`SELECT doc FROM sources%s ORDER BY name_key, id LIMIT $%d OFFSET $%d`, where, len(args)-1, len(args))
	rows, err := s.backend.DB().Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	defer rows.Close()
	var out []*policyv1.Source
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("list sources: %w", err)
		}
		src, err := unmarshal(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	return out, nil
}

// CountSources counts the sources q's filters select, ignoring its page.
func (s *Store) CountSources(ctx context.Context, q SourceQuery) (int, error) {
	where, args := sourceWhere(q.Filters)
	var n int
	if err := s.backend.DB().QueryRow(ctx, `SELECT count(*) FROM sources`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count sources: %w", err)
	}
	return n, nil
}

// UpdateSource replaces the stored source with the same id, keeping its created time, and
// returns what was stored. storage.ErrNotFound when there is none, storage.ErrConflict when the
// new name clashes with another source's.
func (s *Store) UpdateSource(ctx context.Context, src *policyv1.Source) (*policyv1.Source, error) {
	var stored *policyv1.Source
	err := s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		var doc string
		if err := tx.QueryRow(ctx, `SELECT doc FROM sources WHERE id = $1`, src.GetId()).Scan(&doc); err != nil {
			return fmt.Errorf("source %q: %w", src.GetId(), err)
		}
		old, err := unmarshal(doc)
		if err != nil {
			return err
		}
		src.Created = old.GetCreated()
		newDoc, err := marshal(src)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx,
			`UPDATE sources SET name = $2, name_key = $3, doc = $4, modified_us = $5 WHERE id = $1`,
			src.GetId(), src.GetName(), nameKey(src.GetName()), newDoc, src.GetModified().AsTime().UnixMicro())
		if err != nil {
			return storage.Conflict(fmt.Errorf("update source %q: %w", src.GetId(), err), "source", "name", src.GetName())
		}
		stored = src
		return nil
	})
	return stored, err
}

// DeleteSource deletes the source with id, or returns storage.ErrNotFound.
func (s *Store) DeleteSource(ctx context.Context, id string) error {
	return s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		n, err := tx.Exec(ctx, `DELETE FROM sources WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete source %q: %w", id, err)
		}
		if n == 0 {
			return fmt.Errorf("source %q: %w", id, storage.ErrNotFound)
		}
		return nil
	})
}

// sourceWhere turns filter conditions (already checked against SourceFilterFields) into a
// WHERE clause with $n placeholders.
func sourceWhere(conds []collection.Condition) (string, []any) {
	if len(conds) == 0 {
		return "", nil
	}
	var (
		clauses []string
		args    []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	for _, c := range conds {
		column := c.Field // "id" or "name"
		switch c.Op {
		case collection.OpEq:
			clauses = append(clauses, column+" = "+arg(fmt.Sprint(c.Values[0])))
		case collection.OpIn:
			ph := make([]string, len(c.Values))
			for i, v := range c.Values {
				ph[i] = arg(fmt.Sprint(v))
			}
			clauses = append(clauses, column+" IN ("+strings.Join(ph, ", ")+")")
		case collection.OpSw:
			clauses = append(clauses, `name_key LIKE `+arg(likeEscape(nameKey(c.Values[0].(string)))+"%")+` ESCAPE '\'`)
		case collection.OpCo:
			clauses = append(clauses, `name_key LIKE `+arg("%"+likeEscape(nameKey(c.Values[0].(string)))+"%")+` ESCAPE '\'`)
		}
	}
	return " WHERE " + strings.Join(clauses, " AND "), args
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func nameKey(name string) string { return strings.ToLower(name) }

func marshal(src *policyv1.Source) (string, error) {
	b, err := protojson.Marshal(src)
	if err != nil {
		return "", fmt.Errorf("encode source: %w", err)
	}
	return string(b), nil
}

func unmarshal(doc string) (*policyv1.Source, error) {
	src := &policyv1.Source{}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal([]byte(doc), src); err != nil {
		return nil, fmt.Errorf("decode source: %w", err)
	}
	return src, nil
}
