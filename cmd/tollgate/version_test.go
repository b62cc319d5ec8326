package main

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	releasepins "github.com/tollgate-dev/tollgate/internal/release"
)

// The release constant the binary prints is the one the release tooling
// reads from this file (internal/release's agreement test then ties it to
// action.yml and the CHANGELOG).
func TestReleaseConstantIsWhatTheToolingReads(t *testing.T) {
	v, err := releasepins.SourceVersion("../..")
	if err != nil {
		t.Fatal(err)
	}
	if v != release {
		t.Errorf("internal/release reads %s, the binary has %s", v, release)
	}
}

func TestVersion(t *testing.T) {
	t.Run("an unstamped build says which release its source is", func(t *testing.T) {
		o := runArgs(t, nil, "version")
		want := "tollgate " + release + "+dev\ncommit: unknown\ndate:   unknown\ngo:     " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
		if o.code != exitOK || o.stdout != want {
			t.Errorf("exit %d\n%s\nwant:\n%s", o.code, o.stdout, want)
		}
	})
	t.Run("stamps win, and --json has every field", func(t *testing.T) {
		defer func(v, c, d string) { version, commit, date = v, c, d }(version, commit, date)
		version, commit, date = "v9.8.7", "abc123", "2026-01-02T03:04:05Z"
		o := runArgs(t, nil, "version", "--json")
		var got map[string]any
		if err := json.Unmarshal([]byte(o.stdout), &got); err != nil || o.code != exitOK {
			t.Fatalf("exit %d, %v: %s", o.code, err, o.stdout)
		}
		want := map[string]any{"version": "v9.8.7", "commit": "abc123", "modified": false, "date": "2026-01-02T03:04:05Z",
			"go": runtime.Version(), "os": runtime.GOOS, "arch": runtime.GOARCH}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %v, want %v", k, got[k], v)
			}
		}
		if o := runArgs(t, nil, "--version"); !strings.HasPrefix(o.stdout, "tollgate v9.8.7\n") {
			t.Errorf("--version: %q", o.stdout)
		}
		if toolVersion() != "v9.8.7" {
			t.Errorf("toolVersion() = %s", toolVersion())
		}
	})
	t.Run("bad usage", func(t *testing.T) {
		if o := runArgs(t, nil, "version", "extra"); o.code != exitUsage || !strings.Contains(o.stderr, `version takes no arguments, got "extra"`) {
			t.Errorf("exit %d: %s", o.code, o.stderr)
		}
		if o := runArgs(t, nil, "version", "--jsn"); o.code != exitUsage || !strings.Contains(o.stderr, "-jsn") {
			t.Errorf("exit %d: %s", o.code, o.stderr)
		}
		if o := runArgs(t, nil, "version", "--help"); o.code != exitOK || !strings.HasPrefix(o.stdout, "Usage: tollgate version [--json]") {
			t.Errorf("exit %d: %s", o.code, o.stdout)
		}
	})
}
