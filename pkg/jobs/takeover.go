package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/accessflow/accessflow/pkg/ids"
)

// Presence tells whether the River client with an ID still runs. A backend marks its own
// client present for as long as its process lives (a PostgreSQL session lock, a file lock),
// so that a process that was killed is known to be gone at once.
type Presence interface {
	Alive(ctx context.Context, clientID string) (bool, error)
}

// NewClientID is a River client ID unique to this process: the host, then a random part.
func NewClientID() string {
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, host)
	if len(host) > 60 {
		host = host[:60]
	}
	return host + "_" + ids.New()
}

// takeoverBatch is how many running jobs TakeOver reads at a time.
const takeoverBatch = 500

// leadershipTopic is River's notification topic for leadership changes: a resignation
// published on it makes waiting clients bid at once.
const leadershipTopic = "river_leadership"

// TakeOver is run as a client starts, before it works: it frees what processes that are gone
// (killed, crashed) still hold, so that nothing waits for River's own timers. River lets a new
// leader be elected only once the old leader's lease expires (about 15 s), and its rescuer,
// which runs on the leader every 30 s, only retries a running job after RescueStuckJobsAfter;
// sleeps (scheduled jobs) and rescued jobs wait on that leader.
//
// TakeOver resigns the elected leader's term if presence says its client is gone, and makes
// every running job whose last attempt was by a gone client available again (recording the
// attempt's error, as the rescuer does). A client that is alive keeps its term and its jobs,
// so several replicas on one PostgreSQL database are safe; two processes taking over at once
// rescue a job once (the rescue only applies to jobs still running since before TakeOver
// started). Clients that keep no presence (an older build) count as gone.
func TakeOver[TTx any](ctx context.Context, client *river.Client[TTx], schema string, presence Presence, logger *slog.Logger) error {
	exec := client.Driver().GetExecutor()
	self := client.ID()
	started := time.Now().UTC()
	alive := map[string]bool{self: true}
	isAlive := func(id string) (bool, error) {
		if a, ok := alive[id]; ok {
			return a, nil
		}
		a, err := presence.Alive(ctx, id)
		if err != nil {
			return false, fmt.Errorf("presence of river client %s: %w", id, err)
		}
		alive[id] = a
		return a, nil
	}

	leader, err := exec.LeaderGetElectedLeader(ctx, &riverdriver.LeaderGetElectedLeaderParams{Schema: schema})
	switch {
	case errors.Is(err, rivertype.ErrNotFound):
	case err != nil:
		return fmt.Errorf("read river leader: %w", err)
	default:
		a, err := isAlive(leader.LeaderID)
		if err != nil {
			return err
		}
		if !a {
			if _, err := exec.LeaderResign(ctx, &riverdriver.LeaderResignParams{
				ElectedAt: leader.ElectedAt, LeaderID: leader.LeaderID, LeadershipTopic: leadershipTopic, Schema: schema,
			}); err != nil {
				return fmt.Errorf("resign the term of gone river leader %s: %w", leader.LeaderID, err)
			}
			logger.InfoContext(ctx, "took over river leadership from a gone process", "gone_client_id", leader.LeaderID)
		}
	}

	var afterID int64
	rescued := 0
	for {
		running, err := exec.JobGetStuck(ctx, &riverdriver.JobGetStuckParams{AfterID: afterID, Max: takeoverBatch, StuckHorizon: started, Schema: schema})
		if err != nil {
			return fmt.Errorf("read running jobs: %w", err)
		}
		params := &riverdriver.JobRescueManyParams{Schema: schema, StuckHorizon: started}
		for _, job := range running {
			afterID = job.ID
			if len(job.AttemptedBy) == 0 {
				continue
			}
			by := job.AttemptedBy[len(job.AttemptedBy)-1]
			a, err := isAlive(by)
			if err != nil {
				return err
			}
			if a {
				continue
			}
			attemptErr, err := json.Marshal(rivertype.AttemptError{At: started, Attempt: job.Attempt, Error: "the process running the job (river client " + by + ") is gone"})
			if err != nil {
				return fmt.Errorf("encode attempt error: %w", err)
			}
			params.ID = append(params.ID, job.ID)
			params.Error = append(params.Error, attemptErr)
			params.FinalizedAt = append(params.FinalizedAt, nil)
			params.ScheduledAt = append(params.ScheduledAt, started)
			params.State = append(params.State, string(rivertype.JobStateAvailable))
		}
		if len(params.ID) > 0 {
			if _, err := exec.JobRescueMany(ctx, params); err != nil {
				return fmt.Errorf("make the jobs of gone processes available: %w", err)
			}
			rescued += len(params.ID)
		}
		if len(running) < takeoverBatch {
			break
		}
	}
	if rescued > 0 {
		logger.InfoContext(ctx, "made the running jobs of gone processes available", "jobs", rescued)
	}
	return nil
}
