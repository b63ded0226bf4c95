package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/policy/internal/transform"
)

// Holder says on whose behalf a Claimer reserves values, and for how long.
type Holder struct {
	SourceID       string
	IdentityID     string
	TrackingNumber string
	// TTL is how long a reservation holds its value unless confirmed.
	TTL time.Duration
}

// Claimer reserves unique values in the store for one evaluation. It implements
// transform.Claimer and remembers what it reserved, so the caller can hand the reservations
// out (or release them when the evaluation fails). Not safe for concurrent use: an evaluation
// claims its fields one after the other.
type Claimer struct {
	store    *Store
	holder   Holder
	reserved []*policyv1.Reservation
}

var _ transform.Claimer = (*Claimer)(nil)

// NewClaimer returns a Claimer reserving values for h.
func (s *Store) NewClaimer(h Holder) *Claimer { return &Claimer{store: s, holder: h} }

// Reservations returns what the Claimer reserved, in claim order.
func (c *Claimer) Reservations() []*policyv1.Reservation { return c.reserved }

// Claim reserves the first of candidates that is free for attribute on the holder's source:
// neither held by an unexpired reservation nor in the source's account index, compared
// case-insensitively (transform.FoldKey). A pending reservation of the same holder (identity
// and trackingNumber, both set) counts as free and is taken over: an evaluation run again for
// the same request — a script retried after its process died between the reservation and the
// account's creation — gets the value it reserved before, not the next one. Values this
// Claimer reserved itself are not free to it again. A statement finds which candidates are taken and
// inserts the first free one, so the cost does not grow with the number of candidates taken:
// one statement for the first candidate alone, and one for all the rest when it is taken. The
// unique index on (source, attribute, value key) makes the reservation atomic on every
// backend. On SQLite, claims of concurrent evaluations share transactions (groupcommit). When
// every candidate is taken the error is an *ExhaustedError, which wraps
// transform.ErrUniqueValuesExhausted.
func (c *Claimer) Claim(ctx context.Context, attribute string, candidates []string) (string, error) {
	if len(candidates) == 0 {
		return "", exhausted(c.holder.SourceID, attribute, nil)
	}
	all := candidates
	if candidates = c.notMine(attribute, candidates); len(candidates) == 0 {
		return "", exhausted(c.holder.SourceID, attribute, all)
	}
	now := c.store.now()
	nowUS, expiresUS := now.UnixMicro(), now.Add(c.holder.TTL).UnixMicro()
	a := &claimAttempt{
		r: &policyv1.Reservation{
			Id:             ids.New(),
			Attribute:      attribute,
			SourceId:       c.holder.SourceID,
			IdentityId:     c.holder.IdentityID,
			TrackingNumber: c.holder.TrackingNumber,
			Expires:        timestamppb.New(time.UnixMicro(expiresUS)), // as stored
		},
		candidates: candidates,
		nowUS:      nowUS,
	}
	a.fixed = [claimFixedArgs]any{c.holder.SourceID, attribute, a.r.GetId(), c.holder.IdentityID, c.holder.TrackingNumber, nowUS, expiresUS}
	var err error
	if c.store.group != nil {
		err = c.store.group.Do(ctx, func(ctx context.Context, tx storage.Tx) error { return a.run(ctx, tx) })
	} else {
		// Each claim statement is atomic on its own, and on PostgreSQL a statement outside a
		// transaction commits by itself: no BEGIN and COMMIT round trips, and claims run in
		// parallel on the pool.
		err = a.run(ctx, c.store.backend.DB())
	}
	var ex *ExhaustedError
	if errors.As(err, &ex) {
		return "", ex
	}
	if err != nil {
		return "", fmt.Errorf("reserve %q: %w", attribute, err)
	}
	c.reserved = append(c.reserved, a.r)
	return a.r.GetValue(), nil
}

// notMine leaves out the candidates this Claimer already reserved for attribute, when its
// holder is one whose reservations count as free to it (an identity and a trackingNumber).
func (c *Claimer) notMine(attribute string, candidates []string) []string {
	if c.holder.IdentityID == "" || c.holder.TrackingNumber == "" {
		return candidates
	}
	mine := map[string]bool{}
	for _, r := range c.reserved {
		if r.GetAttribute() == attribute {
			mine[transform.FoldKey(r.GetValue())] = true
		}
	}
	if len(mine) == 0 {
		return candidates
	}
	out := make([]string, 0, len(candidates))
	for _, v := range candidates {
		if !mine[transform.FoldKey(v)] {
			out = append(out, v)
		}
	}
	return out
}

// claimAttempt is one Claim: the reservation to make and the candidates for its value.
type claimAttempt struct {
	r          *policyv1.Reservation // Value is set once reserved
	candidates []string
	nowUS      int64
	fixed      [claimFixedArgs]any // the claim statement's arguments before the candidates
}

