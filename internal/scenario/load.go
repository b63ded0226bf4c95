package scenario

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/internal/testserver/gitlabfake"
	"github.com/accessflow/accessflow/internal/testserver/slapd"
)

// Many flows at once: flow 1 for many recipients, run by concurrent goroutines. What runs in
// a goroutine returns errors instead of failing the test.

// RecipientID is the identity id of load recipient i; its LDAP account is
// AccountName(i) (the CREATE policy's "${firstname}.${lastname}" with a first counter of none).
func RecipientID(i int) string { return fmt.Sprintf("r%04d", i) }

// AccountName is the userName the seed CREATE policy gives the first account of recipient i.
func AccountName(i int) string { return "flow." + RecipientID(i) }

// AddRecipients creates the identities of recipients 1..n (managed by mgr, so flow 1's
// approval chain applies) and returns their ids.
func (w *World) AddRecipients(t testing.TB, n int) []string {
	t.Helper()
	ids := make([]string, 0, n)
	for i := 1; i <= n; i++ {
		id := RecipientID(i)
		w.Must(t, http.MethodPut, "/v1/approval-identities/"+id, fmt.Sprintf(
			`{"name": %q, "email": "%s@example.org", "managerId": "mgr", "subject": "client:%s", "attributes": {"firstname": "flow", "lastname": %q, "department": "sales"}}`,
			id, id, id, id), http.StatusOK)
		ids = append(ids, id)
	}
	return ids
}

// GitLabToken is the token the GitLab provider of GrantWithIssue uses.
const GitLabToken = "glpat-scenario"

// GrantWithIssue makes flow 1's provisioning chain also open an issue in gl's project (after
// the account, the group and the mail): it registers the GitLab provider and a new grant
// chain, and points w.Grant at it for the relationships made after.
func (w *World) GrantWithIssue(t testing.TB, gl *gitlabfake.Server) string {
	t.Helper()
	w.Must(t, http.MethodPost, "/v1/action-providers", JSONOf(t, map[string]any{
		"key": "gitlab", "name": "GitLab", "kind": "GITLAB", "endpoint": gl.URL,
		"credentials": map[string]string{"token": GitLabToken},
		"settings":    map[string]any{"project": gl.ProjectPath},
	}), http.StatusCreated)
	w.Grant = w.Must(t, http.MethodPost, "/v1/action-chains", JSONOf(t, map[string]any{
		"name": "grant Corp AD group with a ticket",
		"scripts": []any{
			map[string]any{"name": "create", "type": "corpad_api_create_user"},
			map[string]any{"name": "join", "type": "corpad_api_add_user_to_group", "metadata": map[string]any{"group": "{{.Relationship.TargetName}}"}},
			map[string]any{"name": "notify", "type": "email_notification", "provider": "mail", "metadata": map[string]any{
				"to": "{{.Recipient.Email}}", "subject": "You are now in {{.Relationship.TargetName}}",
				"body": "Your Corp AD account {{.Scripts.create.accountId}} is a member of {{.Relationship.TargetName}} ({{.TrackingNumber}}).",
			}},
			map[string]any{"name": "ticket", "type": "gitlab_issue_create", "provider": "gitlab", "metadata": map[string]any{
				"title":       "Provisioned {{.Scripts.create.accountId}}",
				"description": "Flow {{.FlowID}} for {{.Recipient.Name}} ({{.TrackingNumber}}).",
				"labels":      "provisioning",
			}},
		},
	}), http.StatusCreated)["id"].(string)
	return w.Grant
}

// Tokens are the bearer tokens flow 1's callers use, issued up front for goroutines.
type Tokens struct{ Helpdesk, Manager, G1, G3 string }

// FlowTokens issues the tokens of the helpdesk and of the approvers mgr, g1 and g3.
func (w *World) FlowTokens(t testing.TB) Tokens {
	t.Helper()
	return Tokens{
		Helpdesk: w.Client.Token(t, "helpdesk"),
		Manager:  w.Client.Token(t, "mgr", "APPROVER"),
		G1:       w.Client.Token(t, "g1", "APPROVER"),
		G3:       w.Client.Token(t, "g3", "APPROVER"),
	}
}

