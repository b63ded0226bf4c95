package actions_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/tracking"
)

const trackingNumber = "4b4d982dddff4267ab12f0f1e72b5a6d"

func mustStruct(t testing.TB, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	require.NoError(t, err)
	return s
}

// restProvider configures a REST provider on tg with a create_user endpoint and a notify
// webhook, using bearer auth.
func restProvider(t testing.TB, h *harness, key, url, sourceID string) {
	t.Helper()
	_, err := h.svc.CreateProvider(t.Context(), &actionv1.CreateProviderRequest{Provider: &actionv1.Provider{
		Key: key, Name: "Corp " + key, Kind: "REST", Endpoint: url, SourceId: sourceID, SourceName: "Corporate " + key,
		Credentials: map[string]string{"token": "s3cret-token"},
		Settings: mustStruct(t, map[string]any{
			"auth": map[string]any{"type": "bearer"},
			"endpoints": map[string]any{
				"create_user": map[string]any{
					"method": "POST", "path": "/users",
					"body":             `{"userName": {{json .Params.userName}}, "department": {{json .Params.department}}}`,
					"expectedStatuses": []any{201},
					"output":           map[string]any{"userId": "id"},
					"accountId":        "{{.Response.id}}",
				},
				"notify": map[string]any{
					"kind": "webhook", "method": "POST", "path": "/hooks/{{.Params.channel}}",
					"body": `{"text": {{json .Params.text}}}`,
				},
			},
		}),
	}})
	require.NoError(t, err)
}

func threeScriptChain(t *testing.T, h *harness, key string, sleep time.Duration, create *actionv1.ActionChainScript) string {
	t.Helper()
	if create == nil {
		create = &actionv1.ActionChainScript{Name: "create", Type: key + "_api_create_user", Metadata: mustStruct(t, map[string]any{
			"userName":   "{{.Recipient.Attributes.firstname}}.smith",
			"department": "{{.Recipient.Attributes.department}}",
		})}
	}
	resp, err := h.svc.CreateActionChain(t.Context(), &actionv1.CreateActionChainRequest{Chain: &actionv1.ActionChain{
		Name: "grant " + key,
		Scripts: []*actionv1.ActionChainScript{
			create,
			{Name: "wait", Type: "sleep", Duration: durationpb.New(sleep)},
			{Name: "notify", Type: key + "_webhook_notify", Metadata: mustStruct(t, map[string]any{
				"channel": "it",
				"text":    "created {{.Scripts.create.userId}} for {{.Recipient.Name}} ({{.TrackingNumber}})",
			})},
		},
	}})
	require.NoError(t, err)
	return resp.GetChain().GetId()
}

func flowContext(t testing.TB) *actionv1.FlowContext {
	t.Helper()
	return &actionv1.FlowContext{
		Operation: "GRANT",
		Recipient: &actionv1.Identity{Id: "2c91808568c529c60168cca6f90c1313", Name: "William Wilson", Attributes: mustStruct(t, map[string]any{"firstname": "william", "department": "sales"})},
		Requester: &actionv1.Identity{Id: "2c91808568c529c60168cca6f90c1314", Name: "Rob Robertson"},
	}
}

func start(t *testing.T, h *harness, chainID, key string) *actionv1.StartActionFlowResponse {
	t.Helper()
	ctx := tracking.NewContext(t.Context(), tracking.Number(trackingNumber))
	resp, err := h.svc.StartActionFlow(ctx, &actionv1.StartActionFlowRequest{ChainId: chainID, IdempotencyKey: key, Context: flowContext(t)})
	require.NoError(t, err)
	return resp
}

