package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

// Approval decisions.
const (
	DecisionApprove = "APPROVE"
	DecisionDeny    = "DENY"
)

// approvalAAD binds sealed approval tokens to their use.
var approvalAAD = []byte("action-approval")

type approvalClaim struct {
	FlowID   string `json:"f"`
	ScriptID string `json:"s"`
	Decision string `json:"d"`
}

// approvalToken seals a decision on a script: only this service's key ring makes or opens one.
// The sealed form's colons become '~' so that it is one URL path segment.
func (e *Engine) approvalToken(flowID, scriptID, decision string) (string, error) {
	b, err := json.Marshal(approvalClaim{FlowID: flowID, ScriptID: scriptID, Decision: decision})
	if err != nil {
		return "", fmt.Errorf("encode approval token: %w", err)
	}
	sealed, err := e.ring.Seal(b, approvalAAD)
	if err != nil {
		return "", fmt.Errorf("seal approval token: %w", err)
	}
	return strings.ReplaceAll(sealed, ":", "~"), nil
}

// approvalLinks are the approve and deny URLs an approval script's message carries.
func (e *Engine) approvalLinks(flowID, scriptID string) (map[string]any, error) {
	out := map[string]any{}
	for name, decision := range map[string]string{"approveUrl": DecisionApprove, "denyUrl": DecisionDeny} {
		tok, err := e.approvalToken(flowID, scriptID, decision)
		if err != nil {
			return nil, err
		}
		out[name] = strings.TrimSuffix(e.cfg.ApprovalBaseURL, "/") + "/v1/action-approvals/" + url.PathEscape(tok)
	}
	return out, nil
}

// Decided is what Decide recorded.
type Decided struct {
	FlowID, Script, Decision string
}

// Decide records the answer a signed approval token carries: APPROVE succeeds the waiting
// approval script and moves the flow on, DENY fails it. A token that does not open is
// apierror.ErrUnauthenticated; an answer to a script no longer waiting is accepted when it
// repeats the recorded one and refused otherwise.
func (e *Engine) Decide(ctx context.Context, token string) (Decided, error) {
	plain, err := e.ring.Open(strings.ReplaceAll(token, "~", ":"), approvalAAD)
	var c approvalClaim
	if err == nil {
		err = json.Unmarshal(plain, &c)
	}
	if err != nil || (c.Decision != DecisionApprove && c.Decision != DecisionDeny) {
		return Decided{}, fmt.Errorf("%w: not a valid approval link", apierror.ErrUnauthenticated)
	}
	var out Decided
	_, err = e.store.UpdateFlow(ctx, c.FlowID, func(st *store.FlowState) error {
		idx := -1
		for i := range st.Scripts {
			if st.Scripts[i].ID == c.ScriptID {
				idx = i
			}
		}
		if idx < 0 {
			return fmt.Errorf("approval script: %w", storage.ErrNotFound)
		}
		sc := &st.Scripts[idx]
		out = Decided{FlowID: c.FlowID, Script: sc.Name, Decision: c.Decision}
		if sc.Status != store.StatusWaiting || store.Ended(st.Flow.Status) {
			if recorded, _ := sc.State.Output["decision"].(string); recorded == c.Decision {
				return errNothingToDo
			}
			return fmt.Errorf("approval %s of flow %s is %s: %w", sc.Name, c.FlowID, sc.Status, storage.ErrPreconditionFailed)
		}
		now := e.now().UTC()
		st.Flow.Modified = now
		output := map[string]any{}
		for k, v := range sc.State.Output {
			output[k] = v
		}
		output["decision"] = c.Decision
		sc.State.Output = output
		if c.Decision == DecisionApprove {
			e.succeed(st, idx, connector.Result{Output: output, TicketID: sc.State.TicketID}, now)
			return nil
		}
		e.fail(st, idx, errors.New("denied by the approver"), now)
		return nil
	})
	if err != nil && !errors.Is(err, errNothingToDo) {
		return Decided{}, err
	}
	return out, nil
}

// expireApproval fails an approval script still waiting when its time is up.
func (e *Engine) expireApproval(ctx context.Context, flowID string, idx int) error {
	_, err := e.store.UpdateFlow(ctx, flowID, func(st *store.FlowState) error {
		sc := &st.Scripts[idx]
		if sc.Status != store.StatusWaiting || store.Ended(st.Flow.Status) || sc.State.WakeAt == 0 {
			return errNothingToDo
		}
		now := e.now().UTC()
		if now.Before(time.UnixMicro(sc.State.WakeAt)) {
			return errNothingToDo
		}
		st.Flow.Modified = now
		e.fail(st, idx, fmt.Errorf("no answer within %s", sc.Def.GetDuration().AsDuration()), now)
		return nil
	})
	return ignoreNothing(err)
}
