// Package clients keeps the OAuth2 clients that may obtain Accessflow tokens with the client
// credentials grant. Secrets are random, shown once, and stored only as argon2id hashes.
package clients

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/storage"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations returns the client store's migrations for a backend.
func Migrations(backend string) (fs.FS, error) { return storage.MigrationsFor(migrationsFS, backend) }

// ErrBadCredentials reports no such client, or the wrong secret (callers must not tell which).
var ErrBadCredentials = errors.New("invalid client credentials")

// Client is a registered OAuth2 client.
type Client struct {
	ID         string
	Name       string
	Scopes     []string
	UserLevels []string
	Created    time.Time
}

// Store keeps clients on a storage backend.
type Store struct {
	backend storage.Backend
	params  Params
}

// Params are the argon2id cost parameters.
type Params struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultParams follow OWASP's minimum for argon2id (19 MiB, 2 passes).
var DefaultParams = Params{Time: 2, Memory: 19 * 1024, Threads: 1}

// New returns a store on backend (opened with Migrations).
func New(backend storage.Backend, params Params) *Store {
	return &Store{backend: backend, params: params}
}

// Create registers a client and returns it with its secret, which is not kept.
func (s *Store) Create(ctx context.Context, name string, scopes, levels []string) (Client, string, error) {
	secret := "afs_" + randomString(32)
	c := Client{ID: ids.New(), Name: name, Scopes: scopes, UserLevels: levels, Created: time.Now().UTC().Truncate(time.Millisecond)}
	err := s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO oauth_clients (id, name, secret_hash, scopes, user_levels, created_us) VALUES ($1, $2, $3, $4, $5, $6)`,
			c.ID, c.Name, s.hash(secret), strings.Join(scopes, " "), strings.Join(levels, " "), c.Created.UnixMicro())
		return err
	})
	if err != nil {
		return Client{}, "", storage.Conflict(fmt.Errorf("create client %q: %w", name, err), "client", "name", name)
	}
	return c, secret, nil
}

// Authenticate returns the client whose id and secret match, or ErrBadCredentials. It spends
// the same hashing work whether or not the client exists, so timing reveals nothing.
func (s *Store) Authenticate(ctx context.Context, id, secret string) (Client, error) {
	c, hash, err := s.get(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		_ = s.verify(secret, dummyHash(s.params))
		return Client{}, ErrBadCredentials
	}
	if err != nil {
		return Client{}, err
	}
	if !s.verify(secret, hash) {
		return Client{}, ErrBadCredentials
	}
	return c, nil
}

// List returns every client, by name.
func (s *Store) List(ctx context.Context) ([]Client, error) {
	rows, err := s.backend.DB().Query(ctx, `SELECT id, name, scopes, user_levels, created_us FROM oauth_clients ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	defer rows.Close()
	var out []Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Delete removes a client; its tokens stay valid until they expire.
func (s *Store) Delete(ctx context.Context, id string) error {
	return s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		n, err := tx.Exec(ctx, `DELETE FROM oauth_clients WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("client %q: %w", id, storage.ErrNotFound)
		}
		return nil
	})
}

func (s *Store) get(ctx context.Context, id string) (Client, string, error) {
	row := s.backend.DB().QueryRow(ctx, `SELECT id, name, scopes, user_levels, created_us, secret_hash FROM oauth_clients WHERE id = $1`, id)
	var (
		c              Client
		scopes, levels string
		created        int64
		hash           string
	)
	if err := row.Scan(&c.ID, &c.Name, &scopes, &levels, &created, &hash); err != nil {
		return Client{}, "", fmt.Errorf("client %q: %w", id, err)
	}
	c.Scopes, c.UserLevels, c.Created = strings.Fields(scopes), strings.Fields(levels), time.UnixMicro(created).UTC()
	return c, hash, nil
}

func scanClient(rows storage.Rows) (Client, error) {
	var (
		c              Client
		scopes, levels string
		created        int64
	)
	if err := rows.Scan(&c.ID, &c.Name, &scopes, &levels, &created); err != nil {
		return Client{}, fmt.Errorf("scan client: %w", err)
	}
	c.Scopes, c.UserLevels, c.Created = strings.Fields(scopes), strings.Fields(levels), time.UnixMicro(created).UTC()
	return c, nil
}

// hash returns the PHC string of secret: $argon2id$v=19$m=…,t=…,p=…$salt$key.
func (s *Store) hash(secret string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	return phc(s.params, salt, argon2.IDKey([]byte(secret), salt, s.params.Time, s.params.Memory, s.params.Threads, 32))
}

func phc(p Params, salt, key []byte) string {
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, enc.EncodeToString(salt), enc.EncodeToString(key))
}

func (s *Store) verify(secret, encoded string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(secret), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

func dummyHash(p Params) string {
	return phc(p, make([]byte, 16), make([]byte, 32))
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
