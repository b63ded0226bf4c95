package actionexecution_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/storage/storagetest"
)

// TestFlowSurvivesSIGKILL runs the real all-in-one binary, starts a three-script chain (REST
// create → sleep 2s → REST notify) against a target that counts effects, and kills the process
// with SIGKILL twice: first while the create request is in flight (the target has acted, the
// service has not recorded it), then while the flow sleeps. After each restart the flow must go
// on; after the last it must complete within 30 s, with each effect made exactly once.
func TestFlowSurvivesSIGKILL(t *testing.T) {
	bin := accessflowBinary(t)

	t.Run("sqlite", func(t *testing.T) { killAndResume(t, bin, nil) })
	t.Run("postgres", func(t *testing.T) {
		url := storagetest.NewPostgresDatabase(t, "killtest", nil, func(context.Context, string) error { return nil })
		killAndResume(t, bin, []string{"--database-url", url, "--secret-keys", "test=" + strings.Repeat("cd", 32)})
	})
}

// killTarget acts once per Idempotency-Key: it counts requests, effects and the keys sent per
// path. The first request to hangPath hangs (after acting) until released; every request is
// answered 201 with {"id": id(path)}.
type killTarget struct {
	*httptest.Server
	mu       sync.Mutex
	requests map[string]int
	effected map[string]int
	seen     map[string]bool
	keys     map[string][]string
	hung     chan struct{}
	release  chan struct{}
}

func newKillTarget(t *testing.T, hangPath string, id func(path string) string) *killTarget {
	t.Helper()
	tg := &killTarget{requests: map[string]int{}, effected: map[string]int{}, seen: map[string]bool{}, keys: map[string][]string{}, hung: make(chan struct{}), release: make(chan struct{})}
	var hangOnce sync.Once
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		key := r.URL.Path + "|" + r.Header.Get("Idempotency-Key")
		tg.mu.Lock()
		tg.requests[r.URL.Path]++
		tg.keys[r.URL.Path] = append(tg.keys[r.URL.Path], r.Header.Get("Idempotency-Key"))
		if !tg.seen[key] {
			tg.seen[key] = true
			tg.effected[r.URL.Path]++
		}
		tg.mu.Unlock()
		if r.URL.Path == hangPath {
			hang := false
			hangOnce.Do(func() { hang = true })
			if hang {
				close(tg.hung)
				select {
				case <-tg.release:
				case <-r.Context().Done():
				}
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id": "`+id(r.URL.Path)+`"}`)
	}))
	t.Cleanup(func() {
		close(tg.release)
		tg.Close()
	})
	return tg
}

// effects returns the effects per path so far.
func (tg *killTarget) effects() map[string]int {
	effects, _, _ := tg.snapshot()
	return effects
}

// snapshot returns the effects, requests and keys per path so far.
func (tg *killTarget) snapshot() (effects, requests map[string]int, keys map[string][]string) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	keys = map[string][]string{}
	for k, v := range tg.keys {
		keys[k] = append([]string(nil), v...)
	}
	return maps.Clone(tg.effected), maps.Clone(tg.requests), keys
}

type proc struct {
	cmd    *exec.Cmd
	logs   *bytes.Buffer
	exited chan struct{}
}

// deployment is the all-in-one binary serving on fixed loopback ports over one data dir (and
// database): run starts a process, kill SIGKILLs one, call calls the gateway as the admin.
type deployment struct {
	t      *testing.T
	bin    string
	args   []string
	base   string
	bearer string
	all    []*proc
}

func newDeployment(t *testing.T, bin string, extra []string) *deployment {
	t.Helper()
	dataDir := t.TempDir()
	ports := freePorts(t, 6)
	d := &deployment{t: t, bin: bin, base: "http://" + ports[4]}
	d.args = append([]string{
		"serve", "--data-dir", dataDir, "--gateway-addr", ports[4], "--admin-addr", ports[5],
		"--policy-addr", ports[0], "--trigger-ingest-addr", ports[1], "--approval-addr", ports[2], "--action-execution-addr", ports[3],
		"--action-outbound-allow-cidrs", "127.0.0.0/8", "--outbound-allow-cidrs", "127.0.0.0/8", "--action-script-timeout", "2s",
	}, extra...)
	t.Cleanup(func() {
		for _, p := range d.all {
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			for i, p := range d.all {
				t.Logf("process %d output (tail):\n%s", i, tail(p.logs.String(), 4000))
			}
		}
	})
	d.run()
	var tok bytes.Buffer
	// The admin client's credentials live in the data dir, whichever database the services use.
	tokenCmd := exec.CommandContext(t.Context(), bin, "token", "--data-dir", dataDir)
	tokenCmd.Stdout, tokenCmd.Stderr = &tok, os.Stderr
	require.NoError(t, tokenCmd.Run())
	d.bearer = "Bearer " + strings.TrimSpace(tok.String())
	return d
}

