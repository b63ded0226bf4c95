// Package store keeps the action-execution service's data: providers (credentials sealed by
// the caller), action chains, and action flows with their scripts. Its SQL is written once and
// runs on every storage.Backend (SQLite and PostgreSQL); the conformance suite in storetest
// proves it on each. A flow's state change and the jobs it causes commit in one transaction.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/groupcommit"
)

// ErrInUse reports a provider that chains still name.
var ErrInUse = errors.New("in use")

// Store is the action-execution service's store.
type Store struct {
	backend storage.Backend
	// lock is appended to the SELECT that starts a read-modify-write of a flow: PostgreSQL
	// needs a row lock, SQLite's transactions already hold the write lock.
	lock string
	// group shares transactions among concurrent flow writes.
	group *groupcommit.Group
	// cache holds decoded immutable documents.
	cache decoded
}

// New returns a store on backend, which must have been opened with Migrations(backend.Name()).
func New(backend storage.Backend) *Store {
	s := &Store{backend: backend, group: groupcommit.New(backend)}
	if backend.Name() == storage.BackendPostgres {
		s.lock = " FOR UPDATE"
	}
	return s
}

// Ready reports whether the database answers.
func (s *Store) Ready(ctx context.Context) error { return s.backend.Ready(ctx) }

// Provider is a stored provider.
type Provider struct {
	// Provider is the provider without its credentials.
	Provider *actionv1.Provider
	// Secrets are its credentials, sealed by the caller.
	Secrets  string
	Created  time.Time
	Modified time.Time
}

// CreateProvider stores p; a taken key is storage.ErrConflict.
func (s *Store) CreateProvider(ctx context.Context, p Provider) error {
	doc, err := marshal(p.Provider)
	if err != nil {
		return err
	}
	return s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO providers (key, kind, doc, secrets, created_us, modified_us) VALUES ($1, $2, $3, $4, $5, $6)`,
			p.Provider.GetKey(), p.Provider.GetKind(), doc, p.Secrets, p.Created.UnixMicro(), p.Modified.UnixMicro())
		if err != nil {
			return fmt.Errorf("create provider %q: %w", p.Provider.GetKey(), err)
		}
		return nil
	})
}

const providerColumns = `doc, secrets, created_us, modified_us`

func scanProvider(row storage.Row) (Provider, error) {
	var (
		doc, sealed       string
		created, modified int64
	)
	if err := row.Scan(&doc, &sealed, &created, &modified); err != nil {
		return Provider{}, err
	}
	p := &actionv1.Provider{}
	if err := unmarshal(doc, p); err != nil {
		return Provider{}, err
	}
	return Provider{Provider: p, Secrets: sealed, Created: time.UnixMicro(created).UTC(), Modified: time.UnixMicro(modified).UTC()}, nil
}

// GetProvider returns the provider with key, or storage.ErrNotFound.
func (s *Store) GetProvider(ctx context.Context, key string) (Provider, error) {
	p, err := scanProvider(s.backend.DB().QueryRow(ctx, `SELECT `+providerColumns+` FROM providers WHERE key = $1`, key))
	if err != nil {
		return Provider{}, fmt.Errorf("provider %q: %w", key, err)
	}
	return p, nil
}

// ListProviders returns one page of providers by key.
func (s *Store) ListProviders(ctx context.Context, page collection.Page) ([]Provider, error) {
	rows, err := s.backend.DB().Query(ctx, `SELECT `+providerColumns+` FROM providers ORDER BY key LIMIT $1 OFFSET $2`, page.Limit, page.Offset)
	if err != nil {
		return nil, fmt.Errorf("list providers: %w", err)
	}
	defer rows.Close()
	var out []Provider
	for rows.Next() {
		p, err := scanProvider(rows)
		if err != nil {
			return nil, fmt.Errorf("list providers: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list providers: %w", err)
	}
	return out, nil
}

// CountProviders counts the providers.
func (s *Store) CountProviders(ctx context.Context) (int, error) {
	return s.count(ctx, `SELECT count(*) FROM providers`)
}

// UpdateProvider reads the provider with key, lets change modify it, and stores the result in
// one transaction. change must not alter the key; storage.ErrNotFound when there is none.
func (s *Store) UpdateProvider(ctx context.Context, key string, change func(*Provider) error) (Provider, error) {
	var out Provider
	err := s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		p, err := scanProvider(tx.QueryRow(ctx, `SELECT `+providerColumns+` FROM providers WHERE key = $1`+s.lock, key))
		if err != nil {
			return fmt.Errorf("provider %q: %w", key, err)
		}
		if err := change(&p); err != nil {
			return err
		}
		if p.Provider.GetKey() != key {
			return errors.New("update provider: the key is immutable")
		}
		doc, err := marshal(p.Provider)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE providers SET kind = $2, doc = $3, secrets = $4, modified_us = $5 WHERE key = $1`,
			key, p.Provider.GetKind(), doc, p.Secrets, p.Modified.UnixMicro()); err != nil {
			return fmt.Errorf("update provider %q: %w", key, err)
		}
		out = p
		return nil
	})
	return out, err
}

