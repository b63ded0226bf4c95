package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/storage/backendtest"
	"github.com/accessflow/accessflow/pkg/storage/postgres"
)

// TestTakeOver: a replica that starts beside a live one takes neither its leadership nor its
// running jobs; what a gone client held — the leader's term, a running job — it frees at once
// instead of after River's lease (~15 s) and rescuer (30 s).
func TestTakeOver(t *testing.T) {
	url := newDatabase(t)
	db, err := pgxpool.New(t.Context(), url)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	start := func() (*postgres.Backend, context.CancelFunc) {
		cfg, _ := backendtest.JobsConfig()
		b, err := postgres.Open(t.Context(), url, postgres.Options{Schema: schema, Migrations: backendtest.Migrations(), Jobs: cfg})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = b.RunJobs(ctx)
		}()
		stop := func() {
			cancel()
			<-done
			require.NoError(t, b.Close())
		}
		t.Cleanup(func() {
			if ctx.Err() == nil {
				stop()
			}
		})
		return b, stop
	}
	leader := func() string {
		var id string
		if err := db.QueryRow(t.Context(), "SELECT leader_id FROM "+schema+".river_leader").Scan(&id); err != nil {
			return ""
		}
		return id
	}
	state := func(id int64) string {
		var s string
		require.NoError(t, db.QueryRow(t.Context(), "SELECT state FROM "+schema+".river_job WHERE id = $1", id).Scan(&s))
		return s
	}
	// running makes a job look taken by client: it is not due, so nobody fetches it meanwhile.
	running := func(b *postgres.Backend, client string) int64 {
		res, err := b.River().Insert(t.Context(), backendtest.NoteArgs{ID: client}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
		require.NoError(t, err)
		_, err = db.Exec(t.Context(), "UPDATE "+schema+".river_job SET state = 'running', attempt = 1, attempted_at = now() - interval '1 second', attempted_by = ARRAY[$2::text] WHERE id = $1", res.Job.ID, client)
		require.NoError(t, err)
		return res.Job.ID
	}

	a, stopA := start()
	require.Eventually(t, func() bool { return leader() == a.River().ID() }, 10*time.Second, 10*time.Millisecond, "the first replica leads")
	ofLive := running(a, a.River().ID())
	ofGone := running(a, "gone-host_0123")

	_, stopB := start()
	require.Eventually(t, func() bool { return state(ofGone) == "completed" }, 5*time.Second, 10*time.Millisecond, "a gone client's running job runs again at once")
	require.Equal(t, "running", state(ofLive), "a live replica's running job is left to it")
	require.Equal(t, a.River().ID(), leader(), "a live leader keeps its term")
	stopB()

	// The leader is killed: its term remains in the table until it expires.
	stopA()
	_, err = db.Exec(t.Context(), "INSERT INTO "+schema+".river_leader (leader_id, elected_at, expires_at) VALUES ('gone-host_0123', now(), now() + interval '15 seconds')")
	require.NoError(t, err)
	c, _ := start()
	require.Eventually(t, func() bool { return leader() == c.River().ID() }, 3*time.Second, 10*time.Millisecond, "the gone leader's term is taken over at once")
}