// FileAndApprove is RequestAndApprove for any recipient and safe in a goroutine: the helpdesk
// files a GRANT of rel, the manager then g1 and g3 approve; it returns the approval flow's id
// and the request's trackingNumber.
func (w *World) FileAndApprove(ctx context.Context, tok Tokens, rel, recipient string) (flowID, trackingNumber string, err error) {
	var req struct {
		ApprovalIDs []string `json:"approvalIds"`
	}
	if err := w.Client.CallJSON(ctx, tok.Helpdesk, http.MethodPost, "/v1/access-requests",
		`{"requestType": "GRANT", "requesterId": "helpdesk", "recipientId": "`+recipient+`", "relationshipIds": ["`+rel+`"], "comment": "joins the sales team"}`,
		http.StatusCreated, &req); err != nil {
		return "", "", fmt.Errorf("file the request for %s: %w", recipient, err)
	}
	if len(req.ApprovalIDs) != 1 {
		return "", "", fmt.Errorf("the request for %s has approval flows %v, want one", recipient, req.ApprovalIDs)
	}
	flowID = req.ApprovalIDs[0]
	var flow struct {
		TrackingNumber string `json:"trackingNumber"`
		Status         string `json:"status"`
	}
	if err := w.Client.CallJSON(ctx, w.Admin, http.MethodGet, "/generic-approvals/v1/"+flowID, "", http.StatusOK, &flow); err != nil {
		return flowID, "", err
	}
	for _, who := range []struct{ name, token string }{{"mgr", tok.Manager}, {"g1", tok.G1}, {"g3", tok.G3}} {
		if err := w.Client.CallJSON(ctx, who.token, http.MethodPost, "/generic-approvals/v1/"+flowID+"/approve", `{"comment": "ok from `+who.name+`"}`, http.StatusOK, nil); err != nil {
			return flowID, flow.TrackingNumber, fmt.Errorf("%s approves %s: %w", who.name, flowID, err)
		}
	}
	return flowID, flow.TrackingNumber, nil
}

// CallJSON calls the gateway with a bearer token, requires the status and decodes the answer
// into out (when not nil); safe in a goroutine.
func (c *Client) CallJSON(ctx context.Context, token, method, path, body string, status int, out any) error {
	var rd io.Reader = http.NoBody
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode != status {
		return fmt.Errorf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, status, b)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: %w: %s", method, path, err, b)
	}
	return nil
}

// Accounts returns the uid of every account under ou=people.
func (w *World) Accounts(t testing.TB) []string {
	t.Helper()
	res, err := w.LDAP.Conn(t).Search(ldap.NewSearchRequest(slapd.PeopleDN, ldap.ScopeSingleLevel, ldap.NeverDerefAliases, 0, 0, false,
		"(uid=*)", []string{"uid"}, nil))
	require.NoError(t, err)
	var uids []string
	for _, e := range res.Entries {
		uids = append(uids, e.GetAttributeValues("uid")...)
	}
	slices.Sort(uids)
	return uids
}

// TimedSubscriber is an HTTP trigger subscriber recording when each delivery arrived.
type TimedSubscriber struct {
	*httptest.Server
	mu         sync.Mutex
	deliveries []TimedDelivery
}

// TimedDelivery is a delivery with its arrival time and the trackingNumber of its body.
type TimedDelivery struct {
	At             time.Time
	TrackingNumber string
	Body           []byte
}

// NewTimedSubscriber starts a subscriber that answers 204; it stops when the test ends.
func NewTimedSubscriber(t testing.TB) *TimedSubscriber {
	t.Helper()
	s := &TimedSubscriber{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev struct {
			TrackingNumber string `json:"trackingNumber"`
		}
		_ = json.Unmarshal(body, &ev) // a body without one counts under ""
		s.mu.Lock()
		s.deliveries = append(s.deliveries, TimedDelivery{At: time.Now(), TrackingNumber: ev.TrackingNumber, Body: body})
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(s.Close)
	return s
}

// Deliveries returns what arrived so far, in arrival order.
func (s *TimedSubscriber) Deliveries() []TimedDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}

// Percentile returns the p-th percentile (0 < p <= 100, nearest rank) of ds.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(rank, 0), len(s)-1)]
}

// RPCsSince counts, per process, the gRPC calls it served (its "rpc" log lines, health checks
// left out) logged at or after since.
func (d *Deployment) RPCsSince(tb testing.TB, since time.Time) map[string]int {
	tb.Helper()
	out := map[string]int{}
	for name, p := range d.procs {
		if name == Gateway {
			continue
		}
		n, err := countRPCs(p.LogPath, since)
		require.NoError(tb, err)
		out[name] = n
	}
	return out
}

func countRPCs(path string, since time.Time) (int, error) {
	f, err := os.Open(path) //nolint:gosec // a log in the test's temp dir
	if err != nil {
		return 0, err //nolint:wrapcheck // the path names the problem
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !strings.Contains(string(line), `"msg":"rpc"`) {
			continue
		}
		var l struct {
			Time   time.Time `json:"time"`
			Msg    string    `json:"msg"`
			Method string    `json:"method"`
		}
		if json.Unmarshal(line, &l) != nil || l.Msg != "rpc" || strings.HasPrefix(l.Method, "/grpc.health.") || l.Time.Before(since) {
			continue
		}
		n++
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return n, fmt.Errorf("read %s: %w", path, err)
	}
	return n, nil
}
