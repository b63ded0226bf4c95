package triggeringest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/storage/storagetest"
	"github.com/accessflow/accessflow/pkg/tracking"
)

// TestCrashRecovery kills the real binary with SIGKILL while it delivers events to a slow
// subscriber, restarts it on the same database, and requires every event that got a 202 to
// reach the subscriber within 30 s of the restart. A redelivery must carry the webhook-id of
// the first try, so the subscriber can tell duplicates; they are counted and reported.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary; not in -short")
	}
	bin := buildBinary(t)
	t.Run("sqlite", func(t *testing.T) {
		crashAndRecover(t, bin, nil)
	})
	t.Run("postgres", func(t *testing.T) {
		dbURL := storagetest.NewPostgresDatabase(t, "crash", nil, func(context.Context, string) error { return nil })
		key := make([]byte, 32)
		_, err := rand.Read(key)
		require.NoError(t, err)
		crashAndRecover(t, bin, []string{"ACCESSFLOW_DATABASE_URL=" + dbURL, "ACCESSFLOW_SECRET_KEYS=k1=" + hex.EncodeToString(key)})
	})
}

const crashEvent = `{"identity":{"id":"ee769173319b41d19ccec6cea52f237b","name":"john.doe","type":"IDENTITY"},
"changes":[{"attribute":"department","oldValue":"sales","newValue":"marketing"}]}`

func crashAndRecover(t *testing.T, bin string, env []string) {
	const events = 400
	sink := newCountingSink(t, 100*time.Millisecond)
	dataDir := filepath.Join(t.TempDir(), "data")
	env = append(env, "ACCESSFLOW_DATA_DIR="+dataDir)

	first := startProcess(t, bin, env)
	token := adminToken(t, bin, env)
	first.subscribe(t, token, sink.srv.URL)

	accepted := map[string]bool{}
	for i := range events {
		number := tracking.New().String()
		status, body := first.publish(t, token, number)
		require.Equal(t, http.StatusAccepted, status, "event %d: %s", i, body)
		accepted[number] = true
	}
	// Kill once deliveries are under way but far from done: jobs are running.
	require.Eventually(t, func() bool { return sink.requests.Load() >= 20 }, 30*time.Second, 10*time.Millisecond, "deliveries started")
	first.kill(t)
	before := sink.distinct()
	require.Less(t, before, events, "the process was killed before it delivered everything")

	second := startProcess(t, bin, env)
	restarted := time.Now()
	deadline := restarted.Add(30 * time.Second)
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for time.Now().Before(deadline) && sink.distinctOf(accepted) < len(accepted) {
		<-poll.C
	}
	recovered := time.Since(restarted)
	got := sink.distinctOf(accepted)
	t.Logf("%d events accepted; %d received before the kill; %d of them received %s after the restart; %d requests, %d duplicates (same webhook-id again)",
		len(accepted), before, got, recovered.Round(10*time.Millisecond), sink.requests.Load(), sink.duplicates())
	require.Equal(t, len(accepted), got, "every accepted event delivered within 30 s of the restart (%s)", second.logs.String())
	require.Empty(t, sink.conflicts(), "a redelivery carries the webhook-id of the first try")
	second.stop(t)
}

// countingSink is a slow subscriber that counts requests per event and per webhook-id.
type countingSink struct {
	srv      *httptest.Server
	requests atomic.Int64
	mu       sync.Mutex
	byEvent  map[string]map[string]int // tracking number → webhook-id → requests
}

func newCountingSink(t *testing.T, delay time.Duration) *countingSink {
	s := &countingSink{byEvent: map[string]map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		// Counted on arrival: a request whose answer the dying process never read was still
		// received, and its redelivery is a duplicate the subscriber sees.
		s.requests.Add(1)
		s.mu.Lock()
		number, id := r.Header.Get(tracking.Header), r.Header.Get("webhook-id")
		if s.byEvent[number] == nil {
			s.byEvent[number] = map[string]int{}
		}
		s.byEvent[number][id]++
		s.mu.Unlock()
		select { // a slow subscriber, so that deliveries are in flight when the process dies
		case <-time.After(delay):
			w.WriteHeader(http.StatusNoContent)
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *countingSink) distinct() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byEvent)
}

