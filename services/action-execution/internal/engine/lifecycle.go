package engine

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/action-execution/internal/jobargs"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

// Instantiate makes a flow of chain: its scripts (each compensation right after the script it
// compensates) all PENDING, and the job that runs the first.
func Instantiate(chain *actionv1.ActionChain, c *actionv1.FlowContext, key, hash, trackingNumber string, now time.Time) *store.FlowState {
	f := store.Flow{
		ID: ids.New(), ChainID: chain.GetId(), ChainName: chain.GetName(), Status: store.StatusPending,
		IdempotencyKey: key, RequestHash: hash, TrackingNumber: trackingNumber, Context: c,
		Runs: 1, Created: now, Modified: now,
	}
	st := &store.FlowState{Flow: f}
	for _, def := range chain.GetScripts() {
		main := proto.CloneOf(def)
		main.Compensation = nil
		st.Scripts = append(st.Scripts, store.Script{ID: ids.New(), Index: len(st.Scripts), Name: def.GetName(), Type: def.GetType(), Def: main, Status: store.StatusPending})
		if comp := def.GetCompensation(); comp != nil && def.GetOnFailure() == OnFailureCompensate {
			cd := proto.CloneOf(comp)
			cd.Compensation, cd.OnFailure = nil, ""
			st.Scripts = append(st.Scripts, store.Script{ID: ids.New(), Index: len(st.Scripts), Name: comp.GetName(), Type: comp.GetType(), Def: cd, Compensation: true, Status: store.StatusPending})
		}
	}
	st.Enqueue(jobargs.RunScript{FlowID: f.ID, Index: 0}, nil)
	return st
}

// Cancel cancels a flow that has not ended: scripts not yet run are CANCELLED, a running one
// finishes but nothing runs after it, and the flow's end is published.
func (e *Engine) Cancel(ctx context.Context, id string) (store.FlowState, error) {
	return e.store.UpdateFlow(ctx, id, func(st *store.FlowState) error {
		if store.Ended(st.Flow.Status) {
			return fmt.Errorf("action flow %s already ended %s: %w", id, st.Flow.Status, storage.ErrPreconditionFailed)
		}
		now := e.now().UTC()
		for i := range st.Scripts {
			if s := &st.Scripts[i]; s.Status == store.StatusPending || s.Status == store.StatusWaiting {
				s.Status, s.Finished = store.StatusCancelled, now
			}
		}
		st.Flow.Warnings = append(st.Flow.Warnings, "flow cancelled")
		e.finish(st, store.StatusCancelled, now)
		return nil
	})
}

// Retry runs a FAILED flow again from its first failed script: that script and everything
// after it that did not succeed start over, with the same flow script ids (idempotency keys).
func (e *Engine) Retry(ctx context.Context, id string) (store.FlowState, error) {
	return e.store.UpdateFlow(ctx, id, func(st *store.FlowState) error {
		if st.Flow.Status != store.StatusFailed {
			return fmt.Errorf("action flow %s is %s; only FAILED flows are retried: %w", id, st.Flow.Status, storage.ErrPreconditionFailed)
		}
		first := -1
		for i := range st.Scripts {
			if s := &st.Scripts[i]; s.Status == store.StatusFailed && !s.Compensation {
				first = i
				break
			}
		}
		if first < 0 {
			return fmt.Errorf("action flow %s has no failed script: %w", id, storage.ErrPreconditionFailed)
		}
		now := e.now().UTC()
		for i := first; i < len(st.Scripts); i++ {
			s := &st.Scripts[i]
			if s.Status == store.StatusSucceeded && !s.Compensation {
				continue
			}
			// An every_account script keeps the accounts it finished: only the failed ones run again.
			accounts := s.State.Accounts
			for j := range accounts {
				if r := &accounts[j]; r.Status == store.StatusFailed || r.Status == store.StatusPending {
					r.Status, r.Error, r.Evaluation = store.StatusPending, "", store.Evaluation{}
				}
			}
			s.Status, s.Attempts, s.Error, s.State = store.StatusPending, 0, "", store.ScriptState{Accounts: accounts}
			s.Started, s.Finished = time.Time{}, time.Time{}
		}
		st.Flow.Status, st.Flow.Runs = store.StatusRunning, st.Flow.Runs+1
		st.Flow.Errors, st.Flow.Warnings, st.Flow.Completed, st.Flow.Modified = nil, nil, time.Time{}, now
		st.Enqueue(jobargs.RunScript{FlowID: id, Index: first}, nil)
		return nil
	})
}
