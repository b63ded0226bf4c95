package triggeringest_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRefuseUndeliverableURL: a subscription whose URL can never be delivered (loopback,
// private, link-local or metadata addresses, localhost) is refused when created or updated,
// with a 400 that names the rule and --outbound-allow-cidrs.
func TestRefuseUndeliverableURL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary; not in -short")
	}
	bin := buildBinary(t)
	env := []string{"ACCESSFLOW_DATA_DIR=" + filepath.Join(t.TempDir(), "data")}
	p := startProcess(t, bin, env, "--outbound-allow-cidrs", "") // the default: nothing internal allowed
	token := adminToken(t, bin, env)

	sub := func(url string) string {
		b, err := json.Marshal(map[string]any{
			"name": "target", "triggerId": "idn:identity-attributes-changed", "type": "HTTP",
			"httpConfig": map[string]any{"url": url, "httpDispatchMode": "SYNC"},
		})
		require.NoError(t, err)
		return string(b)
	}
	refused := func(t *testing.T, status int, body []byte, rule string) {
		t.Helper()
		require.Equal(t, http.StatusBadRequest, status, string(body))
		var ref struct {
			Messages []struct {
				Text string `json:"text"`
			} `json:"messages"`
		}
		require.NoError(t, json.Unmarshal(body, &ref))
		require.NotEmpty(t, ref.Messages)
		require.Contains(t, ref.Messages[0].Text, "httpConfig.url")
		require.Contains(t, ref.Messages[0].Text, rule)
		require.Contains(t, ref.Messages[0].Text, "--outbound-allow-cidrs")
	}
	for url, rule := range map[string]string{
		"http://127.0.0.1:8080/hook":               "loopback",
		"http://[::1]/hook":                        "loopback",
		"http://localhost:9000/hook":               "loopback",
		"https://10.1.2.3/hook":                    "private",
		"http://192.168.0.10/hook":                 "private",
		"http://169.254.169.254/latest/meta-data/": "link-local",
	} {
		t.Run(url, func(t *testing.T) {
			status, body := p.request(t, token, http.MethodPost, "/beta/trigger-subscriptions", sub(url))
			refused(t, status, body, rule)
		})
	}

	// A public target is accepted (no request is made to it); updating it to an internal one
	// is refused like creating it.
	status, body := p.request(t, token, http.MethodPost, "/beta/trigger-subscriptions", sub("https://203.0.113.7/hook"))
	require.Equal(t, http.StatusCreated, status, string(body))
	var created struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(body, &created))
	status, body = p.request(t, token, http.MethodPut, "/beta/trigger-subscriptions/"+created.ID, sub("http://10.0.0.1/hook"))
	refused(t, status, body, "private")
}
