package approval_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/approval/internal/approvaltest"
)

// world is a directory loaded into a running service: a recipient (alice) whose manager is mgr
// (whose manager is boss), a group of three (g1, g2, g3), a fallback approver, and a
// relationship whose default chain is manager-of-recipient then the group with a quorum of 2.
type world struct {
	srv   *approvaltest.Server
	admin approvalv1.ApprovalServiceClient
	rel   string
	chain string
}

func (w *world) as(t *testing.T, who string) approvalv1.ApprovalServiceClient {
	t.Helper()
	return w.srv.Client(who, "APPROVER")
}

// setup loads the directory and a relationship whose default chain is levels (tune changes
// them before the chain is created).
func setup(t *testing.T, backend string, tune func(levels []*approvalv1.ApprovalLevel, fallback string)) *world {
	t.Helper()
	srv := approvaltest.Start(t, backend)
	w := &world{srv: srv, admin: srv.Client("admin")}
	ctx := t.Context()
	for _, p := range []struct{ id, manager string }{{"boss", ""}, {"mgr", "boss"}, {"alice", "mgr"}, {"g1", ""}, {"g2", ""}, {"g3", ""}, {"fallback", ""}} {
		_, err := w.admin.PutIdentity(ctx, &approvalv1.PutIdentityRequest{Id: p.id, Identity: &approvalv1.Identity{
			Name: p.id, Email: p.id + "@example.com", ManagerId: p.manager, Subject: "client:" + p.id,
		}})
		require.NoError(t, err)
	}
	_, err := w.admin.PutGroup(ctx, &approvalv1.PutGroupRequest{Id: "approvers", Group: &approvalv1.Group{Name: "approvers", MemberIds: []string{"g1", "g2", "g3"}}})
	require.NoError(t, err)
	rel, err := w.admin.CreateRelationship(ctx, &approvalv1.CreateRelationshipRequest{Relationship: &approvalv1.Relationship{
		Name: "member of sales", SourceId: "corp-ad", TargetKind: "GROUP", TargetId: "cn=sales", TargetName: "sales",
		ProvisioningChainId: "prov-chain", DeprovisioningChainId: "deprov-chain", Requestable: true, Revocable: true,
	}})
	require.NoError(t, err)
	w.rel = rel.GetRelationship().GetId()
	fb, err := w.admin.CreateApprovalChain(ctx, &approvalv1.CreateApprovalChainRequest{RelationshipId: w.rel, ApprovalChain: &approvalv1.ApprovalChain{
		Name: "fallback", GroupId: "approvers", Priority: 1000,
		Levels: []*approvalv1.ApprovalLevel{{Name: "fallback", Approvers: []*approvalv1.Approver{{Type: "USER", Id: "fallback"}}}},
	}})
	require.NoError(t, err)
	levels := []*approvalv1.ApprovalLevel{
		{Name: "manager", Approvers: []*approvalv1.Approver{{Type: "MANAGER_OF_RECIPIENT"}}},
		{
			Name: "approvers", Approvers: []*approvalv1.Approver{{Type: "GROUP", Id: "approvers"}},
			ApprovalCriteria: &approvalv1.ApprovalCriteria{Type: "PARALLEL", Approval: &approvalv1.Threshold{CalculationType: "COUNT", Value: 2}},
		},
	}
	if tune != nil {
		tune(levels, fb.GetApprovalChain().GetId())
	}
	chain, err := w.admin.CreateApprovalChain(ctx, &approvalv1.CreateApprovalChainRequest{RelationshipId: w.rel, ApprovalChain: &approvalv1.ApprovalChain{
		Name: "default", Levels: levels,
	}})
	require.NoError(t, err)
	w.chain = chain.GetApprovalChain().GetId()
	return w
}

