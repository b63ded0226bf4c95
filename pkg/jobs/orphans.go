package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/accessflow/accessflow/pkg/logging"
)

// Liveness reports whether the River client with clientID still runs. A backend answers it
// from something the client's death releases at once: on PostgreSQL a session advisory lock
// the client holds, on SQLite (one process per file) only this process's own client is
// alive.
type Liveness func(ctx context.Context, clientID string) (alive bool, err error)

// orphanBatch is how many running jobs one listing reads.
const orphanBatch = 500

// DefaultOrphanInterval is how often a running client looks for jobs of dead clients.
const DefaultOrphanInterval = 2 * time.Second

// Orphans finds jobs left running by a River client that died (a crash, SIGKILL, a lost
// node) and makes them available again at once, instead of after River's stuck-job rescue,
// which waits RescueStuckJobsAfter from the job's start and then up to its 30 s interval,
// and runs only on the leader (a dead leader holds leadership ~15 s more). River's rescue
// stays as the fallback when liveness cannot be told (a network partition keeps a lock).
//
// River's public API leaves running jobs alone, so the rescue goes through its driver's
// executor, the same call River's rescuer makes; the driver API is pinned by go.mod, and an
// upgrade that changes it fails to compile here.
type Orphans[TTx any] struct {
	client *river.Client[TTx]
	exec   riverdriver.Executor
	schema string
	alive  Liveness
	logger *slog.Logger
}

// NewOrphans returns the orphan rescuer of client, whose driver is driver and PostgreSQL
// schema schema ("" on SQLite).
func NewOrphans[TTx any](client *river.Client[TTx], driver riverdriver.Driver[TTx], schema string, alive Liveness, logger *slog.Logger) *Orphans[TTx] {
	if logger == nil {
		logger = logging.Discard()
	}
	return &Orphans[TTx]{client: client, exec: driver.GetExecutor(), schema: schema, alive: alive, logger: logger}
}

// Rescue makes every job running for a dead client available now (or discards it when its
// attempts are spent, as River's rescuer does). It reports how many jobs it retried and
// discarded.
func (o *Orphans[TTx]) Rescue(ctx context.Context) (retried, discarded int, err error) {
	self := o.client.ID()
	verdict := map[string]bool{} // client → alive
	params := river.NewJobListParams().States(rivertype.JobStateRunning).First(orphanBatch)
	for {
		res, err := o.client.JobList(ctx, params)
		if err != nil {
			return retried, discarded, fmt.Errorf("list running jobs: %w", err)
		}
		var dead []*rivertype.JobRow
		for _, job := range res.Jobs {
			if len(job.AttemptedBy) == 0 || job.AttemptedAt == nil {
				continue
			}
			owner := job.AttemptedBy[len(job.AttemptedBy)-1]
			if owner == self {
				continue
			}
			alive, seen := verdict[owner]
			if !seen {
				if alive, err = o.alive(ctx, owner); err != nil {
					return retried, discarded, fmt.Errorf("liveness of job client %s: %w", owner, err)
				}
				verdict[owner] = alive
			}
			if !alive {
				dead = append(dead, job)
			}
		}
		r, d, err := o.rescue(ctx, dead)
		retried, discarded = retried+r, discarded+d
		if err != nil {
			return retried, discarded, err
		}
		if len(res.Jobs) < orphanBatch || res.LastCursor == nil {
			return retried, discarded, nil
		}
		params = params.After(res.LastCursor)
	}
}

func (o *Orphans[TTx]) rescue(ctx context.Context, dead []*rivertype.JobRow) (retried, discarded int, err error) {
	if len(dead) == 0 {
		return 0, 0, nil
	}
	now := time.Now().UTC()
	// Only rows still in the attempt we saw: a job picked up again since was attempted later
	// than every attempt listed (River's rescue query checks attempted_at < horizon). The
	// horizon is a millisecond past the latest, since riversqlite keeps milliseconds.
	var horizon time.Time
	p := &riverdriver.JobRescueManyParams{Schema: o.schema}
	for _, job := range dead {
		horizon = maxTime(horizon, *job.AttemptedAt)
		errData, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: max(job.Attempt, 0), Error: "orphaned: the client working it stopped without finishing it"})
		if err != nil {
			return retried, discarded, fmt.Errorf("orphaned job %d: %w", job.ID, err)
		}
		state, finalized := rivertype.JobStateAvailable, (*time.Time)(nil)
		if job.Attempt >= job.MaxAttempts {
			state, finalized = rivertype.JobStateDiscarded, &now
			discarded++
		} else {
			retried++
		}
		p.ID = append(p.ID, job.ID)
		p.Error = append(p.Error, errData)
		p.FinalizedAt = append(p.FinalizedAt, finalized)
		p.ScheduledAt = append(p.ScheduledAt, now)
		p.State = append(p.State, string(state))
	}
	p.StuckHorizon = horizon.Add(time.Millisecond)
	if _, err := o.exec.JobRescueMany(ctx, p); err != nil {
		return 0, 0, fmt.Errorf("rescue orphaned jobs: %w", err)
	}
	return retried, discarded, nil
}

// Run rescues orphans every interval until ctx ends. Errors are logged: the next round
// retries, and River's own rescue remains behind it.
func (o *Orphans[TTx]) Run(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		o.sweep(ctx)
	}
}

func (o *Orphans[TTx]) sweep(ctx context.Context) {
	retried, discarded, err := o.Rescue(ctx)
	if err != nil && ctx.Err() == nil {
		o.logger.WarnContext(ctx, "rescue jobs of stopped processes", "error", err)
	}
	if retried+discarded > 0 {
		o.logger.WarnContext(ctx, "jobs a stopped process left running are retried now", "retried", retried, "discarded_attempts_spent", discarded)
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
