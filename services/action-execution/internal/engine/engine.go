// Package engine runs action flows: River workers that run each script of a flow in order
// (connector calls, sleeps as scheduled jobs), retry failed scripts on their policy, apply
// on-failure behaviour, settle the policy service's reservations, and publish
// idn:post-provisioning when a flow ends. Every state change and the job it causes commit in
// one transaction, so a killed process loses nothing: River rescues the job that was running
// and the script runs again with the same idempotency key.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/logging"
	"github.com/accessflow/accessflow/pkg/secrets"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/jobargs"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

// PostProvisioningTrigger is the trigger a flow's end is published on.
const PostProvisioningTrigger = "idn:post-provisioning"

// Defaults of a script's retry policy.
const (
	DefaultMaxAttempts = 3
	DefaultBackoff     = time.Second
	maxBackoff         = time.Hour
)

// On-failure behaviours.
const (
	OnFailureStop       = "STOP"
	OnFailureContinue   = "CONTINUE"
	OnFailureCompensate = "COMPENSATE"
)

// Config tunes the engine.
type Config struct {
	// ScriptTimeout bounds one run of a script (a connector call and the policy calls around
	// it); River's stuck-job rescue is set from it.
	ScriptTimeout time.Duration
	// ApprovalBaseURL is the public base URL of the REST gateway, which the approve and deny
	// links of *_approval scripts point at.
	ApprovalBaseURL string
}

// Peers are the clients of the services the engine calls.
type Peers struct {
	Policies   policyv1.ProvisioningPolicyServiceClient
	Uniqueness policyv1.UniquenessServiceClient
	Events     triggerv1.EventServiceClient
}

// Engine holds what the workers share. It is built before the store exists (River needs its
// workers when the backend opens); Attach completes it before any job runs.
type Engine struct {
	cfg    Config
	now    func() time.Time
	store  *store.Store
	reg    *connector.Registry
	ring   *secrets.Ring
	peers  Peers
	logger *slog.Logger
}

// Option configures an Engine.
type Option func(*Engine)

// WithClock sets the clock (default: the wall clock).
func WithClock(now func() time.Time) Option { return func(e *Engine) { e.now = now } }

// New returns an engine; Attach must be called before its workers run.
func New(cfg Config, opts ...Option) *Engine {
	if cfg.ScriptTimeout <= 0 {
		cfg.ScriptTimeout = 10 * time.Second
	}
	if cfg.ApprovalBaseURL == "" {
		cfg.ApprovalBaseURL = "http://localhost:8080"
	}
	e := &Engine{cfg: cfg, now: time.Now, logger: logging.Discard()}
	for _, opt := range opts {
		opt(e)
	}
	return e
}

// Attach gives the workers the store, connectors, key ring, peers and logger they work with.
func (e *Engine) Attach(st *store.Store, reg *connector.Registry, ring *secrets.Ring, peers Peers, logger *slog.Logger) {
	e.store, e.reg, e.ring, e.peers = st, reg, ring, peers
	if logger != nil {
		e.logger = logger
	}
}

// AddWorkers registers the engine's workers.
func (e *Engine) AddWorkers(workers *river.Workers) {
	river.AddWorker(workers, &runScriptWorker{e: e})
	river.AddWorker(workers, &settleWorker{e: e})
	river.AddWorker(workers, &publishWorker{e: e})
}

// JobTimeout is the longest any of the engine's jobs runs.
func (e *Engine) JobTimeout() time.Duration { return e.cfg.ScriptTimeout + 5*time.Second }

// RescueAfter is how long a job may be running before River's rescuer retries it: a little
// more than the job timeout, so that only the jobs of a dead process are rescued.
func (e *Engine) RescueAfter() time.Duration { return e.JobTimeout() + 2*time.Second }

type runScriptWorker struct {
	river.WorkerDefaults[jobargs.RunScript]
	e *Engine
}

func (w *runScriptWorker) Timeout(*river.Job[jobargs.RunScript]) time.Duration {
	return w.e.JobTimeout()
}

func (w *runScriptWorker) Work(ctx context.Context, job *river.Job[jobargs.RunScript]) error {
	return w.e.runScript(ctx, job.Args.FlowID, job.Args.Index)
}

type settleWorker struct {
	river.WorkerDefaults[jobargs.Settle]
	e *Engine
}

func (w *settleWorker) Timeout(*river.Job[jobargs.Settle]) time.Duration { return w.e.JobTimeout() }

func (w *settleWorker) Work(ctx context.Context, job *river.Job[jobargs.Settle]) error {
	return w.e.settle(ctx, job.Args.FlowID, job.Args.Index)
}

type publishWorker struct {
	river.WorkerDefaults[jobargs.Publish]
	e *Engine
}

func (w *publishWorker) Timeout(*river.Job[jobargs.Publish]) time.Duration { return w.e.JobTimeout() }

func (w *publishWorker) Work(ctx context.Context, job *river.Job[jobargs.Publish]) error {
	return w.e.publish(ctx, job.Args.FlowID, job.Args.Run)
}

// errNothingToDo ends an UpdateFlow that finds the work already done (a duplicate or stale
// job): nothing is written.
var errNothingToDo = errors.New("nothing to do")

func ignoreNothing(err error) error {
	if errors.Is(err, errNothingToDo) {
		return nil
	}
	return err
}

// backoff is the delay before the retry that follows attempt (1-based): base doubled per
// attempt, capped.
func backoff(base time.Duration, attempt int) time.Duration {
	if base <= 0 {
		base = DefaultBackoff
	}
	d := base
	for i := 1; i < attempt && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

func scriptLabel(sc *store.Script) string { return fmt.Sprintf("script %s (%s)", sc.Name, sc.Type) }