// DeleteProvider deletes the provider with key: storage.ErrNotFound when there is none,
// ErrInUse while a chain names it.
func (s *Store) DeleteProvider(ctx context.Context, key string) error {
	return s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM chain_providers WHERE provider_key = $1`, key).Scan(&n); err != nil {
			return fmt.Errorf("provider %q: %w", key, err)
		}
		if n > 0 {
			return fmt.Errorf("provider %q: %d chain(s) use it: %w", key, n, ErrInUse)
		}
		deleted, err := tx.Exec(ctx, `DELETE FROM providers WHERE key = $1`, key)
		if err != nil {
			return fmt.Errorf("delete provider %q: %w", key, err)
		}
		if deleted == 0 {
			return fmt.Errorf("provider %q: %w", key, storage.ErrNotFound)
		}
		return nil
	})
}

// Chain is a stored action chain.
type Chain struct {
	Chain *actionv1.ActionChain
	// ProviderKeys are the providers its scripts name.
	ProviderKeys []string
}

// CreateChain stores c; a provider key that does not exist is storage.ErrConflict (a
// foreign-key violation), which callers avoid by checking first.
func (s *Store) CreateChain(ctx context.Context, c Chain) error {
	doc, err := marshal(c.Chain)
	if err != nil {
		return err
	}
	return s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO chains (id, name, doc, created_us, modified_us) VALUES ($1, $2, $3, $4, $5)`,
			c.Chain.GetId(), c.Chain.GetName(), doc, c.Chain.GetCreated().AsTime().UnixMicro(), c.Chain.GetModified().AsTime().UnixMicro())
		if err != nil {
			return fmt.Errorf("create chain: %w", err)
		}
		return writeChainProviders(ctx, tx, c)
	})
}

func writeChainProviders(ctx context.Context, tx storage.Tx, c Chain) error {
	if _, err := tx.Exec(ctx, `DELETE FROM chain_providers WHERE chain_id = $1`, c.Chain.GetId()); err != nil {
		return fmt.Errorf("chain providers: %w", err)
	}
	for _, key := range c.ProviderKeys {
		if _, err := tx.Exec(ctx, `INSERT INTO chain_providers (chain_id, provider_key) VALUES ($1, $2)`, c.Chain.GetId(), key); err != nil {
			return fmt.Errorf("chain provider %q: %w", key, err)
		}
	}
	return nil
}

func scanChain(row storage.Row) (*actionv1.ActionChain, error) {
	var doc string
	if err := row.Scan(&doc); err != nil {
		return nil, err
	}
	c := &actionv1.ActionChain{}
	if err := unmarshal(doc, c); err != nil {
		return nil, err
	}
	return c, nil
}

