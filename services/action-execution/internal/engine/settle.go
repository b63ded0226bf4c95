package engine

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/pkg/storage"
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
	switch sc.Status {
	case store.StatusSucceeded:
		for _, id := range sc.State.Reservations {
			if _, err := e.peers.Uniqueness.ConfirmReservation(ctx, &policyv1.ConfirmReservationRequest{Id: id, AccountId: sc.State.AccountID}); err != nil {
				return fmt.Errorf("confirm reservation %s: %w", id, err)
			}
		}
		t, err := script.Parse(sc.Type, sc.Def.GetProvider())
		if err != nil || sc.State.AccountID == "" {
			return nil //nolint:nilerr // nothing to record
		}
		p, err := e.store.GetProvider(ctx, t.ProviderKey)
		if err != nil || p.Provider.GetSourceId() == "" {
			return nil //nolint:nilerr // the provider is gone or has no source: nothing to record
		}
		if t.Operation == "delete_user" {
			if _, err := e.peers.Uniqueness.ForgetAccount(ctx, &policyv1.ForgetAccountRequest{SourceId: p.Provider.GetSourceId(), AccountId: sc.State.AccountID}); err != nil && status.Code(err) != codes.NotFound {
				return fmt.Errorf("forget account: %w", err)
			}
			return nil
		}
		attrs := map[string]string{}
		for k, v := range sc.State.Attributes {
			if s, ok := v.(string); ok {
				attrs[k] = s
			}
		}
		if _, err := e.peers.Uniqueness.RecordAccount(ctx, &policyv1.RecordAccountRequest{SourceId: p.Provider.GetSourceId(), AccountId: sc.State.AccountID, Attributes: attrs}); err != nil {
			return fmt.Errorf("record account: %w", err)
		}
	case store.StatusFailed:
		for _, id := range sc.State.Reservations {
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
