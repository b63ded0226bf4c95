package store

import (
	"context"
	"fmt"
	"time"

	"github.com/accessflow/accessflow/pkg/storage"
)

// EventSource is a registered sender of signed events.
type EventSource struct {
	Name        string
	Description string
	// Secrets are its signing secrets, sealed by the caller.
	Secrets string
	Created time.Time
}

// CreateEventSource stores src; a taken name is storage.ErrConflict.
func (s *Store) CreateEventSource(ctx context.Context, src EventSource) error {
	return s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO event_sources (name, description, secrets, created_us) VALUES ($1, $2, $3, $4)`,
			src.Name, src.Description, src.Secrets, src.Created.UnixMicro())
		if err != nil {
			return storage.Conflict(fmt.Errorf("create event source %q: %w", src.Name, err), "event source", "name", src.Name)
		}
		return nil
	})
}

func scanSource(row storage.Row) (EventSource, error) {
	var (
		src     EventSource
		created int64
	)
	if err := row.Scan(&src.Name, &src.Description, &src.Secrets, &created); err != nil {
		return EventSource{}, err
	}
	src.Created = time.UnixMicro(created).UTC()
	return src, nil
}

// GetEventSource returns the source named name, or storage.ErrNotFound.
func (s *Store) GetEventSource(ctx context.Context, name string) (EventSource, error) {
	src, err := scanSource(s.backend.DB().QueryRow(ctx, `SELECT name, description, secrets, created_us FROM event_sources WHERE name = $1`, name))
	if err != nil {
		return EventSource{}, fmt.Errorf("event source %q: %w", name, err)
	}
	return src, nil
}

// ListEventSources returns every source by name.
func (s *Store) ListEventSources(ctx context.Context) ([]EventSource, error) {
	rows, err := s.backend.DB().Query(ctx, `SELECT name, description, secrets, created_us FROM event_sources ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list event sources: %w", err)
	}
	defer rows.Close()
	var out []EventSource
	for rows.Next() {
		src, err := scanSource(rows)
		if err != nil {
			return nil, fmt.Errorf("list event sources: %w", err)
		}
		out = append(out, src)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list event sources: %w", err)
	}
	return out, nil
}

// UpdateEventSourceSecrets reads the source named name, lets change replace its sealed
// secrets, and stores them, in one transaction.
func (s *Store) UpdateEventSourceSecrets(ctx context.Context, name string, change func(*EventSource) error) (EventSource, error) {
	var out EventSource
	err := s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		src, err := scanSource(tx.QueryRow(ctx, `SELECT name, description, secrets, created_us FROM event_sources WHERE name = $1`, name))
		if err != nil {
			return fmt.Errorf("event source %q: %w", name, err)
		}
		if err := change(&src); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE event_sources SET secrets = $2 WHERE name = $1`, name, src.Secrets); err != nil {
			return fmt.Errorf("update event source %q: %w", name, err)
		}
		out = src
		return nil
	})
	return out, err
}

// DeleteEventSource deletes the source named name, or returns storage.ErrNotFound.
func (s *Store) DeleteEventSource(ctx context.Context, name string) error {
	return s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		n, err := tx.Exec(ctx, `DELETE FROM event_sources WHERE name = $1`, name)
		if err != nil {
			return fmt.Errorf("delete event source %q: %w", name, err)
		}
		if n == 0 {
			return fmt.Errorf("event source %q: %w", name, storage.ErrNotFound)
		}
		return nil
	})
}