// request asks for the relationship for alice, requested by requester, and returns the flow id.
func (w *world) request(t *testing.T, requester string) string {
	t.Helper()
	resp, err := w.admin.CreateAccessRequest(t.Context(), &approvalv1.CreateAccessRequestRequest{AccessRequest: &approvalv1.AccessRequest{
		RequestType: "GRANT", RequesterId: requester, RecipientId: "alice", RelationshipIds: []string{w.rel}, Comment: "needs it",
	}})
	require.NoError(t, err)
	require.Len(t, resp.GetAccessRequest().GetApprovalIds(), 1)
	return resp.GetAccessRequest().GetApprovalIds()[0]
}

func (w *world) flow(t *testing.T, id string) *approvalv1.Approval {
	t.Helper()
	resp, err := w.admin.GetApproval(t.Context(), &approvalv1.GetApprovalRequest{Id: id})
	require.NoError(t, err)
	return resp.GetApproval()
}

func (w *world) approve(t *testing.T, who, id string) *approvalv1.Approval {
	t.Helper()
	resp, err := w.as(t, who).ApproveApproval(t.Context(), &approvalv1.ApproveApprovalRequest{Id: id, Comment: "ok by " + who})
	require.NoError(t, err)
	return resp.GetApproval()
}

// waitFor polls the flow until cond holds.
func (w *world) waitFor(t *testing.T, id, what string, cond func(*approvalv1.Approval) bool) *approvalv1.Approval {
	t.Helper()
	var f *approvalv1.Approval
	require.Eventually(t, func() bool {
		f = w.flow(t, id)
		return cond(f)
	}, 20*time.Second, 20*time.Millisecond, "%s (last status %s)", what, func() string { return f.GetStatus() }())
	return f
}

func pendingIDs(f *approvalv1.Approval) []string {
	var out []string
	for _, a := range f.GetApprovers() {
		out = append(out, a.GetIdentityId())
	}
	return out
}

func backends(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, b := range []string{storage.BackendSQLite, storage.BackendPostgres} {
		t.Run(b, func(t *testing.T) { fn(t, b) })
	}
}

// TestTwoLevelApproval drives manager then a 2-of-3 group quorum to approval: StartActionFlow
// runs exactly once with GRANT and the relationship's provisioning chain, and every decision
// publishes a post-approval event.
func TestTwoLevelApproval(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		w := setup(t, backend, nil)
		id := w.request(t, "alice")
		f := w.flow(t, id)
		require.Equal(t, "PENDING", f.GetStatus())
		require.Equal(t, []string{"mgr"}, pendingIDs(f))

		f = w.approve(t, "mgr", id)
		require.Equal(t, int32(1), f.GetLevel())
		require.ElementsMatch(t, []string{"g1", "g2", "g3"}, pendingIDs(f))
		f = w.approve(t, "g1", id)
		require.Equal(t, "PENDING", f.GetStatus(), "one of a quorum of two")
		f = w.approve(t, "g2", id)
		require.Equal(t, "APPROVED", f.GetStatus())
		require.Empty(t, f.GetApprovers())

		f = w.waitFor(t, id, "the action flow is recorded", func(f *approvalv1.Approval) bool { return f.GetActionFlowIds()["GRANT"] != "" })
		calls := w.srv.Actions.CallsFor(id)
		require.Len(t, calls, 1)
		require.Equal(t, "prov-chain", calls[0].GetChainId())
		require.Equal(t, id+":GRANT", calls[0].GetIdempotencyKey())
		require.Equal(t, "GRANT", calls[0].GetContext().GetOperation())
		require.Equal(t, "alice", calls[0].GetContext().GetRecipient().GetId())
		require.Equal(t, f.GetActionFlowIds()["GRANT"], w.srv.Actions.FlowID(id+":GRANT"))

		var actions []string
		for _, h := range f.GetHistory() {
			if h.GetAction() == "APPROVE" {
				actions = append(actions, h.GetActor().GetIdentityId()+"@"+h.GetCreated().AsTime().Format(time.RFC3339)+":"+h.GetComment())
				require.Equal(t, "client:"+h.GetActor().GetIdentityId(), h.GetCallerSubject())
			}
		}
		require.Len(t, actions, 3, "every decision records who, when and why")
		require.Eventually(t, func() bool {
			return len(w.srv.Events.Published("idn:access-request-post-approval")) == 3 &&
				len(w.srv.Events.Published("idn:access-requested")) == 1
		}, 10*time.Second, 20*time.Millisecond)

		// A decision on the closed flow is refused.
		_, err := w.as(t, "g3").ApproveApproval(t.Context(), &approvalv1.ApproveApprovalRequest{Id: id})
		require.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	})
}

