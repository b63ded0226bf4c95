package approval_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/durationpb"

	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
	"github.com/accessflow/accessflow/services/approval/internal/approvaltest"
)

// process is the approval binary running as a process of its own.
type process struct {
	cmd  *exec.Cmd
	addr string
}

// startProcess runs bin with args and waits for its "serving" log line.
func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, args...) //nolint:gosec // the binary this test built
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &process{cmd: cmd}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		var entry struct {
			Msg  string `json:"msg"`
			Addr string `json:"grpc_addr"`
		}
		if json.Unmarshal(lines.Bytes(), &entry) == nil && entry.Msg == "serving" {
			p.addr = entry.Addr
			break
		}
	}
	require.NotEmpty(t, p.addr, "the process logged its address")
	go func() { // keep draining its logs
		for lines.Scan() {
		}
	}()
	return p
}

// kill ends the process the hard way (SIGKILL): no drain, as in a crash.
func (p *process) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Kill())
	_ = p.cmd.Wait()
}

// TestRestartRealProcess runs the approval service as its own process, kills it (SIGKILL)
// between the levels of a flow and starts it again on the same store: the flow is intact and
// the second level's timeout, scheduled before the crash, fires in the new process.
func TestRestartRealProcess(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "approval")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./cmd/approval")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	backends(t, func(t *testing.T, backend string) {
		peers := approvaltest.StartPeers(t)
		cfg := service.DefaultConfig()
		cfg.Storage.DataDir = t.TempDir()
		args := []string{"--data-dir", cfg.Storage.DataDir, "--approval-addr", "127.0.0.1:0", "--admin-addr", "", "--log-format", "json"}
		for name, addr := range peers.Targets() {
			args = append(args, "--"+name+"-target", addr)
		}
		if backend == storage.BackendPostgres {
			url := storagetest.NewPostgresDatabase(t, "approvalproc", nil, func(context.Context, string) error { return nil })
			args = append(args, "--database-url", url, "--secret-keys", approvaltest.TestSecretKeys)
		}
		issuer, err := approvaltest.Issuer(cfg) // writes the signing keys the process then trusts
		require.NoError(t, err)

		proc := startProcess(t, bin, args...)
		admin := approvaltest.Dial(t, proc.addr, issuer, "admin")
		ctx := t.Context()
		for _, p := range []struct{ id, manager string }{{"mgr", ""}, {"alice", "mgr"}, {"g1", ""}, {"g2", ""}} {
			_, err := admin.PutIdentity(ctx, &approvalv1.PutIdentityRequest{Id: p.id, Identity: &approvalv1.Identity{Name: p.id, ManagerId: p.manager, Subject: "client:" + p.id}})
			require.NoError(t, err)
		}
		_, err = admin.PutGroup(ctx, &approvalv1.PutGroupRequest{Id: "approvers", Group: &approvalv1.Group{Name: "approvers", MemberIds: []string{"g1", "g2"}}})
		require.NoError(t, err)
		rel, err := admin.CreateRelationship(ctx, &approvalv1.CreateRelationshipRequest{Relationship: &approvalv1.Relationship{
			Name: "sales", SourceId: "corp-ad", TargetKind: "GROUP", TargetId: "cn=sales", ProvisioningChainId: "prov", DeprovisioningChainId: "deprov", Requestable: true,
		}})
		require.NoError(t, err)
		relID := rel.GetRelationship().GetId()
		_, err = admin.CreateApprovalChain(ctx, &approvalv1.CreateApprovalChainRequest{RelationshipId: relID, ApprovalChain: &approvalv1.ApprovalChain{
			Name: "default", Levels: []*approvalv1.ApprovalLevel{
				{Approvers: []*approvalv1.Approver{{Type: "MANAGER_OF_RECIPIENT"}}},
				{
					Approvers:     []*approvalv1.Approver{{Type: "GROUP", Id: "approvers"}},
					TimeoutConfig: &approvalv1.TimeoutConfig{Enabled: true, After: durationpb.New(3 * time.Second), TimeoutResult: "APPROVED"},
				},
			},
		}})
		require.NoError(t, err)
		req, err := admin.CreateAccessRequest(ctx, &approvalv1.CreateAccessRequestRequest{AccessRequest: &approvalv1.AccessRequest{
			RequestType: "GRANT", RequesterId: "alice", RecipientId: "alice", RelationshipIds: []string{relID},
		}})
		require.NoError(t, err)
		id := req.GetAccessRequest().GetApprovalIds()[0]
		decided, err := approvaltest.Dial(t, proc.addr, issuer, "mgr", "APPROVER").ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Id: id, Comment: "ok"})
		require.NoError(t, err)
		require.Equal(t, int32(1), decided.GetApproval().GetLevel())

		proc.kill(t)
		proc = startProcess(t, bin, args...)
		admin = approvaltest.Dial(t, proc.addr, issuer, "admin")
		got, err := admin.GetApproval(ctx, &approvalv1.GetApprovalRequest{Id: id})
		require.NoError(t, err)
		require.Equal(t, "PENDING", got.GetApproval().GetStatus())
		require.Equal(t, int32(1), got.GetApproval().GetLevel())
		require.Len(t, got.GetApproval().GetHistory(), len(decided.GetApproval().GetHistory()), "no state lost")
		require.Eventually(t, func() bool {
			got, err = admin.GetApproval(ctx, &approvalv1.GetApprovalRequest{Id: id})
			return err == nil && got.GetApproval().GetStatus() == "APPROVED" && got.GetApproval().GetActionFlowIds()["GRANT"] != ""
		}, 30*time.Second, 50*time.Millisecond, "the timeout scheduled before the crash fires in the new process")
		require.Len(t, peers.Actions.CallsFor(id), 1)
	})
}
