package scenario_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/internal/scenario"
)

func TestSmoke(t *testing.T) {
	d := scenario.Start(t, bins, scenario.Options{})
	defer d.DumpLogsOnFailure(t)
	resp := d.Do(t, d.Token(t, "admin"), http.MethodGet, "/v3/sources", "")
	require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
}
