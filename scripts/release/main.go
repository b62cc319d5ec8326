// Command release is the Go half of scripts/release-build.sh and of the
// release workflow: it checks that the repository names one version
// everywhere, packs the built binaries into reproducible archives, writes
// checksums.txt and prints a version's release notes. See
// docs/versioning.md.
//
//	go run ./scripts/release check [VERSION]     the pins agree (with VERSION, the tag)
//	go run ./scripts/release version             the source's release version
//	go run ./scripts/release targets             one GOOS/GOARCH a line
//	go run ./scripts/release package -version V -out DIR -mtime EPOCH
//	go run ./scripts/release notes VERSION       CHANGELOG.md's section
//	git tag -l | go run ./scripts/release moving-tags VERSION
//	                                             the vX and vX.Y tags VERSION moves
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/release"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: release check|version|targets|package|notes")
	}
	root := "."
	switch args[0] {
	case "version":
		v, err := release.SourceVersion(root)
		if err == nil {
			fmt.Fprintln(stdout, v)
		}
		return err
	case "targets":
		for _, t := range release.Targets {
			fmt.Fprintln(stdout, t)
		}
		return nil
	case "check":
		return check(root, args[1:], stdout)
	case "notes":
		if len(args) != 2 {
			return fmt.Errorf("usage: release notes VERSION")
		}
		notes, err := release.Notes(root, args[1])
		if err == nil {
			fmt.Fprintln(stdout, notes)
		}
		return err
	case "package":
		return pack(root, args[1:], stdout)
	case "moving-tags":
		if len(args) != 2 {
			return fmt.Errorf("usage: git tag -l 'v*' | release moving-tags VERSION")
		}
		tags, err := io.ReadAll(stdin)
		if err != nil {
			return err
		}
		moving, err := release.MovingTags(args[1], strings.Fields(string(tags)))
		for _, t := range moving {
			fmt.Fprintln(stdout, t)
		}
		return err
	}
	return fmt.Errorf("unknown command %q", args[0])
}

func check(root string, args []string, stdout io.Writer) error {
	pins, err := release.ReadPins(root)
	if err != nil {
		return err
	}
	want := pins.Source
	if len(args) > 0 {
		want = args[0]
	}
	if !release.SemVer.MatchString(want) {
		return fmt.Errorf("%q is not a release tag vX.Y.Z", want)
	}
	if bad := pins.Disagreements(want); len(bad) > 0 {
		return fmt.Errorf("the repository does not name %s everywhere; the release commit must change each of:\n  %s",
			want, strings.Join(bad, "\n  "))
	}
	fmt.Fprintf(stdout, "%s: version.go, action.yml, CHANGELOG.md and %d workflow pins agree\n", want, len(pins.Workflows))
	return nil
}

// pack writes one archive per target from OUT/build/GOOS_GOARCH and
// checksums.txt over them.
func pack(root string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("package", flag.ContinueOnError)
	version := fs.String("version", "", "release version, vX.Y.Z")
	out := fs.String("out", "dist", "output folder holding build/")
	epoch := fs.String("mtime", "", "time of every archive entry, seconds since 1970 (the commit time)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !release.SemVer.MatchString(*version) {
		return fmt.Errorf("-version %q is not vX.Y.Z", *version)
	}
	secs, err := strconv.ParseInt(*epoch, 10, 64)
	if err != nil {
		return fmt.Errorf("-mtime %q is not seconds since 1970", *epoch)
	}
	mtime := time.Unix(secs, 0)
	var docs []release.File
	for _, name := range []string{"README.md", "CHANGELOG.md", "LICENSE"} {
		data, err := os.ReadFile(filepath.Join(root, name))
		if os.IsNotExist(err) && name == "LICENSE" {
			continue
		}
		if err != nil {
			return err
		}
		docs = append(docs, release.File{Name: name, Data: data})
	}
	var names []string
	for _, t := range release.Targets {
		bin, err := os.ReadFile(filepath.Join(*out, t.BuildDir(), t.Binary()))
		if err != nil {
			return fmt.Errorf("%s: %w (build it first)", t, err)
		}
		files := append([]release.File{{Name: t.Binary(), Data: bin, Exec: true}}, docs...)
		var b bytes.Buffer
		name := t.Archive(*version)
		if err := release.WriteArchive(&b, name, mtime, files); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(*out, name), b.Bytes(), 0o644); err != nil {
			return err
		}
		names = append(names, name)
		fmt.Fprintf(stdout, "%-14s binary %9d bytes (%4.1f MiB)  %-40s %9d bytes (%4.1f MiB)\n",
			t, len(bin), float64(len(bin))/(1<<20), name, b.Len(), float64(b.Len())/(1<<20))
	}
	sums, err := release.Checksums(*out, names)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(*out, "checksums.txt"), sums, 0o644)
}
