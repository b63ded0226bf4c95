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

// The seeded examples are the ones we were handed for these two triggers;
// pin a couple of their distinctive values so a reformat cannot swap them.
func TestSeededExamplesAreTheSeeds(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)

	iac := exampleInput(t, c, "idn:identity-attributes-changed")
	changes := arr(t, iac, "changes")
	require.Len(t, changes, 3)
	require.Equal(t, "nice.guy", obj(t, changes[1], "oldValue")["name"])

	pp := exampleInput(t, c, "idn:post-provisioning")
	require.Equal(t, "4b4d982dddff4267ab12f0f1e72b5a6d", pp["trackingNumber"])
	require.Equal(t, "72619262", arr(t, pp, "accountRequests")[0].(map[string]any)["ticketId"])
}
