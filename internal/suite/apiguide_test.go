package suite_test

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// shellBlock finds the ```sh blocks of a Markdown page.
var shellBlock = regexp.MustCompile("(?s)```sh\n(.*?)```")

// TestAPIGuide runs every shell block of docs/api-guide.md, in order, in one bash, against a
// live suite with a real webhook receiver: the guide's curl examples must work as written.
func TestAPIGuide(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		_, err := exec.LookPath(tool)
		require.NoError(t, err, "the API guide test needs %s", tool)
	}
	page, err := os.ReadFile("../../docs/api-guide.md")
	require.NoError(t, err)
	var script strings.Builder
	script.WriteString("set -euo pipefail\n")
	blocks := shellBlock.FindAllSubmatch(page, -1)
	require.GreaterOrEqual(t, len(blocks), 8, "the guide's examples")
	for _, b := range blocks {
		script.Write(b[1])
	}

	dataDir := t.TempDir()
	r := startWith(t, storageWithDir(t, dataDir), withTriggers())
	hook := newSubscriber(t, nil)

	cmd := exec.CommandContext(t.Context(), "bash", "-c", script.String())
	cmd.Env = append(os.Environ(), "BASE="+r.base, "DATA_DIR="+dataDir, "HOOK="+hook.URL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "the guide's commands failed:\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())

	out := stdout.String()
	require.Contains(t, out, "delivery: SUCCEEDED")
	require.Regexp(t, `policy\treservation\tHELD`, out, "the timeline shows the reservation")
	require.Regexp(t, `trigger-ingest\tdelivery\tSUCCEEDED`, out, "and the delivery")
	require.Len(t, hook.accepted(), 1, "the webhook receiver got the event once")
	require.Contains(t, string(hook.accepted()[0].body), `"marketing"`)
}
