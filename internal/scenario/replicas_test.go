package scenario_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/internal/scenario"
	"github.com/accessflow/accessflow/internal/testserver/gitlabfake"
	"github.com/accessflow/accessflow/internal/testserver/slapd"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
)

// envFlows sets how many flows TestReplicas runs at once (default 20; `make scale` runs 100).
const envFlows = "ACCESSFLOW_SCENARIO_FLOWS"

// schemas are the services' PostgreSQL schemas, each with its River jobs.
var schemas = map[string]string{
	scenario.Policy: "policy", scenario.TriggerIngest: "trigger_ingest",
	scenario.Approval: "approval", scenario.ActionExecution: "action_execution",
}

// TestReplicas runs flow 1 for N recipients at once on two replicas of each service sharing
// one PostgreSQL database, and checks that every flow completed exactly once: one LDAP account
// per recipient (no second account from a create run twice), each in sales, one mail each, one
// GitLab issue per flow, one idn:post-provisioning delivery per trackingNumber, every action
// flow SUCCEEDED. Both replicas of each service must have served calls, and both
// action-execution replicas run scripts. It reports flows/s and latency percentiles (request
// filed to post-provisioning delivered); it asserts no timing.
func TestReplicas(t *testing.T) {
	runFlows(t, flowCount(t), nil)
}

// TestReplicasSurviveAKill is TestReplicas with one action-execution replica killed (SIGKILL)
// half-way through the flows' scripts: the survivor takes the jobs the victim was running
// over, and still every flow completes exactly once — but for mail: SMTP takes no idempotency
// key, so a send in flight at the kill is sent again, with the same Message-ID; each recipient
// still gets one message, and the resends are reported. It reports how long after the kill the
// last of the taken-over jobs finished.
func TestReplicasSurviveAKill(t *testing.T) {
	const victim = "action-execution-2"
	var killedAt time.Time
	runFlows(t, flowCount(t), &chaos{
		// Kill once half of the accounts exist: scripts are in flight on both replicas.
		during: func(t *testing.T, d *scenario.Deployment, w *scenario.World, db *pgx.Conn, n int) {
			var accounts int
			require.Eventually(t, func() bool {
				accounts = len(w.Accounts(t))
				return accounts >= max(n/2, 1)
			}, 2*time.Minute, 20*time.Millisecond, "the first accounts are created")
			running := len(runningJobs(t, db, schemas[scenario.ActionExecution]))
			d.Kill(t, victim)
			killedAt = time.Now()
			t.Logf("killed %s with %d of %d accounts created and %d action-execution jobs running", victim, accounts, n, running)
		},
		after: func(t *testing.T, db *pgx.Conn) {
			// The victim's River client is the one that attempted jobs but finished none after
			// the kill; its jobs still running at its death were attempted again by the survivor.
			rows, err := db.Query(t.Context(), `SELECT attempted_by, finalized_at FROM action_execution.river_job WHERE attempted_by IS NOT NULL`)
			require.NoError(t, err)
			type job struct {
				attempts  []string
				finalized *time.Time
			}
			var jobs []job
			for rows.Next() {
				var j job
				require.NoError(t, rows.Scan(&j.attempts, &j.finalized))
				jobs = append(jobs, j)
			}
			require.NoError(t, rows.Err())
			clients, survivors := map[string]bool{}, map[string]bool{}
			for _, j := range jobs {
				for _, c := range j.attempts {
					clients[c] = true
				}
				if j.finalized != nil && j.finalized.After(killedAt) && len(j.attempts) > 0 {
					survivors[j.attempts[len(j.attempts)-1]] = true
				}
			}
			var dead []string
			for c := range clients {
				if !survivors[c] {
					dead = append(dead, c)
				}
			}
			require.Len(t, dead, 1, "one action-execution client ran jobs before the kill and none after: clients %v, survivors %v", clients, survivors)
			var rescued int
			var last time.Duration
			for _, j := range jobs {
				if j.finalized == nil || !slices.Contains(j.attempts, dead[0]) || j.attempts[len(j.attempts)-1] == dead[0] {
					continue
				}
				rescued++
				last = max(last, j.finalized.Sub(killedAt))
			}
			t.Logf("recovery: %d jobs %s (River client %s) was running when killed were run again by the survivor, the last finished %s after the kill",
				rescued, victim, dead[0], last.Round(time.Millisecond))
		},
	})
}

