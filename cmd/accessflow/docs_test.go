package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/accessflow/accessflow/internal/suite"
	"github.com/accessflow/accessflow/pkg/service"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md from the flag definitions")

const docsPath = "../../docs/configuration.md"

// TestConfigurationDocs keeps docs/configuration.md true: its tables are generated from the
// flags the binaries register, with the defaults the code uses.
func TestConfigurationDocs(t *testing.T) {
	all := flag.NewFlagSet("accessflow", flag.ContinueOnError)
	cfg := suite.DefaultConfig()
	cfg.Bind(all)
	targets := flag.NewFlagSet("gateway", flag.ContinueOnError)
	service.DefaultTargets().Bind(targets)

	want := renderDocs(all, targets)
	if *update {
		if err := os.WriteFile(docsPath, []byte(want), 0o644); err != nil { //nolint:gosec // documentation is world-readable
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatalf("read %s: %v (run make docs)", docsPath, err)
	}
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("docs/configuration.md is stale; run `make docs` (-want +got):\n%s", diff)
	}
}

func renderDocs(all, targets *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString(`# Configuration

Every setting is a flag and an environment variable: ` + "`--data-dir`" + ` is also
` + "`ACCESSFLOW_DATA_DIR`" + ` (prefix ` + "`ACCESSFLOW_`" + `, dashes become underscores, upper case). A flag
given on the command line wins over the environment. This file is generated from the code
(` + "`make docs`" + `) and a test fails when it is stale.

## accessflow (all-in-one) and the service binaries

` + "`accessflow serve`" + ` and ` + "`accessflow migrate`" + ` take every flag below. Each service binary
(` + "`policy`, `trigger-ingest`, `approval`, `action-execution`" + `) takes the shared flags and its own
` + "`--<service>-addr`" + `; the ` + "`gateway`" + ` binary takes the shared flags, ` + "`--gateway-addr`" + `,
` + "`--max-body-bytes`" + ` and the targets below; service binaries take the targets too.

`)
	writeTable(&b, all)
	b.WriteString(`
## gateway and service binaries (standalone)

The standalone ` + "`gateway`" + ` dials every service; a standalone service dials the services it
calls (approval calls action-execution and trigger-ingest; action-execution calls policy and
trigger-ingest). Their calls carry service tokens signed with the keys in
` + "`<data-dir>/jwt-keys.json`" + `, which every process of a deployment must share.

`)
	writeTable(&b, targets)
	b.WriteString(`
## OpenTelemetry

Traces are exported when the standard variables ask for it: ` + "`OTEL_TRACES_EXPORTER`" + ` (e.g. ` + "`otlp`" + `,
` + "`console`" + `) or ` + "`OTEL_EXPORTER_OTLP_ENDPOINT`" + ` / ` + "`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`" + `; the
other ` + "`OTEL_*`" + ` variables (protocol, headers, sampler) apply as the OpenTelemetry SDK defines them.
Without them, spans are still created so that trace IDs (which are trackingNumbers) reach the
logs, but none is exported. Metrics are served in the Prometheus format on ` + "`--admin-addr`" + `
at ` + "`/metrics`" + `.

## Tests

| variable | meaning |
| --- | --- |
| ` + "`ACCESSFLOW_TEST_DATABASE_URL`" + ` | PostgreSQL server for the PostgreSQL tests (` + "`make test`" + ` sets ` + "`postgres://postgres@127.0.0.1:5432/test`" + `); unset, those tests skip with a loud message |
`)
	return b.String()
}

func writeTable(b *strings.Builder, fs *flag.FlagSet) {
	b.WriteString("| flag | environment | default | meaning |\n| --- | --- | --- | --- |\n")
	fs.VisitAll(func(f *flag.Flag) {
		env := "ACCESSFLOW_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		def := f.DefValue
		usage := f.Usage
		// fs.Func flags have no DefValue: their usage carries it.
		if i := strings.Index(usage, " (default \""); i >= 0 && def == "" {
			def = strings.TrimSuffix(usage[i+len(" (default \""):], "\")")
			usage = usage[:i]
		}
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(b, "| `--%s` | `%s` | `%s` | %s |\n", f.Name, env, def, usage)
	})
}
