// Package release knows what a tollgate release is made of: the targets,
// the names of their archives, how the archives and checksums.txt are
// written (reproducibly: the same binaries give the same bytes), and the
// places in the repository that must name the same version. The release
// build (scripts/release-build.sh), the composite action's install script
// (action/install.sh) and the tests all follow it.
package release

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Target is one platform a release ships a binary for.
type Target struct{ OS, Arch string }

func (t Target) String() string { return t.OS + "/" + t.Arch }

// Targets are the release's platforms: those of GitHub's hosted runners
// (Linux x64 and ARM64, macOS Intel and Apple silicon, Windows x64).
var Targets = []Target{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"},
}

// Binary is the file name of the executable on t.
func (t Target) Binary() string {
	if t.OS == "windows" {
		return "tollgate.exe"
	}
	return "tollgate"
}

// Archive is the name of t's release archive for version ("v1.2.3"):
// tollgate_1.2.3_linux_amd64.tar.gz, or .zip on Windows.
func (t Target) Archive(version string) string {
	ext := ".tar.gz"
	if t.OS == "windows" {
		ext = ".zip"
	}
	return fmt.Sprintf("tollgate_%s_%s_%s%s", strings.TrimPrefix(version, "v"), t.OS, t.Arch, ext)
}

// BuildDir is where the release build leaves t's bare binary, relative to
// the output folder; the Dockerfile's release stage copies it from there.
func (t Target) BuildDir() string { return filepath.Join("build", t.OS+"_"+t.Arch) }

// File is one file put in an archive.
type File struct {
	Name string // name inside the archive
	Data []byte
	Exec bool
}

// WriteArchive writes files as a .tar.gz, or a .zip when name ends so,
// with nothing in it that depends on when or where it was made: every
// entry has the time mtime, owner 0 and fixed modes, in the given order,
// and the gzip header has no name and no time.
func WriteArchive(w io.Writer, name string, mtime time.Time, files []File) error {
	mtime = mtime.UTC()
	if strings.HasSuffix(name, ".zip") {
		zw := zip.NewWriter(w)
		for _, f := range files {
			h := &zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: mtime}
			mode := os.FileMode(0o644)
			if f.Exec {
				mode = 0o755
			}
			h.SetMode(mode)
			fw, err := zw.CreateHeader(h)
			if err != nil {
				return err
			}
			if _, err := fw.Write(f.Data); err != nil {
				return err
			}
		}
		return zw.Close()
	}
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	for _, f := range files {
		mode := int64(0o644)
		if f.Exec {
			mode = 0o755
		}
		h := &tar.Header{Typeflag: tar.TypeReg, Name: f.Name, Size: int64(len(f.Data)), Mode: mode,
			ModTime: mtime, Uname: "root", Gname: "root", Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// Checksums returns checksums.txt for the named files in dir, in the
// format sha256sum writes and `sha256sum -c` reads: the hex digest, two
// spaces and the name, one a line, sorted by name.
func Checksums(dir string, names []string) ([]byte, error) {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	var b bytes.Buffer
	for _, n := range sorted {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), n)
	}
	return b.Bytes(), nil
}

// ParseChecksums reads checksums.txt into name → lower-case hex digest.
// A line that is not a digest and a name, or a name given twice, is an
// error: the install script refuses such a file too.
func ParseChecksums(data []byte) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		m := checksumLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("checksums.txt:%d: %q is not \"<sha256>  <file>\"", n, line)
		}
		if _, dup := out[m[2]]; dup {
			return nil, fmt.Errorf("checksums.txt:%d: %s is listed twice", n, m[2])
		}
		out[m[2]] = strings.ToLower(m[1])
	}
	return out, sc.Err()
}

var checksumLine = regexp.MustCompile(`^([0-9a-fA-F]{64}) [ *]([^ /\\]+)$`)

// SemVer matches a release version as tags name it: v1.2.3 or v1.2.3-rc.1.
var SemVer = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$`)

// Prerelease reports whether v has a pre-release part (v1.2.0-rc.1): such
// a release moves neither the vX nor the vX.Y tags.
func Prerelease(v string) bool { return strings.Contains(v, "-") }

// MovingTags returns the moving tags a release of version moves, given
// every tag of the repository (which includes version itself): vX when
// version is the newest release of major X, vX.Y when it is the newest of
// X.Y. A pre-release moves none, and pre-releases never count as newest.
func MovingTags(version string, tags []string) ([]string, error) {
	if !SemVer.MatchString(version) {
		return nil, fmt.Errorf("%q is not a release tag vX.Y.Z", version)
	}
	if Prerelease(version) {
		return nil, nil
	}
	m := SemVer.FindStringSubmatch(version)
	major, minor := "v"+m[1], "v"+m[1]+"."+m[2]
	newestMajor, newestMinor := true, true
	for _, t := range tags {
		if !SemVer.MatchString(t) || Prerelease(t) || compareSemVer(t, version) <= 0 {
			continue
		}
		n := SemVer.FindStringSubmatch(t)
		if n[1] == m[1] {
			newestMajor = false
			if n[2] == m[2] {
				newestMinor = false
			}
		}
	}
	var out []string
	if newestMajor {
		out = append(out, major)
	}
	if newestMinor {
		out = append(out, minor)
	}
	return out, nil
}
