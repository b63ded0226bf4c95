package sqlite_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/storage/backendtest"
	"github.com/accessflow/accessflow/pkg/storage/sqlite"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
)

// TestTakeOver: a process that starts on a database whose previous process was killed frees
// what that process held — its leader's term, its running jobs — at once instead of after
// River's lease (~15 s) and rescuer (30 s); a process that is alive keeps both.
func TestTakeOver(t *testing.T) {
	path := storagetest.SQLitePath(t)
	start := func() (*sqlite.Backend, func()) {
		cfg, _ := backendtest.JobsConfig()
		b, err := sqlite.Open(t.Context(), path, sqlite.Options{Migrations: backendtest.Migrations(), Jobs: cfg})
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
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	leader := func() string {
		var id string
		if err := db.QueryRowContext(t.Context(), "SELECT leader_id FROM river_leader").Scan(&id); err != nil {
			return ""
		}
		return id
	}
	state := func(id int64) string {
		var s string
		require.NoError(t, db.QueryRowContext(t.Context(), "SELECT state FROM river_job WHERE id = ?", id).Scan(&s))
		return s
	}
	// running makes a job look taken by client: it is not due, so nobody fetches it meanwhile.
	running := func(b *sqlite.Backend, client string) int64 {
		res, err := b.River().Insert(t.Context(), backendtest.NoteArgs{ID: client}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
		require.NoError(t, err)
		_, err = db.ExecContext(t.Context(), "UPDATE river_job SET state = 'running', attempt = 1, attempted_at = datetime('now', '-1 second'), attempted_by = jsonb_array(?) WHERE id = ?", client, res.Job.ID)
		require.NoError(t, err)
		return res.Job.ID
	}

	a, stopA := start()
	require.Eventually(t, func() bool { return leader() == a.River().ID() }, 10*time.Second, 10*time.Millisecond, "the first process leads")
	ofLive := running(a, a.River().ID())
	ofGone := running(a, "gone-host_0123")
	_, stopB := start() // a second process on the same file: allowed, if unusual
	require.Eventually(t, func() bool { return state(ofGone) == "completed" }, 5*time.Second, 10*time.Millisecond, "a gone client's running job runs again at once")
	require.Equal(t, "running", state(ofLive), "a live process's running job is left to it")
	require.Equal(t, a.River().ID(), leader(), "a live leader keeps its term")
	stopB()

	stopA()
	_, err = db.ExecContext(t.Context(), "INSERT INTO river_leader (leader_id, elected_at, expires_at) VALUES ('gone-host_0123', datetime('now', 'subsec'), datetime('now', 'subsec', '+15 seconds'))")
	require.NoError(t, err)
	c, _ := start()
	require.Eventually(t, func() bool { return leader() == c.River().ID() }, 3*time.Second, 10*time.Millisecond, "the killed leader's term is taken over at once")
}