// TestRejectAtFirstLevel: the manager rejects; the flow closes and no action flow starts.
func TestRejectAtFirstLevel(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		w := setup(t, backend, nil)
		id := w.request(t, "alice")
		resp, err := w.as(t, "mgr").RejectApproval(t.Context(), &approvalv1.RejectApprovalRequest{Id: id, Comment: "no"})
		require.NoError(t, err)
		require.Equal(t, "REJECTED", resp.GetApproval().GetStatus())
		require.Eventually(t, func() bool { return len(w.srv.Events.Published("idn:access-request-post-approval")) == 1 },
			10*time.Second, 20*time.Millisecond, "the decision's event is published (jobs ran)")
		_, err = w.as(t, "g1").ApproveApproval(t.Context(), &approvalv1.ApproveApprovalRequest{Id: id})
		require.Equal(t, codes.FailedPrecondition, status.Code(err))
		require.Empty(t, w.srv.Actions.CallsFor(id), "no action flow for a rejected request")
	})
}

// TestEscalation: the manager does not decide; after the escalation period the flow moves to
// the fallback chain, whose approver approves.
func TestEscalation(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		w := setup(t, backend, func(levels []*approvalv1.ApprovalLevel, fallback string) {
			levels[0].EscalationConfig = &approvalv1.EscalationConfig{Enabled: true, After: durationpb.New(time.Second), FallbackChainId: fallback}
		})
		id := w.request(t, "alice")
		f := w.waitFor(t, id, "escalated", func(f *approvalv1.Approval) bool { return f.GetIsEscalated() })
		require.Equal(t, []string{"fallback"}, pendingIDs(f))
		require.Equal(t, int32(1), f.GetEscalationStep())
		_, err := w.as(t, "mgr").ApproveApproval(t.Context(), &approvalv1.ApproveApprovalRequest{Id: id})
		require.Equal(t, codes.PermissionDenied, status.Code(err), "the manager is no longer an approver")
		require.Equal(t, "APPROVED", w.approve(t, "fallback", id).GetStatus())
		w.waitFor(t, id, "granted", func(f *approvalv1.Approval) bool { return f.GetActionFlowIds()["GRANT"] != "" })
		require.Len(t, w.srv.Actions.CallsFor(id), 1)
	})
}

// TestGrantExpiry: the grant ends at the chain's shortest expires_after and is deprovisioned
// once.
func TestGrantExpiry(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		w := setup(t, backend, func(levels []*approvalv1.ApprovalLevel, _ string) {
			levels[0].ExpiresAfter = durationpb.New(24 * time.Hour)
			levels[1].ExpiresAfter = durationpb.New(time.Second)
		})
		id := w.request(t, "alice")
		w.approve(t, "mgr", id)
		w.approve(t, "g1", id)
		f := w.approve(t, "g3", id)
		require.Equal(t, "APPROVED", f.GetStatus())
		require.WithinDuration(t, f.GetGrant().GetGranted().AsTime().Add(time.Second), f.GetGrant().GetExpiresAt().AsTime(), time.Millisecond)
		f = w.waitFor(t, id, "ended and revoked", func(f *approvalv1.Approval) bool {
			return f.GetStatus() == "ENDED" && f.GetActionFlowIds()["REVOKE"] != ""
		})
		require.Equal(t, "EXPIRED", f.GetGrant().GetEndReason())
		calls := w.srv.Actions.CallsFor(id)
		require.Len(t, calls, 2)
		require.Equal(t, "GRANT", calls[0].GetContext().GetOperation())
		require.Equal(t, "REVOKE", calls[1].GetContext().GetOperation())
		require.Equal(t, "deprov-chain", calls[1].GetChainId())
		require.Equal(t, id+":REVOKE", calls[1].GetIdempotencyKey())
	})
}

