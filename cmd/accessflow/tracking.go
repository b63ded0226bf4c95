package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/peterbourgon/ff/v3"
	"google.golang.org/protobuf/encoding/protojson"

	trackingv1 "github.com/accessflow/accessflow/api/accessflow/tracking/v1"
	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/pkg/tracking"
)

// trackingCmd runs `accessflow tracking show <trackingNumber>`: the timeline of one
// trackingNumber across every service, read from the gateway, as a table (or JSON).
func trackingCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := service.DefaultConfig()
	fs := flag.NewFlagSet("accessflow tracking show", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: accessflow tracking show <trackingNumber> [flags]")
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.Storage.DataDir, "data-dir", cfg.Storage.DataDir, "data directory whose keys sign the token the command uses (unless --token is set)")
	gatewayURL := fs.String("gateway-url", "http://localhost:8080", "base URL of the REST gateway")
	bearer := fs.String("token", "", "bearer token to send (default: one signed with the data dir's keys, scope af:tracking:read)")
	asJSON := fs.Bool("json", false, "print the timeline as JSON")
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fs.SetOutput(stdout)
		fs.Usage()
		return nil
	}
	if len(args) == 0 || args[0] != "show" {
		return errors.New("usage: accessflow tracking show <trackingNumber> [--gateway-url URL] [--json]")
	}
	// The trackingNumber may come before or after the flags.
	rest := args[1:]
	var number string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		number, rest = rest[0], rest[1:]
	}
	if err := ff.Parse(fs, rest, ff.WithEnvVarPrefix(service.EnvPrefix)); err != nil {
		return err
	}
	if number == "" && fs.NArg() == 1 {
		number = fs.Arg(0)
	}
	if _, err := tracking.Parse(number); err != nil {
		return fmt.Errorf("tracking show: want one trackingNumber (32 lowercase hex digits), got %q", number)
	}
	tok := *bearer
	if tok == "" {
		var err error
		if tok, err = trackingToken(cfg); err != nil {
			return err
		}
	}
	tl, err := fetchTimeline(ctx, *gatewayURL, number, tok)
	if err != nil {
		return err
	}
	if *asJSON {
		b, err := protojson.MarshalOptions{EmitDefaultValues: true}.Marshal(tl)
		if err != nil {
			return err
		}
		// protojson varies its spacing on purpose; indent with encoding/json for a stable text.
		var out bytes.Buffer
		if err := json.Indent(&out, b, "", "  "); err != nil {
			return err
		}
		out.WriteByte('\n')
		_, err = stdout.Write(out.Bytes())
		return err
	}
	return printTimeline(stdout, tl)
}

// trackingToken signs a short-lived token that may only read timelines, with the data dir's
// keys; it refuses to create keys where there are none.
func trackingToken(cfg service.Config) (string, error) {
	keysPath := filepath.Join(cfg.Storage.DataDir, "jwt-keys.json")
	if _, err := os.Stat(keysPath); err != nil {
		return "", fmt.Errorf("no signing keys in %s (point --data-dir or ACCESSFLOW_DATA_DIR at the server's data directory, or pass --token): %w", cfg.Storage.DataDir, err)
	}
	keys, err := cfg.KeySet()
	if err != nil {
		return "", err
	}
	issuer, err := auth.NewIssuer(keys, cfg.Auth.Issuer, cfg.Auth.Audience)
	if err != nil {
		return "", err
	}
	tok, _, err := issuer.Issue("cli:tracking", "", []string{"af:tracking:read"}, nil, 5*time.Minute)
	return tok, err
}

func fetchTimeline(ctx context.Context, base, number, token string) (*trackingv1.Timeline, error) {
	u, err := url.JoinPath(base, "/v1/tracking/", number)
	if err != nil {
		return nil, fmt.Errorf("gateway URL %q: %w", base, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, http.NoBody) //nolint:gosec // the operator names the gateway on the command line
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req) //nolint:gosec // as above
	if err != nil {
		return nil, fmt.Errorf("read timeline: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read timeline: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Messages []struct {
				Text string `json:"text"`
			} `json:"messages"`
		}
		if json.Unmarshal(body, &e) == nil && len(e.Messages) > 0 {
			return nil, fmt.Errorf("read timeline: %s: %s", resp.Status, e.Messages[0].Text)
		}
		return nil, fmt.Errorf("read timeline: %s", resp.Status)
	}
	var tl trackingv1.Timeline
	if err := protojson.Unmarshal(body, &tl); err != nil {
		return nil, fmt.Errorf("read timeline: %w", err)
	}
	return &tl, nil
}

func printTimeline(w io.Writer, tl *trackingv1.Timeline) error {
	if len(tl.GetEntries()) == 0 {
		_, err := fmt.Fprintf(w, "nothing recorded for %s\n", tl.GetTrackingNumber())
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "trackingNumber %s: %d entries\n", tl.GetTrackingNumber(), len(tl.GetEntries()))
	fmt.Fprintln(tw, "TIME\tSERVICE\tKIND\tSTATUS\tSUMMARY")
	for _, e := range tl.GetEntries() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.GetTime().AsTime().Format("15:04:05.000"),
			e.GetService(), e.GetKind(), e.GetStatus(), e.GetSummary())
	}
	return tw.Flush()
}