func TestFlowRunsChainAgainstRESTTarget(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		tg := newTarget(t)
		restProvider(t, h, "corpad", tg.URL, "4e4d982dddff4267ab12f0f1e72b5a6d")
		chainID := threeScriptChain(t, h, "corpad", 300*time.Millisecond, nil)
		started := start(t, h, chainID, "approval-1/GRANT")
		require.True(t, started.GetCreated())
		require.Equal(t, trackingNumber, started.GetFlow().GetTrackingNumber())

		flow := h.waitFlow(t, started.GetFlow().GetId())
		require.Equal(t, "SUCCEEDED", flow.GetStatus(), "errors: %v", flow.GetErrors())
		require.Len(t, flow.GetScripts(), 3)
		for _, sc := range flow.GetScripts() {
			require.Equal(t, "SUCCEEDED", sc.GetStatus(), sc.GetName())
			require.Equal(t, int32(1), sc.GetAttempts(), sc.GetName())
		}
		create, wait, notify := flow.GetScripts()[0], flow.GetScripts()[1], flow.GetScripts()[2]
		require.GreaterOrEqual(t, notify.GetStarted().AsTime().Sub(wait.GetStarted().AsTime()), 300*time.Millisecond, "the sleep delays the next script")
		require.Equal(t, "u-"+create.GetId()[:8], create.GetAccountId())
		require.Equal(t, "u-"+create.GetId()[:8], create.GetOutput().AsMap()["userId"])

		effects, reqs := tg.snapshot()
		require.Equal(t, map[string]int{"/users": 1, "/hooks/it": 1}, effects)
		require.Len(t, reqs, 2)
		require.Equal(t, create.GetId(), reqs[0].IdempotencyKey, "the flow script id is the idempotency key")
		require.Equal(t, trackingNumber, reqs[0].TrackingNumber)
		require.Equal(t, "Bearer s3cret-token", reqs[0].Authorization)
		require.Equal(t, map[string]any{"userName": "william.smith", "department": "sales"}, reqs[0].Body)
		require.Equal(t, "created u-"+create.GetId()[:8]+" for William Wilson ("+trackingNumber+")", reqs[1].Body["text"])

		events := h.events.published(t, 1)
		require.Len(t, events, 1)
		ev := events[0]
		require.Equal(t, trackingNumber, ev["trackingNumber"])
		require.Equal(t, "Corporate corpad", ev["sources"])
		require.Equal(t, []any{}, ev["errors"])
		require.Equal(t, map[string]any{"type": "IDENTITY", "id": "2c91808568c529c60168cca6f90c1313", "name": "William Wilson"}, ev["recipient"])
		require.Equal(t, map[string]any{"type": "IDENTITY", "id": "2c91808568c529c60168cca6f90c1314", "name": "Rob Robertson"}, ev["requester"])
		reqsOut := ev["accountRequests"].([]any)
		require.Len(t, reqsOut, 1, "the webhook touched no account")
		ar := reqsOut[0].(map[string]any)
		require.Equal(t, map[string]any{"id": "4e4d982dddff4267ab12f0f1e72b5a6d", "type": "SOURCE", "name": "Corporate corpad"}, ar["source"])
		require.Equal(t, "u-"+create.GetId()[:8], ar["accountId"])
		require.Equal(t, "Create", ar["accountOperation"])
		require.Equal(t, "SUCCESS", ar["provisioningResult"])
		require.Equal(t, "Corp corpad", ar["provisioningTarget"])
		require.Nil(t, ar["ticketId"])
		require.Equal(t, []any{
			map[string]any{"attributeName": "mail", "attributeValue": "william@example.com", "operation": "Set"},
			map[string]any{"attributeName": "userName", "attributeValue": "william.smith", "operation": "Set"},
		}, ar["attributeRequests"])

		// The policy was evaluated once for CREATE with the recipient's attributes; its
		// reservation confirmed for the account, and the account recorded.
		require.Eventually(t, func() bool {
			h.policy.mu.Lock()
			defer h.policy.mu.Unlock()
			return len(h.policy.accounts) == 1
		}, 10*time.Second, 10*time.Millisecond)
		h.policy.mu.Lock()
		defer h.policy.mu.Unlock()
		require.Len(t, h.policy.evaluations, 1)
		require.Equal(t, "CREATE", h.policy.evaluations[0].GetUsageType())
		require.Equal(t, "4e4d982dddff4267ab12f0f1e72b5a6d", h.policy.evaluations[0].GetSourceId())
		require.Equal(t, map[string]string{"res-william": "u-" + create.GetId()[:8]}, h.policy.confirmed)
		require.Equal(t, map[string]string{"userName": "william.smith", "mail": "william@example.com"}, h.policy.accounts["4e4d982dddff4267ab12f0f1e72b5a6d/u-"+create.GetId()[:8]])
		require.Empty(t, h.policy.released)
	})
}