// TestPeriodicReviewEndsGrant: audit_after opens a review by the group; a rejection ends the
// grant and deprovisions it.
func TestPeriodicReviewEndsGrant(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		w := setup(t, backend, func(levels []*approvalv1.ApprovalLevel, _ string) {
			levels[1].AuditAfter = durationpb.New(time.Second)
		})
		id := w.request(t, "alice")
		w.approve(t, "mgr", id)
		w.approve(t, "g1", id)
		w.approve(t, "g2", id)
		f := w.waitFor(t, id, "review opened", func(f *approvalv1.Approval) bool { return f.GetStatus() == "REVIEW_PENDING" })
		require.True(t, f.GetInReview())
		require.ElementsMatch(t, []string{"g1", "g2", "g3"}, pendingIDs(f))
		resp, err := w.as(t, "g3").RejectApproval(t.Context(), &approvalv1.RejectApprovalRequest{Id: id, Comment: "no longer needed"})
		require.NoError(t, err)
		require.Equal(t, "ENDED", resp.GetApproval().GetStatus())
		require.Equal(t, "REVIEW_REJECTED", resp.GetApproval().GetGrant().GetEndReason())
		w.waitFor(t, id, "revoked", func(f *approvalv1.Approval) bool { return f.GetActionFlowIds()["REVOKE"] != "" })
		calls := w.srv.Actions.CallsFor(id)
		require.Len(t, calls, 2)
		require.Equal(t, "REVOKE", calls[1].GetContext().GetOperation())
	})
}

// TestRestartBetweenLevels stops the service after the first level and opens it again on the
// same database: the flow is intact and the second level's pending timeout still fires.
func TestRestartBetweenLevels(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		w := setup(t, backend, func(levels []*approvalv1.ApprovalLevel, _ string) {
			levels[1].TimeoutConfig = &approvalv1.TimeoutConfig{Enabled: true, After: durationpb.New(2 * time.Second), TimeoutResult: "APPROVED"}
		})
		id := w.request(t, "alice")
		before := w.approve(t, "mgr", id)
		require.Equal(t, int32(1), before.GetLevel())
		w.srv.Restart()
		w.admin = w.srv.Client("admin")
		f := w.flow(t, id)
		require.Equal(t, int32(1), f.GetLevel())
		require.Len(t, f.GetHistory(), len(before.GetHistory()), "no state lost")
		w.waitFor(t, id, "approved by timeout after the restart", func(f *approvalv1.Approval) bool {
			return f.GetStatus() == "APPROVED" && f.GetActionFlowIds()["GRANT"] != ""
		})
		require.Len(t, w.srv.Actions.CallsFor(id), 1)
	})
}

func fieldOf(err error) string {
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) > 0 {
			return br.GetFieldViolations()[0].GetField()
		}
	}
	return ""
}

// TestDecisionErrors: self-approval, a closed flow, an unknown approver and a missing required
// comment each get a clear error naming the field.
func TestDecisionErrors(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		w := setup(t, backend, func(levels []*approvalv1.ApprovalLevel, _ string) {
			levels[1].RequiresComment = "APPROVAL"
		})
		ctx := t.Context()
		id := w.request(t, "alice")

		_, err := w.as(t, "alice").ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Id: id})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		require.Equal(t, "approverId", fieldOf(err))
		require.Contains(t, status.Convert(err).Message(), "self-approval")

		_, err = w.admin.ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Id: id, ApproverId: "nobody"})
		require.Equal(t, codes.InvalidArgument, status.Code(err))
		require.Equal(t, "overrideApproverID", fieldOf(err))

		_, err = w.as(t, "g1").ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Id: id, ApproverId: "mgr"})
		require.Equal(t, codes.PermissionDenied, status.Code(err), "an APPROVER acts only as itself")

		w.approve(t, "mgr", id)
		_, err = w.as(t, "g1").ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Id: id})
		require.Equal(t, codes.InvalidArgument, status.Code(err))
		require.Equal(t, "comment", fieldOf(err))

		_, err = w.as(t, "g1").RejectApproval(ctx, &approvalv1.RejectApprovalRequest{Id: id})
		require.NoError(t, err, "comments are required on approval only")
		_, err = w.as(t, "g2").RejectApproval(ctx, &approvalv1.RejectApprovalRequest{Id: id})
		require.Equal(t, codes.FailedPrecondition, status.Code(err), "closed flow: %v", err)

		_, err = w.admin.CreateApprovalChain(ctx, &approvalv1.CreateApprovalChainRequest{RelationshipId: w.rel, ApprovalChain: &approvalv1.ApprovalChain{
			Name: "bad", GroupId: "approvers", Levels: []*approvalv1.ApprovalLevel{{Approvers: []*approvalv1.Approver{{Type: "USER", Id: "ghost"}}}},
		}})
		require.Equal(t, codes.InvalidArgument, status.Code(err))
		require.Equal(t, "approvalChain.levels[0].approvers[0].id", fieldOf(err))
	})
}

