package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionInfo is what `handover version` reports.
type versionInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`   // VCS revision the binary was built from; "unknown" outside a checkout
	Dirty   bool   `json:"modified"` // built from a work tree with uncommitted changes
	Go      string `json:"go"`
}

func (v versionInfo) String() string {
	commit := v.Commit
	if len(commit) > 12 {
		commit = commit[:12]
	}
	if v.Dirty {
		commit += "+modified"
	}
	return fmt.Sprintf("%s (commit %s, %s)", v.Version, commit, v.Go)
}

// commit is set at link time (-ldflags "-X …/internal/cli.commit=SHA", as
// scripts/demo does) where Go's own VCS stamping is off; never changed at
// run time.
var commit string

// buildVersion reads the commit from the link-time value or the binary's
// build information.
func buildVersion() versionInfo {
	v := versionInfo{Version: Version, Commit: "unknown", Go: runtime.Version()}
	if commit != "" {
		v.Commit = commit
	}
	info, ok := debug.ReadBuildInfo()
	if !ok || commit != "" {
		return v
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.modified":
			v.Dirty = s.Value == "true"
		}
	}
	return v
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print handover's version, commit and Go version",
		Long: `version prints the version written into every protocol, the commit the
binary was built from and the Go version that built it (also: handover --version).`,
		Example: `  handover version
  handover version --json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			v := buildVersion()
			if a.json {
				return a.printJSON(v)
			}
			fmt.Fprintf(a.stdout, "handover %s\n", v)
			return nil
		},
	}
}
