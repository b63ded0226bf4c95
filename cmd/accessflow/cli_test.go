package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/service"
)

// binary builds cmd/accessflow once, as `make build` does (with the revision passed by -X,
// which is how the Makefile stamps builds Go cannot read VCS information for).
var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "accessflow-cli-test")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "accessflow")
	build := exec.Command("go", "build", "-ldflags", "-X github.com/accessflow/accessflow/pkg/version.Revision="+testRevision, "-o", bin, ".") //nolint:noctx // a build, bounded by the test timeout
	if out, err := build.CombinedOutput(); err != nil {
		return "", errors.Join(err, errors.New(string(out)))
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if bin, err := binary(); err == nil {
		_ = os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

const testRevision = "0123456789abcdef0123456789abcdef01234567"

type result struct {
	stdout, stderr string
	code           int
}

// accessflow runs the built binary in dir with args and extra environment.
func accessflow(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	bin, err := binary()
	require.NoError(t, err)
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Dir = dir
	cmd.Env = append(withoutAccessflowEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		require.NoError(t, err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
}

func withoutAccessflowEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, service.EnvPrefix+"_") {
			env = append(env, kv)
		}
	}
	return env
}

func TestHelpListsEveryCommandOnOneLine(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		r := accessflow(t, t.TempDir(), nil, args...)
		require.Equal(t, 0, r.code, "%v: %s", args, r.stderr)
		for _, name := range []string{"serve", "migrate", "token", "client", "version", "help"} {
			require.Regexp(t, `(?m)^  `+name+` +\S.+$`, r.stdout, "%v lists %s", args, name)
		}
		require.NotContains(t, r.stdout, "-gateway-addr", "the overview lists commands, not serve's flags")
	}
}

func TestEachCommandsHelpShowsItsOwnFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args      []string
		want, not []string
	}{
		{[]string{"serve", "--help"}, []string{"-gateway-addr", "-data-dir", "-policy-addr", "-admin-addr"}, nil},
		{[]string{"token", "--help"}, []string{"-data-dir", "-scopes", "-ttl", "-subject"}, []string{"-gateway-addr", "-database-url", "-admin-addr", "-log-level", "-policy-addr"}},
		{[]string{"help", "token"}, []string{"-scopes"}, []string{"-gateway-addr"}},
		{[]string{"client", "--help"}, []string{"create", "list", "delete"}, []string{"-gateway-addr"}},
		{[]string{"client", "create", "--help"}, []string{"-name", "-scopes", "-levels", "-data-dir", "-database-url"}, []string{"-id", "-gateway-addr", "-admin-addr", "-ttl"}},
		{[]string{"client", "list", "--help"}, []string{"-data-dir", "-database-url"}, []string{"-name", "-id", "-gateway-addr"}},
		{[]string{"client", "delete", "--help"}, []string{"-id", "-data-dir"}, []string{"-name", "-gateway-addr"}},
		{[]string{"version", "--help"}, []string{"version"}, []string{"-data-dir"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			r := accessflow(t, t.TempDir(), nil, tc.args...)
			require.Equal(t, 0, r.code, r.stderr)
			for _, w := range tc.want {
				require.Contains(t, r.stdout, w)
			}
			for _, n := range tc.not {
				require.NotContains(t, r.stdout, n)
			}
		})
	}
}

func TestVersionPrintsModuleVersionAndRevision(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := accessflow(t, t.TempDir(), nil, args...)
		require.Equal(t, 0, r.code, r.stderr)
		require.Regexp(t, `(?m)^version +\S+$`, r.stdout)
		require.Regexp(t, `(?m)^revision +`+testRevision+`$`, r.stdout)
		require.Regexp(t, `(?m)^go +go1\.`, r.stdout)
	}
}

func TestTokenAndClientRefuseADataDirWithoutDatabase(t *testing.T) {
	t.Parallel()
	cwd := t.TempDir()
	other := filepath.Join(t.TempDir(), "elsewhere")
	for _, tc := range []struct {
		name    string
		env     []string
		args    []string
		lookDir string
	}{
		{"token in ./data", nil, []string{"token"}, filepath.Join(cwd, "data")},
		{"client create", nil, []string{"client", "create", "--name", "x", "--scopes", "idn:sources:read"}, filepath.Join(cwd, "data")},
		{"client list", nil, []string{"client", "list"}, filepath.Join(cwd, "data")},
		{"token with ACCESSFLOW_DATA_DIR", []string{"ACCESSFLOW_DATA_DIR=" + other}, []string{"token"}, other},
		{"client with --data-dir", nil, []string{"client", "list", "--data-dir", other}, other},
	} {
		r := accessflow(t, cwd, tc.env, tc.args...)
		require.Equal(t, 1, r.code, tc.name)
		require.Empty(t, r.stdout, tc.name)
		require.Contains(t, r.stderr, "no Accessflow database in "+tc.lookDir+":", tc.name)
		require.Contains(t, r.stderr, "--data-dir", tc.name)
		require.Contains(t, r.stderr, "ACCESSFLOW_DATA_DIR", tc.name)
		require.NoDirExists(t, tc.lookDir, "%s created nothing", tc.name)
	}
}

func TestAPortInUseIsSaidOnce(t *testing.T) {
	t.Parallel()
	taken, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	ports := freePorts(t, 5)
	r := accessflow(t, t.TempDir(), nil, "serve", "--log-level", "warn",
		"--policy-addr", taken.Addr().String(), "--trigger-ingest-addr", ports[0], "--approval-addr", ports[1],
		"--action-execution-addr", ports[2], "--gateway-addr", ports[3], "--admin-addr", ports[4])
	require.Equal(t, 1, r.code)
	want := "listen " + taken.Addr().String() + ": address already in use"
	require.Equal(t, 1, strings.Count(r.stderr, want), r.stderr)
	require.Equal(t, 1, strings.Count(r.stderr, "listen "), "the address is said once: %s", r.stderr)
}

func TestAdminListenerDefaultsToLoopback(t *testing.T) {
	t.Parallel()
	host, port, err := net.SplitHostPort(service.DefaultConfig().AdminAddr)
	require.NoError(t, err)
	require.True(t, net.ParseIP(host).IsLoopback(), host)
	require.Equal(t, "9095", port)
}

// logLines parses the JSON log lines of out, failing on any other line.
func logLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var line map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &line), "not a JSON log line: %q", l)
		lines = append(lines, line)
	}
	return lines
}