// TestNoSelfApproval: when the recipient's manager requests, the manager level goes to the
// manager's own manager instead, recorded in the history.
func TestNoSelfApproval(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		w := setup(t, backend, nil)
		id := w.request(t, "mgr")
		f := w.flow(t, id)
		require.Equal(t, []string{"boss"}, pendingIDs(f))
		require.Contains(t, f.GetAssignments()[0].GetReason(), "self-approval")
		_, err := w.as(t, "mgr").ApproveApproval(t.Context(), &approvalv1.ApproveApprovalRequest{Id: id})
		require.Equal(t, codes.InvalidArgument, status.Code(err))
	})
}

// TestRelationshipSourceAndGroupChains: a relationship's source must exist in the policy
// service; a recipient in a group gets the group's chain (the lowest priority that matches),
// others the default.
func TestRelationshipSourceAndGroupChains(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		w := setup(t, backend, nil)
		ctx := t.Context()
		_, err := w.admin.CreateRelationship(ctx, &approvalv1.CreateRelationshipRequest{Relationship: &approvalv1.Relationship{
			Name: "x", SourceId: "nowhere", TargetKind: "ROLE", TargetId: "admin", ProvisioningChainId: "p", DeprovisioningChainId: "d",
		}})
		require.Equal(t, codes.InvalidArgument, status.Code(err))
		require.Equal(t, "relationship.sourceId", fieldOf(err))

		_, err = w.admin.PutGroup(ctx, &approvalv1.PutGroupRequest{Id: "sales", Group: &approvalv1.Group{Name: "sales", MemberIds: []string{"alice"}}})
		require.NoError(t, err)
		salesChain, err := w.admin.CreateApprovalChain(ctx, &approvalv1.CreateApprovalChainRequest{RelationshipId: w.rel, ApprovalChain: &approvalv1.ApprovalChain{
			Name: "sales", GroupId: "sales", Priority: 10,
			Levels: []*approvalv1.ApprovalLevel{{Approvers: []*approvalv1.Approver{{Type: "USER", Id: "g3"}}}},
		}})
		require.NoError(t, err)
		f := w.flow(t, w.request(t, "alice"))
		require.Equal(t, salesChain.GetApprovalChain().GetId(), f.GetChainId())
		require.Equal(t, []string{"g3"}, pendingIDs(f))

		_, err = w.admin.PutGroup(ctx, &approvalv1.PutGroupRequest{Id: "sales", Group: &approvalv1.Group{Name: "sales"}})
		require.NoError(t, err)
		f = w.flow(t, w.request(t, "alice"))
		require.Equal(t, w.chain, f.GetChainId(), "no longer a member: the default chain")
	})
}