// run reserves the first free candidate on db. Each round either reserves or finds that
// concurrent claims took the candidates it picked (PostgreSQL only: SQLite runs one writer at
// a time), so it ends within len(candidates) rounds.
func (a *claimAttempt) run(ctx context.Context, db storage.DBTX) error {
	n := len(a.candidates)
	for range n + 1 {
		// Most names are free at their first candidate: try it alone with a short statement
		// (cheap to parse: SQLite prepares every statement anew), then the rest in one.
		err := a.try(ctx, db, 0, 1)
		if errors.Is(err, storage.ErrNotFound) && n > 1 {
			err = a.try(ctx, db, 1, n)
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		keys := make([]string, n)
		for i, v := range a.candidates {
			keys[i] = transform.FoldKey(v)
		}
		taken, err := takenKeys(ctx, db, a.r.GetSourceId(), a.r.GetAttribute(), a.nowUS, keys, a.r.GetIdentityId(), a.r.GetTrackingNumber())
		if err != nil {
			return err
		}
		if len(taken) == n {
			break
		}
	}
	return exhausted(a.r.GetSourceId(), a.r.GetAttribute(), a.candidates)
}

// try runs the claim statement over candidates[from:to]; storage.ErrNotFound when it reserved
// none of them.
func (a *claimAttempt) try(ctx context.Context, db storage.DBTX, from, to int) error {
	args := make([]any, 0, claimFixedArgs+2*(to-from))
	args = append(args, a.fixed[:]...)
	for _, v := range a.candidates[from:to] {
		args = append(args, v, transform.FoldKey(v))
	}
	return db.QueryRow(ctx, claimQuery(to-from), args...).Scan(&a.r.Value)
}

// claimFixedArgs is the number of arguments of claimQuery before the candidates.
const claimFixedArgs = 7

// claimQueries caches claimQuery by candidate count (the generator makes at most
// transform.MaxUniqueChecks candidates).
var claimQueries = func() []string {
	q := make([]string, transform.MaxUniqueChecks+1)
	for n := 1; n < len(q); n++ {
		q[n] = buildClaimQuery(n)
	}
	return q
}()

func claimQuery(n int) string {
	if n < len(claimQueries) {
		return claimQueries[n]
	}
	return buildClaimQuery(n)
}

// buildClaimQuery builds the statement that reserves the first free of n candidates, written
// once for SQLite and PostgreSQL. Arguments: $1 source, $2 attribute, $3 reservation id,
// $4 identity, $5 tracking number, $6 now, $7 expiry (µs), then value and key per candidate.
// A candidate is free when the source's account index does not list it and no unexpired
// reservation of another holder holds it; the upsert takes over an expired reservation or one
// of the same holder (sameHolder), and does nothing when a concurrent claim of another holder
// reserved the candidate first.
func buildClaimQuery(n int) string {
	var b strings.Builder
	if n == 1 {
		// One candidate: the unique index alone finds a reservation holding it.
		b.WriteString(`INSERT INTO reservations (id, source_id, attribute, value, value_key, identity_id, tracking_number, created_us, expires_us)
SELECT $3, $1, $2, $8, $9, $4, $5, CAST($6 AS BIGINT), CAST($7 AS BIGINT)
WHERE NOT EXISTS (SELECT 1 FROM account_values WHERE source_id = $1 AND attribute = $2 AND value_key = $9)`)
	} else {
		b.WriteString(`WITH cand (value, value_key, ord) AS (VALUES `)
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			v, k := claimFixedArgs+1+2*i, claimFixedArgs+2+2*i
			fmt.Fprintf(&b, "($%d, $%d, %d)", v, k, i)
		}
		b.WriteString(`),
free AS (
    SELECT c.value, c.value_key FROM cand c
    WHERE NOT EXISTS (SELECT 1 FROM reservations r
                      WHERE r.source_id = $1 AND r.attribute = $2 AND r.value_key = c.value_key AND r.expires_us > $6
                        AND NOT (` + sameHolder("r") + `))
      AND NOT EXISTS (SELECT 1 FROM account_values a
                      WHERE a.source_id = $1 AND a.attribute = $2 AND a.value_key = c.value_key)
    ORDER BY c.ord LIMIT 1
)
INSERT INTO reservations (id, source_id, attribute, value, value_key, identity_id, tracking_number, created_us, expires_us)
SELECT $3, $1, $2, value, value_key, $4, $5, CAST($6 AS BIGINT), CAST($7 AS BIGINT) FROM free WHERE true`)
	}
	b.WriteString(`
ON CONFLICT (source_id, attribute, value_key) DO UPDATE SET
    id = excluded.id, value = excluded.value, identity_id = excluded.identity_id,
    tracking_number = excluded.tracking_number, created_us = excluded.created_us, expires_us = excluded.expires_us
    WHERE reservations.expires_us <= $6 OR (` + sameHolder("reservations") + `)
RETURNING value`)
	return b.String()
}

