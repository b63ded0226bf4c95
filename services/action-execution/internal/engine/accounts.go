package engine

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/jobargs"
	"github.com/accessflow/accessflow/services/action-execution/internal/script"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

// accountParams are the metadata parameters with which a script names the account it acts
// on (the LDAP connector's user and distinguishedName, SCIM's userId and userName, any
// connector's accountId): a script that sets one is not given a registry account.
var accountParams = []string{"user", "distinguishedName", "userId", "userName", "accountId"}

func namesAccount(params map[string]any) bool {
	for _, k := range accountParams {
		if v, ok := params[k]; ok && v != nil && fmt.Sprint(v) != "" {
			return true
		}
	}
	return false
}

// accountStatus is the registry status an account operation leaves; "" for Modify, which
// keeps the stored status (ACTIVE for an account the registry did not know).
func accountStatus(op string) string {
	switch op {
	case connector.AccountCreate, connector.AccountEnable, connector.AccountUnlock:
		return store.AccountActive
	case connector.AccountDisable:
		return store.AccountDisabled
	case connector.AccountDelete:
		return store.AccountDeleted
	}
	return ""
}

// recordAccount writes the account a provider script's success touched into the registry, in
// the transaction that records the success.
func recordAccount(st *store.FlowState, providerKey string, p *actionv1.Provider, res connector.Result, now time.Time) {
	if res.AccountID == "" || res.AccountOperation == "" {
		return
	}
	st.RecordAccount(store.Account{
		ProviderKey: providerKey, AccountID: res.AccountID, IdentityID: st.Flow.Context.GetRecipient().GetId(),
		SourceID: p.GetSourceId(), SourceName: p.GetSourceName(), Status: accountStatus(res.AccountOperation),
		LastOperation: res.AccountOperation, LastFlowID: st.Flow.ID, TrackingNumber: st.Flow.TrackingNumber, Updated: now,
	})
}

// resolveAccount is the account of the flow's recipient on the provider with key in the
// registry, for an account script that has no account from an earlier script and names none:
// the most recently updated one that is not DELETED. None is a permanent failure.
func (e *Engine) resolveAccount(ctx context.Context, st store.FlowState, providerKey string) (string, error) {
	recipient := st.Flow.Context.GetRecipient().GetId()
	if recipient == "" {
		return "", connector.Permanent(errors.New("no account to act on: no earlier script of the flow touched one, the metadata names none and the recipient has no id"))
	}
	accounts, err := e.store.LiveAccounts(ctx, recipient, providerKey)
	if err != nil {
		return "", err
	}
	if len(accounts) == 0 {
		return "", connector.Permanent(fmt.Errorf("no account to act on: no earlier script of the flow touched one, the metadata names none (%s) and the account registry has no account of identity %q on provider %q that is not DELETED",
			strings.Join(accountParams, ", "), recipient, providerKey))
	}
	return accounts[0].AccountID, nil
}

// accountKey is the idempotency key of one account of an every_account script: the script's
// id and a digest of the provider and account (account ids are DNs, unfit for headers).
func accountKey(scriptID, providerKey, accountID string) string {
	sum := sha256.Sum256([]byte(providerKey + "\x00" + accountID))
	return scriptID + "-" + hex.EncodeToString(sum[:12])
}

