package gateway

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/logging"
)

func TestAdminNotice(t *testing.T) {
	t.Parallel()
	n := AdminNotice{CredentialsFile: "data/admin-client.json", TokenCommand: "./bin/accessflow token", TokenURL: "http://127.0.0.1:8080/oauth/token"}

	t.Run("one structured line when not on a terminal", func(t *testing.T) {
		t.Parallel()
		var out, logs bytes.Buffer
		logger, err := logging.New(&logs, "json", "info")
		require.NoError(t, err)
		n.Announce(&out, logger)
		require.Empty(t, out.String())
		var line map[string]any
		require.NoError(t, json.Unmarshal(logs.Bytes(), &line), "exactly one JSON line: %s", logs.String())
		require.Equal(t, "data/admin-client.json", line["credentials_file"])
		require.Equal(t, "./bin/accessflow token", line["get_token"])
		require.Equal(t, n.TokenURL, line["token_url"])
	})
	t.Run("a plain block for a terminal", func(t *testing.T) {
		t.Parallel()
		block := n.Block()
		for _, want := range []string{
			"credentials  data/admin-client.json (mode 0600)",
			"get a token  ./bin/accessflow token",
			"ID=$(jq -r .client_id data/admin-client.json)",
			`curl -u "$ID:$SECRET" -d grant_type=client_credentials http://127.0.0.1:8080/oauth/token`,
		} {
			require.Contains(t, block, want)
		}
		require.NotContains(t, block, "{", "plain text, not JSON")
	})
}
