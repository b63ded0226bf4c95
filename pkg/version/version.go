// Package version reports what the running binary was built from: the main module's version
// and the VCS revision, read from the build info Go stamps into binaries built in a clone
// (`make build` asks for it with -buildvcs=true). Where Go cannot stamp them (a git worktree,
// -buildvcs=false), -ldflags "-X github.com/accessflow/accessflow/pkg/version.Revision=<sha>"
// supplies the revision and "-X …/version.Version=v1.2.3" a release version.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Version is the release version, set at link time; empty in development builds.
var Version string

// Revision is the VCS revision, set at link time when the build info lacks it.
var Revision string

// Build describes the running binary.
type Build struct {
	// Version is the release version, else the main module's version ("v0.0.0-…" pseudo
	// version, "+dirty" when built with local changes), else "(devel)".
	Version string
	// Revision is the VCS commit the binary was built from; empty when unknown.
	Revision string
	// Modified reports local changes on top of Revision.
	Modified bool
	// GoVersion is the toolchain that built the binary.
	GoVersion string
}

// Read returns the running binary's build description.
func Read() Build {
	info, _ := debug.ReadBuildInfo()
	return fromBuildInfo(info, Version, Revision)
}

func fromBuildInfo(info *debug.BuildInfo, version, revision string) Build {
	b := Build{Version: "(devel)", GoVersion: runtime.Version()}
	if info != nil {
		if v := info.Main.Version; v != "" {
			b.Version = v
		}
		b.GoVersion = info.GoVersion
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if version != "" {
		b.Version = version
	}
	if b.Revision == "" {
		b.Revision = revision
	}
	return b
}

// Short is the version to report in one word: the release or module version, else
// "dev-<revision prefix>", else "dev".
func (b Build) Short() string {
	switch {
	case b.Version != "(devel)" && b.Version != "":
		return b.Version
	case len(b.Revision) >= 12:
		return "dev-" + b.Revision[:12]
	default:
		return "dev"
	}
}

// String is the full description, one fact a line, as `accessflow version` prints it.
func (b Build) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "version   %s\n", b.Version)
	revision := b.Revision
	if revision == "" {
		revision = "unknown (built without VCS information)"
	}
	if b.Modified {
		revision += " (with local changes)"
	}
	fmt.Fprintf(&s, "revision  %s\n", revision)
	fmt.Fprintf(&s, "go        %s %s/%s\n", b.GoVersion, runtime.GOOS, runtime.GOARCH)
	return s.String()
}

// String returns the version in one word (Build.Short of the running binary).
func String() string { return Read().Short() }
