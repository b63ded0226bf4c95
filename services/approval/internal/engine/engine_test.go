package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/approval/internal/jobargs"
)

// dir is an in-memory Directory.
type dir struct {
	identities map[string]*approvalv1.Identity
	groups     map[string]*approvalv1.Group
	chains     map[string]*approvalv1.ApprovalChain
}

func (d *dir) Identity(_ context.Context, id string) (*approvalv1.Identity, error) {
	if i, ok := d.identities[id]; ok {
		return i, nil
	}
	return nil, fmt.Errorf("identity %s: %w", id, storage.ErrNotFound)
}

func (d *dir) Group(_ context.Context, id string) (*approvalv1.Group, error) {
	if g, ok := d.groups[id]; ok {
		return g, nil
	}
	return nil, fmt.Errorf("group %s: %w", id, storage.ErrNotFound)
}

func (d *dir) Chain(_ context.Context, id string) (*approvalv1.ApprovalChain, error) {
	if c, ok := d.chains[id]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("chain %s: %w", id, storage.ErrNotFound)
}

func newDir() *dir {
	d := &dir{identities: map[string]*approvalv1.Identity{}, groups: map[string]*approvalv1.Group{}, chains: map[string]*approvalv1.ApprovalChain{}}
	for id, manager := range map[string]string{"boss": "", "mgr": "boss", "alice": "mgr", "a": "", "b": "", "c": ""} {
		d.identities[id] = &approvalv1.Identity{Id: id, Name: id, ManagerId: manager}
	}
	d.groups["abc"] = &approvalv1.Group{Id: "abc", MemberIds: []string{"a", "b", "c", "alice"}}
	return d
}

var t0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// start starts a flow for alice (requested by requester) on a one-level chain.
func start(t *testing.T, d *dir, requester string, level *approvalv1.ApprovalLevel) *Step {
	t.Helper()
	chain := &approvalv1.ApprovalChain{Id: "c", Levels: []*approvalv1.ApprovalLevel{level}}
	d.chains["c"] = chain
	st := &Step{
		Flow: &approvalv1.Approval{
			Id: "f", Operation: Grant, Requester: &approvalv1.ApprovalIdentity{IdentityId: requester},
			Requestee: &approvalv1.ApprovalIdentity{IdentityId: "alice"},
		},
		Relationship: &approvalv1.Relationship{Id: "r"}, Dir: d, Now: t0,
	}
	require.NoError(t, st.Start(t.Context(), chain))
	return st
}

func group(criteria *approvalv1.ApprovalCriteria) *approvalv1.ApprovalLevel {
	return &approvalv1.ApprovalLevel{Approvers: []*approvalv1.Approver{{Type: "GROUP", Id: "abc"}}, ApprovalCriteria: criteria}
}

func TestThreshold(t *testing.T) {
	for _, tc := range []struct {
		t    *approvalv1.Threshold
		n    int
		want int
	}{
		{nil, 3, 1},
		{&approvalv1.Threshold{CalculationType: "COUNT", Value: 2}, 3, 2},
		{&approvalv1.Threshold{CalculationType: "COUNT", Value: 5}, 3, 3},
		{&approvalv1.Threshold{CalculationType: "PERCENT", Value: 50}, 3, 2},
		{&approvalv1.Threshold{CalculationType: "PERCENT", Value: 100}, 3, 3},
		{&approvalv1.Threshold{CalculationType: "PERCENT", Value: 1}, 3, 1},
	} {
		require.Equal(t, tc.want, threshold(tc.t, tc.n), "%v of %d", tc.t, tc.n)
	}
}

func TestRequireComment(t *testing.T) {
	for _, tc := range []struct {
		rule    string
		approve bool
		fails   bool
	}{
		{"", true, false},
		{"OFF", false, false},
		{"APPROVAL", true, true},
		{"APPROVAL", false, false},
		{"REJECTION", false, true},
		{"REJECTION", true, false},
		{"ALL", true, true},
		{"ALL", false, true},
	} {
		err := requireComment(tc.rule, tc.approve, "")
		require.Equal(t, tc.fails, err != nil, "%s approve=%v", tc.rule, tc.approve)
		require.NoError(t, requireComment(tc.rule, tc.approve, "why"))
	}
}

// TestGroupExcludesRecipient: the recipient, a member of the approving group, is dropped (the
// group's other members approve); the quorum counts the rest.
func TestGroupExcludesRecipient(t *testing.T) {
	d := newDir()
	st := start(t, d, "alice", group(&approvalv1.ApprovalCriteria{Approval: &approvalv1.Threshold{CalculationType: "PERCENT", Value: 50}}))
	var pending []string
	for _, a := range st.Flow.GetApprovers() {
		pending = append(pending, a.GetIdentityId())
	}
	// alice's stand-in is her manager: a member of no group, but an approver in her place.
	require.ElementsMatch(t, []string{"a", "b", "c", "mgr"}, pending)
	require.NoError(t, st.Decide(t.Context(), d.identities["a"], true, "", "s"))
	require.Equal(t, StatusPending, st.Flow.GetStatus())
	require.NoError(t, st.Decide(t.Context(), d.identities["b"], true, "", "s"))
	require.Equal(t, StatusApproved, st.Flow.GetStatus(), "2 of 4 is 50%")
	require.Len(t, st.Effects.StartActions, 1)
	require.Len(t, st.Effects.Decisions, 2)
}

