package store

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
)

// A failed flow's entries carry its errors and its failed script's attempts and error; a script
// that never ran has no entry.
func TestFlowEntries(t *testing.T) {
	created := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	st := FlowState{
		Flow: Flow{
			ID: "f1", ChainID: "c1", ChainName: "grant", Status: StatusFailed, Runs: 1,
			Context: &actionv1.FlowContext{Recipient: &actionv1.Identity{Id: "i1", Name: "William Wilson"}},
			Errors:  []string{"script create (corp_api_create_user) failed: 500"}, Warnings: []string{"script notify skipped after an earlier failure"},
			Created: created, Completed: created.Add(3 * time.Second),
		},
		Scripts: []Script{
			{
				ID: "s1", Index: 0, Name: "create", Type: "corp_api_create_user", Status: StatusFailed, Attempts: 3, Error: "500 Internal Server Error",
				Started: created.Add(time.Second), Finished: created.Add(3 * time.Second),
			},
			{ID: "s2", Index: 1, Name: "notify", Type: "corp_webhook_notify", Status: StatusSkipped},
		},
	}
	entries, err := flowEntries(st)
	require.NoError(t, err)
	require.Len(t, entries, 2)
	flow, script := entries[0], entries[1]
	require.Equal(t, KindFlow, flow.GetKind())
	require.Equal(t, "FAILED", flow.GetStatus())
	require.Equal(t, created, flow.GetTime().AsTime())
	require.Equal(t, `action flow of chain "grant" for William Wilson: FAILED`, flow.GetSummary())
	require.Equal(t, []any{"script create (corp_api_create_user) failed: 500"}, flow.GetDetails().AsMap()["errors"])
	require.Equal(t, KindScript, script.GetKind())
	require.Equal(t, "s1", script.GetId())
	require.Equal(t, created.Add(3*time.Second), script.GetTime().AsTime(), "a script is entered when it ended")
	require.Equal(t, "script create (corp_api_create_user): FAILED after 3 attempt(s): 500 Internal Server Error", script.GetSummary())
	d := script.GetDetails().AsMap()
	require.InDelta(t, 3, d["attempts"], 0)
	require.Equal(t, "500 Internal Server Error", d["error"])
	require.Equal(t, "f1", d["flowId"])
}