func TestFailingProviderIsRetriedWithBackoffThenFailsFlow(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		tg := newTarget(t)
		tg.fail["/users"] = -1 // always 500
		restProvider(t, h, "corpad", tg.URL, "src-1")
		create := &actionv1.ActionChainScript{
			Name: "create", Type: "corpad_api_create_user", MaxAttempts: 3, Backoff: durationpb.New(100 * time.Millisecond),
			Metadata: mustStruct(t, map[string]any{"userName": "x", "department": "y"}),
		}
		chainID := threeScriptChain(t, h, "corpad", time.Millisecond, create)
		started := start(t, h, chainID, "approval-2/GRANT")

		flow := h.waitFlow(t, started.GetFlow().GetId())
		require.Equal(t, "FAILED", flow.GetStatus())
		sc := flow.GetScripts()
		require.Equal(t, "FAILED", sc[0].GetStatus())
		require.Equal(t, int32(3), sc[0].GetAttempts())
		require.Contains(t, sc[0].GetError(), "answered 500")
		require.Equal(t, "SKIPPED", sc[1].GetStatus())
		require.Equal(t, "SKIPPED", sc[2].GetStatus())
		require.Len(t, flow.GetErrors(), 1)
		require.Contains(t, flow.GetErrors()[0], "script create (corpad_api_create_user) failed")

		_, reqs := tg.snapshot()
		require.Len(t, reqs, 3, "three attempts")
		for _, r := range reqs {
			require.Equal(t, sc[0].GetId(), r.IdempotencyKey, "every attempt carries the same key")
		}
		// Backoff: 100ms then 200ms between attempts (River's scheduler may add a little).
		gap1 := sc[0].GetFinished().AsTime().Sub(sc[0].GetStarted().AsTime())
		require.GreaterOrEqual(t, gap1, 300*time.Millisecond, "two backoffs of 100ms and 200ms")

		ev := h.events.published(t, 1)[0]
		require.Len(t, ev["errors"], 1)
		require.Contains(t, ev["errors"].([]any)[0], "answered 500")
		ar := ev["accountRequests"].([]any)[0].(map[string]any)
		require.Equal(t, "FAILED", ar["provisioningResult"])
		require.Equal(t, "Create", ar["accountOperation"])
		require.Eventually(t, func() bool {
			h.policy.mu.Lock()
			defer h.policy.mu.Unlock()
			return len(h.policy.released) == 1
		}, 10*time.Second, 10*time.Millisecond, "the failed create releases its reservation")

		// Retry-failed once the target recovers: the same script id, a new run, a second event.
		tg.mu.Lock()
		tg.fail["/users"] = 0
		tg.mu.Unlock()
		retried, err := h.svc.RetryActionFlow(t.Context(), &actionv1.RetryActionFlowRequest{Id: flow.GetId()})
		require.NoError(t, err)
		require.Equal(t, int32(2), retried.GetFlow().GetRuns())
		flow = h.waitFlow(t, flow.GetId())
		require.Equal(t, "SUCCEEDED", flow.GetStatus(), "errors: %v", flow.GetErrors())
		require.Equal(t, sc[0].GetId(), flow.GetScripts()[0].GetId())
		effects, _ := tg.snapshot()
		require.Equal(t, map[string]int{"/users": 1, "/hooks/it": 1}, effects)
		events := h.events.published(t, 2)
		require.Equal(t, "SUCCESS", events[1]["accountRequests"].([]any)[0].(map[string]any)["provisioningResult"])
		_, err = h.svc.RetryActionFlow(t.Context(), &actionv1.RetryActionFlowRequest{Id: flow.GetId()})
		require.Equal(t, codes.FailedPrecondition, status.Code(apierrorStatus(err)), "only FAILED flows are retried")
	})
}

func apierrorStatus(err error) error {
	st, _ := apierror.ToStatus(err)
	return st.Err()
}