// TestPreApproval: a relationship with preApproval asks the idn:access-request-pre-approval
// trigger before the human levels: no subscriber skips the step, a denial rejects (no action
// flow), an approval after a wait starts the levels, and a failed invocation fails the flow with
// the reason recorded.
func TestPreApproval(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		w := setup(t, backend, nil)
		ctx := t.Context()
		rel, err := w.admin.GetRelationship(ctx, &approvalv1.GetRelationshipRequest{Id: w.rel})
		require.NoError(t, err)
		r := rel.GetRelationship()
		r.PreApproval = true
		_, err = w.admin.UpdateRelationship(ctx, &approvalv1.UpdateRelationshipRequest{Id: w.rel, Relationship: r})
		require.NoError(t, err)
		lastAction := func(f *approvalv1.Approval) string { return f.GetHistory()[len(f.GetHistory())-1].GetAction() }

		id := w.request(t, "alice")
		f := w.waitFor(t, id, "no subscriber: the levels start", func(f *approvalv1.Approval) bool { return f.GetStatus() == "PENDING" })
		require.Equal(t, []string{"mgr"}, pendingIDs(f))
		require.Equal(t, "PRE_APPROVAL_REQUESTED", f.GetHistory()[0].GetAction())
		require.Equal(t, "PRE_APPROVAL_SKIPPED", f.GetHistory()[1].GetAction())

		w.srv.Events.SetPreApproval(func() (string, map[string]any) {
			return "SUCCEEDED", map[string]any{"approved": false, "comment": "SOD violation", "approver": "AcmeCorpExternalIntegration"}
		})
		id = w.request(t, "alice")
		f = w.waitFor(t, id, "denied", func(f *approvalv1.Approval) bool { return f.GetStatus() == "REJECTED" })
		require.Equal(t, "PRE_REJECT", lastAction(f))
		require.Equal(t, "SOD violation", f.GetHistory()[len(f.GetHistory())-1].GetComment())
		require.Equal(t, "AcmeCorpExternalIntegration", f.GetRejectedBy()[0].GetName())

		var asked atomic.Int32
		w.srv.Events.SetPreApproval(func() (string, map[string]any) {
			if asked.Add(1) < 3 {
				return "AWAITING_RESPONSE", nil
			}
			return "SUCCEEDED", map[string]any{"approved": true, "comment": "fine", "approver": "AcmeCorpExternalIntegration"}
		})
		id = w.request(t, "alice")
		f = w.waitFor(t, id, "approved after waiting", func(f *approvalv1.Approval) bool { return f.GetStatus() == "PENDING" })
		require.GreaterOrEqual(t, asked.Load(), int32(3))
		require.Equal(t, []string{"mgr"}, pendingIDs(f))
		w.approve(t, "mgr", id)
		w.approve(t, "g1", id)
		require.Equal(t, "APPROVED", w.approve(t, "g2", id).GetStatus())

		w.srv.Events.SetPreApproval(func() (string, map[string]any) { return "FAILED", nil })
		id = w.request(t, "alice")
		f = w.waitFor(t, id, "failed", func(f *approvalv1.Approval) bool { return f.GetStatus() == "FAILED" })
		require.Contains(t, f.GetHistory()[len(f.GetHistory())-1].GetComment(), "deadline passed")
		require.Empty(t, w.srv.Actions.CallsFor(id))
	})
}

