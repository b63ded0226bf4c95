// Package scenario runs Accessflow as a deployment of separate processes for end-to-end tests:
// the four services and the REST gateway, each its own built binary on random loopback ports,
// with mutual TLS between them, service tokens signed by one shared jwt-keys.json, and either
// a SQLite file per service or one PostgreSQL database for all (then, optionally, several
// replicas of each service, which the gateway and the services call round-robin). It waits
// until the gateway reports every service ready, keeps each process's log, and stops
// everything when the test ends.
package scenario

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	// The APIs, registered so that tokens carry every scope their auth rules name.
	_ "github.com/accessflow/accessflow/api/accessflow/action/v1"
	_ "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	_ "github.com/accessflow/accessflow/api/accessflow/audit/v1"
	_ "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	_ "github.com/accessflow/accessflow/api/accessflow/tracking/v1"
	_ "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/mtls/mtlstest"
	"github.com/accessflow/accessflow/pkg/service"
)

// Names of the processes of a deployment.
const (
	Policy          = "policy"
	TriggerIngest   = "trigger-ingest"
	Approval        = "approval"
	ActionExecution = "action-execution"
	Gateway         = "gateway"
)

// Services are the four services, in start order.
var Services = []string{Policy, TriggerIngest, Approval, ActionExecution}

// packages are the main packages of the binaries, by name.
var packages = map[string]string{
	Policy:          "./services/policy/cmd/policy",
	TriggerIngest:   "./services/trigger-ingest/cmd/trigger-ingest",
	Approval:        "./services/approval/cmd/approval",
	ActionExecution: "./services/action-execution/cmd/action-execution",
	Gateway:         "./gateway/cmd/gateway",
	"accessflow":    "./cmd/accessflow",
}

// Binaries is a directory holding every binary, built from the module at one go.
type Binaries struct{ Dir string }

// Path returns the path of the binary name.
func (b Binaries) Path(name string) string { return filepath.Join(b.Dir, name) }

// Build builds every binary into dir with one `go build` run in the module root moduleDir.
func Build(ctx context.Context, moduleDir, dir string) (Binaries, error) {
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	for _, pkg := range packages {
		args = append(args, pkg)
	}
	cmd := exec.CommandContext(ctx, "go", args...) //nolint:gosec // fixed package paths of this module
	cmd.Dir = moduleDir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return Binaries{}, fmt.Errorf("go build: %w: %s", err, out.String())
	}
	return Binaries{Dir: dir}, nil
}

// ModuleRoot returns the directory of the go.mod above the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Options configure a deployment.
type Options struct {
	// DatabaseURL puts every service on this PostgreSQL database; empty means a SQLite file per
	// service in its own data dir.
	DatabaseURL string
	// Args are extra flags per process name (e.g. trigger-ingest's --outbound-allow-cidrs).
	Args map[string][]string
	// Env is extra environment, KEY=VALUE, for every process (e.g. OTEL_EXPORTER_OTLP_ENDPOINT).
	Env []string
	// Replicas is the number of processes per service (0 or 1: one). More than one needs
	// DatabaseURL: the replicas of a service share its schema. Each replica has its own data
	// dir, certificate and port; the first is named after the service, the others
	// <service>-2, <service>-3, … (Replicas), and every --<service>-target lists them all.
	Replicas int
}

// TestSecretKeys is the secret key ring every process of a PostgreSQL deployment shares.
const TestSecretKeys = "scenario=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// Deployment is a running set of processes.
type Deployment struct {
	// Client calls the deployment's gateway with tokens signed by its shared jwt-keys.json.
	*Client
	// KeysDir holds the shared jwt-keys.json (a data dir for `accessflow token`).
	KeysDir string
	// CA signed every process's certificate: Issue more for clients of the services.
	CA mtlstest.CA

	addrs    map[string]string
	procs    map[string]*Process
	replicas map[string][]string
}

// Addr returns the listen address of a process (a service's gRPC, the gateway's HTTP).
func (d *Deployment) Addr(name string) string { return d.addrs[name] }

// Replicas returns the process names of service svc's replicas, the first one first.
func (d *Deployment) Replicas(svc string) []string { return d.replicas[svc] }

