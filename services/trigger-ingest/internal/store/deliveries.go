package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/jobargs"
)

// Delivery statuses.
const (
	// StatusPending: queued, being sent or waiting for a retry.
	StatusPending = "PENDING"
	// StatusAwaitingResponse: an asynchronous REQUEST_RESPONSE subscriber acknowledged the
	// invocation and has until its deadline to complete it.
	StatusAwaitingResponse = "AWAITING_RESPONSE"
	// StatusSucceeded: delivered (and, for REQUEST_RESPONSE, answered with a valid output).
	StatusSucceeded = "SUCCEEDED"
	// StatusFailed: the retry schedule is spent, the deadline passed, or the subscriber
	// answered with an error or an invalid output. FIRE_AND_FORGET failures are dead letters.
	StatusFailed = "FAILED"
)

// Delivery kinds.
const (
	KindRealTime = "REAL_TIME"
	KindTest     = "TEST"
	KindReplay   = "REPLAY"
)

// Delivery is one event on its way to one subscription; for REQUEST_RESPONSE triggers it is
// also the invocation.
type Delivery struct {
	ID               string
	EventID          string
	SubscriptionID   string
	SubscriptionName string
	TriggerID        string
	TrackingNumber   string
	Kind             string
	Status           string
	Attempts         int
	// Secret is the sealed invocation secret of a REQUEST_RESPONSE delivery.
	Secret string
	// ContentJSON is the invocation metadata of a test invocation, as JSON ("" for none).
	ContentJSON string
	// Deadline is when an invocation awaiting its response fails.
	Deadline time.Time
	// Output is the subscriber's reply as JSON ("" for none).
	Output    string
	Error     string
	Created   time.Time
	Completed time.Time
	// AttemptLog is every attempt, oldest first (filled by ListDeliveries).
	AttemptLog []Attempt
	// Traceparent, when set on a delivery of an event published earlier (a replay), is the
	// event's publishing call's span: the delivery job's parent, linked to the inserting call
	// (jobs.Caused). Not stored.
	Traceparent string
}

// Attempt is one request to a subscriber.
type Attempt struct {
	Number     int
	Started    time.Time
	Latency    time.Duration
	StatusCode int
	Error      string
}

// Terminal reports whether the delivery is settled.
func (d Delivery) Terminal() bool { return d.Status == StatusSucceeded || d.Status == StatusFailed }

const deliveryColumns = `d.id, d.event_id, d.subscription_id, d.subscription_name, d.trigger_id, d.tracking_number, d.kind,
	d.status, d.attempts, d.secret, d.content_json, d.deadline_us, d.output, d.error, d.created_us, d.completed_us`

func scanDelivery(row storage.Row, extra ...any) (Delivery, error) {
	var (
		d                   Delivery
		deadline, completed sql.NullInt64
		output              sql.NullString
		created             int64
	)
	dest := []any{
		&d.ID, &d.EventID, &d.SubscriptionID, &d.SubscriptionName, &d.TriggerID, &d.TrackingNumber, &d.Kind,
		&d.Status, &d.Attempts, &d.Secret, &d.ContentJSON, &deadline, &output, &d.Error, &created, &completed,
	}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return Delivery{}, err
	}
	d.Deadline, d.Completed = fromMicros(deadline), fromMicros(completed)
	d.Output = nullString(output)
	d.Created = time.UnixMicro(created).UTC()
	return d, nil
}

// GetDelivery returns the delivery with id, or storage.ErrNotFound.
func (s *Store) GetDelivery(ctx context.Context, id string) (Delivery, error) {
	d, err := scanDelivery(s.backend.DB().QueryRow(ctx, `SELECT `+deliveryColumns+` FROM deliveries d WHERE d.id = $1`, id))
	if err != nil {
		return Delivery{}, fmt.Errorf("delivery %q: %w", id, err)
	}
	return d, nil
}

// Work is what a delivery worker needs: the delivery, its event and its subscription.
type Work struct {
	Delivery Delivery
	Payload  []byte
	// Subscription is nil when it was deleted.
	Subscription *Subscription
}

// Work loads the delivery with id and what sending it needs.
func (s *Store) Work(ctx context.Context, id string) (Work, error) {
	var payload string
	d, err := scanDelivery(s.backend.DB().QueryRow(ctx,
		`SELECT `+deliveryColumns+`, e.payload FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = $1`, id), &payload)
	if err != nil {
		return Work{}, fmt.Errorf("delivery %q: %w", id, err)
	}
	w := Work{Delivery: d, Payload: []byte(payload)}
	sub, err := s.GetSubscription(ctx, d.SubscriptionID)
	switch {
	case err == nil:
		w.Subscription = &sub
	case !errors.Is(err, storage.ErrNotFound):
		return Work{}, err
	}
	return w, nil
}

