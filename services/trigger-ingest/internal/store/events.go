package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/jobargs"
)

// ErrKeyReused reports an idempotency key already used with a different request.
var ErrKeyReused = errors.New("idempotency key already used with a different request")

// Event is a stored event.
type Event struct {
	ID             string
	TriggerID      string
	TrackingNumber string
	// Source is the event source that signed it, or "" for an authenticated caller.
	Source string
	// IdempotencyKey, scoped by the caller ("" for none), makes publishing it again a no-op.
	IdempotencyKey string
	// RequestHash identifies what was published under the key.
	RequestHash string
	Payload     []byte
	Received    time.Time
	// Traceparent is the W3C traceparent of the call that published the event (read back; on
	// publish it is taken from the context).
	Traceparent string
}

// Planner decides, inside the transaction that stores ev, which deliveries it causes. It
// reads through q, the transaction.
type Planner func(ctx context.Context, q storage.DBTX, ev Event) ([]Delivery, error)

// PublishEvent stores ev and the deliveries plan returns for it, each with its River job, in
// one transaction. When ev's idempotency key was used before, nothing is stored: it returns
// the event stored first and replayed=true, or ErrKeyReused when that event's request hash
// differs.
func (s *Store) PublishEvent(ctx context.Context, ev Event, plan Planner) (stored Event, replayed bool, err error) {
	for try := 0; ; try++ {
		stored, replayed, err = s.publish(ctx, ev, plan)
		// Two callers raced with one key on PostgreSQL: the loser's insert conflicted, and a
		// second pass finds the winner's event.
		if err == nil || ev.IdempotencyKey == "" || !errors.Is(err, storage.ErrConflict) || try > 0 {
			return stored, replayed, err
		}
	}
}

