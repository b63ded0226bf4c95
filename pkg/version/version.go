// Package version reports the build's version: set with
// -ldflags "-X github.com/accessflow/accessflow/pkg/version.Version=v1.2.3", else read from the
// module's build info.
package version

import "runtime/debug"

// Version is the release version; empty in development builds.
var Version string

// String returns Version, or the main module's version or VCS revision, or "dev".
func String() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "dev-" + s.Value[:12]
		}
	}
	return "dev"
}
