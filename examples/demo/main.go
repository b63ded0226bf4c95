// Command demo runs flow 1, an access request, against an all-in-one Accessflow (`make run`'s
// `accessflow serve`) and prints its timeline: it starts a throwaway OpenLDAP (slapd) and SMTP
// server on loopback, loads identities, the "Corp AD" source with the seed CREATE policy,
// providers, chains and a two-level approval chain over REST, files the request, approves it as
// the manager and two of the three group members, waits for the account, the mail and the
// idn:post-provisioning delivery, then runs `accessflow tracking show`.
//
// When nothing answers at --gateway-url it starts `accessflow serve` itself on a temporary
// data dir (loopback outbound allowed, for slapd, the SMTP server and the subscribers) and
// stops it at the end. A running suite must have been started with
// ACCESSFLOW_OUTBOUND_ALLOW_CIDRS=127.0.0.0/8 and ACCESSFLOW_ACTION_OUTBOUND_ALLOW_CIDRS=127.0.0.0/8
// on a fresh data dir, given as --data-dir (its keys sign the demo's tokens).
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/accessflow/accessflow/internal/scenario"
)

func main() {
	gatewayURL := flag.String("gateway-url", "http://localhost:8080", "the gateway of the suite to run the demo against")
	dataDir := flag.String("data-dir", "data", "data dir of an already running suite (its jwt-keys.json signs the demo's tokens)")
	bin := flag.String("accessflow", "bin/accessflow", "the accessflow binary (serve, tracking show)")
	flag.Parse()
	r := newRunner()
	code := 0
	func() {
		defer r.recover(&code)
		run(r, *gatewayURL, *dataDir, *bin)
	}()
	r.cleanup()
	os.Exit(code)
}

func run(r *runner, gatewayURL, dataDir, bin string) {
	if !ready(gatewayURL) {
		dataDir = r.TempDir()
		r.Logf("nothing answers at %s: starting %s serve on %s", gatewayURL, bin, dataDir)
		serve(r, gatewayURL, dataDir, bin)
	} else {
		r.Logf("using the suite at %s (data dir %s)", gatewayURL, dataDir)
	}
	client, err := scenario.NewClient(gatewayURL, dataDir)
	if err != nil {
		r.Fatalf("tokens: %v", err)
	}

	w := scenario.SetUp(r, client)
	r.Logf("slapd at %s, SMTP at %s; source Corp AD %s", w.LDAP.URL, w.Mail.URL, w.Source)
	provisioned := scenario.NewSubscriber(r)
	w.Must(r, http.MethodPost, "/beta/trigger-subscriptions", scenario.JSONOf(r, map[string]any{
		"name": "demo post-provisioning", "triggerId": "idn:post-provisioning", "type": "HTTP",
		"httpConfig": map[string]any{"url": provisioned.URL, "httpDispatchMode": "SYNC"},
	}), http.StatusCreated)
	rel := w.Relationship(r, "")

	flowID, tn := w.RequestAndApprove(r, rel)
	r.Logf("access request filed and approved (manager, then 2 of 3): approval %s, trackingNumber %s", flowID, tn)
	ev := provisioned.Await(r, "idn:post-provisioning", func(d scenario.Delivery) bool { return d.Header.Get("X-Tracking-Number") == tn }).JSON(r)
	for _, a := range ev["accountRequests"].([]any) {
		a := a.(map[string]any)
		r.Logf("provisioned: %s %s: %s", a["accountOperation"], a["accountId"], a["provisioningResult"])
	}
	for _, m := range w.Mail.Messages() {
		r.Logf("mail to %s: %q", strings.Join(m.To, ", "), m.Header.Get("Subject"))
	}

	fmt.Println()
	show := exec.CommandContext(r.Context(), bin, "tracking", "show", tn, "--gateway-url", gatewayURL, "--data-dir", dataDir) //nolint:gosec // the operator's binary
	show.Stdout, show.Stderr = os.Stdout, os.Stderr
	if err := show.Run(); err != nil {
		r.Fatalf("accessflow tracking show: %v", err)
	}
}

// serve starts `accessflow serve` on dataDir listening at gatewayURL's host and port, and
// waits until it is ready; it stops at cleanup.
func serve(r *runner, gatewayURL, dataDir, bin string) {
	u, err := url.Parse(gatewayURL)
	if err != nil {
		r.Fatalf("--gateway-url: %v", err)
	}
	logs, err := os.Create(filepath.Join(dataDir, "serve.log")) //nolint:gosec // the data dir the demo made
	if err != nil {
		r.Fatalf("log file: %v", err)
	}
	cmd := exec.Command(bin, "serve", "--data-dir", dataDir, "--gateway-addr", u.Host, "--admin-addr", "", //nolint:gosec,noctx // stopped at cleanup
		"--outbound-allow-cidrs", "127.0.0.0/8", "--action-outbound-allow-cidrs", "127.0.0.0/8")
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		r.Fatalf("start %s: %v (run `make build` first)", bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	r.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
		_ = logs.Close()
	})
	deadline := time.Now().Add(time.Minute)
	for !ready(gatewayURL) {
		select {
		case <-done:
			r.Fatalf("accessflow serve exited; its log is %s", logs.Name())
		default:
		}
		if time.Now().After(deadline) {
			r.Fatalf("accessflow serve was not ready within a minute; its log is %s", logs.Name())
		}
		time.Sleep(100 * time.Millisecond) // a poll interval
	}
}

func ready(gatewayURL string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(gatewayURL, "/")+"/readyz", http.NoBody)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
