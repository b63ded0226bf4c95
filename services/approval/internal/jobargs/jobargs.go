// Package jobargs names the River jobs of the approval service. It stands apart from the
// workers so that the engine and the store can enqueue jobs in the transaction of the state
// change that causes them without depending on the code that works them.
package jobargs

import (
	"encoding/json"

	"github.com/riverqueue/river"
)

// Timer kinds.
const (
	// Remind reminds the pending approvers of a level.
	Remind = "REMIND"
	// Escalate moves an undecided flow to its level's fallback chain.
	Escalate = "ESCALATE"
	// Timeout decides an undecided level by its timeout result.
	Timeout = "TIMEOUT"
	// Expire ends a grant at its expiry.
	Expire = "EXPIRE"
	// Review opens a periodic review of a grant.
	Review = "REVIEW"
)

// Timer fires a scheduled event of a flow. It does nothing when the flow moved on since the
// timer was scheduled: Epoch (levels) or At (grant timers) no longer match.
type Timer struct {
	FlowID string `json:"flow_id"`
	What   string `json:"what"`
	// Epoch is the flow's epoch when the timer was scheduled (level timers).
	Epoch int64 `json:"epoch"`
	// N numbers reminders.
	N int32 `json:"n,omitempty"`
	// At is the grant time the timer belongs to, in Unix microseconds (grant timers).
	At int64 `json:"at,omitempty"`
}

// Kind names the job.
func (Timer) Kind() string { return "approval_timer" }

// InsertOpts puts the job on the default queue.
func (Timer) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: river.QueueDefault, MaxAttempts: 10}
}

// StartAction asks action-execution to run the relationship's provisioning (GRANT) or
// deprovisioning (REVOKE) chain for a flow, idempotently on "<flow id>:<operation>", then
// publishes Events, the events of the decision that caused it (one job instead of one per
// call: every step is idempotent, so a retry of the whole job is safe).
type StartAction struct {
	FlowID    string    `json:"flow_id"`
	Operation string    `json:"operation"`
	Events    []Publish `json:"events,omitempty"`
}

// Kind names the job.
func (StartAction) Kind() string { return "approval_start_action" }

// InsertOpts puts the job on the default queue; River retries it with backoff.
func (StartAction) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: river.QueueDefault, MaxAttempts: 25}
}

// Publish publishes an event to trigger-ingest, idempotently on Key.
type Publish struct {
	TriggerID string          `json:"trigger_id"`
	Key       string          `json:"key"`
	Event     json.RawMessage `json:"event"`
}

// Kind names the job.
func (Publish) Kind() string { return "approval_publish_event" }

// InsertOpts puts the job on the default queue; River retries it with backoff.
func (Publish) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: river.QueueDefault, MaxAttempts: 25}
}

// PreApproval asks the idn:access-request-pre-approval trigger about a flow and applies the
// answer; it snoozes while the invocation awaits its subscriber's response.
type PreApproval struct {
	FlowID string `json:"flow_id"`
}

// Kind names the job.
func (PreApproval) Kind() string { return "approval_pre_approval" }

// InsertOpts puts the job on the default queue; River retries it with backoff.
func (PreApproval) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: river.QueueDefault, MaxAttempts: 25}
}

// DynamicApprover asks the idn:access-request-dynamic-approver trigger for the EXTERNAL
// approver of a flow's level (the level of Epoch) and adds the answer; it snoozes while the
// invocation awaits its subscriber's response.
type DynamicApprover struct {
	FlowID string `json:"flow_id"`
	Epoch  int64  `json:"epoch"`
}

// Kind names the job.
func (DynamicApprover) Kind() string { return "approval_dynamic_approver" }

// InsertOpts puts the job on the default queue; River retries it with backoff.
func (DynamicApprover) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: river.QueueDefault, MaxAttempts: 25}
}