func (s *Store) publish(ctx context.Context, ev Event, plan Planner) (stored Event, replayed bool, err error) {
	err = s.group.Do(ctx, func(ctx context.Context, tx storage.Tx) error {
		if ev.IdempotencyKey != "" {
			var prior Event
			err := tx.QueryRow(ctx, `SELECT id, trigger_id, tracking_number, request_hash FROM events WHERE idempotency_key = $1`, ev.IdempotencyKey).
				Scan(&prior.ID, &prior.TriggerID, &prior.TrackingNumber, &prior.RequestHash)
			switch {
			case err == nil:
				if prior.RequestHash != ev.RequestHash {
					return fmt.Errorf("event %s: %w", prior.ID, ErrKeyReused)
				}
				stored, replayed = prior, true
				return nil
			case !errors.Is(err, storage.ErrNotFound):
				return fmt.Errorf("look up idempotency key: %w", err)
			}
		}
		var key any
		if ev.IdempotencyKey != "" {
			key = ev.IdempotencyKey
		}
		_, err := tx.Exec(ctx,
			`INSERT INTO events (id, trigger_id, tracking_number, idempotency_key, request_hash, source, payload, received_us, traceparent)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			ev.ID, ev.TriggerID, ev.TrackingNumber, key, ev.RequestHash, ev.Source, string(ev.Payload), ev.Received.UnixMicro(), jobs.Traceparent(ctx))
		if err != nil {
			return fmt.Errorf("store event: %w", err)
		}
		deliveries, err := plan(ctx, tx, ev)
		if err != nil {
			return err
		}
		if err := insertDeliveries(ctx, tx, deliveries); err != nil {
			return err
		}
		stored = ev
		return nil
	})
	return stored, replayed, err
}

// GetEvent returns the event with id, or storage.ErrNotFound.
func (s *Store) GetEvent(ctx context.Context, id string) (Event, error) {
	ev, err := scanEvent(s.backend.DB().QueryRow(ctx, `SELECT `+eventColumns+` FROM events WHERE id = $1`, id))
	if err != nil {
		return Event{}, fmt.Errorf("event %q: %w", id, err)
	}
	return ev, nil
}

// EventsReceived returns up to limit events of a trigger received in [from, to), oldest first.
func (s *Store) EventsReceived(ctx context.Context, triggerID string, from, to time.Time, limit int) ([]Event, error) {
	rows, err := s.backend.DB().Query(ctx,
		`SELECT `+eventColumns+` FROM events WHERE trigger_id = $1 AND received_us >= $2 AND received_us < $3 ORDER BY received_us, id LIMIT $4`,
		triggerID, from.UnixMicro(), to.UnixMicro(), limit)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return out, nil
}

// InsertDeliveries stores deliveries of stored events, each with its River job, in one
// transaction (test invocations and replays).
func (s *Store) InsertDeliveries(ctx context.Context, deliveries []Delivery) error {
	return s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		return insertDeliveries(ctx, tx, deliveries)
	})
}

// PublishTestEvent stores a test event and its deliveries: test events bypass idempotency and
// subscription filters, and the caller picks the subscriptions.
func (s *Store) PublishTestEvent(ctx context.Context, ev Event, deliveries []Delivery) error {
	_, _, err := s.publish(ctx, ev, func(context.Context, storage.DBTX, Event) ([]Delivery, error) { return deliveries, nil })
	return err
}

const eventColumns = `id, trigger_id, tracking_number, coalesce(idempotency_key, ''), request_hash, source, payload, received_us, traceparent`

func scanEvent(row storage.Row) (Event, error) {
	var (
		ev       Event
		payload  string
		received int64
	)
	if err := row.Scan(&ev.ID, &ev.TriggerID, &ev.TrackingNumber, &ev.IdempotencyKey, &ev.RequestHash, &ev.Source, &payload, &received, &ev.Traceparent); err != nil {
		return Event{}, err
	}
	ev.Payload = []byte(payload)
	ev.Received = time.UnixMicro(received).UTC()
	return ev, nil
}

// insertDeliveries stores deliveries in one multi-row statement and enqueues the jobs of the
// pending ones in another: a fan-out costs two round trips, whatever its width.
func insertDeliveries(ctx context.Context, tx storage.Tx, deliveries []Delivery) error {
	if len(deliveries) == 0 {
		return nil
	}
	const columns = 16
	var (
		sb     strings.Builder
		args   = make([]any, 0, columns*len(deliveries))
		queued = make([]river.InsertManyParams, 0, len(deliveries))
	)
	sb.WriteString(`INSERT INTO deliveries (id, event_id, subscription_id, subscription_name, trigger_id, tracking_number, kind, status,
	   attempts, secret, content_json, deadline_us, output, error, created_us, completed_us) VALUES `)
	for i := range deliveries {
		d := &deliveries[i]
		var output any
		if d.Output != "" {
			output = d.Output
		}
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := range columns {
			if c > 0 {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "$%d", i*columns+c+1)
		}
		sb.WriteByte(')')
		args = append(args, d.ID, d.EventID, d.SubscriptionID, d.SubscriptionName, d.TriggerID, d.TrackingNumber, d.Kind, d.Status,
			d.Attempts, d.Secret, d.ContentJSON, micros(d.Deadline), output, d.Error, d.Created.UnixMicro(), micros(d.Completed))
		if d.Status == StatusPending { // others are recorded as already settled (e.g. a disabled subscription's test)
			p := river.InsertManyParams{Args: jobargs.Deliver{DeliveryID: d.ID}}
			if d.Traceparent != "" {
				// A delivery of an event published earlier (a replay): in the event's trace.
				p.InsertOpts = jobs.WithOrigin(jobs.Caused(ctx, d.TrackingNumber, d.Traceparent), nil)
			}
			queued = append(queued, p)
		}
	}
	if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
		return fmt.Errorf("store deliveries: %w", err)
	}
	return tx.InsertJobs(ctx, queued)
}

// Purge deletes events, deliveries and their attempts older than before, in batches so that
// no transaction holds the writer long, and returns how many events it deleted.
func (s *Store) Purge(ctx context.Context, before time.Time) (int64, error) {
	const batch = 1000
	cut := before.UnixMicro()
	const oldDeliveries = `SELECT id FROM deliveries WHERE created_us < $1 ORDER BY id LIMIT $2`
	for {
		var n int64
		err := s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			if _, err := tx.Exec(ctx, `DELETE FROM delivery_attempts WHERE delivery_id IN (`+oldDeliveries+`)`, cut, batch); err != nil {
				return err
			}
			var err error
			n, err = tx.Exec(ctx, `DELETE FROM deliveries WHERE id IN (`+oldDeliveries+`)`, cut, batch)
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("purge deliveries: %w", err)
		}
		if n < batch {
			break
		}
	}
	var events int64
	for {
		var n int64
		err := s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			var err error
			n, err = tx.Exec(ctx, `DELETE FROM events WHERE id IN (SELECT id FROM events WHERE received_us < $1 ORDER BY id LIMIT $2)`, cut, batch)
			return err
		})
		if err != nil {
			return events, fmt.Errorf("purge events: %w", err)
		}
		events += n
		if n < batch {
			return events, nil
		}
	}
}

// nullString turns "" into NULL.
func nullString(s sql.NullString) string {
	if !s.Valid {
		return ""
	}
	return s.String
}