func (s *countingSink) distinctOf(want map[string]bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for number := range s.byEvent {
		if want[number] {
			n++
		}
	}
	return n
}

// duplicates counts requests beyond the first per webhook-id.
func (s *countingSink) duplicates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ids := range s.byEvent {
		for _, c := range ids {
			n += c - 1
		}
	}
	return n
}

// conflicts lists events that arrived under more than one webhook-id.
func (s *countingSink) conflicts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for number, ids := range s.byEvent {
		if len(ids) > 1 {
			out = append(out, number)
		}
	}
	return out
}

type process struct {
	cmd    *exec.Cmd
	base   string
	logs   *syncBuffer
	exited chan error
}

// syncBuffer collects a process's output, written by exec's copier while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "accessflow")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "github.com/accessflow/accessflow/cmd/accessflow")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	return bin
}

// startProcess runs `accessflow serve` on free loopback ports and waits until it is ready.
func startProcess(t *testing.T, bin string, env []string, args ...string) *process {
	t.Helper()
	ports := freePorts(t, 6)
	cmd := exec.Command(bin, "serve", //nolint:noctx // the test signals the process itself
		"--gateway-addr", ports[0], "--admin-addr", ports[1],
		"--policy-addr", ports[2], "--trigger-ingest-addr", ports[3], "--approval-addr", ports[4], "--action-execution-addr", ports[5],
		"--outbound-allow-cidrs", "127.0.0.0/8", "--delivery-timeout", "2s", "--rate-limit", "0", "--log-level", "warn")
	cmd.Args = append(cmd.Args, args...)
	cmd.Env = append(os.Environ(), env...)
	p := &process{cmd: cmd, base: "http://" + ports[0], logs: &syncBuffer{}, exited: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	require.NoError(t, cmd.Start())
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("process output:\n%s", p.logs.String())
		}
	})
	require.Eventually(t, func() bool {
		resp, err := http.Get(p.base + "/readyz") //nolint:noctx // polling helper
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 50*time.Millisecond, "readyz never answered 200")
	return p
}

func (p *process) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	require.Error(t, <-p.exited, "killed by SIGKILL")
}

func (p *process) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-p.exited:
		require.NoError(t, err, "exit status after SIGTERM")
	case <-time.After(15 * time.Second):
		t.Fatal("still running 15s after SIGTERM")
	}
}

func (p *process) request(t *testing.T, token, method, path, body string, header ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, p.base+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

func (p *process) subscribe(t *testing.T, token, target string) {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"name": "crash sink", "triggerId": "idn:identity-attributes-changed", "type": "HTTP",
		"httpConfig": map[string]any{"url": target, "httpDispatchMode": "SYNC"},
	})
	require.NoError(t, err)
	status, b := p.request(t, token, http.MethodPost, "/beta/trigger-subscriptions", string(body))
	require.Equal(t, http.StatusCreated, status, string(b))
}

func (p *process) publish(t *testing.T, token, number string) (int, []byte) {
	t.Helper()
	return p.request(t, token, http.MethodPost, "/v1/trigger-events/idn:identity-attributes-changed", crashEvent, tracking.Header, number)
}

// adminToken signs a token with every scope using the data dir's keys, as an operator would.
func adminToken(t *testing.T, bin string, env []string) string {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.CommandContext(t.Context(), bin, "token")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	require.NoError(t, cmd.Run())
	return strings.TrimSpace(out.String())
}

func freePorts(t *testing.T, n int) []string {
	t.Helper()
	out := make([]string, 0, n)
	lis := make([]net.Listener, 0, n)
	for range n {
		l, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
		require.NoError(t, err)
		lis = append(lis, l)
		out = append(out, l.Addr().String())
	}
	for _, l := range lis {
		require.NoError(t, l.Close())
	}
	return out
}