// sameHolder is the condition that the reservation in table holds its value for the claim's
// holder: identity $4 and trackingNumber $5, neither empty (a holder without them shares
// nothing).
func sameHolder(table string) string {
	return table + `.identity_id = $4 AND ` + table + `.tracking_number = $5 AND $4 <> '' AND $5 <> ''`
}

// takenKeys returns which of keys are taken for attribute on a source at nowUS, for the holder
// identityID and trackingNumber (empty: for nobody), whose own reservations are not taken.
func takenKeys(ctx context.Context, db storage.DBTX, sourceID, attribute string, nowUS int64, keys []string, identityID, trackingNumber string) (map[string]bool, error) {
	args := make([]any, 0, 5+len(keys))
	args = append(args, sourceID, attribute, nowUS, identityID, trackingNumber)
	in := make([]string, len(keys))
	for i, k := range keys {
		args = append(args, k)
		in[i] = "$" + strconv.Itoa(6+i)
	}
	list := strings.Join(in, ", ")
	rows, err := db.Query(ctx,
		`SELECT value_key FROM reservations WHERE source_id = $1 AND attribute = $2 AND expires_us > $3 AND value_key IN (`+list+`)
		   AND NOT (`+sameHolder("reservations")+`)
		 UNION
		 SELECT value_key FROM account_values WHERE source_id = $1 AND attribute = $2 AND value_key IN (`+list+`)`,
		args...)
	if err != nil {
		return nil, fmt.Errorf("taken values of %q: %w", attribute, err)
	}
	defer rows.Close()
	taken := make(map[string]bool, len(keys))
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("taken values of %q: %w", attribute, err)
		}
		taken[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("taken values of %q: %w", attribute, err)
	}
	return taken, nil
}

// Checker is the transform.Claimer of a dry run: it finds the first free candidate like
// Claimer, in one read, but reserves nothing.
type Checker struct {
	store    *Store
	sourceID string
}

var _ transform.Claimer = Checker{}

// NewChecker returns a Checker for a source.
func (s *Store) NewChecker(sourceID string) Checker { return Checker{store: s, sourceID: sourceID} }

// Claim returns the first of candidates that is free now, without holding it.
func (c Checker) Claim(ctx context.Context, attribute string, candidates []string) (string, error) {
	keys := make([]string, len(candidates))
	for i, v := range candidates {
		keys[i] = transform.FoldKey(v)
	}
	taken, err := takenKeys(ctx, c.store.backend.DB(), c.sourceID, attribute, c.store.now().UnixMicro(), keys, "", "")
	if err != nil {
		return "", err
	}
	for i, k := range keys {
		if !taken[k] {
			return candidates[i], nil
		}
	}
	return "", exhausted(c.sourceID, attribute, candidates)
}

// ExhaustedError reports that every candidate value of an attribute is taken on a source. It
// wraps transform.ErrUniqueValuesExhausted, as the transform.Claimer contract asks.
type ExhaustedError struct {
	SourceID  string
	Attribute string
	// Candidates is how many values were tried; First and Last are the first and last of them.
	Candidates  int
	First, Last string
}

func exhausted(sourceID, attribute string, candidates []string) *ExhaustedError {
	e := &ExhaustedError{SourceID: sourceID, Attribute: attribute, Candidates: len(candidates)}
	if len(candidates) > 0 {
		e.First, e.Last = candidates[0], candidates[len(candidates)-1]
	}
	return e
}

func (e *ExhaustedError) Error() string {
	if e.Candidates == 0 {
		return fmt.Sprintf("no candidate values for %q", e.Attribute)
	}
	return fmt.Sprintf("all %d candidate values for %q (%q … %q) are taken on source %q", e.Candidates, e.Attribute, e.First, e.Last, e.SourceID)
}

// Unwrap makes errors.Is(err, transform.ErrUniqueValuesExhausted) hold.
func (e *ExhaustedError) Unwrap() error { return transform.ErrUniqueValuesExhausted }

const reservationColumns = `id, source_id, attribute, value, identity_id, tracking_number, expires_us`

const confirmedColumns = `reservation_id, source_id, attribute, value, identity_id, tracking_number, account_id`

// GetReservation returns a reservation, pending or confirmed, or storage.ErrNotFound.
func (s *Store) GetReservation(ctx context.Context, id string) (*policyv1.Reservation, error) {
	return getReservation(ctx, s.backend.DB(), id)
}

