// Command demo runs one of the end-to-end flows against an all-in-one Accessflow (`make run`'s
// `accessflow serve`) and prints its timeline (`accessflow tracking show`), with the same
// library functions as the scenario tests (internal/scenario). --flow picks it:
//
//	access-request  flow 1 (default): a throwaway OpenLDAP (slapd) and SMTP server on loopback,
//	                identities, the "Corp AD" source with the seed CREATE policy, providers,
//	                chains and a two-level approval chain loaded over REST; the request is filed,
//	                approved by the manager and two of the three group members, and the demo
//	                waits for the account, the mail and the idn:post-provisioning delivery.
//	joiner          flow 2: slapd, SMTP, a SCIM server and the GitLab fake; the HR system's
//	                idn:identity-created for john.doe grants his department's birthright
//	                without approval: Corp AD account, sales membership, SaaS user, welcome mail.
//	mover           flow 3: the joiner, then the seed's identity-attributes-changed (sales →
//	                marketing, new manager and email): the membership moves and each account's
//	                UPDATE policy rewrites its attributes.
//	leaver          flow 4: the joiner, then cloudLifecycleState active → terminated: both
//	                accounts are disabled and a GitLab clean-up issue is opened.
//	expiry          flow 5: flow 1 with a grant that expires after 3s, then removed from sales.
//
// When nothing answers at --gateway-url it starts `accessflow serve` itself on a temporary
// data dir (loopback outbound allowed, for the test servers and the subscribers) and stops it
// at the end. A running suite must have been started with
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
	flow := flag.String("flow", flowAccessRequest, "the flow to run: "+strings.Join(flowNames, ", "))
	flag.Parse()
	if _, ok := flows[*flow]; !ok {
		fmt.Fprintf(os.Stderr, "--flow %q: want one of %s\n", *flow, strings.Join(flowNames, ", "))
		os.Exit(2)
	}
	r := newRunner()
	code := 0
	func() {
		defer r.recover(&code)
		run(r, *gatewayURL, *dataDir, *bin, flows[*flow])
	}()
	r.cleanup()
	os.Exit(code)
}

func run(r *runner, gatewayURL, dataDir, bin string, flow func(*runner, *scenario.Client) string) {
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
	tn := flow(r, client)

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
