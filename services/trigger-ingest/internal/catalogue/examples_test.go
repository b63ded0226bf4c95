package catalogue

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExamplesValidate(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	for _, tr := range c.List() {
		t.Run(tr.ID, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, c.ValidateInput(tr.ID, decode(t, string(tr.ExampleInput))))
			if tr.Type == RequestResponse {
				require.NoError(t, c.ValidateOutput(tr.ID, decode(t, string(tr.ExampleOutput))))
			}
		})
	}
}

// The examples are the reference documentation's; pin a few of their
// distinctive values so a reformat or a copy from the wrong file shows.
func TestExamplesAreTheReferences(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)

	iac := exampleInput(t, c, "idn:identity-attributes-changed")
	changes := arr(t, iac, "changes")
	require.Len(t, changes, 1)
	require.Equal(t, "William Wilson", obj(t, iac, "identity")["name"])
	require.Equal(t, "marketing", changes[0].(map[string]any)["newValue"])

	created := exampleInput(t, c, "idn:account-created")
	require.Equal(t, map[string]any{"type": "ACCOUNT_CREATED_V2", "cause": "AGGREGATION"}, created["event"])
	account := obj(t, created, "account")
	for _, k := range []string{"id", "name", "nativeIdentity", "uuid", "correlated", "isMachine", "origin", "attributes"} {
		require.Contains(t, account, k)
	}
	require.Equal(t, "Active Directory", obj(t, created, "source")["name"])

	requested := exampleInput(t, c, "idn:access-requested")
	pre := exampleInput(t, c, "idn:access-request-pre-approval")
	require.Equal(t, pre, requested, "access-requested carries the Access Request Submitted example")

	ncd := exampleInput(t, c, "idn:native-change-account-updated")
	require.Equal(t, "ACCOUNT_UPDATED", ncd["eventType"])
	va := exampleInput(t, c, "idn:va-cluster-status-change")
	require.Contains(t, va, "healthCheckResult")

	pp := exampleInput(t, c, "idn:post-provisioning")
	require.Equal(t, "4b4d982dddff4267ab12f0f1e72b5a6d", pp["trackingNumber"])
	require.Equal(t, "72619262", arr(t, pp, "accountRequests")[0].(map[string]any)["ticketId"])
}