// GetChain returns the chain with id, or storage.ErrNotFound.
func (s *Store) GetChain(ctx context.Context, id string) (*actionv1.ActionChain, error) {
	c, err := scanChain(s.backend.DB().QueryRow(ctx, `SELECT doc FROM chains WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("action chain %q: %w", id, err)
	}
	return c, nil
}

// ListChains returns one page of chains by name.
func (s *Store) ListChains(ctx context.Context, page collection.Page) ([]*actionv1.ActionChain, error) {
	rows, err := s.backend.DB().Query(ctx, `SELECT doc FROM chains ORDER BY name, id LIMIT $1 OFFSET $2`, page.Limit, page.Offset)
	if err != nil {
		return nil, fmt.Errorf("list chains: %w", err)
	}
	defer rows.Close()
	var out []*actionv1.ActionChain
	for rows.Next() {
		c, err := scanChain(rows)
		if err != nil {
			return nil, fmt.Errorf("list chains: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list chains: %w", err)
	}
	return out, nil
}

// CountChains counts the chains.
func (s *Store) CountChains(ctx context.Context) (int, error) {
	return s.count(ctx, `SELECT count(*) FROM chains`)
}

// ReplaceChain replaces the chain with c.Chain's id: storage.ErrNotFound when there is none.
func (s *Store) ReplaceChain(ctx context.Context, c Chain) error {
	doc, err := marshal(c.Chain)
	if err != nil {
		return err
	}
	return s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE chains SET name = $2, doc = $3, modified_us = $4 WHERE id = $1`,
			c.Chain.GetId(), c.Chain.GetName(), doc, c.Chain.GetModified().AsTime().UnixMicro())
		if err != nil {
			return fmt.Errorf("update chain %q: %w", c.Chain.GetId(), err)
		}
		if n == 0 {
			return fmt.Errorf("action chain %q: %w", c.Chain.GetId(), storage.ErrNotFound)
		}
		return writeChainProviders(ctx, tx, c)
	})
}

// DeleteChain deletes the chain with id, or returns storage.ErrNotFound. Its flows are kept.
func (s *Store) DeleteChain(ctx context.Context, id string) error {
	return s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM chain_providers WHERE chain_id = $1`, id); err != nil {
			return fmt.Errorf("delete chain %q: %w", id, err)
		}
		n, err := tx.Exec(ctx, `DELETE FROM chains WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete chain %q: %w", id, err)
		}
		if n == 0 {
			return fmt.Errorf("action chain %q: %w", id, storage.ErrNotFound)
		}
		return nil
	})
}

func (s *Store) count(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	if err := s.backend.DB().QueryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count: %w", err)
	}
	return n, nil
}

func marshal(m proto.Message) (string, error) {
	b, err := protojson.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode %T: %w", m, err)
	}
	return string(b), nil
}

func unmarshal(doc string, m proto.Message) error {
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal([]byte(doc), m); err != nil {
		return fmt.Errorf("decode %T: %w", m, err)
	}
	return nil
}

// ChainsUsingProvider returns the chains whose scripts name the provider with key.
func (s *Store) ChainsUsingProvider(ctx context.Context, key string) ([]*actionv1.ActionChain, error) {
	rows, err := s.backend.DB().Query(ctx,
		`SELECT c.doc FROM chains c JOIN chain_providers p ON p.chain_id = c.id WHERE p.provider_key = $1 ORDER BY c.name, c.id`, key)
	if err != nil {
		return nil, fmt.Errorf("chains using provider %q: %w", key, err)
	}
	defer rows.Close()
	var out []*actionv1.ActionChain
	for rows.Next() {
		c, err := scanChain(rows)
		if err != nil {
			return nil, fmt.Errorf("chains using provider %q: %w", key, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("chains using provider %q: %w", key, err)
	}
	return out, nil
}
