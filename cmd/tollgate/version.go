package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// release is the version this source tree is released as. The release
// commit sets it together with the CHANGELOG's latest entry, the version
// action.yml downloads and the action tag the reusable workflows use; a
// test (internal/release, TestThePinsAgree) fails when they disagree, and
// the release workflow refuses a tag that differs. docs/versioning.md.
const release = "v1.0.0"

// Stamped by builds that know better than the build info:
//
//	-ldflags "-X main.version=v1.2.3"  (the release build, the Dockerfile)
//	-ldflags "-X main.commit=… -X main.date=…"  (builds without .git, such
//	as the Dockerfile's, whose context leaves .git out)
var version, commit, date = "", "", ""

// buildInfo is what `tollgate version` says about this binary.
type buildInfo struct {
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

// readBuildInfo reads the binary's own build information; the stamped
// variables take precedence.
func readBuildInfo() buildInfo {
	info := buildInfo{Version: version, Commit: commit, Date: date, OS: runtime.GOOS, Arch: runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if ok {
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

// toolVersion returns the version of this build.
func toolVersion() string { return readBuildInfo().Version }

const versionHelp = `Usage: tollgate version [--json]

Prints the version, the commit and its date, and the Go version and
platform the binary was built with, from the binary's own build
information. --json prints the same as one JSON object:
{"version", "commit", "modified", "date", "go", "os", "arch", "module_sum"}.
`

func runVersion(_ context.Context, args []string, e *env) (int, error) {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the build information as JSON")
	rest, err := parseFlags(fs, args)
	if err == flag.ErrHelp {
		fmt.Fprint(e.stdout, versionHelp)
		return exitOK, nil
	}
	if err != nil {
		return 0, err
	}
	if len(rest) > 0 {
		return 0, usagef("version takes no arguments, got %q", strings.Join(rest, " "))
	}
	info := readBuildInfo()
	if *asJSON {
		b, _ := json.MarshalIndent(info, "", "  ")
		fmt.Fprintf(e.stdout, "%s\n", b)
		return exitOK, nil
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
	fmt.Fprintf(e.stdout, "tollgate %s\ncommit: %s\ndate:   %s\ngo:     %s %s/%s\n",
		info.Version, c, unknown(info.Date), unknown(info.GoVersion), info.OS, info.Arch)
	return exitOK, nil
}
