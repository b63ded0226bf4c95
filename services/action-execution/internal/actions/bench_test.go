package actions_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

// BenchmarkThreeScriptFlows starts b.N flows of a three-script chain (REST create_user →
// REST webhook → REST webhook, against a local HTTP target) at a fixed rate
// (ACCESSFLOW_BENCH_RATE flows/s, default 200) and waits for all to succeed. It reports the
// completion rate and the p50/p99 flow latency (created → completed, as the flows record it).
// The baseline before it, on the same backend and at the same rate, is River and the store
// alone moving four-job chains: the machine's ceiling at that moment, which the flows' figures
// are read against.
//
//	go test ./services/action-execution/internal/actions -run '^$' -bench ThreeScriptFlows -benchtime 600x
func BenchmarkThreeScriptFlows(b *testing.B) {
	rate := 200.0
	if v := os.Getenv("ACCESSFLOW_BENCH_RATE"); v != "" {
		var err error
		rate, err = strconv.ParseFloat(v, 64)
		require.NoError(b, err)
	}
	for _, backend := range []string{storage.BackendSQLite, storage.BackendPostgres} {
		b.Run(backend+"/baseline", func(b *testing.B) { benchBaseline(b, backend, rate) })
		b.Run(backend+"/flows", func(b *testing.B) { benchFlows(b, backend, rate) })
	}
}

func benchFlows(b *testing.B, backend string, rate float64) {
	h := newHarness(b, backend)
	tg := newTarget(b)
	restProvider(b, h, "corpad", tg.URL, "")
	chain, err := h.svc.CreateActionChain(b.Context(), &actionv1.CreateActionChainRequest{Chain: &actionv1.ActionChain{
		Name: "bench",
		Scripts: []*actionv1.ActionChainScript{
			{Name: "create", Type: "corpad_api_create_user", Metadata: mustStruct(b, map[string]any{"userName": "{{.Recipient.ID}}", "department": "x"})},
			{Name: "notify", Type: "corpad_webhook_notify", Metadata: mustStruct(b, map[string]any{"channel": "a", "text": "{{.Scripts.create.userId}}"})},
			{Name: "notify2", Type: "corpad_webhook_notify", Metadata: mustStruct(b, map[string]any{"channel": "b", "text": "done"})},
		},
	}})
	require.NoError(b, err)
	ctxFlow := flowContext(b)
	interval := time.Duration(float64(time.Second) / rate)
	b.ResetTimer()
	began := time.Now()
	var wg sync.WaitGroup
	for i := range b.N {
		if wait := time.Until(began.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait) // pacing the load generator, not waiting for a result
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.svc.StartActionFlow(b.Context(), &actionv1.StartActionFlowRequest{ChainId: chain.GetChain().GetId(), IdempotencyKey: fmt.Sprintf("bench-%d", i), Context: ctxFlow})
			if err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	done, err := collection.ParseFilters(`status eq "SUCCEEDED"`, store.FlowFilterFields)
	require.NoError(b, err)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		count, err := h.st.CountFlows(b.Context(), store.FlowQuery{Filters: done})
		require.NoError(b, err)
		if count == b.N {
			break
		}
		require.True(b, time.Now().Before(deadline), "%d of %d flows done", count, b.N)
		time.Sleep(10 * time.Millisecond) // polling the database with a deadline
	}
	elapsed := time.Since(began)
	b.StopTimer()
	var (
		latencies []time.Duration
		last      time.Time
	)
	for offset := 0; offset < b.N; offset += collection.MaxLimit {
		page, err := h.st.ListFlows(b.Context(), store.FlowQuery{Page: collection.Page{Limit: collection.MaxLimit, Offset: offset}})
		require.NoError(b, err)
		for i := range page {
			f := &page[i].Flow
			latencies = append(latencies, f.Completed.Sub(f.Created))
			if f.Completed.After(last) {
				last = f.Completed
			}
		}
	}
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))] }
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "flows/s")
	b.ReportMetric(float64(pct(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
}
