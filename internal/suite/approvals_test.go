package suite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/grpcserver"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
)

// actionDouble stands in for action-execution's ActionService (whose flows are another
// issue's): it records StartActionFlow calls and answers idempotently on the key. The approval
// service reaches it over gRPC with its service token, as it will reach the real one.
type actionDouble struct {
	actionv1.UnimplementedActionServiceServer

	mu    sync.Mutex
	calls []*actionv1.StartActionFlowRequest
	flows map[string]string
}

func (a *actionDouble) StartActionFlow(_ context.Context, req *actionv1.StartActionFlowRequest) (*actionv1.StartActionFlowResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, req)
	id, seen := a.flows[req.GetIdempotencyKey()]
	if !seen {
		id = ids.New()
		a.flows[req.GetIdempotencyKey()] = id
	}
	return &actionv1.StartActionFlowResponse{Flow: &actionv1.ActionFlow{Id: id, ChainId: req.GetChainId(), Status: "PENDING"}, Created: !seen}, nil
}

// operations returns the operations StartActionFlow was called with for an approval flow.
func (a *actionDouble) operations(flowID string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, c := range a.calls {
		if c.GetContext().GetApprovalFlowId() == flowID {
			out = append(out, c.GetContext().GetOperation()+":"+c.GetChainId())
		}
	}
	return out
}

// withActionDouble serves a in place of the action-execution service.
func withActionDouble(a *actionDouble) func(*suiteConfig) {
	return func(c *suiteConfig) {
		for i, spec := range c.Specs {
			if spec.Name != service.ActionExecution {
				continue
			}
			c.Specs[i] = service.Spec{
				Name:       service.ActionExecution,
				Migrations: func(string) (fs.FS, error) { return nil, nil },
				Register: func(srv *grpcserver.Server, _ service.Deps) error {
					srv.Register(&actionv1.ActionService_ServiceDesc, a)
					return nil
				},
			}
		}
	}
}

// approvals is a running suite with a loaded directory, acting as the admin or as approvers.
type approvals struct {
	*running
	actions *actionDouble
	issuer  *auth.Issuer
	// source is a real policy-service source the relationships are on.
	source string
}

// as calls the gateway with a user token of subject client:<who> and the APPROVER level.
func (a *approvals) as(t *testing.T, who, method, path, body string) response {
	t.Helper()
	tok, _, err := a.issuer.Issue("client:"+who, who, auth.NewRules().Scopes(), []string{auth.LevelApprover}, time.Hour)
	require.NoError(t, err)
	return a.do(t, method, path, body, "Authorization", "Bearer "+tok)
}

func startApprovals(t *testing.T, storeCfg storage.Config) *approvals {
	t.Helper()
	storeCfg.DataDir = t.TempDir()
	a := &approvals{actions: &actionDouble{flows: map[string]string{}}}
	a.running = startWith(t, storeCfg, withTriggers(withActionDouble(a.actions)))
	cfg := service.DefaultConfig()
	cfg.Storage.DataDir = storeCfg.DataDir
	keys, err := cfg.KeySet()
	require.NoError(t, err)
	a.issuer, err = auth.NewIssuer(keys, cfg.Auth.Issuer, cfg.Auth.Audience)
	require.NoError(t, err)
	for _, p := range []struct{ id, manager string }{{"boss", ""}, {"mgr", "boss"}, {"alice", "mgr"}, {"g1", ""}, {"g2", ""}, {"g3", ""}, {"fallback", ""}} {
		resp := a.do(t, http.MethodPut, "/v1/approval-identities/"+p.id, fmt.Sprintf(
			`{"name": %q, "email": "%s@example.com", "managerId": %q, "subject": "client:%s"}`, p.id, p.id, p.manager, p.id))
		require.Equal(t, http.StatusOK, resp.status, string(resp.body))
	}
	resp := a.do(t, http.MethodPut, "/v1/approval-groups/approvers", `{"name": "approvers", "memberIds": ["g1", "g2", "g3"]}`)
	require.Equal(t, http.StatusOK, resp.status, string(resp.body))
	resp = a.do(t, http.MethodPost, "/v3/sources", corpLDAP)
	require.Equal(t, http.StatusCreated, resp.status, string(resp.body))
	a.source = resp.json(t)["id"].(string)
	return a
}

