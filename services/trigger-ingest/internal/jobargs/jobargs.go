// Package jobargs names the River jobs of trigger-ingest. It stands apart from the workers so
// that the store can enqueue jobs in the transaction of the state change that causes them
// without depending on the code that works them.
package jobargs

import "github.com/riverqueue/river"

// Queue is the River queue deliveries run on.
const Queue = "deliveries"

// MaxAttempts bounds how often River itself retries a delivery job that crashed or was
// cancelled (shutdown). Scheduled retries do not count: the worker snoozes the job and keeps
// its own attempt count against the retry schedule.
const MaxAttempts = 25

// Deliver sends one delivery (an event to one subscription).
type Deliver struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind names the job.
func (Deliver) Kind() string { return "trigger_deliver" }

// InsertOpts puts the job on the delivery queue.
func (Deliver) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: MaxAttempts}
}

// Deadline fails an asynchronous REQUEST_RESPONSE invocation still awaiting its response
// when its deadline passes; it is scheduled for the deadline.
type Deadline struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind names the job.
func (Deadline) Kind() string { return "trigger_invocation_deadline" }

// InsertOpts puts the job on the delivery queue.
func (Deadline) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: MaxAttempts}
}

// Retention deletes events and delivery history older than the retention period. It runs
// periodically.
type Retention struct{}

// Kind names the job.
func (Retention) Kind() string { return "trigger_retention" }

// InsertOpts puts the job on the default queue.
func (Retention) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: river.QueueDefault, MaxAttempts: 3}
}
