// Package engine is the approval flow state machine: it starts a flow on its chain, resolves
// each level's approvers (no self-approval: the recipient or requester is replaced by their
// manager), applies decisions and timers, and says which jobs the change causes (timers,
// action-flow starts, events). It reads the directory through the caller's transaction and
// never writes: the caller stores the flow and inserts the effects in the same transaction.
package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/approval/internal/jobargs"
)

// Flow statuses.
const (
	StatusPreApproval   = "PRE_APPROVAL"
	StatusPending       = "PENDING"
	StatusApproved      = "APPROVED"
	StatusRejected      = "REJECTED"
	StatusExpired       = "EXPIRED"
	StatusCancelled     = "CANCELLED"
	StatusFailed        = "FAILED"
	StatusReviewPending = "REVIEW_PENDING"
	StatusEnded         = "ENDED"
)

// Assignment statuses.
const (
	assignPending    = "PENDING"
	assignWaiting    = "WAITING"
	assignApproved   = "APPROVED"
	assignRejected   = "REJECTED"
	assignReassigned = "REASSIGNED"
)

// Operations.
const (
	Grant  = "GRANT"
	Revoke = "REVOKE"
)

// Closed reports a decision on a flow that is no longer open: FAILED_PRECONDITION (HTTP 400;
// not 412, which answers a failed If-Match).
func Closed(f *approvalv1.Approval) error {
	return status.Errorf(codes.FailedPrecondition, "approval %s is %s and takes no more decisions", f.GetId(), f.GetStatus())
}

// Directory is what the engine reads: identities, groups and chains.
type Directory interface {
	Identity(ctx context.Context, id string) (*approvalv1.Identity, error)
	Group(ctx context.Context, id string) (*approvalv1.Group, error)
	Chain(ctx context.Context, id string) (*approvalv1.ApprovalChain, error)
}

// ScheduledTimer is a timer job and when it fires.
type ScheduledTimer struct {
	Args jobargs.Timer
	At   time.Time
}

// Effects are the jobs a change causes.
type Effects struct {
	Timers       []ScheduledTimer
	StartActions []jobargs.StartAction
	// Decisions are the human approve/reject decisions made, for the post-approval event.
	Decisions []*approvalv1.Decision
	// PreApprovals ask the pre-approval trigger.
	PreApprovals []jobargs.PreApproval
	// DynamicApprovers ask the dynamic-approver trigger for a level's EXTERNAL approver.
	DynamicApprovers []jobargs.DynamicApprover
}

// Step is one change of one flow: the flow (modified in place), what it needs to read, and
// the effects collected.
type Step struct {
	Flow         *approvalv1.Approval
	Relationship *approvalv1.Relationship
	Dir          Directory
	Now          time.Time
	Effects      Effects
	chain        *approvalv1.ApprovalChain
}

func (s *Step) ts() *timestamppb.Timestamp { return timestamppb.New(s.Now) }

func (s *Step) loadChain(ctx context.Context) (*approvalv1.ApprovalChain, error) {
	if s.chain != nil && s.chain.GetId() == s.Flow.GetChainId() {
		return s.chain, nil
	}
	c, err := s.Dir.Chain(ctx, s.Flow.GetChainId())
	if err != nil {
		return nil, fmt.Errorf("chain of approval %s: %w", s.Flow.GetId(), err)
	}
	s.chain = c
	return c, nil
}

func (s *Step) record(d *approvalv1.Decision) *approvalv1.Decision {
	d.Id = ids.New()
	d.Created = s.ts()
	s.Flow.History = append(s.Flow.History, d)
	s.Flow.ModifiedDate = s.ts()
	return d
}

// Open reports whether a flow still takes decisions.
func Open(f *approvalv1.Approval) bool {
	return f.GetStatus() == StatusPending || f.GetStatus() == StatusReviewPending
}

