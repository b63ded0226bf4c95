package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// livenessKey is the advisory lock a River client holds for as long as it runs.
func livenessKey(clientID string) string { return "accessflow.river." + clientID }

// holdLiveness takes, on a connection of its own, the session advisory lock that tells other
// processes this River client is alive; PostgreSQL releases it the moment the connection
// dies with the process. The caller closes the returned connection when it stops.
func (b *Backend) holdLiveness(ctx context.Context, clientID string) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, b.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("liveness connection: %w", err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtextextended($1, 0))`, livenessKey(clientID)); err != nil {
		return nil, fmt.Errorf("liveness lock: %w", err)
	}
	return conn, nil
}

// alive reports whether the River client clientID holds its liveness lock: if this
// transaction can take the lock, nobody holds it and the client is gone.
func (b *Backend) alive(ctx context.Context, clientID string) (bool, error) {
	var free bool
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))`, livenessKey(clientID)).Scan(&free)
	})
	if err != nil {
		return false, fmt.Errorf("liveness of %s: %w", clientID, err)
	}
	return !free, nil
}
