package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// TestProcessLifecycle runs the real binary as `make run` does, on free ports: it must become
// ready, serve the sources slice over REST and every service's gRPC health, and stop cleanly on
// SIGTERM (exit 0) well within 10 s.
func TestProcessLifecycle(t *testing.T) {
	bin, err := binary()
	require.NoError(t, err)

	ports := freePorts(t, 6)
	grpcAddrs := map[string]string{
		"policy": ports[0], "trigger-ingest": ports[1], "approval": ports[2], "action-execution": ports[3],
	}
	args := []string{
		"serve", "--gateway-addr", ports[4], "--admin-addr", ports[5],
		"--policy-addr", grpcAddrs["policy"], "--trigger-ingest-addr", grpcAddrs["trigger-ingest"],
		"--approval-addr", grpcAddrs["approval"], "--action-execution-addr", grpcAddrs["action-execution"],
	}
	// The data dir comes from the environment, proving flags are bound to ACCESSFLOW_* variables.
	dataDir := filepath.Join(t.TempDir(), "data")
	env := []string{"ACCESSFLOW_DATA_DIR=" + dataDir}
	cmd, logs, exited := startServe(t, bin, args, env)

	base := "http://" + ports[4]
	start := time.Now()
	waitReady(t, base)
	t.Logf("ready %s after start", time.Since(start).Round(time.Millisecond))

	for name, addr := range grpcAddrs {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		require.NoError(t, err)
		resp, err := healthpb.NewHealthClient(conn).Check(t.Context(), &healthpb.HealthCheckRequest{})
		require.NoError(t, err, name)
		require.Equal(t, healthpb.HealthCheckResponse_SERVING, resp.GetStatus(), name)
		require.NoError(t, conn.Close())
	}

	// The operator's way in: `accessflow token` signs with the data dir's keys.
	var tokenOut bytes.Buffer
	tokenCmd := exec.CommandContext(t.Context(), bin, "token", "--data-dir", dataDir, "--scopes", "idn:sources:manage")
	tokenCmd.Stdout, tokenCmd.Stderr = &tokenOut, os.Stderr
	require.NoError(t, tokenCmd.Run())
	bearer := "Bearer " + strings.TrimSpace(tokenOut.String())

	t.Run("first start says once where the admin credentials are and how to get a token", func(t *testing.T) {
		var notices []map[string]any
		for _, line := range logLines(t, logs.String()) {
			if line["msg"] == "created the admin OAuth2 client on first start" {
				notices = append(notices, line)
			}
		}
		require.Len(t, notices, 1, "one structured line, stderr not being a terminal")
		require.Equal(t, filepath.Join(dataDir, "admin-client.json"), notices[0]["credentials_file"])
		require.Equal(t, bin+" token --data-dir "+dataDir, notices[0]["get_token"])
		require.Equal(t, base+"/oauth/token", notices[0]["token_url"])
	})
	t.Run("every log line names its service; migrations are debug; the admin listener's start is logged", func(t *testing.T) {
		var admin bool
		for _, line := range logLines(t, logs.String()) {
			require.NotEmpty(t, line["service"], "%v", line)
			require.NotContains(t, line["msg"], "Applied migration")
			if line["msg"] == "admin serving" {
				admin = true
				require.Equal(t, ports[5], line["admin_addr"])
			}
		}
		require.True(t, admin, "admin serving is logged")
	})
	t.Run("a duplicate client names the name, not the database", func(t *testing.T) {
		r := accessflow(t, t.TempDir(), nil, "client", "create", "--data-dir", dataDir, "--name", "admin", "--scopes", "idn:sources:read")
		require.Equal(t, 1, r.code)
		require.Equal(t, "accessflow: client with name \"admin\" already exists\n", r.stderr)
	})

	unauthenticated, err := http.Get(base + "/v3/sources") //nolint:noctx // test
	require.NoError(t, err)
	unauthenticated.Body.Close()
	require.Equal(t, http.StatusUnauthorized, unauthenticated.StatusCode, "auth is on by default")

	body := `{"name":"Corp LDAP","owner":{"type":"IDENTITY","id":"2c91808568c529c60168cca6f90c1313","name":"William Wilson"},"connector":"openldap"}`
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/v3/sources", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", bearer)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var created map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&created))
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	req, err = http.NewRequestWithContext(t.Context(), http.MethodGet, fmt.Sprintf("%s/v3/sources/%s", base, created["id"]), http.NoBody)
	require.NoError(t, err)
	req.Header.Set("Authorization", bearer)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, created, got)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	stopStart := time.Now()
	select {
	case err := <-exited:
		require.NoError(t, err, "exit status after SIGTERM")
		t.Logf("stopped %s after SIGTERM", time.Since(stopStart).Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10s after SIGTERM")
	}

	t.Run("a second start says nothing of the admin client", func(t *testing.T) {
		cmd, logs, exited := startServe(t, bin, args, env)
		waitReady(t, base)
		require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
		require.NoError(t, <-exited)
		require.NotContains(t, logs.String(), "admin OAuth2 client")
	})
}

// startServe starts `accessflow serve` with args and env, its output (stdout and stderr) in
// the returned buffer and its exit on the channel.
func startServe(t *testing.T, bin string, args, env []string) (*exec.Cmd, *lockedBuffer, <-chan error) {
	t.Helper()
	logs := &lockedBuffer{}
	cmd := exec.Command(bin, args...) //nolint:noctx // the test signals the process itself
	cmd.Env = append(withoutAccessflowEnv(), env...)
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("process output:\n%s", logs.String())
		}
	})
	return cmd, logs, exited
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/readyz") //nolint:noctx // polling helper
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 50*time.Millisecond, "readyz never answered 200")
}

// lockedBuffer is a bytes.Buffer a running process writes while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func freePorts(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	var lis []net.Listener
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
