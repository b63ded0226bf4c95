package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// trigger is the trigger every event is published to.
const trigger = "idn:identity-attributes-changed"

// event is the body every event carries (the catalogue's example shape).
const event = `{"identity":{"id":"ee769173319b41d19ccec6cea52f237b","name":"john.doe","type":"IDENTITY"},` +
	`"changes":[{"attribute":"department","oldValue":"sales","newValue":"marketing"}]}`

type binaries struct{ accessflow, noop string }

func build(ctx context.Context, dir string) (binaries, error) {
	b := binaries{accessflow: filepath.Join(dir, "accessflow"), noop: filepath.Join(dir, "noop")}
	for pkg, out := range map[string]string{"./cmd/accessflow": b.accessflow, "./bench/noop": b.noop} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return b, fmt.Errorf("build %s: %w", pkg, err)
		}
	}
	return b, nil
}

// server is a running process under measurement.
type server struct {
	cmd     *exec.Cmd
	base    string
	admin   string
	token   string
	wal     string // SQLite WAL of trigger-ingest ("" on PostgreSQL or for the no-op)
	logs    *bytes.Buffer
	done    chan struct{}
	mu      sync.Mutex
	maxWAL  int64
	stopWAL chan struct{}
}

func startNoop(ctx context.Context, bin string) (*server, error) {
	port, err := freePort(ctx)
	if err != nil {
		return nil, err
	}
	s := &server{base: "http://" + port, logs: &bytes.Buffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(bin, "--addr", port)
	if err := s.start(ctx, ""); err != nil {
		return nil, err
	}
	return s, nil
}

// startAccessflow runs `accessflow serve` on free ports with a fresh data dir (and a fresh
// PostgreSQL database when dbURL is set).
func startAccessflow(ctx context.Context, bin, dbURL string) (*server, error) {
	ports := make([]string, 6)
	for i := range ports {
		p, err := freePort(ctx)
		if err != nil {
			return nil, err
		}
		ports[i] = p
	}
	dataDir, err := os.MkdirTemp("", "accessflow-bench-")
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), "ACCESSFLOW_DATA_DIR="+dataDir)
	s := &server{base: "http://" + ports[0], admin: "http://" + ports[1], logs: &bytes.Buffer{}, done: make(chan struct{})}
	if dbURL != "" {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		env = append(env, "ACCESSFLOW_DATABASE_URL="+dbURL, "ACCESSFLOW_SECRET_KEYS=bench="+hex.EncodeToString(key))
	} else {
		s.wal = filepath.Join(dataDir, "trigger-ingest.db-wal")
	}
	s.cmd = exec.Command(bin, "serve",
		"--gateway-addr", ports[0], "--admin-addr", ports[1], "--policy-addr", ports[2], "--trigger-ingest-addr", ports[3],
		"--approval-addr", ports[4], "--action-execution-addr", ports[5],
		"--rate-limit", "0", "--outbound-allow-cidrs", "127.0.0.0/8", "--log-level", "warn")
	s.cmd.Env = env
	if err := s.start(ctx, "/readyz"); err != nil {
		return nil, err
	}
	tok := exec.CommandContext(ctx, bin, "token")
	tok.Env = env
	out, err := tok.Output()
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("token: %w", err)
	}
	s.token = strings.TrimSpace(string(out))
	if s.wal != "" {
		s.stopWAL = make(chan struct{})
		go s.sampleWAL()
	}
	return s, nil
}

func (s *server) start(ctx context.Context, readyPath string) error {
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		return err
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.done)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("%s exited: %s", s.cmd.Path, s.logs.String())
		case <-ctx.Done():
			s.stop()
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+cmp.Or(readyPath, "/"), http.NoBody)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue
		}
		_ = resp.Body.Close()
		if readyPath == "" || resp.StatusCode == http.StatusOK { // "": any answer
			return nil
		}
	}
	s.stop()
	return fmt.Errorf("%s not ready after 60s", s.cmd.Path)
}

// stop ends the process (SIGTERM, then SIGKILL) and returns its peak resident memory.
func (s *server) stop() (peakRSS int64) {
	peakRSS = vmHWM(s.cmd.Process.Pid)
	if s.stopWAL != nil {
		close(s.stopWAL)
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	return peakRSS
}

func (s *server) sampleWAL() {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-s.stopWAL:
			return
		case <-tick.C:
		}
		if fi, err := os.Stat(s.wal); err == nil {
			s.mu.Lock()
			s.maxWAL = max(s.maxWAL, fi.Size())
			s.mu.Unlock()
		}
	}
}

func (s *server) peakWAL() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxWAL
}

// subscribe creates an HTTP subscription of the trigger to target.
func (s *server) subscribe(ctx context.Context, name, target string) error {
	body, err := json.Marshal(map[string]any{
		"name": name, "triggerId": trigger, "type": "HTTP",
		"httpConfig": map[string]any{"url": target, "httpDispatchMode": "SYNC"},
	})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/beta/trigger-subscriptions", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("subscribe: %d %s", resp.StatusCode, b)
	}
	return nil
}

// profile saves a CPU profile of the next d from the admin server's pprof endpoint.
func (s *server) profile(ctx context.Context, d time.Duration, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", s.admin, int(d.Seconds())), http.NoBody)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile: %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, resp.Body)
	return errors.Join(err, f.Close())
}

// vmHWM is a process's peak resident set size in bytes (0 when unknown).
func vmHWM(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func freePort(ctx context.Context) (string, error) {
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// freshDatabase creates an empty database on the server of base and returns its URL and a
// function that drops it.
func freshDatabase(ctx context.Context, base string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("postgres %s: %w", base, err)
	}
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		return "", nil, errors.Join(err, conn.Close(ctx))
	}
	name := "accessflow_bench_" + hex.EncodeToString(suffix)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, errors.Join(fmt.Errorf("create database: %w", err), conn.Close(ctx))
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, errors.Join(err, conn.Close(ctx))
	}
	u.Path = "/" + name
	drop := func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = conn.Exec(dctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_ = conn.Close(dctx)
	}
	return u.String(), drop, nil
}

func cpuCount() int { return runtime.NumCPU() }