// runEveryAccount runs an every_account_<operation> script: the operation on every account of
// the recipient in the registry that is not DELETED, each through its own provider exactly as
// a {provider}_api_<operation> script would (operate). The accounts are fixed in the script's
// state when it first runs, and each account's outcome is stored (with its registry row) as
// soon as it is known, so a retried or rescued job goes on with the accounts not done. A
// retryable failure leaves its account PENDING while the others run; the job retries it with
// the script's retry policy. The script fails when any account failed.
func (e *Engine) runEveryAccount(ctx context.Context, st store.FlowState, idx int, t script.Type) error {
	flowID := st.Flow.ID
	now := e.now().UTC()
	claimed, err := e.store.ClaimScript(ctx, flowID, st.Scripts[idx].ID, now)
	if err != nil || !claimed {
		return err
	}
	if st.Scripts[idx].State.Accounts == nil {
		if st, err = e.fixAccounts(ctx, flowID, idx, t); err != nil {
			return ignoreNothing(err)
		}
	} else if st, err = e.store.GetFlow(ctx, flowID); err != nil {
		return err
	}
	var lastErr error
	for j := range st.Scripts[idx].State.Accounts {
		sc := st.Scripts[idx]
		a := sc.State.Accounts[j]
		if a.Status != store.StatusPending {
			continue
		}
		at := t
		at.Class, at.ProviderKey = script.ClassProvider, a.ProviderKey
		res, provider, runErr := e.operate(ctx, st, idx, operation{
			t: at, accountID: a.AccountID, key: accountKey(sc.ID, a.ProviderKey, a.AccountID), eval: a.Evaluation, checkSupport: true,
			keep: func(sc *store.Script, ev store.Evaluation) { sc.State.Accounts[j].Evaluation = ev },
		})
		if runErr != nil && ctx.Err() != nil {
			return runErr // shutting down or timed out: River runs the job again
		}
		if errors.Is(runErr, storage.ErrNotFound) {
			runErr = connector.Permanent(runErr) // the provider is gone
		}
		retry := runErr != nil && !connector.IsPermanent(runErr) && sc.Attempts < maxAttempts(sc.Def)
		if retry {
			lastErr = runErr
		}
		st, err = e.store.UpdateFlow(ctx, flowID, func(fs *store.FlowState) error {
			s := &fs.Scripts[idx]
			if store.Ended(s.Status) || store.Ended(fs.Flow.Status) {
				return errNothingToDo // cancelled meanwhile
			}
			r := &s.State.Accounts[j]
			if provider != nil {
				r.ProviderName, r.SourceID, r.SourceName = provider.GetName(), provider.GetSourceId(), provider.GetSourceName()
			}
			now := e.now().UTC()
			switch {
			case runErr == nil:
				if res.AccountID == "" {
					res.AccountID = a.AccountID
				}
				if res.AccountOperation == "" {
					res.AccountOperation = t.AccountOperation
				}
				r.Status, r.Error = store.StatusSucceeded, ""
				r.AccountOperation, r.Output, r.AttributeRequests = res.AccountOperation, res.Output, nil
				for _, x := range res.AttributeRequests {
					r.AttributeRequests = append(r.AttributeRequests, store.AttributeRequest{Name: x.Name, Value: x.Value, Operation: x.Operation})
				}
				recordAccount(fs, a.ProviderKey, provider, res, now)
			case retry:
				r.Error = runErr.Error()
			default:
				r.Status, r.Error = store.StatusFailed, runErr.Error()
			}
			fs.Flow.Modified = now
			return nil
		})
		if err != nil {
			return ignoreNothing(err)
		}
	}
	var retryIn time.Duration
	_, err = e.store.UpdateFlow(ctx, flowID, func(fs *store.FlowState) error {
		s := &fs.Scripts[idx]
		if store.Ended(s.Status) || store.Ended(fs.Flow.Status) {
			return errNothingToDo
		}
		now := e.now().UTC()
		fs.Flow.Modified = now
		var pending, failed []string
		for i := range s.State.Accounts {
			switch r := &s.State.Accounts[i]; r.Status {
			case store.StatusPending:
				pending = append(pending, r.ProviderKey+" "+r.AccountID)
			case store.StatusFailed:
				failed = append(failed, fmt.Sprintf("%s %s: %s", r.ProviderKey, r.AccountID, r.Error))
			}
		}
		if len(pending) > 0 && lastErr != nil && s.Attempts < maxAttempts(s.Def) {
			s.Status, s.Error = store.StatusPending, fmt.Sprintf("%d account(s) to retry: %v", len(pending), lastErr)
			retryIn = backoff(s.Def.GetBackoff().AsDuration(), s.Attempts)
			return nil
		}
		for j := range s.State.Accounts {
			if r := &s.State.Accounts[j]; r.Status == store.StatusPending {
				r.Status = store.StatusFailed
				if r.Error == "" {
					r.Error = "not run"
				}
				failed = append(failed, fmt.Sprintf("%s %s: %s", r.ProviderKey, r.AccountID, r.Error))
			}
		}
		settle := false
		for i := range s.State.Accounts {
			r := &s.State.Accounts[i]
			fs.Flow.Warnings = append(fs.Flow.Warnings, r.Warnings...)
			settle = settle || r.Evaluated
		}
		if len(s.State.Accounts) == 0 {
			fs.Flow.Warnings = append(fs.Flow.Warnings, fmt.Sprintf("%s: the account registry has no account of identity %q that is not DELETED",
				scriptLabel(s), fs.Flow.Context.GetRecipient().GetId()))
		}
		out := accountsOutput(s.State.Accounts)
		if settle {
			fs.Enqueue(jobargs.Settle{FlowID: fs.Flow.ID, Index: idx}, nil)
		}
		if len(failed) > 0 {
			s.State.Output = out
			e.fail(fs, idx, fmt.Errorf("%d of %d account(s) failed: %s", len(failed), len(s.State.Accounts), strings.Join(failed, "; ")), now)
			return nil
		}
		e.succeed(fs, idx, connector.Result{Output: out}, now)
		return nil
	})
	if err != nil {
		return ignoreNothing(err)
	}
	if retryIn > 0 {
		e.logger.WarnContext(ctx, "every_account script: accounts failed; retrying", "flow_id", flowID, "script", st.Scripts[idx].Name, "retry_in", retryIn, "error", lastErr)
		return river.JobSnooze(retryIn)
	}
	return nil
}