// run starts a process and waits until it is ready.
func (d *deployment) run() *proc {
	t := d.t
	p := &proc{cmd: exec.Command(d.bin, d.args...), logs: &bytes.Buffer{}, exited: make(chan struct{})} //nolint:gosec,noctx // the test's own binary; it kills it itself
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	require.NoError(t, p.cmd.Start())
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	d.all = append(d.all, p)
	require.Eventually(t, func() bool {
		resp, err := http.Get(d.base + "/readyz") //nolint:noctx // polling helper
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 50*time.Millisecond, "readyz never answered 200")
	return p
}

// kill SIGKILLs the latest process and waits for it to exit.
func (d *deployment) kill() {
	p := d.all[len(d.all)-1]
	require.NoError(d.t, p.cmd.Process.Signal(syscall.SIGKILL))
	<-p.exited
}

// call calls the gateway as the admin.
func (d *deployment) call(method, path string, body any, header ...string) (int, map[string]any) {
	t := d.t
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, d.base+path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", d.bearer)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func killAndResume(t *testing.T, bin string, extra []string) {
	tg := newKillTarget(t, "/users", func(string) string { return "acct-1" })
	d := newDeployment(t, bin, extra)
	call := d.call
	st, out := call(http.MethodPost, "/v1/action-providers", map[string]any{
		"key": "target", "kind": "REST", "endpoint": tg.URL,
		"settings": map[string]any{"endpoints": map[string]any{
			"create_user": map[string]any{"path": "/users", "accountId": "{{.Response.id}}"},
			"notify":      map[string]any{"kind": "webhook", "path": "/hooks", "body": `{"text": "done"}`},
		}},
	})
	require.Equal(t, http.StatusCreated, st, out)
	st, out = call(http.MethodPost, "/v1/action-chains", map[string]any{"name": "kill", "scripts": []any{
		map[string]any{"name": "create", "type": "target_api_create_user", "backoff": "0.2s"},
		map[string]any{"name": "wait", "type": "sleep", "duration": "2s"},
		map[string]any{"name": "notify", "type": "target_webhook_notify"},
	}})
	require.Equal(t, http.StatusCreated, st, out)
	st, out = call(http.MethodPost, "/v1/action-flows", map[string]any{
		"chainId": out["id"], "idempotencyKey": "kill-1",
		"context": map[string]any{"operation": "GRANT", "recipient": map[string]any{"id": "id-1", "name": "William Wilson"}},
	})
	require.Equal(t, http.StatusAccepted, st, out)
	flowID := out["flow"].(map[string]any)["id"].(string)
	flow := func() map[string]any {
		st, out := call(http.MethodGet, "/v1/action-flows/"+flowID, nil)
		require.Equal(t, http.StatusOK, st, out)
		return out
	}

	// Kill 1: the target has acted on the create and hangs before answering.
	select {
	case <-tg.hung:
	case <-time.After(30 * time.Second):
		t.Fatal("the create request never arrived")
	}
	d.kill()
	require.Equal(t, map[string]int{"/users": 1}, tg.effects())
	d.run()

	// Kill 2: while the flow sleeps.
	require.Eventually(t, func() bool { return flow()["status"] == "WAITING" }, 30*time.Second, 50*time.Millisecond, "the rescued create never finished")
	d.kill()
	restarted := time.Now()
	d.run()
	require.Eventually(t, func() bool { return flow()["status"] == "SUCCEEDED" }, 30*time.Second, 50*time.Millisecond, "the flow did not complete within 30s of the restart")
	t.Logf("flow completed %s after the last restart", time.Since(restarted).Round(time.Millisecond))
	f := flow()
	scripts := f["scripts"].([]any)
	require.Equal(t, "acct-1", scripts[0].(map[string]any)["accountId"])
	require.GreaterOrEqual(t, scripts[0].(map[string]any)["attempts"], 2.0, "the create ran again after the kill")
	require.Equal(t, map[string]int{"/users": 1, "/hooks": 1}, tg.effects(), "no duplicate effect at the target")
}

func freePorts(t *testing.T, n int) []string {
	t.Helper()
	var (
		out []string
		lis []net.Listener
	)
	for range n {
		l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
		require.NoError(t, err)
		lis = append(lis, l)
		out = append(out, l.Addr().String())
	}
	for _, l := range lis {
		require.NoError(t, l.Close())
	}
	return out
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.path != "" {
		_ = os.RemoveAll(filepath.Dir(built.path))
	}
	os.Exit(code)
}

var built struct {
	once sync.Once
	path string
	err  error
}

// accessflowBinary builds the all-in-one binary once for every kill test of the package.
func accessflowBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "accessflow-kill-bin-")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "accessflow")
		var out strings.Builder
		build := exec.Command("go", "build", "-o", built.path, "github.com/accessflow/accessflow/cmd/accessflow") //nolint:noctx // one build for the package's tests
		build.Stdout, build.Stderr = &out, &out
		if err := build.Run(); err != nil {
			built.err = fmt.Errorf("go build: %w: %s", err, out.String())
		}
	})
	require.NoError(t, built.err)
	return built.path
}