// Target returns what --<svc>-target is set to: the comma-separated addresses of the
// replicas of service svc.
func (d *Deployment) Target(svc string) string {
	addrs := make([]string, 0, len(d.replicas[svc]))
	for _, name := range d.replicas[svc] {
		addrs = append(addrs, d.addrs[name])
	}
	return strings.Join(addrs, ",")
}

// ReplicaName is the process name of replica i (1-based) of service svc.
func ReplicaName(svc string, i int) string {
	if i <= 1 {
		return svc
	}
	return svc + "-" + strconv.Itoa(i)
}

// Process is one running binary with its log.
type Process struct {
	Name    string
	LogPath string
	cmd     *exec.Cmd
	done    chan struct{}
	killed  atomic.Bool
}

// Logs returns what the process has logged so far.
func (p *Process) Logs(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile(p.LogPath)
	require.NoError(tb, err)
	return string(b)
}

// Process returns the process name.
func (d *Deployment) Process(name string) *Process { return d.procs[name] }

// LogLinesContaining counts, per process, the log lines that contain s.
func (d *Deployment) LogLinesContaining(tb testing.TB, s string) map[string]int {
	tb.Helper()
	out := map[string]int{}
	for name, p := range d.procs {
		for _, line := range strings.Split(p.Logs(tb), "\n") {
			if strings.Contains(line, s) {
				out[name]++
			}
		}
	}
	return out
}

// Start runs a deployment of bins until the test ends.
func Start(tb testing.TB, bins Binaries, opts Options) *Deployment {
	tb.Helper()
	root := tb.TempDir()
	keysDir := filepath.Join(root, "keys")
	cfg := service.DefaultConfig()
	cfg.Storage.DataDir = keysDir
	keys, err := cfg.KeySet() // the one jwt-keys.json every process trusts and signs with
	require.NoError(tb, err)
	issuer, err := auth.NewIssuer(keys, cfg.Auth.Issuer, cfg.Auth.Audience)
	require.NoError(tb, err)
	keyFile, err := os.ReadFile(filepath.Join(keysDir, "jwt-keys.json")) //nolint:gosec // the test's temp dir
	require.NoError(tb, err)

	replicas := max(opts.Replicas, 1)
	if replicas > 1 && opts.DatabaseURL == "" {
		tb.Fatalf("scenario: %d replicas per service need a PostgreSQL DatabaseURL", replicas)
	}
	ca := mtlstest.NewCA(tb)
	d := &Deployment{KeysDir: keysDir, CA: ca, addrs: map[string]string{Gateway: freeAddr(tb)}, procs: map[string]*Process{}, replicas: map[string][]string{}}
	d.Client = &Client{BaseURL: "http://" + d.addrs[Gateway], Issuer: issuer}
	type proc struct{ name, kind string } // a process and what it runs (a service or the gateway)
	var procs []proc
	for _, svc := range Services {
		for i := 1; i <= replicas; i++ {
			name := ReplicaName(svc, i)
			d.replicas[svc] = append(d.replicas[svc], name)
			d.addrs[name] = freeAddr(tb)
			procs = append(procs, proc{name, svc})
		}
	}
	procs = append(procs, proc{Gateway, Gateway})
	tb.Cleanup(func() { d.stop(tb) })

	for _, p := range procs {
		name, kind := p.name, p.kind
		dataDir := filepath.Join(root, name)
		require.NoError(tb, os.MkdirAll(dataDir, 0o700))
		require.NoError(tb, os.WriteFile(filepath.Join(dataDir, "jwt-keys.json"), keyFile, 0o600)) //nolint:gosec // the test's temp dir
		certs := ca.Issue(tb, dataDir, kind)
		args := []string{
			"--data-dir", dataDir, "--admin-addr", "", "--log-format", "json", "--log-level", "debug",
			"--tls-cert", certs.Cert, "--tls-key", certs.Key, "--tls-ca", certs.CA,
			"--" + kind + "-addr", d.addrs[name],
		}
		for _, svc := range Services {
			args = append(args, "--"+svc+"-target", d.Target(svc))
		}
		if opts.DatabaseURL != "" {
			args = append(args, "--database-url", opts.DatabaseURL, "--secret-keys", TestSecretKeys)
		}
		switch kind {
		case Gateway:
			args = append(args, "--rate-limit", "0")
		case TriggerIngest:
			args = append(args, "--invocation-callback-base-url", d.BaseURL)
		case ActionExecution:
			args = append(args, "--action-approval-base-url", d.BaseURL)
		}
		args = append(args, opts.Args[kind]...)
		d.procs[name] = startProcess(tb, bins.Path(kind), name, filepath.Join(root, name+".log"), args, opts.Env)
	}
	d.waitReady(tb)
	return d
}

