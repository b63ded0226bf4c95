package catalogue

import (
	"encoding/json"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// shipped is the trigger set the service promises; extending the catalogue
// means extending this table.
var shipped = map[string]Type{
	"idn:access-request-dynamic-approver": RequestResponse,
	"idn:access-request-post-approval":    FireAndForget,
	"idn:access-request-pre-approval":     RequestResponse,
	"idn:access-requested":                FireAndForget,
	"idn:account-aggregation-completed":   FireAndForget,
	"idn:account-attributes-changed":      FireAndForget,
	"idn:account-correlated":              FireAndForget,
	"idn:account-created":                 FireAndForget,
	"idn:account-deleted":                 FireAndForget,
	"idn:account-uncorrelated":            FireAndForget,
	"idn:account-updated":                 FireAndForget,
	"idn:aggregation-accounts-collected":  FireAndForget,
	"idn:campaign-activated":              FireAndForget,
	"idn:campaign-ended":                  FireAndForget,
	"idn:campaign-generated":              FireAndForget,
	"idn:certification-signed-off":        FireAndForget,
	"idn:form-submitted":                  FireAndForget,
	"idn:identity-attributes-changed":     FireAndForget,
	"idn:identity-created":                FireAndForget,
	"idn:identity-deleted":                FireAndForget,
	"idn:machine-identity-created":        FireAndForget,
	"idn:machine-identity-deleted":        FireAndForget,
	"idn:machine-identity-updated":        FireAndForget,
	"idn:native-change-account-created":   FireAndForget,
	"idn:native-change-account-deleted":   FireAndForget,
	"idn:native-change-account-updated":   FireAndForget,
	"idn:outlier-detected":                FireAndForget,
	"idn:post-provisioning":               FireAndForget,
	"idn:saved-search-complete":           FireAndForget,
	"idn:source-account-created":          FireAndForget,
	"idn:source-account-deleted":          FireAndForget,
	"idn:source-account-updated":          FireAndForget,
	"idn:source-created":                  FireAndForget,
	"idn:source-deleted":                  FireAndForget,
	"idn:source-updated":                  FireAndForget,
	"idn:va-cluster-status-change":        FireAndForget,
}

func TestShippedTriggersPresentWithTypes(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	list := c.List()

	got := make(map[string]Type, len(list))
	for _, tr := range list {
		got[tr.ID] = tr.Type
	}
	require.Equal(t, shipped, got)
	require.True(t, slices.IsSortedFunc(list, func(a, b Trigger) int { return strings.Compare(a.ID, b.ID) }))

	var requestResponse []string
	for _, tr := range list {
		if tr.Type == RequestResponse {
			requestResponse = append(requestResponse, tr.ID)
		}
	}
	require.Equal(t, []string{"idn:access-request-dynamic-approver", "idn:access-request-pre-approval"}, requestResponse)
}

func TestTriggerMetadata(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	for _, tr := range c.List() {
		t.Run(tr.ID, func(t *testing.T) {
			t.Parallel()
			require.NotEmpty(t, tr.Name)
			require.NotEmpty(t, strings.TrimSpace(tr.Description))
			require.True(t, strings.HasPrefix(tr.ID, "idn:"))

			var in map[string]any
			require.NoError(t, json.Unmarshal([]byte(tr.InputSchema), &in))
			require.Equal(t, "https://json-schema.org/draft/2020-12/schema", in["$schema"])
			require.True(t, json.Valid(tr.ExampleInput))

			if tr.Type == FireAndForget {
				require.Empty(t, tr.OutputSchema)
				require.Nil(t, tr.ExampleOutput)
				return
			}
			var out map[string]any
			require.NoError(t, json.Unmarshal([]byte(tr.OutputSchema), &out))
			require.Equal(t, "https://json-schema.org/draft/2020-12/schema", out["$schema"])
			require.True(t, json.Valid(tr.ExampleOutput))
		})
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)

	tr, ok := c.Get("idn:post-provisioning")
	require.True(t, ok)
	require.Equal(t, "Provisioning Completed", tr.Name)

	_, ok = c.Get("idn:no-such-trigger")
	require.False(t, ok)
	_, ok = c.Get("post-provisioning")
	require.False(t, ok)
}

func TestReturnedTriggersAreCopies(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)

	tr, _ := c.Get("idn:access-request-pre-approval")
	want := string(tr.ExampleInput)
	tr.ExampleInput[0] = 'X'
	tr.ExampleOutput[0] = 'X'
	c.List()[0].ExampleInput[0] = 'X'

	again, _ := c.Get("idn:access-request-pre-approval")
	require.Equal(t, want, string(again.ExampleInput))
	require.True(t, json.Valid(again.ExampleOutput))
	require.True(t, json.Valid(c.List()[0].ExampleInput))
}

// The API layer serialises Trigger directly, so its JSON must look like the
// reference list-triggers response.
func TestTriggerJSONShape(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)

	faf, _ := c.Get("idn:source-created")
	raw, err := json.Marshal(faf)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	require.Equal(t, "FIRE_AND_FORGET", m["type"])
	require.IsType(t, "", m["inputSchema"])
	require.IsType(t, map[string]any{}, m["exampleInput"])
	require.NotContains(t, m, "outputSchema")
	require.NotContains(t, m, "exampleOutput")

	rr, _ := c.Get("idn:access-request-pre-approval")
	raw, err = json.Marshal(rr)
	require.NoError(t, err)
	m = nil
	require.NoError(t, json.Unmarshal(raw, &m))
	require.Equal(t, "REQUEST_RESPONSE", m["type"])
	require.IsType(t, "", m["outputSchema"])
	require.IsType(t, map[string]any{}, m["exampleOutput"])
}

// Every embedded file must belong to a shipped trigger, so a schema cannot
// be added (or left behind by a rename) without being wired up.
func TestNoOrphanFiles(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)

	want := map[string]bool{}
	for _, tr := range c.List() {
		slug := strings.TrimPrefix(tr.ID, "idn:")
		want[schemaPath(slug, Input)] = true
		want[examplePath(slug, Input)] = true
		if tr.Type == RequestResponse {
			want[schemaPath(slug, Output)] = true
			want[examplePath(slug, Output)] = true
		}
	}
	got := map[string]bool{}
	require.NoError(t, fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			got[path] = true
		}
		return err
	}))
	require.Equal(t, want, got)
}