// Start starts a new flow on its chain: its first level, or approval when the chain has none.
func (s *Step) Start(ctx context.Context, chain *approvalv1.ApprovalChain) error {
	s.chain = chain
	s.Flow.ChainId = chain.GetId()
	s.Flow.Status = StatusPending
	s.Flow.CreatedDate, s.Flow.ModifiedDate = s.ts(), s.ts()
	if s.Relationship.GetPreApproval() && s.Flow.GetOperation() == Grant {
		s.Flow.Status = StatusPreApproval
		s.record(&approvalv1.Decision{Action: "PRE_APPROVAL_REQUESTED", Level: -1, Comment: "asking the idn:access-request-pre-approval trigger"})
		s.Effects.PreApprovals = append(s.Effects.PreApprovals, jobargs.PreApproval{FlowID: s.Flow.GetId()})
		return nil
	}
	return s.startLevels(ctx)
}

// startLevels starts the chain's first level, or approves when it has none.
func (s *Step) startLevels(ctx context.Context) error {
	chain, err := s.loadChain(ctx)
	if err != nil {
		return err
	}
	if len(chain.GetLevels()) == 0 {
		s.record(&approvalv1.Decision{Action: "AUTO_APPROVE", Level: -1, Comment: "the chain has no levels"})
		return s.approveFlow(ctx)
	}
	return s.enterLevel(ctx, 0)
}

// enterLevel starts level i of the current chain (or of the review), or approves the flow when
// every level has approved.
func (s *Step) enterLevel(ctx context.Context, i int) error {
	chain, err := s.loadChain(ctx)
	if err != nil {
		return err
	}
	if i >= len(chain.GetLevels()) {
		return s.approveFlow(ctx)
	}
	level := chain.GetLevels()[i]
	f := s.Flow
	f.Epoch++
	f.Level = int32(i) //nolint:gosec // at most 20 levels
	f.SerialStep = 0
	f.RemindersSent = 0
	f.DueDate = nil
	f.ApprovalCriteria = level.GetApprovalCriteria()
	assignments, err := s.resolve(ctx, level)
	if err != nil {
		return err
	}
	f.Assignments = assignments
	action := "LEVEL_STARTED"
	if f.GetInReview() {
		action = "REVIEW_STARTED"
	}
	s.record(&approvalv1.Decision{Action: action, Level: f.GetLevel(), Comment: level.GetName()})
	external := slices.ContainsFunc(level.GetApprovers(), func(a *approvalv1.Approver) bool { return a.GetType() == "EXTERNAL" })
	if external {
		s.record(&approvalv1.Decision{Action: "EXTERNAL_REQUESTED", Level: f.GetLevel(), Comment: "asking the idn:access-request-dynamic-approver trigger"})
		s.Effects.DynamicApprovers = append(s.Effects.DynamicApprovers, jobargs.DynamicApprover{FlowID: f.GetId(), Epoch: f.GetEpoch()})
	}
	if len(assignments) == 0 && !external {
		f.Status = StatusFailed
		f.CompletedDate = s.ts()
		s.record(&approvalv1.Decision{Action: "FAIL", Level: f.GetLevel(), Comment: "no eligible approver for this level"})
		s.syncApprovers()
		return nil
	}
	if serial(level) {
		for j, a := range assignments {
			if j > 0 {
				a.Status = assignWaiting
			}
		}
	}
	s.syncApprovers()
	s.scheduleLevelTimers(level)
	return nil
}

func (s *Step) scheduleLevelTimers(level *approvalv1.ApprovalLevel) {
	f := s.Flow
	if r := level.GetReminderConfig(); r.GetEnabled() && r.GetInterval() != nil {
		s.timer(jobargs.Remind, r.GetInterval().AsDuration(), 1, 0)
	}
	if e := level.GetEscalationConfig(); e.GetEnabled() && e.GetAfter() != nil && e.GetFallbackChainId() != "" && !f.GetInReview() {
		s.timer(jobargs.Escalate, e.GetAfter().AsDuration(), 0, 0)
	}
	if t := level.GetTimeoutConfig(); t.GetEnabled() && t.GetAfter() != nil {
		f.DueDate = timestamppb.New(s.Now.Add(t.GetAfter().AsDuration()))
		s.timer(jobargs.Timeout, t.GetAfter().AsDuration(), 0, 0)
	}
}

func (s *Step) timer(what string, after time.Duration, n int32, at int64) {
	s.Effects.Timers = append(s.Effects.Timers, ScheduledTimer{
		Args: jobargs.Timer{FlowID: s.Flow.GetId(), What: what, Epoch: s.Flow.GetEpoch(), N: n, At: at},
		At:   s.Now.Add(after),
	})
}

