// Package buildinfo is what `tollgate version` says about the running
// binary: version, commit, commit date, Go version and platform, from the
// values the release build stamps and the binary's own build information.
// The stamped variables and the release constant stay in cmd/tollgate
// (-ldflags "-X main.version=…"); docs/versioning.md.
package buildinfo

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/cli"
)

// Info is what `tollgate version` says about this binary.
type Info struct {
	Version string `json:"version"`
	// Commit is the full commit hash the binary was built from; empty
	// when the build had no VCS information (go install of a module
	// version, a source archive).
	Commit string `json:"commit"`
	// Modified is true when the working tree had uncommitted changes.
	Modified bool `json:"modified"`
	// Date is the commit time (RFC 3339, UTC): release builds are
	// reproducible, so they carry no wall-clock build time.
	Date      string `json:"date"`
	GoVersion string `json:"go"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	// Sum is the module checksum go install records (h1:…), the proof of
	// which source a version-only build came from.
	Sum string `json:"module_sum,omitempty"`
}

// Read completes version, commit and date, as the build stamped them (each
// possibly empty), from the binary's build information; release is the
// version of the source, said as "release+dev" when nothing else tells
// the version.
func Read(version, commit, date, release string) Info {
	info := Info{Version: version, Commit: commit, Date: date, OS: runtime.GOOS, Arch: runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		info.GoVersion = bi.GoVersion
		info.Sum = bi.Main.Sum
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			// go install …@v1.2.3 gives the tag; go build in a git
			// checkout gives a pseudo-version with "+dirty" when modified.
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = s.Value
				}
			case "vcs.time":
				if info.Date == "" {
					info.Date = s.Value
				}
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if info.Version == "" {
		// Built from source without VCS information and unstamped: say
		// which release the source is, and that it is not that release.
		info.Version = release + "+dev"
	}
	return info
}

const help = `Usage: tollgate version [--json]

Prints the version, the commit and its date, and the Go version and
platform the binary was built with, from the binary's own build
information. --json prints the same as one JSON object:
{"version", "commit", "modified", "date", "go", "os", "arch", "module_sum"}.
`

// usageError exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }
func (e usageError) Usage()        {}

// Command is `tollgate version [--json]`: it prints info to w.
func Command(args []string, w io.Writer, info Info) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the build information as JSON")
	rest, err := cli.Parse(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(w, help)
		return nil
	}
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError{fmt.Sprintf("version takes no arguments, got %q", strings.Join(rest, " "))}
	}
	if *asJSON {
		b, _ := json.MarshalIndent(info, "", "  ")
		_, err := fmt.Fprintf(w, "%s\n", b)
		return err
	}
	unknown := func(s string) string {
		if s == "" {
			return "unknown"
		}
		return s
	}
	c := unknown(info.Commit)
	if info.Modified {
		c += " (with uncommitted changes)"
	}
	_, err = fmt.Fprintf(w, "tollgate %s\ncommit: %s\ndate:   %s\ngo:     %s %s/%s\n",
		info.Version, c, unknown(info.Date), unknown(info.GoVersion), info.OS, info.Arch)
	return err
}