// TestExternalApprover: an EXTERNAL approver is asked of the idn:access-request-dynamic-approver
// trigger when its level starts; the identity it names approves. A level whose only approver is
// EXTERNAL fails when the trigger has no subscriber, and the recipient named by the trigger is
// replaced by their manager.
func TestExternalApprover(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		w := setup(t, backend, func(levels []*approvalv1.ApprovalLevel, _ string) {
			levels[1].Approvers = []*approvalv1.Approver{{Type: "EXTERNAL"}}
			levels[1].ApprovalCriteria = nil
		})
		w.srv.Events.SetAnswer("idn:access-request-dynamic-approver", func() (string, map[string]any) {
			return "SUCCEEDED", map[string]any{"id": "g3", "name": "g3", "type": "IDENTITY"}
		})
		id := w.request(t, "alice")
		w.approve(t, "mgr", id)
		f := w.waitFor(t, id, "the external approver is added", func(f *approvalv1.Approval) bool { return len(f.GetApprovers()) == 1 })
		require.Equal(t, []string{"g3"}, pendingIDs(f))
		require.Equal(t, "APPROVED", w.approve(t, "g3", id).GetStatus())
		w.waitFor(t, id, "provisioned", func(f *approvalv1.Approval) bool { return f.GetActionFlowIds()["GRANT"] != "" })

		w.srv.Events.SetAnswer("idn:access-request-dynamic-approver", func() (string, map[string]any) {
			return "SUCCEEDED", map[string]any{"id": "alice", "name": "alice", "type": "IDENTITY"}
		})
		id = w.request(t, "g1")
		w.approve(t, "mgr", id)
		f = w.waitFor(t, id, "the recipient is replaced", func(f *approvalv1.Approval) bool { return len(f.GetApprovers()) == 1 })
		require.Equal(t, []string{"mgr"}, pendingIDs(f), "alice is the recipient: her manager approves instead")

		w.srv.Events.SetAnswer("idn:access-request-dynamic-approver", nil)
		id = w.request(t, "alice")
		w.approve(t, "mgr", id)
		w.waitFor(t, id, "no subscriber: nobody approves the level", func(f *approvalv1.Approval) bool { return f.GetStatus() == "FAILED" })
		require.Empty(t, w.srv.Actions.CallsFor(id))
	})
}

// TestRequestLifecycle: cancellation by the requester only, bulk approval with per-flow
// outcomes, reassignment, comments, the pending list of an approver, and a revoke marked as
// such that runs the deprovisioning chain once.
func TestRequestLifecycle(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		w := setup(t, backend, nil)
		ctx := t.Context()
		alice, mgr := w.as(t, "alice"), w.as(t, "mgr")

		// Cancel: only the requester, only while pending.
		first := w.request(t, "alice")
		resp, err := w.admin.GetApproval(ctx, &approvalv1.GetApprovalRequest{Id: first})
		require.NoError(t, err)
		reqID := resp.GetApproval().GetAccessRequestId()
		_, err = mgr.CancelAccessRequest(ctx, &approvalv1.CancelAccessRequestRequest{Id: reqID})
		require.Equal(t, codes.PermissionDenied, status.Code(err), "%v", err)
		_, err = alice.CancelAccessRequest(ctx, &approvalv1.CancelAccessRequestRequest{Id: reqID, Comment: "changed my mind"})
		require.NoError(t, err)
		require.Equal(t, "CANCELLED", w.flow(t, first).GetStatus())
		_, err = alice.CancelAccessRequest(ctx, &approvalv1.CancelAccessRequestRequest{Id: reqID})
		require.Equal(t, codes.FailedPrecondition, status.Code(err))

		// Pending list and bulk approval: the cancelled flow fails alone.
		a, b := w.request(t, "alice"), w.request(t, "alice")
		list, err := mgr.ListApprovals(ctx, &approvalv1.ListApprovalsRequest{Mine: true})
		require.NoError(t, err)
		var pending []string
		for _, f := range list.GetApprovals() {
			pending = append(pending, f.GetId())
		}
		require.ElementsMatch(t, []string{a, b}, pending)
		_, err = w.as(t, "g1").ListApprovals(ctx, &approvalv1.ListApprovalsRequest{ApproverId: "mgr"})
		require.Equal(t, codes.PermissionDenied, status.Code(err), "an APPROVER lists only its own")
		bulk, err := mgr.BulkApproveApprovals(ctx, &approvalv1.BulkApproveApprovalsRequest{ApprovalIds: []string{a, first, b}, Comment: "fine"})
		require.NoError(t, err)
		require.Equal(t, []string{"OK", "FAILED_PRECONDITION", "OK"},
			[]string{bulk.GetResults()[0].GetStatus(), bulk.GetResults()[1].GetStatus(), bulk.GetResults()[2].GetStatus()})
		require.Equal(t, int32(1), w.flow(t, a).GetLevel())

		// Reassign g1's assignment to fallback, who approves; comments are kept.
		re, err := w.as(t, "g1").ReassignApproval(ctx, &approvalv1.ReassignApprovalRequest{Id: a, ReassignTo: "fallback", Comment: "on leave"})
		require.NoError(t, err)
		require.ElementsMatch(t, []string{"g2", "g3", "fallback"}, pendingIDs(re.GetApproval()))
		_, err = w.as(t, "g1").ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Id: a})
		require.Equal(t, codes.PermissionDenied, status.Code(err), "g1 handed its assignment over")
		_, err = w.as(t, "g2").ReassignApproval(ctx, &approvalv1.ReassignApprovalRequest{Id: a, ReassignTo: "ghost"})
		require.Equal(t, codes.InvalidArgument, status.Code(err))
		require.Equal(t, "reassignTo", fieldOf(err))
		c, err := w.as(t, "g2").CommentApproval(ctx, &approvalv1.CommentApprovalRequest{Id: a, Comment: "looking"})
		require.NoError(t, err)
		require.Equal(t, "looking", c.GetApproval().GetComments()[len(c.GetApproval().GetComments())-1].GetComment())
		w.approve(t, "fallback", a)
		require.Equal(t, "APPROVED", w.approve(t, "g2", a).GetStatus())

		// A revoke is marked as one and runs the deprovisioning chain, once.
		rv, err := w.admin.CreateAccessRequest(ctx, &approvalv1.CreateAccessRequestRequest{AccessRequest: &approvalv1.AccessRequest{
			RequestType: "REVOKE", RequesterId: "alice", RecipientId: "alice", RelationshipIds: []string{w.rel},
		}})
		require.NoError(t, err)
		id := rv.GetAccessRequest().GetApprovalIds()[0]
		f := w.flow(t, id)
		require.True(t, f.GetIsRevoke())
		require.Equal(t, "REVOKE", f.GetOperation())
		w.approve(t, "mgr", id)
		w.approve(t, "g1", id)
		require.Equal(t, "APPROVED", w.approve(t, "g3", id).GetStatus())
		w.waitFor(t, id, "deprovisioned", func(f *approvalv1.Approval) bool { return f.GetActionFlowIds()["REVOKE"] != "" })
		calls := w.srv.Actions.CallsFor(id)
		require.Len(t, calls, 1)
		require.Equal(t, "deprov-chain", calls[0].GetChainId())
		require.Equal(t, "REVOKE", calls[0].GetContext().GetOperation())
		require.Nil(t, w.flow(t, id).GetGrant(), "a revoke grants nothing")
	})
}

