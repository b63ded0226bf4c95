package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/accessflow/accessflow/pkg/ids"
)

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

// leadershipTopic is River's notification topic for leadership changes: a resignation
// published on it makes waiting clients bid at once.
const leadershipTopic = "river_leadership"

// TakeOver is run as a client starts, before it works: if the elected leader's client is gone
// (killed, crashed), it resigns that term, so that a new leader is elected at once instead of
// after River's lease (about 15 s); scheduled jobs (sleeps, timers) and River's maintenance
// wait on the leader. A live leader keeps its term, so several replicas on one PostgreSQL
// database are safe. The running jobs of gone clients are Orphans' work, which Run sweeps
// before the first fetch. Clients that keep no presence (an older build) count as gone.
func TakeOver[TTx any](ctx context.Context, client *river.Client[TTx], schema string, alive Liveness, logger *slog.Logger) error {
	exec := client.Driver().GetExecutor()
	leader, err := exec.LeaderGetElectedLeader(ctx, &riverdriver.LeaderGetElectedLeaderParams{Schema: schema})
	switch {
	case errors.Is(err, rivertype.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("read river leader: %w", err)
	}
	if leader.LeaderID == client.ID() {
		return nil
	}
	live, err := alive(ctx, leader.LeaderID)
	if err != nil {
		return fmt.Errorf("presence of river leader %s: %w", leader.LeaderID, err)
	}
	if live {
		return nil
	}
	if _, err := exec.LeaderResign(ctx, &riverdriver.LeaderResignParams{
		ElectedAt: leader.ElectedAt, LeaderID: leader.LeaderID, LeadershipTopic: leadershipTopic, Schema: schema,
	}); err != nil {
		return fmt.Errorf("resign the term of gone river leader %s: %w", leader.LeaderID, err)
	}
	logger.InfoContext(ctx, "took over river leadership from a gone process", "gone_client_id", leader.LeaderID)
	return nil
}