// relationship creates a relationship, a fallback chain of one USER level, and a default
// chain of the levels levels(fallbackChainID) returns (JSON); it returns the relationship's id.
func (a *approvals) relationship(t *testing.T, levels func(fallback string) string) string {
	t.Helper()
	resp := a.do(t, http.MethodPost, "/v1/approvable-relationships", `{"name": "member of sales `+ids.New()[:6]+`", "sourceId": "`+a.source+`",
		"targetKind": "GROUP", "targetId": "cn=sales", "targetName": "sales", "provisioningChainId": "prov-chain",
		"deprovisioningChainId": "deprov-chain", "requestable": true, "revocable": true}`)
	require.Equal(t, http.StatusCreated, resp.status, string(resp.body))
	rel := resp.json(t)["id"].(string)
	resp = a.do(t, http.MethodPost, "/v1/approvable-relationships/"+rel+"/approval-chains",
		`{"name": "fallback", "groupId": "approvers", "priority": 1000, "levels": [{"approvers": [{"type": "USER", "id": "fallback"}]}]}`)
	require.Equal(t, http.StatusCreated, resp.status, string(resp.body))
	fallback := resp.json(t)["id"].(string)
	resp = a.do(t, http.MethodPost, "/v1/approvable-relationships/"+rel+"/approval-chains", `{"name": "default", "levels": `+levels(fallback)+`}`)
	require.Equal(t, http.StatusCreated, resp.status, string(resp.body))
	return rel
}

// twoLevels is manager-of-recipient, then the approvers group with a quorum of 2; extra0 and
// extra1 are further JSON members of each level.
func twoLevels(extra0, extra1 string) string {
	return `[{"name": "manager", "approvers": [{"type": "MANAGER_OF_RECIPIENT"}]` + extra0 + `},
		{"name": "approvers", "approvers": [{"type": "GROUP", "id": "approvers"}],
		 "approvalCriteria": {"type": "PARALLEL", "approval": {"calculationType": "COUNT", "value": 2}}` + extra1 + `}]`
}

// request asks for rel for alice (requested by alice) and returns the approval flow's id.
func (a *approvals) request(t *testing.T, rel string) string {
	t.Helper()
	resp := a.do(t, http.MethodPost, "/v1/access-requests",
		`{"requestType": "GRANT", "requesterId": "alice", "recipientId": "alice", "relationshipIds": ["`+rel+`"], "comment": "needs it"}`)
	require.Equal(t, http.StatusCreated, resp.status, string(resp.body))
	flows := resp.json(t)["approvalIds"].([]any)
	require.Len(t, flows, 1)
	return flows[0].(string)
}

func (a *approvals) flow(t *testing.T, id string) map[string]any {
	t.Helper()
	resp := a.do(t, http.MethodGet, "/generic-approvals/v1/"+id, "")
	require.Equal(t, http.StatusOK, resp.status, string(resp.body))
	return resp.json(t)
}

func (a *approvals) decide(t *testing.T, who, verb, id string) map[string]any {
	t.Helper()
	resp := a.as(t, who, http.MethodPost, "/generic-approvals/v1/"+id+"/"+verb, `{"comment": "`+verb+` by `+who+`"}`)
	require.Equal(t, http.StatusOK, resp.status, string(resp.body))
	return resp.json(t)
}

func (a *approvals) waitFor(t *testing.T, id, what string, cond func(map[string]any) bool) map[string]any {
	t.Helper()
	var f map[string]any
	require.Eventually(t, func() bool {
		f = a.flow(t, id)
		return cond(f)
	}, 20*time.Second, 20*time.Millisecond, "%s: %v", what, func() any { return f["status"] }())
	return f
}