func TestContinueAndCompensate(t *testing.T) {
	h := newHarness(t, "sqlite")
	tg := newTarget(t)
	tg.fail["/users"] = -1
	restProvider(t, h, "corpad", tg.URL, "")
	for _, tc := range []struct {
		onFailure  string
		wantPaths  map[string]int
		wantStatus []string
	}{
		{"CONTINUE", map[string]int{"/hooks/it": 1}, []string{"FAILED", "SUCCEEDED"}},
		{"COMPENSATE", map[string]int{"/hooks/undo": 1}, []string{"FAILED", "SUCCEEDED", "SKIPPED"}},
	} {
		t.Run(tc.onFailure, func(t *testing.T) {
			tg.mu.Lock()
			tg.effects = map[string]int{}
			tg.mu.Unlock()
			create := &actionv1.ActionChainScript{
				Name: "create", Type: "corpad_api_create_user", MaxAttempts: 1, OnFailure: tc.onFailure,
				Metadata: mustStruct(t, map[string]any{"userName": "x", "department": "y"}),
			}
			if tc.onFailure == "COMPENSATE" {
				create.Compensation = &actionv1.ActionChainScript{Name: "undo", Type: "corpad_webhook_notify", Metadata: mustStruct(t, map[string]any{"channel": "undo", "text": "undo for {{.Recipient.ID}}"})}
			}
			resp, err := h.svc.CreateActionChain(t.Context(), &actionv1.CreateActionChainRequest{Chain: &actionv1.ActionChain{
				Name:    tc.onFailure,
				Scripts: []*actionv1.ActionChainScript{create, {Name: "notify", Type: "corpad_webhook_notify", Metadata: mustStruct(t, map[string]any{"channel": "it", "text": "hi"})}},
			}})
			require.NoError(t, err)
			started := start(t, h, resp.GetChain().GetId(), "k-"+tc.onFailure)
			flow := h.waitFlow(t, started.GetFlow().GetId())
			require.Equal(t, "FAILED", flow.GetStatus())
			var got []string
			for _, sc := range flow.GetScripts() {
				got = append(got, sc.GetStatus())
			}
			require.Equal(t, tc.wantStatus, got)
			effects, _ := tg.snapshot()
			require.Equal(t, tc.wantPaths, effects)
		})
	}
}

func TestStartActionFlowIsIdempotent(t *testing.T) {
	backends(t, func(t *testing.T, h *harness) {
		tg := newTarget(t)
		restProvider(t, h, "corpad", tg.URL, "")
		chainID := threeScriptChain(t, h, "corpad", time.Millisecond, nil)
		first := start(t, h, chainID, "approval-3/GRANT")
		second := start(t, h, chainID, "approval-3/GRANT")
		require.True(t, first.GetCreated())
		require.False(t, second.GetCreated())
		require.Equal(t, first.GetFlow().GetId(), second.GetFlow().GetId())

		other := flowContext(t)
		other.Operation = "REVOKE"
		_, err := h.svc.StartActionFlow(t.Context(), &actionv1.StartActionFlowRequest{ChainId: chainID, IdempotencyKey: "approval-3/GRANT", Context: other})
		require.ErrorIs(t, err, apierror.ErrIdempotencyKeyReused)

		h.waitFlow(t, first.GetFlow().GetId())
		effects, _ := tg.snapshot()
		require.Equal(t, map[string]int{"/users": 1, "/hooks/it": 1}, effects, "one flow ran, once")
		list, err := h.svc.ListActionFlows(t.Context(), &actionv1.ListActionFlowsRequest{Filters: `chainId eq "` + chainID + `"`})
		require.NoError(t, err)
		require.Len(t, list.GetFlows(), 1)
		require.Len(t, h.events.published(t, 1), 1)
	})
}