// Outcome is what one attempt led to.
type Outcome struct {
	Attempt Attempt
	// Status is the delivery's new status; PENDING means a retry follows.
	Status string
	Error  string
	Output string
	// Deadline, for AWAITING_RESPONSE, is when the invocation fails unless completed; a job
	// is scheduled for it.
	Deadline time.Time
	// Now stamps completion and the subscription's failing run.
	Now time.Time
	// Healthy says whether the subscriber answered as it should (it ends a failing run).
	Healthy bool
	// AutoDisableAfter disables the subscription once its failing run is this long (0: never).
	AutoDisableAfter time.Duration
}

// RecordAttempt records an attempt of a PENDING delivery and its outcome, and tracks the
// subscription's health, all in one transaction. It reports whether the subscription was
// disabled for failing too long. storage.ErrPreconditionFailed when the delivery is no longer
// PENDING (another worker settled it).
func (s *Store) RecordAttempt(ctx context.Context, d Delivery, o Outcome) (disabled bool, err error) {
	err = s.inAttemptTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		a := o.Attempt
		if _, err := tx.Exec(ctx,
			`INSERT INTO delivery_attempts (delivery_id, attempt, started_us, latency_us, status_code, error) VALUES ($1, $2, $3, $4, $5, $6)
			 ON CONFLICT (delivery_id, attempt) DO NOTHING`,
			d.ID, a.Number, a.Started.UnixMicro(), a.Latency.Microseconds(), a.StatusCode, a.Error); err != nil {
			return fmt.Errorf("record attempt: %w", err)
		}
		var completed any
		if o.Status == StatusSucceeded || o.Status == StatusFailed {
			completed = o.Now.UnixMicro()
		}
		var output any
		if o.Output != "" {
			output = o.Output
		}
		n, err := tx.Exec(ctx,
			`UPDATE deliveries SET status = $2, attempts = $3, error = $4, output = $5, deadline_us = $6, completed_us = $7
			 WHERE id = $1 AND status = 'PENDING'`,
			d.ID, o.Status, a.Number, o.Error, output, micros(o.Deadline), completed)
		if err != nil {
			return fmt.Errorf("record delivery: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("delivery %s is no longer pending: %w", d.ID, storage.ErrPreconditionFailed)
		}
		if o.Status == StatusAwaitingResponse {
			if err := tx.InsertJob(ctx, jobargs.Deadline{DeliveryID: d.ID}, &river.InsertOpts{Queue: jobargs.Queue, MaxAttempts: jobargs.MaxAttempts, ScheduledAt: o.Deadline}); err != nil {
				return err
			}
		}
		disabled, err = trackHealth(ctx, tx, d.SubscriptionID, o)
		return err
	})
	return disabled, err
}

func trackHealth(ctx context.Context, tx storage.Tx, subscriptionID string, o Outcome) (bool, error) {
	if o.Healthy {
		_, err := tx.Exec(ctx, `UPDATE subscriptions SET failing_since_us = NULL WHERE id = $1 AND failing_since_us IS NOT NULL`, subscriptionID)
		if err != nil {
			return false, fmt.Errorf("subscription health: %w", err)
		}
		return false, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE subscriptions SET failing_since_us = $2 WHERE id = $1 AND failing_since_us IS NULL`, subscriptionID, o.Now.UnixMicro()); err != nil {
		return false, fmt.Errorf("subscription health: %w", err)
	}
	if o.AutoDisableAfter <= 0 {
		return false, nil
	}
	sub, err := scanSub(tx.QueryRow(ctx, `SELECT `+subColumns+` FROM subscriptions WHERE id = $1`, subscriptionID))
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("subscription health: %w", err)
	}
	if !sub.Sub.GetEnabled() || sub.FailingSince.IsZero() || o.Now.Sub(sub.FailingSince) < o.AutoDisableAfter {
		return false, nil
	}
	enabled := false
	sub.Sub.Enabled = &enabled
	sub.Modified = o.Now
	return true, writeSub(ctx, tx, sub)
}

// UpdateDelivery reads the delivery with id, lets change modify it, and stores status, output,
// error, deadline and completion, all in one transaction. storage.ErrNotFound when there is
// none; change's error aborts the update.
func (s *Store) UpdateDelivery(ctx context.Context, id string, change func(*Delivery) error) (Delivery, error) {
	var out Delivery
	err := s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		d, err := scanDelivery(tx.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM deliveries d WHERE d.id = $1`, id))
		if err != nil {
			return fmt.Errorf("delivery %q: %w", id, err)
		}
		if err := change(&d); err != nil {
			return err
		}
		var output any
		if d.Output != "" {
			output = d.Output
		}
		if _, err := tx.Exec(ctx,
			`UPDATE deliveries SET status = $2, error = $3, output = $4, deadline_us = $5, completed_us = $6 WHERE id = $1`,
			id, d.Status, d.Error, output, micros(d.Deadline), micros(d.Completed)); err != nil {
			return fmt.Errorf("update delivery %q: %w", id, err)
		}
		out = d
		return nil
	})
	return out, err
}