func actionFlow(f map[string]any, op string) string {
	m, _ := f["actionFlowIds"].(map[string]any)
	s, _ := m[op].(string)
	return s
}

func approverIDs(f map[string]any) []string {
	var out []string
	list, _ := f["approvers"].([]any)
	for _, x := range list {
		out = append(out, x.(map[string]any)["identityID"].(string))
	}
	return out
}

// TestApprovalsREST drives approval flows over REST on both backends: a two-level chain
// (manager, then 2 of 3 of a group) to approval, to rejection at the first level, to escalation
// after a timeout, to expiry of the grant and to a periodic review that ends it, with
// StartActionFlow called once on approval (and once more, deprovisioning, on expiry or a
// failed review) and never on rejection; every decision's idn:access-request-post-approval event
// passes trigger-ingest's catalogue and reaches a subscriber.
func TestApprovalsREST(t *testing.T) {
	run := func(t *testing.T, a *approvals) {
		hook := newSubscriber(t, nil)
		resp := a.do(t, http.MethodPost, "/beta/trigger-subscriptions", `{"name": "post approval", "triggerId": "idn:access-request-post-approval",
			"type": "HTTP", "httpConfig": {"url": "`+hook.URL+`", "httpDispatchMode": "SYNC"}}`)
		require.Equal(t, http.StatusCreated, resp.status, string(resp.body))

		t.Run("approval", func(t *testing.T) {
			rel := a.relationship(t, func(string) string { return twoLevels("", "") })
			id := a.request(t, rel)
			mine := a.as(t, "mgr", http.MethodGet, "/generic-approvals/v1?mine=true&count=true", "")
			require.Equal(t, http.StatusOK, mine.status, string(mine.body))
			require.Contains(t, string(mine.body), id)
			require.Equal(t, []string{"mgr"}, approverIDs(a.flow(t, id)))
			f := a.decide(t, "mgr", "approve", id)
			require.ElementsMatch(t, []string{"g1", "g2", "g3"}, approverIDs(f))
			require.Equal(t, "PENDING", a.decide(t, "g1", "approve", id)["status"])
			require.Equal(t, "APPROVED", a.decide(t, "g2", "approve", id)["status"])
			f = a.waitFor(t, id, "provisioned", func(f map[string]any) bool { return actionFlow(f, "GRANT") != "" })
			require.Equal(t, []string{"GRANT:prov-chain"}, a.actions.operations(id))
			history, _ := json.Marshal(f["history"])
			for _, who := range []string{"mgr", "g1", "g2"} {
				require.Contains(t, string(history), `"comment":"approve by `+who+`"`)
			}
			require.Eventually(t, func() bool {
				n := 0
				for _, d := range hook.accepted() {
					if strings.Contains(string(d.body), `"approvalDecision":"APPROVED"`) && strings.Contains(string(d.body), `"`+rel+`"`) {
						n++
					}
				}
				return n == 3
			}, 20*time.Second, 20*time.Millisecond, "three post-approval events delivered")
			closed := a.as(t, "g3", http.MethodPost, "/generic-approvals/v1/"+id+"/approve", `{}`)
			requireError(t, closed, http.StatusBadRequest, "400.1 Bad Request Content", "takes no more decisions")
		})

		t.Run("rejection", func(t *testing.T) {
			rel := a.relationship(t, func(string) string { return twoLevels("", "") })
			id := a.request(t, rel)
			require.Equal(t, "REJECTED", a.decide(t, "mgr", "reject", id)["status"])
			require.Eventually(t, func() bool {
				for _, d := range hook.accepted() {
					if strings.Contains(string(d.body), `"DENIED"`) && strings.Contains(string(d.body), `"`+rel+`"`) {
						return true
					}
				}
				return false
			}, 20*time.Second, 20*time.Millisecond, "the rejection's event is delivered (the jobs ran)")
			require.Empty(t, a.actions.operations(id))
		})

		t.Run("escalation", func(t *testing.T) {
			rel := a.relationship(t, func(fb string) string {
				return twoLevels(`, "escalationConfig": {"enabled": true, "after": "1s", "fallbackChainId": "`+fb+`"}`, "")
			})
			id := a.request(t, rel)
			f := a.waitFor(t, id, "escalated", func(f map[string]any) bool { return f["isEscalated"] == true })
			require.Equal(t, []string{"fallback"}, approverIDs(f))
			require.Equal(t, "APPROVED", a.decide(t, "fallback", "approve", id)["status"])
			a.waitFor(t, id, "provisioned", func(f map[string]any) bool { return actionFlow(f, "GRANT") != "" })
			require.Equal(t, []string{"GRANT:prov-chain"}, a.actions.operations(id))
		})

		t.Run("expiry", func(t *testing.T) {
			rel := a.relationship(t, func(string) string { return twoLevels(`, "expiresAfter": "86400s"`, `, "expiresAfter": "1s"`) })
			id := a.request(t, rel)
			a.decide(t, "mgr", "approve", id)
			a.decide(t, "g1", "approve", id)
			a.decide(t, "g3", "approve", id)
			f := a.waitFor(t, id, "expired and deprovisioned", func(f map[string]any) bool {
				return f["status"] == "ENDED" && actionFlow(f, "REVOKE") != ""
			})
			require.Equal(t, "EXPIRED", f["grant"].(map[string]any)["endReason"])
			require.Equal(t, []string{"GRANT:prov-chain", "REVOKE:deprov-chain"}, a.actions.operations(id))
		})

		t.Run("review", func(t *testing.T) {
			rel := a.relationship(t, func(string) string { return twoLevels("", `, "auditAfter": "1s"`) })
			id := a.request(t, rel)
			a.decide(t, "mgr", "approve", id)
			a.decide(t, "g1", "approve", id)
			a.decide(t, "g2", "approve", id)
			a.waitFor(t, id, "review opened", func(f map[string]any) bool { return f["status"] == "REVIEW_PENDING" })
			f := a.decide(t, "g3", "reject", id)
			require.Equal(t, "ENDED", f["status"])
			require.Equal(t, "REVIEW_REJECTED", f["grant"].(map[string]any)["endReason"])
			a.waitFor(t, id, "deprovisioned", func(f map[string]any) bool { return actionFlow(f, "REVOKE") != "" })
			require.Equal(t, []string{"GRANT:prov-chain", "REVOKE:deprov-chain"}, a.actions.operations(id))
		})

		t.Run("errors", func(t *testing.T) {
			rel := a.relationship(t, func(string) string { return twoLevels("", `, "requiresComment": "APPROVAL"`) })
			id := a.request(t, rel)
			self := a.as(t, "alice", http.MethodPost, "/generic-approvals/v1/"+id+"/approve", `{}`)
			requireError(t, self, http.StatusBadRequest, "400.1 Bad Request Content", "approverId")
			require.Contains(t, string(self.body), "self-approval")
			unknown := a.do(t, http.MethodPost, "/generic-approvals/v1/"+id+"/approve", `{"overrideApproverID": "ghost"}`)
			requireError(t, unknown, http.StatusBadRequest, "400.1 Bad Request Content", "overrideApproverID")
			other := a.as(t, "g1", http.MethodPost, "/generic-approvals/v1/"+id+"/approve", `{"overrideApproverID": "mgr"}`)
			requireError(t, other, http.StatusForbidden, "403 Forbidden", "own identity")
			a.decide(t, "mgr", "approve", id)
			noComment := a.as(t, "g1", http.MethodPost, "/generic-approvals/v1/"+id+"/approve", `{}`)
			requireError(t, noComment, http.StatusBadRequest, "400.1 Bad Request Content", "comment")
			badChain := a.do(t, http.MethodPost, "/v1/approvable-relationships/"+rel+"/approval-chains",
				`{"name": "bad", "groupId": "approvers", "levels": [{"approvers": [{"type": "USER", "id": "ghost"}]}]}`)
			requireError(t, badChain, http.StatusBadRequest, "400.1 Bad Request Content", "approvalChain.levels[0].approvers[0].id")
			require.Empty(t, a.actions.operations(id))
			noSource := a.do(t, http.MethodPost, "/v1/approvable-relationships", `{"name": "x", "sourceId": "`+ids.New()+`", "targetKind": "ROLE",
				"targetId": "admin", "provisioningChainId": "p", "deprovisioningChainId": "d"}`)
			requireError(t, noSource, http.StatusBadRequest, "400.1 Bad Request Content", "relationship.sourceId")
		})

		// The real trigger-ingest validates the pre-approval input against its catalogue and
		// invokes a real subscriber, whose denial rejects the flow before any human level.
		t.Run("pre-approval", func(t *testing.T) {
			deny := newSubscriber(t, func(int, *http.Request, []byte) (int, string) {
				return http.StatusOK, `{"approved": false, "comment": "SOD violation", "approver": "AcmeCorpExternalIntegration"}`
			})
			a.subscribe(t, "idn:access-request-pre-approval", "pre-approval", deny.URL, "", map[string]any{"responseDeadline": "PT5S"})
			rel := a.relationship(t, func(string) string { return twoLevels("", "") })
			resp := a.do(t, http.MethodPut, "/v1/approvable-relationships/"+rel, `{"name": "pre-approved sales", "sourceId": "`+a.source+`",
				"targetKind": "GROUP", "targetId": "cn=sales", "provisioningChainId": "prov-chain", "deprovisioningChainId": "deprov-chain",
				"requestable": true, "preApproval": true}`)
			require.Equal(t, http.StatusOK, resp.status, string(resp.body))
			id := a.request(t, rel)
			f := a.waitFor(t, id, "denied by the pre-approval subscriber", func(f map[string]any) bool { return f["status"] == "REJECTED" })
			history, _ := json.Marshal(f["history"])
			require.Contains(t, string(history), `"action":"PRE_REJECT"`)
			require.Contains(t, string(history), `"comment":"SOD violation"`)
			require.Len(t, deny.received(), 1)
			require.Contains(t, string(deny.received()[0].body), `"accessRequestId"`)
			require.Empty(t, a.actions.operations(id))
		})

		// An EXTERNAL approver comes from a real idn:access-request-dynamic-approver subscriber.
		t.Run("external approver", func(t *testing.T) {
			approver := newSubscriber(t, func(int, *http.Request, []byte) (int, string) {
				return http.StatusOK, `{"id": "g3", "name": "g3", "type": "IDENTITY"}`
			})
			a.subscribe(t, "idn:access-request-dynamic-approver", "dynamic approver", approver.URL, "", map[string]any{"responseDeadline": "PT5S"})
			rel := a.relationship(t, func(string) string {
				return `[{"name": "manager", "approvers": [{"type": "MANAGER_OF_RECIPIENT"}]}, {"name": "external", "approvers": [{"type": "EXTERNAL"}]}]`
			})
			id := a.request(t, rel)
			a.decide(t, "mgr", "approve", id)
			f := a.waitFor(t, id, "the external approver is added", func(f map[string]any) bool { return len(approverIDs(f)) == 1 })
			require.Equal(t, []string{"g3"}, approverIDs(f))
			require.Equal(t, "APPROVED", a.decide(t, "g3", "approve", id)["status"])
			a.waitFor(t, id, "provisioned", func(f map[string]any) bool { return actionFlow(f, "GRANT") != "" })
			require.Equal(t, []string{"GRANT:prov-chain"}, a.actions.operations(id))
		})
	}
	t.Run("sqlite", func(t *testing.T) {
		run(t, startApprovals(t, storage.Config{SQLiteSynchronous: "NORMAL"}))
	})
	t.Run("postgres", func(t *testing.T) {
		dbURL := storagetest.NewPostgresDatabase(t, "suite", nil, func(context.Context, string) error { return nil })
		run(t, startApprovals(t, storage.Config{DatabaseURL: dbURL, SQLiteSynchronous: "NORMAL"}))
	})
}