// TestCreateAccessRequestIdempotencyKey: the same key answers the request it created first,
// concurrent calls included, and creates one request with one flow; the key with another
// request is refused; another key creates another request.
func TestCreateAccessRequestIdempotencyKey(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		w := setup(t, backend, nil)
		ctx := t.Context()
		ask := func(key string, rt string) (*approvalv1.AccessRequest, error) {
			resp, err := w.admin.CreateAccessRequest(ctx, &approvalv1.CreateAccessRequestRequest{IdempotencyKey: key, AccessRequest: &approvalv1.AccessRequest{
				RequestType: rt, RequesterId: "alice", RecipientId: "alice", RelationshipIds: []string{w.rel},
			}})
			return resp.GetAccessRequest(), err
		}
		const n = 4
		got := make([]*approvalv1.AccessRequest, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { got[i], errs[i] = ask("event-1/sub-1", "GRANT") })
		}
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i])
			require.Equal(t, got[0].GetId(), got[i].GetId())
			require.Equal(t, got[0].GetApprovalIds(), got[i].GetApprovalIds())
		}
		_, err := ask("event-1/sub-1", "REVOKE")
		require.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
		other, err := ask("event-2/sub-1", "GRANT")
		require.NoError(t, err)
		require.NotEqual(t, got[0].GetId(), other.GetId())
		list, err := w.admin.ListAccessRequests(ctx, &approvalv1.ListAccessRequestsRequest{})
		require.NoError(t, err)
		require.Len(t, list.GetAccessRequests(), 2)
		flows, err := w.admin.ListApprovals(ctx, &approvalv1.ListApprovalsRequest{})
		require.NoError(t, err)
		require.Len(t, flows.GetApprovals(), 2)
	})
}