// DeliveryFilterFields are the fields and operators ListDeliveries accepts.
var DeliveryFilterFields = collection.Allowed{
	"trackingNumber": {collection.OpEq},
	"eventId":        {collection.OpEq},
	"subscriptionId": {collection.OpEq},
	"triggerId":      {collection.OpEq},
	"status":         {collection.OpEq},
}

// InvocationFilterFields are the fields and operators of the invocation status list.
var InvocationFilterFields = collection.Allowed{
	"triggerId":      {collection.OpEq},
	"subscriptionId": {collection.OpEq},
}

// DeliveryQuery selects deliveries.
type DeliveryQuery struct {
	Filters []collection.Condition
	Page    collection.Page
	// WithAttempts fills each delivery's AttemptLog.
	WithAttempts bool
}

// ListDeliveries returns one page of the deliveries q selects, newest first.
func (s *Store) ListDeliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error) {
	where, args := deliveryWhere(q.Filters)
	args = append(args, q.Page.Limit, q.Page.Offset)
	query := fmt.Sprintf(`SELECT %s FROM deliveries d%s ORDER BY d.created_us DESC, d.id LIMIT $%d OFFSET $%d`, deliveryColumns, where, len(args)-1, len(args))
	rows, err := s.backend.DB().Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	if q.WithAttempts && len(out) > 0 {
		if err := s.fillAttempts(ctx, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) fillAttempts(ctx context.Context, ds []Delivery) error {
	byID := make(map[string]*Delivery, len(ds))
	ph := make([]string, len(ds))
	args := make([]any, len(ds))
	for i := range ds {
		byID[ds[i].ID] = &ds[i]
		ph[i] = fmt.Sprintf("$%d", i+1)
		args[i] = ds[i].ID
	}
	rows, err := s.backend.DB().Query(ctx,
		`SELECT delivery_id, attempt, started_us, latency_us, status_code, error FROM delivery_attempts
		 WHERE delivery_id IN (`+strings.Join(ph, ", ")+`) ORDER BY delivery_id, attempt`, args...)
	if err != nil {
		return fmt.Errorf("list attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id               string
			a                Attempt
			started, latency int64
		)
		if err := rows.Scan(&id, &a.Number, &started, &latency, &a.StatusCode, &a.Error); err != nil {
			return fmt.Errorf("list attempts: %w", err)
		}
		a.Started = time.UnixMicro(started).UTC()
		a.Latency = time.Duration(latency) * time.Microsecond
		d := byID[id]
		d.AttemptLog = append(d.AttemptLog, a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list attempts: %w", err)
	}
	return nil
}

// CountDeliveries counts the deliveries q's filters select, ignoring its page.
func (s *Store) CountDeliveries(ctx context.Context, q DeliveryQuery) (int, error) {
	where, args := deliveryWhere(q.Filters)
	var n int
	if err := s.backend.DB().QueryRow(ctx, `SELECT count(*) FROM deliveries d`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count deliveries: %w", err)
	}
	return n, nil
}

func deliveryWhere(conds []collection.Condition) (string, []any) {
	if len(conds) == 0 {
		return "", nil
	}
	columns := map[string]string{
		"trackingNumber": "d.tracking_number", "eventId": "d.event_id", "subscriptionId": "d.subscription_id",
		"triggerId": "d.trigger_id", "status": "d.status",
	}
	var (
		clauses []string
		args    []any
	)
	for _, c := range conds {
		args = append(args, fmt.Sprint(c.Values[0]))
		clauses = append(clauses, fmt.Sprintf("%s = $%d", columns[c.Field], len(args)))
	}
	return " WHERE " + strings.Join(clauses, " AND "), args
}
