package main

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The Makefile is the developer's first command line; these run its targets as a newcomer does.

func TestMakeHelpIsPlainWhenPiped(t *testing.T) {
	t.Parallel()
	out, err := exec.CommandContext(t.Context(), "make", "-s", "-C", "../..", "help").Output()
	require.NoError(t, err)
	require.NotContains(t, string(out), "\x1b", "no colour codes when stdout is not a terminal")
	require.Regexp(t, `(?m)^  test +Run every test`, string(out))
	require.Regexp(t, `(?m)^  help +Show this help`, string(out))
}

func TestMakeTestShowsPackagesAsTheyFinishAndTheStoreSuites(t *testing.T) {
	t.Parallel()
	events := filepath.Join(t.TempDir(), "events.json")
	cmd := exec.CommandContext(t.Context(), "make", "-s", "-C", "../..", "test-packages",
		"GO_PACKAGES=./pkg/version/ ./pkg/storage/sqlite/", "TEST_EVENTS="+events)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Regexp(t, `(?m)^✓  pkg/version \(`, string(out), "a line per package")
	require.NotRegexp(t, `(?m)^PASS pkg/version\.TestFromBuildInfo`, string(out), "not a line per test")
	require.Regexp(t, `(?m)^PASS pkg/storage/sqlite\.TestBackendConformance \(`, string(out), "the store suites' tests are listed")
	require.FileExists(t, events)
}