func TestCancelStopsAWaitingFlow(t *testing.T) {
	h := newHarness(t, "sqlite")
	tg := newTarget(t)
	restProvider(t, h, "corpad", tg.URL, "")
	chainID := threeScriptChain(t, h, "corpad", time.Hour, nil)
	started := start(t, h, chainID, "k-cancel")
	require.Eventually(t, func() bool {
		resp, err := h.svc.GetActionFlow(t.Context(), &actionv1.GetActionFlowRequest{Id: started.GetFlow().GetId()})
		require.NoError(t, err)
		return resp.GetFlow().GetStatus() == "WAITING"
	}, 10*time.Second, 10*time.Millisecond)
	resp, err := h.svc.CancelActionFlow(t.Context(), &actionv1.CancelActionFlowRequest{Id: started.GetFlow().GetId()})
	require.NoError(t, err)
	var got []string
	for _, sc := range resp.GetFlow().GetScripts() {
		got = append(got, sc.GetStatus())
	}
	require.Equal(t, "CANCELLED", resp.GetFlow().GetStatus())
	require.Equal(t, []string{"SUCCEEDED", "CANCELLED", "CANCELLED"}, got)
	ev := h.events.published(t, 1)[0]
	require.Equal(t, "SUCCESS", ev["accountRequests"].([]any)[0].(map[string]any)["provisioningResult"])
	_, err = h.svc.CancelActionFlow(t.Context(), &actionv1.CancelActionFlowRequest{Id: started.GetFlow().GetId()})
	require.Equal(t, codes.FailedPrecondition, status.Code(apierrorStatus(err)))
}

func TestChainsAreCheckedWhenSaved(t *testing.T) {
	h := newHarness(t, "sqlite")
	restProvider(t, h, "corpad", "http://127.0.0.1:1", "")
	md := func(m map[string]any) *structpb.Struct { return mustStruct(t, m) }
	for _, tc := range []struct {
		name    string
		scripts []*actionv1.ActionChainScript
		field   string
		want    string
	}{
		{"template syntax", []*actionv1.ActionChainScript{{Name: "a", Type: "corpad_api_create_user", Metadata: md(map[string]any{"userName": "{{.Recipient.Name"})}}, "chain.scripts[0].metadata", "unclosed action"},
		{"unknown context field", []*actionv1.ActionChainScript{{Name: "a", Type: "corpad_api_create_user", Metadata: md(map[string]any{"userName": "{{.Recipient.Surname}}"})}}, "chain.scripts[0].metadata", `no field "Surname"`},
		{"unknown function", []*actionv1.ActionChainScript{{Name: "a", Type: "none", Metadata: md(map[string]any{"x": "{{shout .FlowID}}"})}}, "chain.scripts[0].metadata", `function "shout" not defined`},
		{"later script's output", []*actionv1.ActionChainScript{
			{Name: "a", Type: "corpad_webhook_notify", Metadata: md(map[string]any{"text": "{{.Scripts.b.userId}}"})},
			{Name: "b", Type: "corpad_api_create_user"},
		}, "chain.scripts[0].metadata", `no script named "b" runs before`},
		{"unsupported operation", []*actionv1.ActionChainScript{{Name: "a", Type: "corpad_api_delete_user"}}, "chain.scripts[0].type", `does not support "delete_user"`},
		{"unknown provider", []*actionv1.ActionChainScript{{Name: "a", Type: "okta_api_create_user"}}, "chain.scripts[0].type", `no provider "okta"`},
		{"unknown type", []*actionv1.ActionChainScript{{Name: "a", Type: "teleport"}}, "chain.scripts[0].type", "unknown script type"},
		{"every_account of an unknown operation", []*actionv1.ActionChainScript{{Name: "a", Type: "none"}, {Name: "b", Type: "every_account_x"}}, "chain.scripts[1].type", `unknown operation "x" in every_account_x: want one of change_password, delete_user, disable_user`},
		{"every_account of a create", []*actionv1.ActionChainScript{{Name: "a", Type: "every_account_create_user"}}, "chain.scripts[0].type", `unknown operation "create_user"`},
		{"wrong provider kind", []*actionv1.ActionChainScript{{Name: "a", Type: "email_notification", Provider: "corpad"}}, "chain.scripts[0].provider", "need a SMTP provider"},
		{"sleep without duration", []*actionv1.ActionChainScript{{Name: "a", Type: "sleep"}}, "chain.scripts[0].duration", "positive duration"},
		{"duplicate names", []*actionv1.ActionChainScript{{Name: "a", Type: "none"}, {Name: "a", Type: "none"}}, "chain.scripts[1].name", "names another script"},
		{"compensate without compensation", []*actionv1.ActionChainScript{{Name: "a", Type: "none", OnFailure: "COMPENSATE"}}, "chain.scripts[0].compensation", "is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.svc.CreateActionChain(t.Context(), &actionv1.CreateActionChainRequest{Chain: &actionv1.ActionChain{Name: tc.name, Scripts: tc.scripts}})
			var fields *apierror.InvalidFieldsError
			require.ErrorAs(t, err, &fields)
			require.Equal(t, tc.field, fields.Violations[0].Field)
			require.Contains(t, fields.Violations[0].Description, tc.want)
		})
	}
	// A template reading a map key is checked when rendered, not when saved.
	_, err := h.svc.CreateActionChain(t.Context(), &actionv1.CreateActionChainRequest{Chain: &actionv1.ActionChain{Name: "ok", Scripts: []*actionv1.ActionChainScript{
		{Name: "a", Type: "corpad_api_create_user", Metadata: md(map[string]any{"userName": "{{.Recipient.Attributes.anything | lower}}", "department": "{{.Inputs.dept}}"})},
		{Name: "b", Type: "corpad_webhook_notify", Metadata: md(map[string]any{"text": "{{.Scripts.a.userId}}", "channel": "x"})},
	}}})
	require.NoError(t, err)
}

