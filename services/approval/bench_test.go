package approval_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/approval/internal/approvaltest"
)

// benchWorld is a service with a one-level chain (the recipient's manager approves) and a
// two-level chain with reminders, for background flows.
type benchWorld struct {
	srv      *approvaltest.Server
	admin    approvalv1.ApprovalServiceClient
	mgr      approvalv1.ApprovalServiceClient
	oneLevel string
	busy     string
}

func newBenchWorld(b *testing.B, backend string) *benchWorld {
	b.Helper()
	srv := approvaltest.Start(b, backend)
	w := &benchWorld{srv: srv, admin: srv.Client("admin"), mgr: srv.Client("mgr", "APPROVER")}
	ctx := b.Context()
	for _, p := range []struct{ id, manager string }{{"boss", ""}, {"mgr", "boss"}, {"alice", "mgr"}, {"g1", ""}, {"g2", ""}} {
		_, err := w.admin.PutIdentity(ctx, &approvalv1.PutIdentityRequest{Id: p.id, Identity: &approvalv1.Identity{Name: p.id, ManagerId: p.manager, Subject: "client:" + p.id}})
		require.NoError(b, err)
	}
	_, err := w.admin.PutGroup(ctx, &approvalv1.PutGroupRequest{Id: "approvers", Group: &approvalv1.Group{Name: "approvers", MemberIds: []string{"g1", "g2"}}})
	require.NoError(b, err)
	relationship := func(levels ...*approvalv1.ApprovalLevel) string {
		rel, err := w.admin.CreateRelationship(ctx, &approvalv1.CreateRelationshipRequest{Relationship: &approvalv1.Relationship{
			Name: "bench", SourceId: "corp-ad", TargetKind: "GROUP", TargetId: "t", ProvisioningChainId: "p", DeprovisioningChainId: "d", Requestable: true,
		}})
		require.NoError(b, err)
		_, err = w.admin.CreateApprovalChain(ctx, &approvalv1.CreateApprovalChainRequest{
			RelationshipId: rel.GetRelationship().GetId(),
			ApprovalChain:  &approvalv1.ApprovalChain{Name: "default", Levels: levels},
		})
		require.NoError(b, err)
		return rel.GetRelationship().GetId()
	}
	w.oneLevel = relationship(&approvalv1.ApprovalLevel{Approvers: []*approvalv1.Approver{{Type: "MANAGER_OF_RECIPIENT"}}})
	w.busy = relationship(
		&approvalv1.ApprovalLevel{Approvers: []*approvalv1.Approver{{Type: "GROUP", Id: "approvers"}}},
		&approvalv1.ApprovalLevel{Approvers: []*approvalv1.Approver{{Type: "MANAGER_OF_RECIPIENT"}}},
	)
	return w
}

func (w *benchWorld) request(ctx context.Context, rel string) (string, error) {
	resp, err := w.admin.CreateAccessRequest(ctx, &approvalv1.CreateAccessRequestRequest{AccessRequest: &approvalv1.AccessRequest{
		RequestType: "GRANT", RequesterId: "alice", RecipientId: "alice", RelationshipIds: []string{rel},
	}})
	if err != nil {
		return "", err
	}
	return resp.GetAccessRequest().GetApprovalIds()[0], nil
}

// flows creates n pending flows on rel, 8 at a time.
func (w *benchWorld) flows(b *testing.B, rel string, n int) []string {
	b.Helper()
	out := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				id, err := w.request(b.Context(), rel)
				if err != nil {
					b.Error(err)
					return
				}
				out[i] = id
			}
		})
	}
	wg.Wait()
	return out
}

// BenchmarkApprove measures approve decisions on a one-level chain through the full gRPC stack
// (loopback TCP, token auth, audit log, store transaction with the action-flow and event jobs,
// which River works meanwhile against the test doubles), with 1, 8 and 32 decisions in flight;
// "baseline=get" reads flows through the same stack, to read the numbers as ratios on a busy
// machine; "busy" runs the same while two clients keep starting two-level flows and deciding their
// first level:
//
//	go test ./services/approval -run '^$' -bench Approve -benchtime 1000x
func BenchmarkApprove(b *testing.B) {
	for _, backend := range []string{storage.BackendSQLite, storage.BackendPostgres} {
		b.Run(backend, func(b *testing.B) {
			w := newBenchWorld(b, backend)
			// Baseline measured in the same run: reading a flow through the same stack.
			b.Run("baseline=get/inflight=8", func(b *testing.B) {
				ids := w.flows(b, w.oneLevel, min(b.N, 200))
				all := make([]string, b.N)
				for i := range all {
					all[i] = ids[i%len(ids)]
				}
				runDecisions(b, 8, all, func(ctx context.Context, id string) error {
					_, err := w.mgr.GetApproval(ctx, &approvalv1.GetApprovalRequest{Id: id})
					return err
				})
			})
			for _, busy := range []bool{false, true} {
				for _, inflight := range []int{1, 8, 32} {
					name := fmt.Sprintf("inflight=%d", inflight)
					if busy {
						name += "/busy"
					}
					b.Run(name, func(b *testing.B) {
						ids := w.flows(b, w.oneLevel, b.N)
						stop := func() {}
						if busy {
							stop = w.background(b)
						}
						runDecisions(b, inflight, ids, func(ctx context.Context, id string) error {
							resp, err := w.mgr.ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Id: id})
							if err == nil && resp.GetApproval().GetStatus() != "APPROVED" {
								err = fmt.Errorf("status %s", resp.GetApproval().GetStatus())
							}
							return err
						})
						stop()
					})
				}
			}
		})
	}
}

// background keeps two clients starting flows on the busy chain and approving their first
// level, until the returned stop is called.
func (w *benchWorld) background(b *testing.B) func() {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	g1 := w.srv.Client("g1", "APPROVER")
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for ctx.Err() == nil {
				id, err := w.request(ctx, w.busy)
				if err != nil {
					return
				}
				_, _ = g1.ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Id: id})
			}
		})
	}
	return func() {
		cancel()
		wg.Wait()
	}
}

// runDecisions decides every id, inflight at a time, and reports decisions/s and latency
// percentiles.
func runDecisions(b *testing.B, inflight int, ids []string, op func(context.Context, string) error) {
	b.Helper()
	var (
		mu   sync.Mutex
		all  []time.Duration
		next atomic.Int64
		wg   sync.WaitGroup
	)
	b.ResetTimer()
	for range inflight {
		wg.Go(func() {
			var mine []time.Duration
			for i := int(next.Add(1)) - 1; i < len(ids); i = int(next.Add(1)) - 1 {
				start := time.Now()
				if err := op(context.Background(), ids[i]); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(all)
	q := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(all))/b.Elapsed().Seconds(), "decisions/s")
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}