func getReservation(ctx context.Context, db storage.DBTX, id string) (*policyv1.Reservation, error) {
	r, err := scanPending(db.QueryRow(ctx, `SELECT `+reservationColumns+` FROM reservations WHERE id = $1`, id))
	if errors.Is(err, storage.ErrNotFound) {
		r, err = scanConfirmed(db.QueryRow(ctx, `SELECT `+confirmedColumns+` FROM account_values WHERE reservation_id = $1`, id))
	}
	if err != nil {
		return nil, fmt.Errorf("reservation %q: %w", id, err)
	}
	return r, nil
}

// ConfirmReservation moves a reservation's value into the source's account index under
// accountID (default: the value). Confirming a confirmed reservation returns it unchanged.
func (s *Store) ConfirmReservation(ctx context.Context, id, accountID string) (*policyv1.Reservation, error) {
	var out *policyv1.Reservation
	err := s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		r, err := scanPending(tx.QueryRow(ctx, `SELECT `+reservationColumns+` FROM reservations WHERE id = $1`, id))
		if errors.Is(err, storage.ErrNotFound) {
			out, err = scanConfirmed(tx.QueryRow(ctx, `SELECT `+confirmedColumns+` FROM account_values WHERE reservation_id = $1`, id))
		}
		if err != nil || out != nil {
			return wrapReservation(id, err)
		}
		if accountID == "" {
			accountID = r.GetValue()
		}
		if _, err := tx.Exec(ctx, `DELETE FROM reservations WHERE id = $1`, id); err != nil {
			return fmt.Errorf("confirm reservation %q: %w", id, err)
		}
		_, err = tx.Exec(ctx,
			`INSERT INTO account_values (source_id, account_id, attribute, value, value_key, reservation_id, identity_id, tracking_number, modified_us)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			 ON CONFLICT (source_id, account_id, attribute) DO UPDATE SET
			     value = excluded.value, value_key = excluded.value_key, reservation_id = excluded.reservation_id,
			     identity_id = excluded.identity_id, tracking_number = excluded.tracking_number, modified_us = excluded.modified_us`,
			r.GetSourceId(), accountID, r.GetAttribute(), r.GetValue(), transform.FoldKey(r.GetValue()), id,
			r.GetIdentityId(), r.GetTrackingNumber(), s.now().UnixMicro())
		if err != nil {
			return fmt.Errorf("confirm reservation %q: %w", id, err)
		}
		r.Expires, r.Confirmed, r.AccountId = nil, true, accountID
		out = r
		return nil
	})
	return out, err
}

// ReleaseReservations frees pending reservations. An unknown id is storage.ErrNotFound, a
// confirmed one storage.ErrPreconditionFailed (its account must be forgotten instead); either
// rolls back the whole release.
func (s *Store) ReleaseReservations(ctx context.Context, reservationIDs ...string) error {
	return s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		for _, id := range reservationIDs {
			n, err := tx.Exec(ctx, `DELETE FROM reservations WHERE id = $1`, id)
			if err != nil {
				return fmt.Errorf("release reservation %q: %w", id, err)
			}
			if n > 0 {
				continue
			}
			r, err := scanConfirmed(tx.QueryRow(ctx, `SELECT `+confirmedColumns+` FROM account_values WHERE reservation_id = $1`, id))
			if err != nil {
				return wrapReservation(id, err)
			}
			return fmt.Errorf("reservation %q was confirmed for account %q: forget the account to free %q: %w",
				id, r.GetAccountId(), r.GetValue(), storage.ErrPreconditionFailed)
		}
		return nil
	})
}

// DeleteExpiredReservations deletes up to limit reservations that expired by now and reports
// how many it deleted. Expired reservations already count as free; deleting them keeps the
// table small.
func (s *Store) DeleteExpiredReservations(ctx context.Context, limit int) (int64, error) {
	var n int64
	err := s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		var err error
		n, err = tx.Exec(ctx,
			`DELETE FROM reservations WHERE id IN (SELECT id FROM reservations WHERE expires_us <= $1 ORDER BY expires_us LIMIT $2)`,
			s.now().UnixMicro(), limit)
		if err != nil {
			return fmt.Errorf("delete expired reservations: %w", err)
		}
		return nil
	})
	return n, err
}

func wrapReservation(id string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("reservation %q: %w", id, err)
}

func scanPending(row storage.Row) (*policyv1.Reservation, error) {
	r := &policyv1.Reservation{}
	var expires int64
	if err := row.Scan(&r.Id, &r.SourceId, &r.Attribute, &r.Value, &r.IdentityId, &r.TrackingNumber, &expires); err != nil {
		return nil, err
	}
	r.Expires = timestamppb.New(time.UnixMicro(expires))
	return r, nil
}

func scanConfirmed(row storage.Row) (*policyv1.Reservation, error) {
	r := &policyv1.Reservation{Confirmed: true}
	if err := row.Scan(&r.Id, &r.SourceId, &r.Attribute, &r.Value, &r.IdentityId, &r.TrackingNumber, &r.AccountId); err != nil {
		return nil, err
	}
	return r, nil
}