func TestMissingKeyFailsTheScriptAtOnce(t *testing.T) {
	h := newHarness(t, "sqlite")
	tg := newTarget(t)
	restProvider(t, h, "corpad", tg.URL, "")
	resp, err := h.svc.CreateActionChain(t.Context(), &actionv1.CreateActionChainRequest{Chain: &actionv1.ActionChain{Name: "x", Scripts: []*actionv1.ActionChainScript{
		{Name: "notify", Type: "corpad_webhook_notify", Metadata: mustStruct(t, map[string]any{"channel": "it", "text": "{{.Inputs.missing}}"})},
	}}})
	require.NoError(t, err)
	flow := h.waitFlow(t, start(t, h, resp.GetChain().GetId(), "k-missing").GetFlow().GetId())
	require.Equal(t, "FAILED", flow.GetStatus())
	require.Equal(t, int32(1), flow.GetScripts()[0].GetAttempts(), "a template error is not retried")
	require.Contains(t, flow.GetScripts()[0].GetError(), `map has no entry for key "missing"`)
}

func TestProviderCredentialsAreWriteOnly(t *testing.T) {
	h := newHarness(t, "sqlite")
	restProvider(t, h, "corpad", "http://127.0.0.1:1", "")
	got, err := h.svc.GetProvider(t.Context(), &actionv1.GetProviderRequest{Key: "corpad"})
	require.NoError(t, err)
	require.Empty(t, got.GetProvider().GetCredentials())
	require.Equal(t, []string{"token"}, got.GetProvider().GetCredentialNames())
	require.Equal(t, []string{"create_user", "webhook_notify"}, got.GetProvider().GetOperations())
	require.NotContains(t, got.String(), "s3cret-token")

	_, err = h.svc.CreateProvider(t.Context(), &actionv1.CreateProviderRequest{Provider: &actionv1.Provider{
		Key: "bad", Kind: "REST", Endpoint: "http://127.0.0.1:1",
		Settings: mustStruct(t, map[string]any{"auth": map[string]any{"type": "bearer"}, "endpoints": map[string]any{"x": map[string]any{"body": "{{.Params"}}}),
	}})
	var fields *apierror.InvalidFieldsError
	require.ErrorAs(t, err, &fields)
	require.Contains(t, fields.Error(), "bearer auth needs the token credential")
	require.Contains(t, fields.Error(), "settings.endpoints.x.body")
}