func serial(level *approvalv1.ApprovalLevel) bool {
	return level.GetApprovalCriteria().GetType() == "SERIAL"
}

// resolve turns a level's approvers into identities, without duplicates, replacing the
// recipient and the requester by their managers.
func (s *Step) resolve(ctx context.Context, level *approvalv1.ApprovalLevel) ([]*approvalv1.Assignment, error) {
	var out []*approvalv1.Assignment
	seen := map[string]bool{}
	add := func(id, reason string) error {
		ident, err := s.eligible(ctx, id, &reason)
		if err != nil || ident == nil {
			return err
		}
		if seen[ident.GetId()] {
			return nil
		}
		seen[ident.GetId()] = true
		out = append(out, &approvalv1.Assignment{Approver: ApprovalIdentity(ident), Status: assignPending, Reason: reason})
		return nil
	}
	f, rel := s.Flow, s.Relationship
	for _, ap := range level.GetApprovers() {
		var err error
		switch ap.GetType() {
		case "USER":
			err = add(ap.GetId(), "USER")
		case "GROUP":
			g, gerr := s.Dir.Group(ctx, ap.GetId())
			if errors.Is(gerr, storage.ErrNotFound) {
				s.record(&approvalv1.Decision{Action: "SUBSTITUTE", Level: f.GetLevel(), Comment: "group " + ap.GetId() + " no longer exists"})
				continue
			}
			if gerr != nil {
				return nil, gerr
			}
			for _, m := range g.GetMemberIds() {
				if err = add(m, "GROUP:"+g.GetId()); err != nil {
					break
				}
			}
		case "MANAGER_OF_RECIPIENT":
			err = s.addManagerOf(ctx, f.GetRequestee().GetIdentityId(), "MANAGER_OF_RECIPIENT", add)
		case "MANAGER_OF_REQUESTER":
			err = s.addManagerOf(ctx, f.GetRequester().GetIdentityId(), "MANAGER_OF_REQUESTER", add)
		case "RELATIONSHIP_OWNER":
			for _, o := range rel.GetOwnerIds() {
				if err = add(o, "RELATIONSHIP_OWNER"); err != nil {
					break
				}
			}
		case "SOURCE_OWNER":
			if rel.GetSourceOwnerId() != "" {
				err = add(rel.GetSourceOwnerId(), "SOURCE_OWNER")
			}
		case "EXTERNAL": // asked of the dynamic-approver trigger once the level has started
		default:
			s.record(&approvalv1.Decision{Action: "SUBSTITUTE", Level: f.GetLevel(), Comment: "approver type " + ap.GetType() + " is not supported"})
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Step) addManagerOf(ctx context.Context, id, reason string, add func(id, reason string) error) error {
	ident, err := s.Dir.Identity(ctx, id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && ident.GetManagerId() == "") {
		s.record(&approvalv1.Decision{Action: "SUBSTITUTE", Level: s.Flow.GetLevel(), Comment: reason + ": identity " + id + " has no manager"})
		return nil
	}
	if err != nil {
		return err
	}
	return add(ident.GetManagerId(), reason)
}

// eligible returns the identity that approves in id's place: id itself, or, when id is the
// recipient or the requester, the first manager up the line who is neither. nil when there is
// none (recorded in the history): never an administrator in silence.
func (s *Step) eligible(ctx context.Context, id string, reason *string) (*approvalv1.Identity, error) {
	excluded := func(x string) bool {
		return x == s.Flow.GetRequestee().GetIdentityId() || x == s.Flow.GetRequester().GetIdentityId()
	}
	original := id
	for range 10 {
		ident, err := s.Dir.Identity(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			s.record(&approvalv1.Decision{Action: "SUBSTITUTE", Level: s.Flow.GetLevel(), Comment: "approver " + id + " no longer exists"})
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if !excluded(id) {
			if id != original {
				*reason = fmt.Sprintf("%s; substitute for %s (self-approval)", *reason, original)
				s.record(&approvalv1.Decision{
					Action: "SUBSTITUTE", Level: s.Flow.GetLevel(),
					Comment: fmt.Sprintf("%s is the recipient or requester: replaced by manager %s", original, id),
				})
			}
			return ident, nil
		}
		if ident.GetManagerId() == "" {
			break
		}
		id = ident.GetManagerId()
	}
	s.record(&approvalv1.Decision{
		Action: "SUBSTITUTE", Level: s.Flow.GetLevel(),
		Comment: fmt.Sprintf("%s is the recipient or requester and has no eligible manager: dropped", original),
	})
	return nil, nil
}

// ApprovalIdentity is an identity as approvals show it.
func ApprovalIdentity(id *approvalv1.Identity) *approvalv1.ApprovalIdentity {
	return &approvalv1.ApprovalIdentity{IdentityId: id.GetId(), Name: id.GetName(), Email: id.GetEmail(), Type: "IDENTITY"}
}

// syncApprovers sets the flow's pending approvers from its assignments.
func (s *Step) syncApprovers() {
	f := s.Flow
	f.Approvers = nil
	if !Open(f) {
		return
	}
	for _, a := range f.GetAssignments() {
		if a.GetStatus() == assignPending {
			f.Approvers = append(f.Approvers, a.GetApprover())
		}
	}
}

// approveFlow closes the approval: the grant starts (or the revoke runs).
func (s *Step) approveFlow(ctx context.Context) error {
	f := s.Flow
	f.Epoch++
	f.Status = StatusApproved
	f.CompletedDate = s.ts()
	f.DueDate = nil
	f.Assignments = nil
	s.syncApprovers()
	s.Effects.StartActions = append(s.Effects.StartActions, jobargs.StartAction{FlowID: f.GetId(), Operation: f.GetOperation()})
	if f.GetOperation() != Grant {
		return nil
	}
	chain, err := s.loadChain(ctx)
	if err != nil {
		return err
	}
	g := &approvalv1.Grant{Status: "ACTIVE", Granted: s.ts()}
	var expires, audit time.Duration
	for i, l := range chain.GetLevels() {
		if d := l.GetExpiresAfter(); d != nil && (expires == 0 || d.AsDuration() < expires) {
			expires = d.AsDuration()
		}
		if d := l.GetAuditAfter(); d != nil && (audit == 0 || d.AsDuration() < audit) {
			audit = d.AsDuration()
			g.ReviewLevel = int32(i) //nolint:gosec // at most 20 levels
		}
	}
	if expires > 0 {
		g.ExpiresAt = timestamppb.New(s.Now.Add(expires))
	}
	if end := f.GetGrant().GetExpiresAt(); end != nil && (g.GetExpiresAt() == nil || end.AsTime().Before(g.GetExpiresAt().AsTime())) {
		g.ExpiresAt = end // the request's end date, set when the flow was created
	}
	if audit > 0 {
		g.AuditAfter = durationpb.New(audit)
		g.ReviewAt = timestamppb.New(s.Now.Add(audit))
	}
	f.Grant = g
	if g.GetExpiresAt() != nil {
		s.timer(jobargs.Expire, g.GetExpiresAt().AsTime().Sub(s.Now), 0, g.GetGranted().AsTime().UnixMicro())
	}
	if g.GetReviewAt() != nil {
		s.timer(jobargs.Review, audit, 0, g.GetReviewAt().AsTime().UnixMicro())
	}
	return nil
}

// close ends an open flow (or review) with status, recording why.
func (s *Step) close(st string) {
	f := s.Flow
	f.Epoch++
	if f.GetInReview() {
		s.endGrant("REVIEW_REJECTED")
		return
	}
	f.Status = st
	f.CompletedDate = s.ts()
	f.DueDate = nil
	s.syncApprovers()
}

// endGrant ends an active grant and deprovisions it.
func (s *Step) endGrant(reason string) {
	f := s.Flow
	f.Epoch++
	f.Status = StatusEnded
	f.InReview = false
	f.DueDate = nil
	f.Grant.Status = "ENDED"
	f.Grant.Ended = s.ts()
	f.Grant.EndReason = reason
	f.Grant.ReviewAt = nil
	s.syncApprovers()
	s.Effects.StartActions = append(s.Effects.StartActions, jobargs.StartAction{FlowID: f.GetId(), Operation: Revoke})
}

// Decide applies an approve (approve=true) or reject by actor, who must hold a pending
// assignment of the current level.
func (s *Step) Decide(ctx context.Context, actor *approvalv1.Identity, approve bool, comment, callerSubject string) error {
	f := s.Flow
	if !Open(f) {
		return Closed(f)
	}
	if err := s.notSelf(actor.GetId()); err != nil {
		return err
	}
	a := s.assignmentOf(actor.GetId())
	if a == nil {
		return status.Errorf(codes.PermissionDenied, "identity %s is not a pending approver of approval %s", actor.GetId(), f.GetId())
	}
	chain, err := s.loadChain(ctx)
	if err != nil {
		return err
	}
	level := chain.GetLevels()[f.GetLevel()]
	if err := requireComment(level.GetRequiresComment(), approve, comment); err != nil {
		return err
	}
	action, st := "APPROVE", assignApproved
	if !approve {
		action, st = "REJECT", assignRejected
	}
	if f.GetInReview() {
		action = "REVIEW_" + action
	}
	a.Status = st
	d := s.record(&approvalv1.Decision{Action: action, Level: f.GetLevel(), Actor: ApprovalIdentity(actor), CallerSubject: callerSubject, Comment: comment})
	s.Effects.Decisions = append(s.Effects.Decisions, d)
	if approve {
		f.ApprovedBy = append(f.ApprovedBy, ApprovalIdentity(actor))
	} else {
		f.RejectedBy = append(f.RejectedBy, ApprovalIdentity(actor))
	}
	if comment != "" {
		f.Comments = append(f.Comments, &approvalv1.Comment{CommentId: d.GetId(), Author: ApprovalIdentity(actor), Comment: comment, CreatedDate: s.ts()})
	}
	return s.evaluate(ctx, level)
}

func requireComment(rule string, approve bool, comment string) error {
	if comment != "" {
		return nil
	}
	if rule == "ALL" || (rule == "APPROVAL" && approve) || (rule == "REJECTION" && !approve) {
		return apierror.InvalidField("comment", "this level requires a comment on %s", map[bool]string{true: "approval", false: "rejection"}[approve])
	}
	return nil
}

func (s *Step) notSelf(id string) error {
	f := s.Flow
	switch id {
	case f.GetRequestee().GetIdentityId():
		return apierror.InvalidField("approverId", "identity %s is the recipient of approval %s and may not decide it (no self-approval)", id, f.GetId())
	case f.GetRequester().GetIdentityId():
		return apierror.InvalidField("approverId", "identity %s requested approval %s and may not decide it (no self-approval)", id, f.GetId())
	}
	return nil
}

func (s *Step) assignmentOf(id string) *approvalv1.Assignment {
	for _, a := range s.Flow.GetAssignments() {
		if a.GetApprover().GetIdentityId() == id && a.GetStatus() == assignPending {
			return a
		}
	}
	return nil
}

// evaluate moves the flow on when the level's criteria are met.
func (s *Step) evaluate(ctx context.Context, level *approvalv1.ApprovalLevel) error {
	f := s.Flow
	var live, approved, rejected, pending int
	for _, a := range f.GetAssignments() {
		switch a.GetStatus() {
		case assignApproved:
			approved++
		case assignRejected:
			rejected++
		case assignPending, assignWaiting:
			pending++
		default:
			continue
		}
		live++
	}
	switch {
	case serial(level):
		if rejected > 0 {
			s.close(StatusRejected)
			return nil
		}
		for _, a := range f.GetAssignments() {
			if a.GetStatus() == assignWaiting {
				a.Status = assignPending
				f.SerialStep++
				s.syncApprovers()
				return nil
			}
			if a.GetStatus() == assignPending {
				return nil
			}
		}
		return s.levelApproved(ctx)
	default:
		need := threshold(level.GetApprovalCriteria().GetApproval(), live)
		rejectNeed := threshold(level.GetApprovalCriteria().GetRejection(), live)
		switch {
		case approved >= need:
			return s.levelApproved(ctx)
		case rejected >= rejectNeed || approved+pending < need:
			s.close(StatusRejected)
			return nil
		}
		s.syncApprovers()
		return nil
	}
}

// threshold is how many of n approvers a threshold asks for (default one, at most n).
func threshold(t *approvalv1.Threshold, n int) int {
	need := 1
	switch t.GetCalculationType() {
	case "COUNT":
		need = int(t.GetValue())
	case "PERCENT":
		need = (int(t.GetValue())*n + 99) / 100
	}
	return max(1, min(need, n))
}

// levelApproved moves to the next level, or for a review extends the grant.
func (s *Step) levelApproved(ctx context.Context) error {
	f := s.Flow
	if !f.GetInReview() {
		return s.enterLevel(ctx, int(f.GetLevel())+1)
	}
	f.Epoch++
	f.InReview = false
	f.Status = StatusApproved
	f.Assignments = nil
	f.DueDate = nil
	s.syncApprovers()
	g := f.GetGrant()
	g.ReviewAt = timestamppb.New(s.Now.Add(g.GetAuditAfter().AsDuration()))
	s.timer(jobargs.Review, g.GetAuditAfter().AsDuration(), 0, g.GetReviewAt().AsTime().UnixMicro())
	return nil
}

// Reassign moves from's pending assignment to to.
func (s *Step) Reassign(from, to, actor *approvalv1.Identity, comment, callerSubject string) error {
	f := s.Flow
	if !Open(f) {
		return Closed(f)
	}
	a := s.assignmentOf(from.GetId())
	if a == nil {
		return apierror.InvalidField("reassignFrom", "identity %s is not a pending approver of approval %s", from.GetId(), f.GetId())
	}
	if to.GetId() == f.GetRequestee().GetIdentityId() || to.GetId() == f.GetRequester().GetIdentityId() {
		return apierror.InvalidField("reassignTo", "identity %s is the recipient or requester of approval %s (no self-approval)", to.GetId(), f.GetId())
	}
	if slices.ContainsFunc(f.GetAssignments(), func(x *approvalv1.Assignment) bool {
		return x.GetApprover().GetIdentityId() == to.GetId() && (x.GetStatus() == assignPending || x.GetStatus() == assignWaiting)
	}) {
		return apierror.InvalidField("reassignTo", "identity %s already approves this level", to.GetId())
	}
	a.Status = assignReassigned
	f.Assignments = append(f.Assignments, &approvalv1.Assignment{
		Approver: ApprovalIdentity(to), Status: assignPending, Reason: "reassigned from " + from.GetId() + " by " + actor.GetId(),
	})
	s.record(&approvalv1.Decision{
		Action: "REASSIGN", Level: f.GetLevel(), Actor: ApprovalIdentity(actor), CallerSubject: callerSubject,
		Comment: comment, ReassignedTo: ApprovalIdentity(to),
	})
	s.syncApprovers()
	return nil
}

// Comment adds a comment by author.
func (s *Step) Comment(author *approvalv1.Identity, comment, callerSubject string) {
	d := s.record(&approvalv1.Decision{Action: "COMMENT", Level: s.Flow.GetLevel(), Actor: ApprovalIdentity(author), CallerSubject: callerSubject, Comment: comment})
	s.Flow.Comments = append(s.Flow.Comments, &approvalv1.Comment{CommentId: d.GetId(), Author: ApprovalIdentity(author), Comment: comment, CreatedDate: s.ts()})
}

// Cancel cancels an open approval round on the requester's behalf; an approved grant is not
// touched (a revoke request removes it).
func (s *Step) Cancel(actor *approvalv1.Identity, comment, callerSubject string) bool {
	f := s.Flow
	if f.GetStatus() != StatusPending && f.GetStatus() != StatusPreApproval {
		return false
	}
	s.record(&approvalv1.Decision{Action: "CANCEL", Level: -1, Actor: ApprovalIdentity(actor), CallerSubject: callerSubject, Comment: comment})
	s.close(StatusCancelled)
	return true
}

// Fire applies a timer. It does nothing (false) when the flow moved on since it was scheduled.
func (s *Step) Fire(ctx context.Context, t jobargs.Timer) (bool, error) {
	f := s.Flow
	switch t.What {
	case jobargs.Expire:
		if f.GetGrant().GetStatus() != "ACTIVE" || f.GetGrant().GetGranted().AsTime().UnixMicro() != t.At {
			return false, nil
		}
		s.record(&approvalv1.Decision{Action: "EXPIRE", Level: -1, Comment: "the grant reached its expiry"})
		s.endGrant("EXPIRED")
		return true, nil
	case jobargs.Review:
		if f.GetStatus() != StatusApproved || f.GetGrant().GetStatus() != "ACTIVE" || f.GetGrant().GetReviewAt().AsTime().UnixMicro() != t.At {
			return false, nil
		}
		f.InReview = true
		f.Status = StatusReviewPending
		return true, s.enterLevel(ctx, int(f.GetGrant().GetReviewLevel()))
	}
	if !Open(f) || f.GetEpoch() != t.Epoch {
		return false, nil
	}
	chain, err := s.loadChain(ctx)
	if err != nil {
		return false, err
	}
	level := chain.GetLevels()[f.GetLevel()]
	switch t.What {
	case jobargs.Remind:
		f.RemindersSent = t.N
		s.record(&approvalv1.Decision{Action: "REMIND", Level: f.GetLevel(), Comment: fmt.Sprintf("reminder %d to %d pending approver(s)", t.N, len(f.GetApprovers()))})
		maxN := level.GetReminderConfig().GetMaxReminders()
		if maxN == 0 {
			maxN = 1
		}
		if t.N < maxN {
			s.timer(jobargs.Remind, level.GetReminderConfig().GetInterval().AsDuration(), t.N+1, 0)
		}
	case jobargs.Escalate:
		fallback := level.GetEscalationConfig().GetFallbackChainId()
		next, err := s.Dir.Chain(ctx, fallback)
		if errors.Is(err, storage.ErrNotFound) {
			s.record(&approvalv1.Decision{Action: "ESCALATE", Level: f.GetLevel(), Comment: "fallback chain " + fallback + " no longer exists: not escalated"})
			return true, nil
		}
		if err != nil {
			return false, err
		}
		s.record(&approvalv1.Decision{Action: "ESCALATE", Level: f.GetLevel(), Comment: "undecided: escalated to chain " + next.GetName()})
		f.IsEscalated = true
		f.EscalationStep++
		f.ChainId = next.GetId()
		s.chain = next
		if len(next.GetLevels()) == 0 {
			return true, s.approveFlow(ctx)
		}
		return true, s.enterLevel(ctx, 0)
	case jobargs.Timeout:
		result := level.GetTimeoutConfig().GetTimeoutResult()
		if result == "APPROVED" {
			s.record(&approvalv1.Decision{Action: "TIMEOUT", Level: f.GetLevel(), Comment: "undecided: approved by timeout"})
			return true, s.levelApproved(ctx)
		}
		s.record(&approvalv1.Decision{Action: "TIMEOUT", Level: f.GetLevel(), Comment: "undecided: expired by timeout"})
		s.close(StatusExpired)
	}
	return true, nil
}

// PreApprovalAnswer is what the pre-approval trigger said.
type PreApprovalAnswer struct {
	// NoSubscriber: nobody subscribes to the trigger; the step is skipped.
	NoSubscriber bool
	// Failed is why no answer came (e.g. the invocation's deadline passed); the flow fails.
	Failed string
	// Approved, Comment and Approver are the subscriber's answer.
	Approved bool
	Comment  string
	Approver string
}

// PreApproved applies the pre-approval answer to a flow waiting for it; false when the flow is
// not waiting (any more).
func (s *Step) PreApproved(ctx context.Context, a PreApprovalAnswer) (bool, error) {
	f := s.Flow
	if f.GetStatus() != StatusPreApproval {
		return false, nil
	}
	external := &approvalv1.ApprovalIdentity{Name: a.Approver, Type: "EXTERNAL"}
	switch {
	case a.NoSubscriber:
		s.record(&approvalv1.Decision{Action: "PRE_APPROVAL_SKIPPED", Level: -1, Comment: "idn:access-request-pre-approval has no subscriber"})
	case a.Failed != "":
		s.record(&approvalv1.Decision{Action: "FAIL", Level: -1, Comment: "pre-approval: " + a.Failed})
		f.Status = StatusFailed
		f.CompletedDate = s.ts()
		return true, nil
	case !a.Approved:
		s.record(&approvalv1.Decision{Action: "PRE_REJECT", Level: -1, Actor: external, Comment: a.Comment})
		f.RejectedBy = append(f.RejectedBy, external)
		f.Status = StatusRejected
		f.CompletedDate = s.ts()
		return true, nil
	default:
		s.record(&approvalv1.Decision{Action: "PRE_APPROVE", Level: -1, Actor: external, Comment: a.Comment})
	}
	f.Status = StatusPending
	return true, s.startLevels(ctx)
}

// ExternalAnswer is what the dynamic-approver trigger said.
type ExternalAnswer struct {
	// NoSubscriber: nobody subscribes to the trigger.
	NoSubscriber bool
	// Failed is why no answer came.
	Failed string
	// ID and Type (IDENTITY or GOVERNANCE_GROUP) name the approver to add; empty adds none.
	ID, Name, Type string
}

// ExternalApprover adds the dynamic-approver trigger's answer to the level of epoch (false when
// the flow moved on). The approver must be an identity or group the service knows; the
// recipient and requester are replaced by their managers as for any approver. A level left
// with no approver at all fails the flow.
func (s *Step) ExternalApprover(ctx context.Context, epoch int64, a ExternalAnswer) (bool, error) {
	f := s.Flow
	if !Open(f) || f.GetEpoch() != epoch {
		return false, nil
	}
	var candidates []string
	switch {
	case a.NoSubscriber:
		s.record(&approvalv1.Decision{Action: "EXTERNAL_SKIPPED", Level: f.GetLevel(), Comment: "idn:access-request-dynamic-approver has no subscriber"})
	case a.Failed != "":
		s.record(&approvalv1.Decision{Action: "EXTERNAL_SKIPPED", Level: f.GetLevel(), Comment: "dynamic approver: " + a.Failed})
	case a.ID == "":
		s.record(&approvalv1.Decision{Action: "EXTERNAL_SKIPPED", Level: f.GetLevel(), Comment: "the dynamic approver added nobody"})
	case a.Type == "GOVERNANCE_GROUP":
		g, err := s.Dir.Group(ctx, a.ID)
		if errors.Is(err, storage.ErrNotFound) {
			s.record(&approvalv1.Decision{Action: "EXTERNAL_SKIPPED", Level: f.GetLevel(), Comment: "dynamic approver: unknown group " + a.ID})
			break
		}
		if err != nil {
			return false, err
		}
		candidates = g.GetMemberIds()
	default:
		candidates = []string{a.ID}
	}
	serialLevel := f.GetApprovalCriteria().GetType() == "SERIAL"
	for _, id := range candidates {
		reason := "EXTERNAL"
		ident, err := s.eligible(ctx, id, &reason)
		if err != nil {
			return false, err
		}
		if ident == nil || slices.ContainsFunc(f.GetAssignments(), func(x *approvalv1.Assignment) bool { return x.GetApprover().GetIdentityId() == ident.GetId() }) {
			continue
		}
		st := assignPending
		if serialLevel && len(f.GetApprovers()) > 0 {
			st = assignWaiting
		}
		f.Assignments = append(f.Assignments, &approvalv1.Assignment{Approver: ApprovalIdentity(ident), Status: st, Reason: reason})
		s.record(&approvalv1.Decision{Action: "EXTERNAL_ADDED", Level: f.GetLevel(), ReassignedTo: ApprovalIdentity(ident), Comment: a.Name})
		s.syncApprovers()
	}
	if len(f.GetApprovers()) == 0 && !slices.ContainsFunc(f.GetAssignments(), func(x *approvalv1.Assignment) bool {
		return x.GetStatus() == assignApproved || x.GetStatus() == assignWaiting
	}) {
		f.Epoch++
		f.Status = StatusFailed
		f.CompletedDate = s.ts()
		s.record(&approvalv1.Decision{Action: "FAIL", Level: f.GetLevel(), Comment: "no eligible approver for this level"})
	}
	s.syncApprovers()
	return true, nil
}