// chaos is what a variant of TestReplicas does while the flows run, and checks after.
type chaos struct {
	during func(t *testing.T, d *scenario.Deployment, w *scenario.World, db *pgx.Conn, n int)
	after  func(t *testing.T, db *pgx.Conn)
}

// flowCount is ACCESSFLOW_SCENARIO_FLOWS, 20 by default.
func flowCount(t *testing.T) int {
	t.Helper()
	n := 20
	if v := os.Getenv(envFlows); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err, "%s must be a number", envFlows)
		require.Positive(t, n, envFlows)
	}
	return n
}

// runFlows runs flow 1 for n recipients at once on two replicas per service and checks every
// effect happened exactly once (see TestReplicas).
func runFlows(t *testing.T, n int, c *chaos) {
	t.Helper()
	dbURL := storagetest.NewPostgresDatabase(t, "scenario", nil, func(context.Context, string) error { return nil })
	opts := scenario.LoopbackOptions()
	// Eight service processes share the server with the other packages' tests (CI runs them
	// at once, on a max_connections of 100): four connections each keep the deployment well
	// under it.
	sep := "?"
	if strings.Contains(dbURL, "?") {
		sep = "&"
	}
	opts.DatabaseURL = dbURL + sep + "pool_max_conns=4"
	opts.Replicas = 2
	d := scenario.Start(t, bins, opts)
	t.Cleanup(func() { d.DumpLogsOnFailure(t) })

	w := scenario.SetUp(t, d.Client)
	gl := gitlabfake.Start(t, scenario.GitLabToken)
	w.GrantWithIssue(t, gl)
	sub := scenario.NewTimedSubscriber(t)
	w.Must(t, http.MethodPost, "/beta/trigger-subscriptions", scenario.JSONOf(t, map[string]any{
		"name": "post-provisioning", "triggerId": "idn:post-provisioning", "type": "HTTP",
		"httpConfig": map[string]any{"url": sub.URL, "httpDispatchMode": "SYNC"},
	}), http.StatusCreated)
	rel := w.Relationship(t, "")
	recipients := w.AddRecipients(t, n)
	tok := w.FlowTokens(t)

	// Every flow at once, each filed and approved by its own goroutine.
	type flow struct {
		recipient, id, tn string
		filed             time.Time
		err               error
	}
	flows := make([]flow, n)
	db, err := pgx.Connect(t.Context(), dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	began := time.Now()
	var wg sync.WaitGroup
	if c != nil {
		wg.Go(func() { c.during(t, d, w, db, n) })
	}
	for i, r := range recipients {
		wg.Go(func() {
			f := flow{recipient: r, filed: time.Now()}
			f.id, f.tn, f.err = w.FileAndApprove(t.Context(), tok, rel, r)
			flows[i] = f
		})
	}
	wg.Wait()
	byTN := map[string]*flow{}
	for i := range flows {
		f := &flows[i]
		require.NoError(t, f.err)
		require.Regexp(t, `^[0-9a-f]{32}$`, f.tn, "flow %s of %s", f.id, f.recipient)
		require.NotContains(t, byTN, f.tn, "one trackingNumber per request")
		byTN[f.tn] = f
	}
	t.Logf("%d requests filed and approved in %s", n, time.Since(began).Round(time.Millisecond))

	// Every flow ends with its post-provisioning event.
	timeout := time.Minute + time.Duration(n)*time.Second
	require.Eventually(t, func() bool {
		seen := map[string]bool{}
		for _, dl := range sub.Deliveries() {
			seen[dl.TrackingNumber] = true
		}
		return len(seen) >= n
	}, timeout, 100*time.Millisecond, "every flow's idn:post-provisioning event arrives")
	deliveries := sub.Deliveries()
	last := deliveries[len(deliveries)-1].At
	wall := last.Sub(began)

	// Let every queue drain, so that a duplicate still on its way is seen.
	require.Eventually(t, func() bool {
		for _, schema := range schemas {
			var busy int
			require.NoError(t, db.QueryRow(t.Context(), `SELECT count(*) FROM `+pgx.Identifier{schema, "river_job"}.Sanitize()+
				` WHERE state IN ('available', 'running', 'retryable', 'pending') AND created_at >= $1`, began).Scan(&busy))
			if busy > 0 {
				return false
			}
		}
		return true
	}, time.Minute, 200*time.Millisecond, "every job of the flows finished")
	time.Sleep(500 * time.Millisecond) // a SYNC delivery answered as its job completes: let its records settle

	// Exactly once, effect by effect.
	delivered := map[string]int{}
	var latencies []time.Duration
	for _, dl := range sub.Deliveries() {
		delivered[dl.TrackingNumber]++
		if f, ok := byTN[dl.TrackingNumber]; ok && delivered[dl.TrackingNumber] == 1 {
			latencies = append(latencies, dl.At.Sub(f.filed))
		}
	}
	for tn, count := range delivered {
		f, ok := byTN[tn]
		require.True(t, ok, "a post-provisioning event for an unknown trackingNumber %q", tn)
		require.Equal(t, 1, count, "idn:post-provisioning deliveries of flow %s (%s, %s)", f.id, f.recipient, tn)
	}
	require.Len(t, delivered, n)

	want := make([]string, 0, n)
	for i := 1; i <= n; i++ {
		want = append(want, scenario.AccountName(i))
	}
	var accounts []string
	for _, uid := range w.Accounts(t) {
		if strings.HasPrefix(uid, "flow.") {
			accounts = append(accounts, uid)
		}
	}
	require.Equal(t, want, accounts, "one LDAP account per recipient, named by the first counter (a second create would add flow.rNNNN1)")
	members := w.SalesMembers(t)
	for _, uid := range want {
		dn := "uid=" + uid + "," + slapd.PeopleDN
		count := 0
		for _, m := range members {
			if strings.EqualFold(m, dn) {
				count++
			}
		}
		require.Equal(t, 1, count, "%s is a member of sales once", dn)
	}

	// SMTP cannot take an idempotency key: a mail script run again after its process died during
	// or just after the send sends again, with the same Message-ID (derived from the script's
	// idempotency key), which mail systems and readers recognise as the same message. Without a
	// crash each mail is sent once; with one, each recipient still gets one message.
	mails, messageIDs := map[string]int{}, map[string]map[string]bool{}
	for _, m := range w.Mail.Messages() {
		id := m.Header.Get("Message-Id")
		require.NotEmpty(t, id, "every mail has a Message-ID")
		for _, to := range m.To {
			mails[to]++
			if messageIDs[to] == nil {
				messageIDs[to] = map[string]bool{}
			}
			messageIDs[to][id] = true
		}
	}
	resent := 0
	for _, r := range recipients {
		to := r + "@example.org"
		require.Len(t, messageIDs[to], 1, "messages to %s", r)
		if c == nil {
			require.Equal(t, 1, mails[to], "mails sent to %s", r)
		}
		resent += mails[to] - 1
	}
	require.Len(t, mails, n, "mails only to the recipients: %v", mails)
	if c != nil {
		t.Logf("mails sent again with the same Message-ID (the send was in flight at the kill): %d", resent)
	}

	issues := map[string]int{}
	opened := gl.Issues()
	for i := range opened {
		for tn := range byTN {
			if strings.Contains(opened[i].Description, tn) {
				issues[tn]++
			}
		}
	}
	require.Len(t, opened, n, "one GitLab issue per flow")
	for tn, f := range byTN {
		require.Equal(t, 1, issues[tn], "GitLab issues of flow %s (%s)", f.id, f.recipient)
	}

	for _, f := range byTN {
		af := w.Must(t, http.MethodGet, "/generic-approvals/v1/"+f.id, "", http.StatusOK)
		grant, _ := af["actionFlowIds"].(map[string]any)["GRANT"].(string)
		require.NotEmpty(t, grant, "approval flow %s started its provisioning", f.id)
		flow := w.Must(t, http.MethodGet, "/v1/action-flows/"+grant, "", http.StatusOK)
		require.Equal(t, "SUCCEEDED", flow["status"], "action flow %s of %s: %s", grant, f.recipient, scenario.JSONOf(t, flow))
	}

	// The figures.
	t.Logf("%d flows on 2 replicas per service: %.1f flows/s (%s from the first request to the last post-provisioning event, the first after %s); request to post-provisioning p50 %s, p95 %s, p99 %s, max %s",
		n, float64(n)/wall.Seconds(), wall.Round(time.Millisecond), deliveries[0].At.Sub(began).Round(time.Millisecond),
		scenario.Percentile(latencies, 50).Round(time.Millisecond), scenario.Percentile(latencies, 95).Round(time.Millisecond),
		scenario.Percentile(latencies, 99).Round(time.Millisecond), scenario.Percentile(latencies, 100).Round(time.Millisecond))

	if c != nil {
		c.after(t, db)
	}

	// The work was spread: both replicas of each service served calls, and both
	// action-execution replicas ran scripts (River jobs, by the client that last attempted them).
	rpcs := d.RPCsSince(t, began)
	for _, svc := range scenario.Services {
		var split []string
		for _, name := range d.Replicas(svc) {
			split = append(split, fmt.Sprintf("%s %d", name, rpcs[name]))
			require.Positive(t, rpcs[name], "%s served calls during the flows: %v", name, rpcs)
		}
		t.Logf("calls served: %s", strings.Join(split, ", "))
	}
	for _, svc := range scenario.Services {
		byClient := jobsByClient(t, db, schemas[svc], began)
		t.Logf("%s jobs per River client: %s", svc, formatSplit(byClient))
		if svc == scenario.ActionExecution && c == nil { // a killed replica's unfinished jobs end on the survivor
			require.Len(t, byClient, 2, "both action-execution replicas ran jobs")
		}
	}
}

// jobsByClient counts the jobs of schema created since, by the River client that last attempted
// them.
func jobsByClient(t *testing.T, db *pgx.Conn, schema string, since time.Time) map[string]int {
	t.Helper()
	rows, err := db.Query(t.Context(), `SELECT attempted_by[array_length(attempted_by, 1)], count(*) FROM `+pgx.Identifier{schema, "river_job"}.Sanitize()+
		` WHERE created_at >= $1 AND attempted_by IS NOT NULL AND array_length(attempted_by, 1) > 0 GROUP BY 1`, since)
	require.NoError(t, err)
	out := map[string]int{}
	for rows.Next() {
		var client string
		var count int
		require.NoError(t, rows.Scan(&client, &count))
		out[client] = count
	}
	require.NoError(t, rows.Err())
	return out
}

// runningJobs returns the running jobs of schema, by id: the River client running each.
func runningJobs(t *testing.T, db *pgx.Conn, schema string) map[int64]string {
	t.Helper()
	rows, err := db.Query(t.Context(), `SELECT id, attempted_by[array_length(attempted_by, 1)] FROM `+pgx.Identifier{schema, "river_job"}.Sanitize()+
		` WHERE state = 'running'`)
	require.NoError(t, err)
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var client string
		require.NoError(t, rows.Scan(&id, &client))
		out[id] = client
	}
	require.NoError(t, rows.Err())
	return out
}

func formatSplit(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
