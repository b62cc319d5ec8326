package release

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// TestThePinsAgree is the release's agreement test: action.yml installs
// the version cmd/tollgate says it is (`tollgate version`'s default), which
// is the CHANGELOG's latest entry, and the reusable workflows use the
// action at that same tag. cmd/tollgate's own test ties the constant read
// here to the one the binary prints.
func TestThePinsAgree(t *testing.T) {
	p, err := ReadPins("../..")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Workflows) < 4 {
		t.Errorf("found only %d uses of the action in workflows/: %v", len(p.Workflows), p.Workflows)
	}
	for _, d := range p.Disagreements(p.Source) {
		t.Error(d)
	}
}

func TestDisagreementsAreNamed(t *testing.T) {
	p := Pins{Source: "v1.2.0", Action: "v1.1.0", Changelog: "v1.2.0", Workflows: map[string]string{"workflows/pr-check.yml:99": "v1"}}
	got := p.Disagreements("v1.2.0")
	want := []string{"action.yml (TOLLGATE_VERSION) says v1.1.0, not v1.2.0", "workflows/pr-check.yml:99 (uses: tollgate-dev/tollgate@…) says v1, not v1.2.0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestChangelogForm(t *testing.T) {
	links := "\n[unreleased]: https://x/compare\n[1.1.0]: https://x/1.1.0\n[1.0.0]: https://x/1.0.0\n"
	good := "# Changelog\n\n## [Unreleased]\n\n### Fixed\n\n- a\n\n## [1.1.0] - 2026-02-01\n\n### Added\n\n- b\n\n## [1.0.0] - 2026-01-01\n\n- c\n" + links
	root := t.TempDir()
	write := func(s string) { os.WriteFile(filepath.Join(root, "CHANGELOG.md"), []byte(s), 0o644) }
	write(good)
	entries, err := ReadChangelog(root)
	if err != nil || len(entries) != 3 || entries[1].Version != "1.1.0" || entries[1].Body != "### Added\n\n- b" {
		t.Fatalf("%v %+v", err, entries)
	}
	if n, err := Notes(root, "v1.0.0"); err != nil || n != "- c" {
		t.Errorf("notes %q, %v", n, err)
	}
	bad := []struct{ name, text, want string }{
		{"old first", strings.Replace(good, "1.1.0] - 2026-02-01", "0.9.0] - 2026-02-01", 1), "CHANGELOG.md:15: 1.0.0 comes after 0.9.0; newest first"},
		{"dated after the entry above", strings.Replace(good, "2026-01-01", "2026-03-01", 1), "1.0.0 is dated after 1.1.0"},
		{"no date", strings.Replace(good, " - 2026-01-01", "", 1), "CHANGELOG.md:15: 1.0.0 has no date YYYY-MM-DD"},
		{"no link", strings.Replace(good, "[1.0.0]: https://x/1.0.0\n", "", 1), `[1.0.0] has no link line`},
		{"unknown kind", strings.Replace(good, "### Added", "### New", 1), `"### New" is not one of keep-a-changelog's kinds`},
		{"bad heading", strings.Replace(good, "## [1.0.0] - 2026-01-01", "## 1.0.0", 1), `"## 1.0.0" is not "## [X.Y.Z] - YYYY-MM-DD"`},
		{"unreleased below", strings.Replace(strings.Replace(good, "## [Unreleased]\n", "", 1), "\n- c\n", "\n- c\n\n## [Unreleased]\n", 1), "[Unreleased] comes first"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			write(c.text)
			if _, err := ReadChangelog(root); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

func TestMovingTags(t *testing.T) {
	tags := []string{"v0.9.0", "v1.0.0", "v1.1.0", "v1.1.1", "v1.2.0-rc.1", "v2.0.0-rc.1", "v1", "v1.1", "nonsense"}
	cases := []struct {
		version string
		want    []string
	}{
		{"v1.1.1", []string{"v1", "v1.1"}}, // newest of both lines
		{"v1.0.1", []string{"v1.0"}},       // a fix of an older minor: v1 stays on 1.1.1
		{"v1.1.0", nil},                    // older than v1.1.1
		{"v1.2.0", []string{"v1", "v1.2"}}, // its own rc does not count
		{"v2.0.0", []string{"v2", "v2.0"}}, // a new major
		{"v2.0.0-rc.2", nil},               // a pre-release moves nothing
		{"v0.9.1", []string{"v0", "v0.9"}}, // other majors are independent
	}
	for _, c := range cases {
		got, err := MovingTags(c.version, append(tags, c.version))
		if err != nil || !cmp.Equal(got, c.want) {
			t.Errorf("MovingTags(%s) = %v, %v; want %v", c.version, got, err, c.want)
		}
	}
	if _, err := MovingTags("1.0.0", tags); err == nil {
		t.Error("a version without v was taken")
	}
}

func TestArchivesAreReproducibleAndReadable(t *testing.T) {
	bin := bytes.Repeat([]byte("binary"), 1000)
	files := []File{{Name: "tollgate", Data: bin, Exec: true}, {Name: "README.md", Data: []byte("# tollgate\n")}}
	mtime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("elsewhere", 5*3600))
	for _, name := range []string{"tollgate_1.0.0_linux_amd64.tar.gz", "tollgate_1.0.0_windows_amd64.zip"} {
		t.Run(name, func(t *testing.T) {
			var a, b, c bytes.Buffer
			if err := WriteArchive(&a, name, mtime, files); err != nil {
				t.Fatal(err)
			}
			WriteArchive(&b, name, mtime.UTC(), files)
			WriteArchive(&c, name, mtime.Add(time.Second), files)
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Error("the same files at the same instant gave different bytes")
			}
			if bytes.Equal(a.Bytes(), c.Bytes()) {
				t.Error("the time is not in the archive")
			}
			// What the system's tools read back.
			dir := t.TempDir()
			p := filepath.Join(dir, name)
			os.WriteFile(p, a.Bytes(), 0o644)
			var cmd *exec.Cmd
			if strings.HasSuffix(name, ".zip") {
				cmd = exec.Command("unzip", "-q", p, "tollgate")
			} else {
				cmd = exec.Command("tar", "-xzf", p, "tollgate")
			}
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
			}
			info, err := os.Stat(filepath.Join(dir, "tollgate"))
			if err != nil || info.Mode().Perm() != 0o755 {
				t.Fatalf("unpacked tollgate: %v %v", info, err)
			}
			got, _ := os.ReadFile(filepath.Join(dir, "tollgate"))
			if !bytes.Equal(got, bin) {
				t.Error("the binary changed on the way")
			}
			if !info.ModTime().Equal(mtime) {
				t.Errorf("mtime %v, want %v", info.ModTime(), mtime)
			}
		})
	}
	t.Run("tar entries carry no owner and fixed modes", func(t *testing.T) {
		var a bytes.Buffer
		WriteArchive(&a, "x.tar.gz", mtime, files)
		gz, err := gzip.NewReader(&a)
		if err != nil {
			t.Fatal(err)
		}
		if gz.Name != "" || !gz.ModTime.IsZero() {
			t.Errorf("gzip header has name %q and time %v", gz.Name, gz.ModTime)
		}
		tr := tar.NewReader(gz)
		var got []string
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			if h.Uid != 0 || h.Gid != 0 {
				t.Errorf("%s: uid %d gid %d", h.Name, h.Uid, h.Gid)
			}
			got = append(got, h.Name+" "+os.FileMode(h.Mode).String())
		}
		if diff := cmp.Diff([]string{"tollgate -rwxr-xr-x", "README.md -rw-r--r--"}, got); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("zip entries keep the executable bit", func(t *testing.T) {
		var a bytes.Buffer
		WriteArchive(&a, "x.zip", mtime, files)
		zr, err := zip.NewReader(bytes.NewReader(a.Bytes()), int64(a.Len()))
		if err != nil {
			t.Fatal(err)
		}
		if zr.File[0].Mode().Perm() != 0o755 {
			t.Errorf("mode %v", zr.File[0].Mode())
		}
	})
}

func TestChecksumsAreWhatSha256sumChecks(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b.tar.gz", "a.zip"} {
		os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644)
	}
	sums, err := Checksums(dir, []string{"b.tar.gz", "a.zip"})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "checksums.txt"), sums, 0o644)
	cmd := exec.Command("sha256sum", "-c", "--strict", "checksums.txt")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
	m, err := ParseChecksums(sums)
	if err != nil || len(m) != 2 || !strings.HasPrefix(string(sums), m["a.zip"]+"  a.zip\n") {
		t.Errorf("%v %v\n%s", m, err, sums)
	}
	for _, bad := range []string{"abc  x.zip\n", strings.Repeat("a", 64) + "  ../x.zip\n", strings.Repeat("a", 64) + "  x\n" + strings.Repeat("b", 64) + "  x\n"} {
		if _, err := ParseChecksums([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestTargetNames(t *testing.T) {
	var got []string
	for _, target := range Targets {
		got = append(got, target.Archive("v1.2.3")+" "+target.Binary()+" "+filepath.ToSlash(target.BuildDir()))
	}
	want := []string{
		"tollgate_1.2.3_linux_amd64.tar.gz tollgate build/linux_amd64",
		"tollgate_1.2.3_linux_arm64.tar.gz tollgate build/linux_arm64",
		"tollgate_1.2.3_darwin_amd64.tar.gz tollgate build/darwin_amd64",
		"tollgate_1.2.3_darwin_arm64.tar.gz tollgate build/darwin_arm64",
		"tollgate_1.2.3_windows_amd64.zip tollgate.exe build/windows_amd64",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the names install.sh and the Dockerfile expect changed (-want +got):\n%s", diff)
	}
}

// TestScriptsPassShellcheck checks the scripts outside workflows (the
// workflows' run: scripts are checked through actionlint), as bash.
func TestScriptsPassShellcheck(t *testing.T) {
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		if os.Getenv("TOLLGATE_CI") == "1" {
			t.Fatal("TOLLGATE_CI=1 and shellcheck is not installed (.ci/run installs it)")
		}
		t.Skip("shellcheck is not installed")
	}
	out, err := exec.Command(sc, "--shell=bash", "--severity=style", "../../action/install.sh", "../../scripts/release-build.sh").CombinedOutput()
	if err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}

// TestTheDogfoodWorkflowBuildsFromSource: this repository's own workflow
// runs the action of the commit under review, compiled from it, never a
// downloaded release.
func TestTheDogfoodWorkflowBuildsFromSource(t *testing.T) {
	data, err := os.ReadFile("../../.github/workflows/tollgate.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []ActionStep
		}
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			if strings.Contains(s.Uses, "tollgate") {
				t.Errorf("the dogfood workflow uses %s, not the local action", s.Uses)
			}
			if s.Uses == "./" {
				found++
				if s.With["install"] != "source" {
					t.Errorf("uses: ./ with install %q, want source", s.With["install"])
				}
			}
		}
	}
	if found == 0 {
		t.Error("the dogfood workflow has no uses: ./ step")
	}
}

