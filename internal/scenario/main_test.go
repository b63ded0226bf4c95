package scenario_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/accessflow/accessflow/internal/scenario"
)

// bins are the binaries every scenario runs, built once per test run.
var bins scenario.Binaries

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "accessflow-scenario-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	root, err := scenario.ModuleRoot()
	if err == nil {
		bins, err = scenario.Build(context.Background(), root, dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
