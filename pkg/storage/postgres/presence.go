package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/accessflow/accessflow/pkg/jobs"
)

// presence marks this process's River client as alive with a session advisory lock held on a
// connection of its own for as long as the process runs: PostgreSQL drops it the moment the
// process's connection goes, killed or not, so another process knows at once that the client
// is gone (see jobs.TakeOver).
type presence struct {
	conn   *pgx.Conn
	pool   *pgxpool.Pool
	schema string
}

// presenceKey is the advisory lock key of a River client of a schema.
const presenceKey = "hashtextextended('accessflow/river-client/' || $1 || '/' || $2, 0)"

// holdPresence connects with cfg and takes clientID's lock.
func holdPresence(ctx context.Context, cfg *pgxpool.Config, pool *pgxpool.Pool, schema, clientID string) (*presence, error) {
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("presence connection: %w", err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock("+presenceKey+")", schema, clientID); err != nil {
		return nil, fmt.Errorf("presence lock: %w", err)
	}
	return &presence{conn: conn, pool: pool, schema: schema}, nil
}

// Alive reports whether clientID's lock is held: trying it in a transaction releases it again
// at once when it was free.
func (p *presence) Alive(ctx context.Context, clientID string) (bool, error) {
	var free bool
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock("+presenceKey+")", p.schema, clientID).Scan(&free)
	})
	return !free, err
}

func (p *presence) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	return p.conn.Close(ctx)
}

const closeTimeout = 5 * time.Second

// takeOver frees what gone processes of this service hold before the client works; River's
// own timers remain the fallback when it cannot.
func (b *Backend) takeOver(ctx context.Context) {
	if b.presence == nil {
		return
	}
	if err := jobs.TakeOver(ctx, b.river, b.schema, b.presence.Alive, b.logger); err != nil {
		b.logger.WarnContext(ctx, "river takeover failed; gone processes' jobs wait for River's rescuer", "error", err)
	}
}
