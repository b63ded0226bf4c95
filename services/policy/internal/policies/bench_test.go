package policies_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/policy/internal/policies"
	"github.com/accessflow/accessflow/services/policy/internal/policytest"
)

// benchConcurrency are the numbers of evaluations in flight at once the benchmarks measure.
var benchConcurrency = []int{1, 4, 8, 32}

// latencies collects per-evaluation latencies from many goroutines.
type latencies struct {
	mu  sync.Mutex
	all []time.Duration
}

func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, d...)
}

// report adds evaluations/s and the p50 and p99 latencies to b's results.
func (l *latencies) report(b *testing.B) {
	b.Helper()
	slices.Sort(l.all)
	q := func(p float64) float64 {
		if len(l.all) == 0 {
			return 0
		}
		return float64(l.all[int(p*float64(len(l.all)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(l.all))/b.Elapsed().Seconds(), "evals/s")
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op") // wall time per op of a parallel run says little; evals/s does
}

// BenchmarkEvaluateSeedPolicy measures the seed policy's evaluation with reservation, called
// in-process (no gRPC), with 1, 4, 8 and 32 evaluations in flight, each for a new identity so that
// each reserves a value:
//
//	go test ./services/policy/internal/policies -run '^$' -bench EvaluateSeedPolicy -benchtime 20000x
func BenchmarkEvaluateSeedPolicy(b *testing.B) {
	for _, backend := range []string{storage.BackendSQLite, storage.BackendPostgres} {
		b.Run(backend, func(b *testing.B) {
			st := policytest.OpenStore(b, backend)
			svc, err := policies.New(st)
			require.NoError(b, err)
			ctx := context.Background()
			now := timestamppb.Now()
			src := &policyv1.Source{Id: ids.New(), Name: "bench", Connector: "openldap", Owner: &typev1.Reference{Type: "IDENTITY", Id: "x"}, Created: now, Modified: now}
			require.NoError(b, st.CreateSource(ctx, src))
			_, err = st.CreatePolicy(ctx, src.GetId(), policytest.Policy(b, policytest.SeedPolicy))
			require.NoError(b, err)
			var next atomic.Int64
			for _, c := range benchConcurrency {
				b.Run(fmt.Sprintf("inflight=%d", c), func(b *testing.B) {
					runConcurrently(b, c, func() error {
						req := evaluateRequest(src.GetId(), "John", "Smith"+strconv.FormatInt(next.Add(1), 36))
						resp, err := svc.EvaluateProvisioningPolicy(ctx, req)
						if err == nil && len(resp.GetReservations()) != 1 {
							err = fmt.Errorf("%d reservations, want 1", len(resp.GetReservations()))
						}
						return err
					})
				})
			}
		})
	}
}

// runConcurrently runs b.N calls of op, inflight at a time, and reports evaluations/s and
// latency percentiles.
func runConcurrently(b *testing.B, inflight int, op func() error) {
	b.Helper()
	var (
		lat   latencies
		wg    sync.WaitGroup
		calls atomic.Int64
	)
	b.ResetTimer()
	for range inflight {
		wg.Go(func() {
			var mine []time.Duration
			for calls.Add(1) <= int64(b.N) {
				start := time.Now()
				err := op()
				mine = append(mine, time.Since(start))
				if err != nil {
					b.Error(err)
					return
				}
			}
			lat.add(mine)
		})
	}
	wg.Wait()
	b.StopTimer()
	lat.report(b)
}

// BenchmarkEvaluateSeedPolicyGRPC is the load run: a client calling the policy service over
// gRPC on a loopback TCP port, with 1, 4, 8 and 32 calls in flight, against the service as the
// runner opens it (stack=runner: token authentication and the audit log included) and without
// those two interceptors (stack=bare), to tell the service's cost from the platform's:
//
//	go test ./services/policy/internal/policies -run '^$' -bench EvaluateSeedPolicyGRPC -benchtime 20000x
func BenchmarkEvaluateSeedPolicyGRPC(b *testing.B) {
	stacks := []struct {
		name string
		opts []policytest.Option
	}{
		{"runner", []policytest.Option{policytest.WithTCP()}},
		{"bare", []policytest.Option{policytest.WithTCP(), policytest.WithoutAuthAndAudit()}},
	}
	for _, backend := range []string{storage.BackendSQLite, storage.BackendPostgres} {
		for _, stack := range stacks {
			b.Run(backend+"/stack="+stack.name, func(b *testing.B) {
				s := policytest.Start(b, backend, stack.opts...)
				sourceID := policytest.CreateSource(b, s)
				_, err := s.Policies().CreateProvisioningPolicy(b.Context(), &policyv1.CreateProvisioningPolicyRequest{
					SourceId: sourceID, Policy: policytest.Policy(b, policytest.SeedPolicy),
				})
				require.NoError(b, err)
				client := s.Policies()
				ctx := context.Background()
				var next atomic.Int64
				for _, c := range benchConcurrency {
					b.Run(fmt.Sprintf("inflight=%d", c), func(b *testing.B) {
						runConcurrently(b, c, func() error {
							req := evaluateRequest(sourceID, "John", "Smith"+strconv.FormatInt(next.Add(1), 36))
							resp, err := client.EvaluateProvisioningPolicy(ctx, req)
							if err == nil && len(resp.GetReservations()) != 1 {
								err = fmt.Errorf("%d reservations, want 1", len(resp.GetReservations()))
							}
							return err
						})
					})
				}
			})
		}
	}
}