func TestSerial(t *testing.T) {
	d := newDir()
	st := start(t, d, "alice", &approvalv1.ApprovalLevel{
		Approvers:        []*approvalv1.Approver{{Type: "USER", Id: "b"}, {Type: "USER", Id: "a"}},
		ApprovalCriteria: &approvalv1.ApprovalCriteria{Type: "SERIAL"},
	})
	require.Len(t, st.Flow.GetApprovers(), 1)
	require.Equal(t, "b", st.Flow.GetApprovers()[0].GetIdentityId())
	err := st.Decide(t.Context(), d.identities["a"], true, "", "s")
	require.Equal(t, codes.PermissionDenied, status.Code(err), "a waits for b")
	require.NoError(t, st.Decide(t.Context(), d.identities["b"], true, "", "s"))
	require.Equal(t, "a", st.Flow.GetApprovers()[0].GetIdentityId())
	require.Equal(t, int32(1), st.Flow.GetSerialStep())
	require.NoError(t, st.Decide(t.Context(), d.identities["a"], true, "", "s"))
	require.Equal(t, StatusApproved, st.Flow.GetStatus())
}

// TestRejectionThreshold: with two rejections needed, one leaves the level open until the
// approvals can no longer be reached.
func TestRejectionThreshold(t *testing.T) {
	d := newDir()
	d.groups["abc"].MemberIds = []string{"a", "b", "c"}
	st := start(t, d, "mgr", group(&approvalv1.ApprovalCriteria{
		Approval:  &approvalv1.Threshold{CalculationType: "COUNT", Value: 2},
		Rejection: &approvalv1.Threshold{CalculationType: "COUNT", Value: 2},
	}))
	require.NoError(t, st.Decide(t.Context(), d.identities["a"], false, "", "s"))
	require.Equal(t, StatusPending, st.Flow.GetStatus())
	require.NoError(t, st.Decide(t.Context(), d.identities["b"], true, "", "s"))
	require.Equal(t, StatusPending, st.Flow.GetStatus())
	require.NoError(t, st.Decide(t.Context(), d.identities["c"], false, "", "s"))
	require.Equal(t, StatusRejected, st.Flow.GetStatus())
	require.Empty(t, st.Effects.StartActions)
	err := st.Decide(t.Context(), d.identities["a"], true, "", "s")
	require.Equal(t, codes.FailedPrecondition, status.Code(err))
}

// TestStaleTimerDoesNothing: a timer scheduled for an earlier epoch leaves the flow as it is.
func TestStaleTimerDoesNothing(t *testing.T) {
	d := newDir()
	level := group(nil)
	level.TimeoutConfig = &approvalv1.TimeoutConfig{Enabled: true, After: durationpb.New(time.Hour), TimeoutResult: "EXPIRED"}
	st := start(t, d, "mgr", level)
	require.Len(t, st.Effects.Timers, 1)
	timer := st.Effects.Timers[0]
	require.Equal(t, t0.Add(time.Hour), timer.At)
	require.Equal(t, jobargs.Timeout, timer.Args.What)
	before := proto.CloneOf(st.Flow)
	stale := timer.Args
	stale.Epoch--
	fired, err := st.Fire(t.Context(), stale)
	require.NoError(t, err)
	require.False(t, fired)
	require.True(t, proto.Equal(before, st.Flow))
	fired, err = st.Fire(t.Context(), timer.Args)
	require.NoError(t, err)
	require.True(t, fired)
	require.Equal(t, StatusExpired, st.Flow.GetStatus())
	fired, err = st.Fire(t.Context(), timer.Args)
	require.NoError(t, err)
	require.False(t, fired, "a timer fires once")
}

func TestReassign(t *testing.T) {
	d := newDir()
	st := start(t, d, "mgr", &approvalv1.ApprovalLevel{Approvers: []*approvalv1.Approver{{Type: "USER", Id: "a"}}})
	var fields *apierror.InvalidFieldsError
	err := st.Reassign(d.identities["a"], d.identities["alice"], d.identities["a"], "", "s")
	require.ErrorAs(t, err, &fields)
	require.Equal(t, "reassignTo", fields.Violations[0].Field)
	err = st.Reassign(d.identities["b"], d.identities["c"], d.identities["b"], "", "s")
	require.ErrorAs(t, err, &fields)
	require.Equal(t, "reassignFrom", fields.Violations[0].Field)
	require.NoError(t, st.Reassign(d.identities["a"], d.identities["b"], d.identities["a"], "on leave", "s"))
	require.Equal(t, "b", st.Flow.GetApprovers()[0].GetIdentityId())
	require.NoError(t, st.Decide(t.Context(), d.identities["b"], true, "", "s"))
	require.Equal(t, StatusApproved, st.Flow.GetStatus())
}

// TestNoEligibleApprover: a level whose only approver is the requester with no manager fails
// the flow, recorded, instead of falling to anyone else.
func TestNoEligibleApprover(t *testing.T) {
	d := newDir()
	st := start(t, d, "boss", &approvalv1.ApprovalLevel{Approvers: []*approvalv1.Approver{{Type: "USER", Id: "boss"}}})
	require.Equal(t, StatusFailed, st.Flow.GetStatus())
	require.Empty(t, st.Flow.GetApprovers())
	require.Empty(t, st.Effects.StartActions)
}