// waitReady polls the gateway's /readyz (every service SERVING) until it answers 200.
func (d *Deployment) waitReady(tb testing.TB) {
	tb.Helper()
	deadline := time.Now().Add(60 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		for name, p := range d.procs {
			select {
			case <-p.done:
				tb.Fatalf("%s exited before the deployment was ready:\n%s", name, tail(p.Logs(tb), 40))
			default:
			}
		}
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, d.BaseURL+"/readyz", http.NoBody)
		require.NoError(tb, err)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, body)
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond) // a poll interval, not a wait for an event
	}
	for name, p := range d.procs {
		tb.Logf("%s log:\n%s", name, tail(p.Logs(tb), 20))
	}
	tb.Fatalf("the deployment was not ready within a minute: /readyz: %s", last)
}

// DumpLogsOnFailure logs the end of every process's log when the test failed.
func (d *Deployment) DumpLogsOnFailure(tb testing.TB) {
	tb.Helper()
	if !tb.Failed() {
		return
	}
	for name, p := range d.procs {
		tb.Logf("--- %s (%s):\n%s", name, p.LogPath, tail(p.Logs(tb), 30))
	}
}

// Kill ends the process name at once with SIGKILL (a crash: no drain, no clean-up) and waits
// until it has exited; the deployment's end does not count its exit as a failure.
func (d *Deployment) Kill(tb testing.TB, name string) {
	tb.Helper()
	p, ok := d.procs[name]
	require.True(tb, ok, "no process %q", name)
	p.killed.Store(true)
	require.NoError(tb, p.cmd.Process.Kill(), "kill %s", name)
	<-p.done
}

// stop ends every process: SIGTERM, then SIGKILL for one that has not exited after 10s. A
// process that had exited before (a crash), or that does not exit cleanly on SIGTERM, fails
// the test.
func (d *Deployment) stop(tb testing.TB) {
	tb.Helper()
	var wg sync.WaitGroup
	problems := make(chan string, len(d.procs))
	for _, p := range d.procs {
		wg.Go(func() {
			select {
			case <-p.done:
				if !p.killed.Load() {
					problems <- fmt.Sprintf("%s exited during the test (%v)", p.Name, p.cmd.ProcessState)
				}
				return
			default:
			}
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.done:
				if !p.cmd.ProcessState.Success() {
					problems <- fmt.Sprintf("%s did not shut down cleanly on SIGTERM (%v)", p.Name, p.cmd.ProcessState)
				}
			case <-time.After(10 * time.Second):
				_ = p.cmd.Process.Kill()
				<-p.done
				problems <- p.Name + " did not exit within 10s of SIGTERM"
			}
		})
	}
	wg.Wait()
	close(problems)
	for msg := range problems {
		name, _, _ := strings.Cut(msg, " ")
		tb.Errorf("%s; the end of its log:\n%s", msg, tail(d.procs[name].Logs(tb), 20))
	}
}

func startProcess(tb testing.TB, bin, name, logPath string, args, env []string) *Process {
	tb.Helper()
	logFile, err := os.Create(logPath) //nolint:gosec // a path in the test's temp dir
	require.NoError(tb, err)
	cmd := exec.Command(bin, args...) //nolint:gosec,noctx // the binary Build made; stopped by the deployment
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	require.NoError(tb, cmd.Start(), "start %s", name)
	p := &Process{Name: name, LogPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		_ = logFile.Close()
		close(p.done)
	}()
	return p
}

// freeAddr returns a loopback address with a port free at the time of the call.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	lis, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	defer lis.Close()
	return "127.0.0.1:" + strconv.Itoa(lis.Addr().(*net.TCPAddr).Port)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
