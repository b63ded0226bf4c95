// Package jobargs names the River jobs of action-execution. It stands apart from the workers so
// that the store can enqueue jobs in the transaction of the state change that causes them
// without depending on the code that works them.
package jobargs

import "github.com/riverqueue/river"

// Queue is the River queue every action job runs on.
const Queue = "actions"

// MaxAttempts bounds how often River itself retries a job that crashed, timed out or was
// cancelled (shutdown). A script's own retries do not count: the worker snoozes the job and
// keeps the script's attempt count against its retry policy.
const MaxAttempts = 25

// RunScript runs (or resumes) one script of a flow.
type RunScript struct {
	FlowID string `json:"flow_id"`
	Index  int    `json:"index"`
}

// Kind names the job.
func (RunScript) Kind() string { return "action_run_script" }

// InsertOpts puts the job on the actions queue.
func (RunScript) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: MaxAttempts}
}

// Settle tells the policy service how an account script ended: it confirms the unique values
// the script's evaluation reserved and records the account (success), or releases them
// (failure).
type Settle struct {
	FlowID string `json:"flow_id"`
	Index  int    `json:"index"`
}

// Kind names the job.
func (Settle) Kind() string { return "action_settle_reservations" }

// InsertOpts puts the job on the actions queue.
func (Settle) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: MaxAttempts}
}

// Publish publishes idn:post-provisioning for a run of a flow that ended.
type Publish struct {
	FlowID string `json:"flow_id"`
	Run    int    `json:"run"`
}

// Kind names the job.
func (Publish) Kind() string { return "action_publish_post_provisioning" }

// InsertOpts puts the job on the actions queue.
func (Publish) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: MaxAttempts}
}