// fixAccounts stores the accounts an every_account script acts on in its state: the
// recipient's registry accounts that are not DELETED, by provider and account id. A disable
// skips the accounts the registry already has DISABLED.
func (e *Engine) fixAccounts(ctx context.Context, flowID string, idx int, t script.Type) (store.FlowState, error) {
	st, err := e.store.GetFlow(ctx, flowID)
	if err != nil {
		return store.FlowState{}, err
	}
	var accounts []store.Account
	if recipient := st.Flow.Context.GetRecipient().GetId(); recipient != "" {
		if accounts, err = e.store.LiveAccounts(ctx, recipient, ""); err != nil {
			return store.FlowState{}, err
		}
	}
	runs := make([]store.AccountRun, 0, len(accounts))
	for i := range accounts {
		a := &accounts[i]
		r := store.AccountRun{ProviderKey: a.ProviderKey, SourceID: a.SourceID, SourceName: a.SourceName, AccountID: a.AccountID, Status: store.StatusPending}
		if t.AccountOperation == connector.AccountDisable && a.Status == store.AccountDisabled {
			r.Status = store.StatusSkippedDisabled
		}
		runs = append(runs, r)
	}
	sortRuns(runs)
	return e.store.UpdateFlow(ctx, flowID, func(fs *store.FlowState) error {
		s := &fs.Scripts[idx]
		if store.Ended(s.Status) || store.Ended(fs.Flow.Status) {
			return errNothingToDo
		}
		if s.State.Accounts == nil {
			s.State.Accounts = runs
		}
		return nil
	})
}

func sortRuns(runs []store.AccountRun) {
	slices.SortFunc(runs, func(a, b store.AccountRun) int {
		return cmp.Or(strings.Compare(a.ProviderKey, b.ProviderKey), strings.Compare(a.AccountID, b.AccountID))
	})
}

// Results of an account in an every_account script's output.
const (
	resultSuccess         = "SUCCESS"
	resultFailed          = "FAILED"
	resultPending         = "PENDING"
	resultAlreadyDisabled = "SKIPPED_ALREADY_DISABLED"
)

func runResult(status string) string {
	switch status {
	case store.StatusSucceeded:
		return resultSuccess
	case store.StatusFailed:
		return resultFailed
	case store.StatusSkippedDisabled:
		return resultAlreadyDisabled
	}
	return resultPending
}

// accountsOutput is an every_account script's output, what later scripts read as
// {{.Scripts.<name>.accounts}}: one map per account with provider, providerName, sourceId,
// sourceName, accountId, accountOperation, result (SUCCESS, FAILED or
// SKIPPED_ALREADY_DISABLED), error and attributeRequests (attributeName, attributeValue,
// operation).
func accountsOutput(runs []store.AccountRun) map[string]any {
	list := make([]any, 0, len(runs))
	for i := range runs {
		r := &runs[i]
		attrs := make([]any, 0, len(r.AttributeRequests))
		for _, a := range r.AttributeRequests {
			attrs = append(attrs, map[string]any{"attributeName": a.Name, "attributeValue": a.Value, "operation": a.Operation})
		}
		list = append(list, map[string]any{
			"provider": r.ProviderKey, "providerName": r.ProviderName, "sourceId": r.SourceID, "sourceName": r.SourceName,
			"accountId": r.AccountID, "accountOperation": r.AccountOperation, "result": runResult(r.Status), "error": r.Error,
			"attributeRequests": attrs,
		})
	}
	return map[string]any{"accounts": list}
}
