package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
)

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestRun runs the example against the real all-in-one binary on free ports, with a loopback
// webhook subscriber, and checks every answer and trackingNumber it got.
func TestRun(t *testing.T) {
	s := startSuite(t)
	received := make(chan *http.Request, 16)
	bodies := make(chan []byte, 16)
	subscriber := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		received <- r
		bodies <- b
	}))
	t.Cleanup(subscriber.Close)

	cfg, err := parseFlags([]string{
		"--credentials", s.credentials, "--policy-addr", s.policy,
		"--trigger-ingest-addr", s.triggerIngest, "--subscriber-url", subscriber.URL + "/hooks",
	})
	require.NoError(t, err)

	t.Run("a call without a token is UNAUTHENTICATED", func(t *testing.T) {
		conn, err := Dial(s.policy, nil)
		require.NoError(t, err)
		defer conn.Close()
		_, err = policyv1.NewSourceServiceClient(conn).ListSources(t.Context(), &policyv1.ListSourcesRequest{})
		require.Equal(t, codes.Unauthenticated, status.Code(err), "%v", err)
	})

	var out bytes.Buffer
	res, err := Run(t.Context(), cfg, &out)
	require.NoError(t, err, out.String())
	t.Log("\n" + out.String())

	for step, n := range res.TrackingNumbers {
		assert.Regexp(t, hex32, n, step)
	}
	require.Regexp(t, hex32, res.Source.GetId())
	require.Equal(t, "William Wilson", res.Source.GetOwner().GetName())

	seed := &policyv1.ProvisioningPolicy{}
	require.NoError(t, protojson.Unmarshal([]byte(SeedPolicy), seed))
	for _, f := range seed.GetFields() {
		f.IsRequired = false // filled in by the service
	}
	require.True(t, proto.Equal(seed, res.Policy), "put answered %v", res.Policy)

	require.Equal(t, map[string]any{"userName": "John.Smith"}, res.Evaluation.GetAttributes().AsMap())
	require.Len(t, res.Evaluation.GetReservations(), 1)
	require.Equal(t, "John.Smith", res.Evaluation.GetReservations()[0].GetValue())
	require.Equal(t, res.TrackingNumbers["evaluate"], res.Evaluation.GetReservations()[0].GetTrackingNumber())

	require.Equal(t, "Identity Attributes Changed", res.Subscription.GetTriggerName())
	require.Regexp(t, `^whsec_`, res.Subscription.GetSigningSecret())

	require.Equal(t, res.TrackingNumbers["publish event"], res.Event.GetTrackingNumber())
	require.Equal(t, "SUCCEEDED", res.Delivery.GetStatus(), "%v", res.Delivery)
	require.Equal(t, res.Subscription.GetId(), res.Delivery.GetSubscriptionId())
	require.Equal(t, res.Event.GetTrackingNumber(), res.Delivery.GetTrackingNumber())
	require.Len(t, res.Delivery.GetAttempts(), 1)
	require.EqualValues(t, http.StatusOK, res.Delivery.GetAttempts()[0].GetStatusCode())

	select {
	case r := <-received:
		body := <-bodies
		require.Equal(t, res.Delivery.GetId(), r.Header.Get("webhook-id"))
		require.Equal(t, res.Event.GetTrackingNumber(), r.Header.Get(TrackingNumberKey))
		want := &structpb.Struct{}
		require.NoError(t, protojson.Unmarshal([]byte(SeedEvent), want))
		require.JSONEq(t, protojson.Format(want), string(body))
	default:
		t.Fatal("the delivery SUCCEEDED but the subscriber saw no request")
	}
}

// TestParseFlags checks the flags the example needs.
func TestParseFlags(t *testing.T) {
	creds := filepath.Join(t.TempDir(), "admin-client.json")
	require.NoError(t, os.WriteFile(creds, []byte(`{"client_id":"id","client_secret":"afs_s","token_url":"http://x/oauth/token"}`), 0o600))
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{
			name: "credentials file",
			args: []string{"--credentials", creds, "--subscriber-url", "http://127.0.0.1:1/h"},
			want: Config{
				TokenURL: "http://x/oauth/token", ClientID: "id", ClientSecret: "afs_s",
				PolicyAddr: "localhost:9091", TriggerIngestAddr: "localhost:9092", SubscriberURL: "http://127.0.0.1:1/h",
			},
		},
		{
			name: "environment",
			args: []string{"--client-id", "a", "--client-secret", "b"},
			env:  map[string]string{"ACCESSFLOW_POLICY_ADDR": "127.0.0.1:7", "ACCESSFLOW_SUBSCRIBER_URL": "http://s"},
			want: Config{
				TokenURL: "http://localhost:8080/oauth/token", ClientID: "a", ClientSecret: "b",
				PolicyAddr: "127.0.0.1:7", TriggerIngestAddr: "localhost:9092", SubscriberURL: "http://s",
			},
		},
		{name: "no credentials", args: []string{"--subscriber-url", "http://s"}, wantErr: "--credentials"},
		{name: "missing file", args: []string{"--credentials", filepath.Join(t.TempDir(), "nope")}, wantErr: "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			got, err := parseFlags(tc.args)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

type suite struct {
	credentials, policy, triggerIngest string
}

// startSuite builds and starts `accessflow serve` on free loopback ports with a temporary data
// dir, waits until it is ready, and stops it when the test ends.
func startSuite(t *testing.T) suite {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "accessflow")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "../../cmd/accessflow")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	ports := freePorts(t, 6)
	dataDir := t.TempDir()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve", "--data-dir", dataDir, //nolint:noctx // the test signals the process itself
		"--gateway-addr", ports[0], "--admin-addr", ports[1], "--policy-addr", ports[2],
		"--trigger-ingest-addr", ports[3], "--approval-addr", ports[4], "--action-execution-addr", ports[5],
		"--outbound-allow-cidrs", "127.0.0.0/8")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			assert.NoError(t, err, "exit status after SIGTERM")
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("still running 10s after SIGTERM")
		}
		if t.Failed() {
			t.Logf("accessflow output:\n%s", logs.String())
		}
	})

	require.Eventually(t, func() bool {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+ports[0]+"/readyz", http.NoBody)
		if err != nil {
			return false
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 50*time.Millisecond, "readyz never answered 200")

	credentials := filepath.Join(dataDir, "admin-client.json")
	b, err := os.ReadFile(credentials)
	require.NoError(t, err)
	require.True(t, json.Valid(b))
	return suite{credentials: credentials, policy: ports[2], triggerIngest: ports[3]}
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