func TestCancelDuringBackoff(t *testing.T) {
	h := newHarness(t, "sqlite")
	tg := newTarget(t)
	tg.fail["/users"] = -1
	restProvider(t, h, "corpad", tg.URL, "")
	create := &actionv1.ActionChainScript{
		Name: "create", Type: "corpad_api_create_user", MaxAttempts: 5, Backoff: durationpb.New(time.Hour),
		Metadata: mustStruct(t, map[string]any{"userName": "x", "department": "y"}),
	}
	started := start(t, h, threeScriptChain(t, h, "corpad", time.Millisecond, create), "k-backoff")
	require.Eventually(t, func() bool {
		resp, err := h.svc.GetActionFlow(t.Context(), &actionv1.GetActionFlowRequest{Id: started.GetFlow().GetId()})
		require.NoError(t, err)
		sc := resp.GetFlow().GetScripts()[0]
		return sc.GetAttempts() == 1 && sc.GetStatus() == "PENDING" && sc.GetError() != ""
	}, 10*time.Second, 10*time.Millisecond, "the first attempt fails and waits for its retry")
	resp, err := h.svc.CancelActionFlow(t.Context(), &actionv1.CancelActionFlowRequest{Id: started.GetFlow().GetId()})
	require.NoError(t, err)
	require.Equal(t, "CANCELLED", resp.GetFlow().GetScripts()[0].GetStatus())
	ev := h.events.published(t, 1)[0]
	require.Equal(t, []any{}, ev["accountRequests"], "nothing was provisioned")
}

func TestProviderUpdateCannotBreakAChain(t *testing.T) {
	h := newHarness(t, "sqlite")
	tg := newTarget(t)
	restProvider(t, h, "corpad", tg.URL, "")
	threeScriptChain(t, h, "corpad", time.Millisecond, nil)
	got, err := h.svc.GetProvider(t.Context(), &actionv1.GetProviderRequest{Key: "corpad"})
	require.NoError(t, err)
	p := got.GetProvider()
	original := p.GetSettings()
	settings := p.GetSettings().AsMap()
	delete(settings["endpoints"].(map[string]any), "notify")
	p.Settings = mustStruct(t, settings)
	_, err = h.svc.UpdateProvider(t.Context(), &actionv1.UpdateProviderRequest{Key: "corpad", Provider: p})
	var fields *apierror.InvalidFieldsError
	require.ErrorAs(t, err, &fields)
	require.Contains(t, fields.Error(), `does not support "webhook_notify"`)

	p.Endpoint = tg.URL + "/v2"
	p.Settings = original
	updated, err := h.svc.UpdateProvider(t.Context(), &actionv1.UpdateProviderRequest{Key: "corpad", Provider: p})
	require.NoError(t, err, "a change the chains survive is accepted; credentials left out are kept")
	require.Equal(t, []string{"token"}, updated.GetProvider().GetCredentialNames())
}

func TestPolicyEvaluationOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		err        error
		wantStatus string
		wantBody   map[string]any
	}{
		{"no policy for the usage type", status.Error(codes.NotFound, "no CREATE policy"), "SUCCEEDED", map[string]any{"userName": "x", "department": "y"}},
		{"identity lacks data", status.Error(codes.InvalidArgument, "firstname missing"), "FAILED", nil},
		{"unique values exhausted", status.Error(codes.FailedPrecondition, "exhausted"), "FAILED", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, "sqlite")
			h.policy.evalErr = tc.err
			tg := newTarget(t)
			restProvider(t, h, "corpad", tg.URL, "src-1")
			create := &actionv1.ActionChainScript{Name: "create", Type: "corpad_api_create_user", Metadata: mustStruct(t, map[string]any{"userName": "x", "department": "y"})}
			flow := h.waitFlow(t, start(t, h, threeScriptChain(t, h, "corpad", time.Millisecond, create), "k").GetFlow().GetId())
			require.Equal(t, tc.wantStatus, flow.GetStatus(), flow.GetErrors())
			require.Equal(t, int32(1), flow.GetScripts()[0].GetAttempts(), "not retried")
			_, reqs := tg.snapshot()
			if tc.wantBody == nil {
				require.Empty(t, reqs, "the target is not called without the policy's attributes")
				require.Contains(t, flow.GetErrors()[0], "provisioning policy of source src-1")
				return
			}
			require.Equal(t, tc.wantBody, reqs[0].Body)
		})
	}
}
