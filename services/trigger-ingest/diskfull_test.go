package triggeringest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDiskFull runs the real binary with its data dir on a small tmpfs and fills it: events
// must answer 503 with Retry-After and the reference error body (not 500), /readyz must fail
// naming trigger-ingest, one log line must say why, and once space is freed both recover
// without a restart. Mounting needs root.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary; not in -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("SKIPPING: mounting the small tmpfs this test fills needs root")
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.MkdirAll(dataDir, 0o700))
	if out, err := exec.CommandContext(t.Context(), "mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", dataDir).CombinedOutput(); err != nil {
		t.Skipf("SKIPPING: cannot mount a tmpfs (%v: %s)", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dataDir).Run() }) //nolint:noctx // cleanup after the test's context ended
	bin := buildBinary(t)
	env := []string{"ACCESSFLOW_DATA_DIR=" + dataDir}
	p := startProcess(t, bin, env)
	token := adminToken(t, bin, env)

	// Leave a few hundred kilobytes free.
	var fs syscall.Statfs_t
	require.NoError(t, syscall.Statfs(dataDir, &fs))
	free := int64(fs.Bavail) * fs.Bsize //nolint:gosec // block counts of a 24 MiB tmpfs
	filler := filepath.Join(dataDir, "filler")
	require.NoError(t, os.WriteFile(filler, make([]byte, free-384<<10), 0o600))

	var (
		status int
		header http.Header
		body   []byte
	)
	big := `{"identity":{"id":"ee769173319b41d19ccec6cea52f237b","name":"` + strings.Repeat("j", 16<<10) + `","type":"IDENTITY"},` +
		`"changes":[{"attribute":"department","oldValue":"sales","newValue":"marketing"}]}`
	for range 2000 {
		status, header, body = postEvent(t, p.base, token, big)
		if status != http.StatusAccepted {
			break
		}
	}
	require.Equal(t, http.StatusServiceUnavailable, status, "a full disk answers 503: %s", body)
	require.Equal(t, "5", header.Get("Retry-After"))
	var ref struct {
		DetailCode string `json:"detailCode"`
		TrackingID string `json:"trackingId"`
		Messages   []struct {
			Text string `json:"text"`
		} `json:"messages"`
	}
	require.NoError(t, json.Unmarshal(body, &ref))
	require.Equal(t, "503 Service Unavailable", ref.DetailCode)
	require.NotEmpty(t, ref.TrackingID)
	require.Len(t, ref.Messages, 1)
	require.Contains(t, ref.Messages[0].Text, "storage is full")

	require.Eventually(t, func() bool {
		code, services := readyz(t, p.base)
		return code == http.StatusServiceUnavailable && services["trigger-ingest"] == "NOT_SERVING"
	}, 10*time.Second, 100*time.Millisecond, "readyz fails for trigger-ingest while its disk is full")
	require.Equal(t, 1, strings.Count(p.logs.String(), "database storage is full"), "one log line says why: %s", p.logs.String())

	require.NoError(t, os.Remove(filler))
	require.Eventually(t, func() bool {
		status, _, _ := postEvent(t, p.base, token, crashEvent)
		return status == http.StatusAccepted
	}, 10*time.Second, 100*time.Millisecond, "events are accepted again once space is freed")
	require.Eventually(t, func() bool {
		code, _ := readyz(t, p.base)
		return code == http.StatusOK
	}, 10*time.Second, 100*time.Millisecond, "readyz recovers without a restart")
	p.stop(t)
}

func postEvent(t *testing.T, base, token, event string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/v1/trigger-events/idn:identity-attributes-changed", strings.NewReader(event))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, b
}

func readyz(t *testing.T, base string) (int, map[string]string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/readyz", http.NoBody)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var out struct {
		Services map[string]string `json:"services"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.Services
}
