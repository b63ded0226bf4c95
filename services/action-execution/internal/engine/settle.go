package engine

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/script"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

// settle tells the policy service how account script idx ended: on success it confirms the
// reservations for the account and records the account in the source's index; on failure it
// releases them. Every call is idempotent, so a retried job repeats them harmlessly.
func (e *Engine) settle(ctx context.Context, flowID string, idx int) error {
	st, err := e.store.GetFlow(ctx, flowID)
	if err != nil {
		if storageNotFound(err) {
			return nil
		}
		return err
	}
	if idx >= len(st.Scripts) {
		return nil
	}
	sc := st.Scripts[idx]
	if e.peers.Uniqueness == nil {
		return fmt.Errorf("settle %s: no policy service configured", scriptLabel(&sc))
	}
	if len(sc.State.Accounts) > 0 { // an every_account script: each account on its own source
		for i := range sc.State.Accounts {
			r := &sc.State.Accounts[i]
			ended := r.Status
			if ended == store.StatusPending {
				ended = sc.Status // a script that ended with the account not run
			}
			if err := e.settleOne(ctx, ended, r.Reservations, r.AccountID, r.SourceID, r.AccountOperation, r.Attributes); err != nil {
				return err
			}
		}
		return nil
	}
	// The account is recorded in (or, after a delete_user, forgotten by) the provider's
	// source's index; a provider that is gone or has no source leaves nothing to record.
	sourceID, op := "", sc.State.AccountOperation
	if t, err := script.Parse(sc.Type, sc.Def.GetProvider()); err == nil && sc.Status == store.StatusSucceeded && sc.State.AccountID != "" {
		if p, err := e.store.GetProvider(ctx, t.ProviderKey); err == nil {
			sourceID = p.Provider.GetSourceId()
		}
		if t.Operation == "delete_user" {
			op = connector.AccountDelete
		}
	}
	return e.settleOne(ctx, sc.Status, sc.State.Reservations, sc.State.AccountID, sourceID, op, sc.State.Attributes)
}

// settleOne settles one account operation that ended in status: on success it confirms the
// reservations for the account and records the account in the source's index (forgets it
// after a Delete); on failure it releases them.
func (e *Engine) settleOne(ctx context.Context, scriptStatus string, reservations []string, accountID, sourceID, accountOperation string, attributes map[string]any) error {
	switch scriptStatus {
	case store.StatusSucceeded:
		for _, id := range reservations {
			if _, err := e.peers.Uniqueness.ConfirmReservation(ctx, &policyv1.ConfirmReservationRequest{Id: id, AccountId: accountID}); err != nil {
				return fmt.Errorf("confirm reservation %s: %w", id, err)
			}
		}
		if accountID == "" || sourceID == "" {
			return nil // nothing to record
		}
		if accountOperation == connector.AccountDelete {
			if _, err := e.peers.Uniqueness.ForgetAccount(ctx, &policyv1.ForgetAccountRequest{SourceId: sourceID, AccountId: accountID}); err != nil && status.Code(err) != codes.NotFound {
				return fmt.Errorf("forget account: %w", err)
			}
			return nil
		}
		attrs := map[string]string{}
		for k, v := range attributes {
			if s, ok := v.(string); ok {
				attrs[k] = s
			}
		}
		if _, err := e.peers.Uniqueness.RecordAccount(ctx, &policyv1.RecordAccountRequest{SourceId: sourceID, AccountId: accountID, Attributes: attrs}); err != nil {
			return fmt.Errorf("record account: %w", err)
		}
	case store.StatusFailed:
		for _, id := range reservations {
			_, err := e.peers.Uniqueness.ReleaseReservation(ctx, &policyv1.ReleaseReservationRequest{Id: id})
			switch status.Code(err) {
			case codes.OK, codes.NotFound: // released, or already gone
			case codes.FailedPrecondition: // confirmed meanwhile: nothing to release
			default:
				return fmt.Errorf("release reservation %s: %w", id, err)
			}
		}
	}
	return nil
}

func storageNotFound(err error) bool { return errors.Is(err, storage.ErrNotFound) }
