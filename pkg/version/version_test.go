package version

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFromBuildInfo(t *testing.T) {
	t.Parallel()
	const sha = "24a30fdeda02c452ff2489b3884501d37a0c9f40"
	stamped := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/accessflow/accessflow", Version: "v0.0.0-20261202000233-24a30fdeda02+dirty"},
		Settings:  []debug.BuildSetting{{Key: "vcs.revision", Value: sha}, {Key: "vcs.modified", Value: "true"}},
	}
	unstamped := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}
	for _, tc := range []struct {
		name              string
		info              *debug.BuildInfo
		version, revision string
		want              Build
		short             string
	}{
		{"stamped by go build in a clone", stamped, "", "", Build{Version: "v0.0.0-20261202000233-24a30fdeda02+dirty", Revision: sha, Modified: true, GoVersion: "go1.26.8"}, "v0.0.0-20261202000233-24a30fdeda02+dirty"},
		{"release version from ldflags wins", stamped, "v1.2.3", "", Build{Version: "v1.2.3", Revision: sha, Modified: true, GoVersion: "go1.26.8"}, "v1.2.3"},
		{"revision from ldflags when not stamped", unstamped, "", sha, Build{Version: "(devel)", Revision: sha, GoVersion: "go1.26.8"}, "dev-24a30fdeda02"},
		{"nothing known", unstamped, "", "", Build{Version: "(devel)", GoVersion: "go1.26.8"}, "dev"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := fromBuildInfo(tc.info, tc.version, tc.revision)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.short, got.Short())
			require.Contains(t, got.String(), "version   "+tc.want.Version+"\n")
		})
	}
}
