package actions_test

import (
	"net/url"
	"path"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/tracking"
)

func approvalChain(t *testing.T, h *harness, wait time.Duration) string {
	t.Helper()
	resp, err := h.svc.CreateActionChain(t.Context(), &actionv1.CreateActionChainRequest{Chain: &actionv1.ActionChain{
		Name: "approve then create",
		Scripts: []*actionv1.ActionChainScript{
			{Name: "ask", Type: "email_approval", Provider: "mail", Duration: durationpb.New(wait), Metadata: mustStruct(t, map[string]any{
				"to": "manager@example.com", "subject": "Grant {{.Recipient.Name}}?",
			})},
			{Name: "create", Type: "corpad_api_create_user", Metadata: mustStruct(t, map[string]any{"userName": "x", "department": "{{.Scripts.ask.decision}}"})},
		},
	}})
	require.NoError(t, err)
	return resp.GetChain().GetId()
}

func mailProvider(t *testing.T, h *harness) {
	t.Helper()
	_, err := h.svc.CreateProvider(t.Context(), &actionv1.CreateProviderRequest{Provider: &actionv1.Provider{Key: "mail", Kind: "SMTP", Endpoint: "smtp://127.0.0.1:25"}})
	require.NoError(t, err)
}

func token(t *testing.T, link any) string {
	t.Helper()
	u, err := url.Parse(link.(string))
	require.NoError(t, err)
	require.Equal(t, "/v1/action-approvals", path.Dir(u.Path))
	tok, err := url.PathUnescape(path.Base(u.EscapedPath()))
	require.NoError(t, err)
	return tok
}

func status0(t *testing.T, h *harness, id string) *actionv1.ActionFlow {
	t.Helper()
	resp, err := h.svc.GetActionFlow(t.Context(), &actionv1.GetActionFlowRequest{Id: id})
	require.NoError(t, err)
	return resp.GetFlow()
}

func TestApprovalWaitsForTheAnswer(t *testing.T) {
	h := newHarness(t, "sqlite")
	tg := newTarget(t)
	restProvider(t, h, "corpad", tg.URL, "")
	mailProvider(t, h)
	chainID := approvalChain(t, h, 0)

	t.Run("approve", func(t *testing.T) {
		id := start(t, h, chainID, "k-approve").GetFlow().GetId()
		require.Eventually(t, func() bool { return status0(t, h, id).GetStatus() == "WAITING" }, 10*time.Second, 10*time.Millisecond)
		sent := h.mail.requests()
		require.Len(t, sent, 1)
		require.Equal(t, "Grant William Wilson?", sent[0].Params["subject"])
		effects, _ := tg.snapshot()
		require.Empty(t, effects, "nothing runs before the answer")

		// The click is a call of its own, with a trackingNumber of its own: what it lets go on
		// still works under the flow's.
		click := tracking.NewContext(t.Context(), tracking.New())
		d, err := h.svc.DecideActionApproval(click, &actionv1.DecideActionApprovalRequest{Token: token(t, sent[0].Params["approveUrl"])})
		require.NoError(t, err)
		require.Equal(t, "APPROVE", d.GetDecision())
		require.Equal(t, "ask", d.GetScript())
		flow := h.waitFlow(t, id)
		require.Equal(t, "SUCCEEDED", flow.GetStatus(), flow.GetErrors())
		require.Equal(t, "APPROVE", flow.GetScripts()[0].GetOutput().AsMap()["decision"])
		_, reqs := tg.snapshot()
		require.Equal(t, "APPROVE", reqs[0].Body["department"], "later scripts read the decision")
		require.Equal(t, trackingNumber, reqs[0].TrackingNumber, "the script after the approval calls with the flow's trackingNumber")
		h.events.published(t, 1)
		require.Equal(t, trackingNumber, h.events.caller(id), "idn:post-provisioning is published under the flow's trackingNumber, not the click's")

		_, err = h.svc.DecideActionApproval(t.Context(), &actionv1.DecideActionApprovalRequest{Token: token(t, sent[0].Params["approveUrl"])})
		require.NoError(t, err, "a repeated click is harmless")
		_, err = h.svc.DecideActionApproval(t.Context(), &actionv1.DecideActionApprovalRequest{Token: token(t, sent[0].Params["denyUrl"])})
		require.Equal(t, codes.FailedPrecondition, status.Code(apierrorStatus(err)), "the first answer wins")
	})

	t.Run("deny", func(t *testing.T) {
		id := start(t, h, chainID, "k-deny").GetFlow().GetId()
		require.Eventually(t, func() bool { return status0(t, h, id).GetStatus() == "WAITING" }, 10*time.Second, 10*time.Millisecond)
		sent := h.mail.requests()
		_, err := h.svc.DecideActionApproval(t.Context(), &actionv1.DecideActionApprovalRequest{Token: token(t, sent[len(sent)-1].Params["denyUrl"])})
		require.NoError(t, err)
		flow := h.waitFlow(t, id)
		require.Equal(t, "FAILED", flow.GetStatus())
		require.Contains(t, flow.GetErrors()[0], "denied by the approver")
		require.Equal(t, "SKIPPED", flow.GetScripts()[1].GetStatus())
	})

	t.Run("no answer in time", func(t *testing.T) {
		id := start(t, h, approvalChain(t, h, 300*time.Millisecond), "k-timeout").GetFlow().GetId()
		flow := h.waitFlow(t, id)
		require.Equal(t, "FAILED", flow.GetStatus())
		require.Contains(t, flow.GetErrors()[0], "no answer within 300ms")
	})

	t.Run("forged tokens", func(t *testing.T) {
		for _, tok := range []string{"x", "v1~test~AAAA", "v1~other~" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo"} {
			_, err := h.svc.DecideActionApproval(t.Context(), &actionv1.DecideActionApprovalRequest{Token: tok})
			require.ErrorIs(t, err, apierror.ErrUnauthenticated, tok)
		}
	})
}