// TestTheLocalActionBuildsAndRunsTheCheckout runs action.yml as the
// dogfood workflow does (uses: ./, install: source): the Go program of the
// action's checkout is built, not downloaded, gets the inputs and sets the
// action's outputs.
func TestTheLocalActionBuildsAndRunsTheCheckout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program; skipped with -short")
	}
	dump := filepath.Join(t.TempDir(), "env")
	c := newComposite(t, map[string]string{"install": "source", "path": "stacks", "fail-on": "none"},
		map[string]string{"TOLLGATE_ENV_DUMP": dump})
	c.actionPath = fakeCheckout(t)
	for k, v := range goEnv(t) {
		c.env[k] = v
	}
	code, outputs := c.run()
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, c.log.String())
	}
	if !strings.Contains(c.log.String(), "Building tollgate from source in "+c.actionPath) ||
		!strings.Contains(c.log.String(), "built from source, ran: action") {
		t.Errorf("log:\n%s", c.log.String())
	}
	if outputs["findings"] != "4" || outputs["blocking"] != "0" || outputs["sarif-file"] != ".tollgate/report.sarif" {
		t.Errorf("outputs %v", outputs)
	}
	got, _ := os.ReadFile(dump)
	if !strings.Contains(string(got), "INPUT_PATH=stacks\n") || !strings.Contains(string(got), "INPUT_FAIL-ON=none\n") {
		t.Errorf("inputs:\n%s", got)
	}
}
