package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/policy/internal/transform"
)

// RecordAccount sets the indexed attribute values of one account on a source, replacing what
// was recorded for it; an attribute whose value stays the same keeps the reservation it was
// confirmed from. Empty attributes forget the account. storage.ErrNotFound when the source
// does not exist.
func (s *Store) RecordAccount(ctx context.Context, sourceID, accountID string, attributes map[string]string) error {
	names := slices.Sorted(maps.Keys(attributes))
	now := s.now().UnixMicro()
	return s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if err := sourceExists(ctx, tx, sourceID); err != nil {
			return err
		}
		// Drop the attributes the account no longer has.
		args := []any{sourceID, accountID}
		drop := `DELETE FROM account_values WHERE source_id = $1 AND account_id = $2`
		if len(names) > 0 {
			ph := make([]string, len(names))
			for i, n := range names {
				args = append(args, n)
				ph[i] = "$" + strconv.Itoa(3+i)
			}
			drop += ` AND attribute NOT IN (` + strings.Join(ph, ", ") + `)`
		}
		if _, err := tx.Exec(ctx, drop, args...); err != nil {
			return fmt.Errorf("record account %q of source %q: %w", accountID, sourceID, err)
		}
		for _, name := range names {
			v := attributes[name]
			_, err := tx.Exec(ctx,
				`INSERT INTO account_values (source_id, account_id, attribute, value, value_key, modified_us)
				 VALUES ($1, $2, $3, $4, $5, $6)
				 ON CONFLICT (source_id, account_id, attribute) DO UPDATE SET
				     reservation_id  = CASE WHEN account_values.value_key = excluded.value_key THEN account_values.reservation_id ELSE NULL END,
				     identity_id     = CASE WHEN account_values.value_key = excluded.value_key THEN account_values.identity_id ELSE '' END,
				     tracking_number = CASE WHEN account_values.value_key = excluded.value_key THEN account_values.tracking_number ELSE '' END,
				     value = excluded.value, value_key = excluded.value_key, modified_us = excluded.modified_us`,
				sourceID, accountID, name, v, transform.FoldKey(v), now)
			if err != nil {
				return fmt.Errorf("record account %q of source %q: %w", accountID, sourceID, err)
			}
		}
		return nil
	})
}

// ForgetAccount removes an account from a source's index, freeing its values.
// storage.ErrNotFound when the source or the account is unknown.
func (s *Store) ForgetAccount(ctx context.Context, sourceID, accountID string) error {
	return s.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		n, err := tx.Exec(ctx, `DELETE FROM account_values WHERE source_id = $1 AND account_id = $2`, sourceID, accountID)
		if err != nil {
			return fmt.Errorf("forget account %q of source %q: %w", accountID, sourceID, err)
		}
		if n > 0 {
			return nil
		}
		if err := sourceExists(ctx, tx, sourceID); err != nil {
			return err
		}
		return fmt.Errorf("account %q of source %q: %w", accountID, sourceID, storage.ErrNotFound)
	})
}
