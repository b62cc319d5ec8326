package release

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests of action/install.sh run it with bash, as a runner would,
// against a local HTTPS server serving a fake release: archives made by
// WriteArchive (what scripts/release-build.sh publishes) holding a fake
// tollgate, a shell script that says its version.

const pinned = "v1.0.0"

// fakeTollgate is a stand-in binary: `version` prints what a release
// prints; anything else records its INPUT_ variables in $TOLLGATE_ENV_DUMP
// and sets the outputs the real one sets.
func fakeTollgate(version string) []byte {
	// bash, not sh: dash drops variables whose names have a hyphen
	// (INPUT_FAIL-ON) from the environment it passes on.
	return []byte(`#!/usr/bin/env bash
if [ "$1" = version ]; then
	printf 'tollgate ` + version + `\ncommit: 0123456789abcdef0123456789abcdef01234567\ndate:   2026-01-02T03:04:05Z\ngo:     go1.26.8 linux/amd64\n'
	exit 0
fi
env | grep '^INPUT_' | sort >"$TOLLGATE_ENV_DUMP"
echo "blocking=0" >>"$GITHUB_OUTPUT"
echo "findings=7" >>"$GITHUB_OUTPUT"
echo "fake tollgate ran: $*"
exit "${FAKE_EXIT:-0}"
`)
}

// fakeRelease is a release server: it serves files under
// /download/VERSION/ and records every request.
type fakeRelease struct {
	t     testing.TB
	srv   *httptest.Server
	ca    string // PEM file of the server's certificate, for CURL_CA_BUNDLE
	mu    sync.Mutex
	files map[string][]byte // path → content
	reqs  []string
}

func newFakeRelease(t testing.TB) *fakeRelease {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatalf("the install script downloads with curl, which every runner has: %v", err)
	}
	f := &fakeRelease{t: t, files: map[string][]byte{}}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.reqs = append(f.reqs, r.URL.Path)
		data, ok := f.files[r.URL.Path]
		f.mu.Unlock()
		// GitHub answers a release download with a redirect to its
		// storage; so does this server, for everything under /download.
		if rest, isDownload := strings.CutPrefix(r.URL.Path, "/download/"); isDownload {
			http.Redirect(w, r, "/storage/"+rest, http.StatusFound)
			return
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	// The refusals make curl hang up mid-handshake; that is not news.
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	f.ca = filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw})
	if err := os.WriteFile(f.ca, pemBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fakeRelease) url() string { return f.srv.URL + "/download" }

func (f *fakeRelease) put(version, name string, data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files["/storage/"+version+"/"+name] = data
}

func (f *fakeRelease) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.reqs...)
}

// publish serves a release of version for every target, each archive
// holding bin, and checksums.txt over them as Checksums writes it.
func (f *fakeRelease) publish(version string, bin []byte) {
	dir := f.t.TempDir()
	var names []string
	for _, target := range Targets {
		var b bytes.Buffer
		name := target.Archive(version)
		files := []File{{Name: target.Binary(), Data: bin, Exec: true}, {Name: "README.md", Data: []byte("# tollgate\n")}}
		if err := WriteArchive(&b, name, time.Unix(1767225600, 0), files); err != nil {
			f.t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644)
		f.put(version, name, b.Bytes())
		names = append(names, name)
	}
	sums, err := Checksums(dir, names)
	if err != nil {
		f.t.Fatal(err)
	}
	f.put(version, "checksums.txt", sums)
}

type installRun struct {
	code           int
	stdout, stderr string
	path           string // the path= output, "" when none
}

// runInstall runs action/install.sh with the runner variables a step
// gets, and returns what it did.
func runInstall(t testing.TB, f *fakeRelease, vars map[string]string) installRun {
	t.Helper()
	root, _ := filepath.Abs("../..")
	tmp := t.TempDir()
	output := filepath.Join(tmp, "output")
	os.WriteFile(output, nil, 0o644)
	env := map[string]string{
		"PATH": os.Getenv("PATH"), "HOME": tmp,
		"RUNNER_OS": "Linux", "RUNNER_ARCH": "X64", "RUNNER_TEMP": tmp, "GITHUB_OUTPUT": output,
		"GITHUB_ACTION_PATH": root, "TOLLGATE_VERSION": pinned, "TOLLGATE_INSTALL": "release",
		"TOLLGATE_RELEASE_URL": f.url(), "CURL_CA_BUNDLE": f.ca,
	}
	for k, v := range goEnv(t) {
		env[k] = v
	}
	for k, v := range vars {
		if v == "<unset>" {
			delete(env, k)
		} else {
			env[k] = v
		}
	}
	cmd := exec.Command("bash", filepath.Join(root, "action", "install.sh"))
	cmd.Dir = tmp
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := installRun{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	outputs, _ := os.ReadFile(output)
	for _, line := range strings.Split(string(outputs), "\n") {
		if p, ok := strings.CutPrefix(line, "path="); ok {
			r.path = p
		}
	}
	return r
}

func (r installRun) String() string {
	return fmt.Sprintf("exit %d, path %q\nstdout:\n%s\nstderr:\n%s", r.code, r.path, r.stdout, r.stderr)
}

// refused checks that the script stopped with one error annotation that
// says want, and left nothing to run.
func (r installRun) refused(t *testing.T, want string) {
	t.Helper()
	if r.code == 0 || r.path != "" {
		t.Fatalf("not refused: %s", r)
	}
	var errorLines []string
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(line, "::error ") {
			errorLines = append(errorLines, line)
		}
	}
	if len(errorLines) != 1 || !strings.Contains(errorLines[0], want) {
		t.Errorf("want one ::error line saying %q: %s", want, r)
	}
}

func TestInstallDownloadsVerifiesAndRunsTheRightBinary(t *testing.T) {
	f := newFakeRelease(t)
	f.publish(pinned, fakeTollgate(pinned))
	cases := []struct {
		os, arch, archive, binary string
		path                      func(t *testing.T) string // PATH for the script; nil: this machine's
	}{
		{"Linux", "X64", "tollgate_1.0.0_linux_amd64.tar.gz", "tollgate", nil},
		{"Linux", "ARM64", "tollgate_1.0.0_linux_arm64.tar.gz", "tollgate", nil},
		{"macOS", "X64", "tollgate_1.0.0_darwin_amd64.tar.gz", "tollgate", nil},
		// macOS has shasum, not sha256sum.
		{"macOS", "ARM64", "tollgate_1.0.0_darwin_arm64.tar.gz", "tollgate", func(t *testing.T) string {
			return toolDir(t, "bash", "curl", "awk", "grep", "tr", "wc", "tar", "gzip", "mktemp", "rm", "chmod", "env", "sort", "uname", "dirname", "shasum", "perl")
		}},
		// Windows ships a zip and tollgate.exe.
		{"Windows", "X64", "tollgate_1.0.0_windows_amd64.zip", "tollgate.exe", nil},
	}
	for _, c := range cases {
		t.Run(c.os+"/"+c.arch, func(t *testing.T) {
			vars := map[string]string{"RUNNER_OS": c.os, "RUNNER_ARCH": c.arch}
			if c.path != nil {
				vars["PATH"] = c.path(t)
			}
			before := len(f.requests())
			r := runInstall(t, f, vars)
			if r.code != 0 || filepath.Base(r.path) != c.binary {
				t.Fatalf("want the path of %s: %s", c.binary, r)
			}
			if !strings.Contains(r.stdout, "Verified "+c.archive+" (SHA-256 ") || !strings.Contains(r.stdout, "\ntollgate "+pinned+"\n") {
				t.Errorf("the log does not say what was verified and run: %s", r)
			}
			got := f.requests()[before:]
			want := []string{"/download/" + pinned + "/checksums.txt", "/storage/" + pinned + "/checksums.txt",
				"/download/" + pinned + "/" + c.archive, "/storage/" + pinned + "/" + c.archive}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("requests %v, want %v", got, want)
			}
			out, err := exec.Command(r.path, "version").Output()
			if err != nil || !strings.HasPrefix(string(out), "tollgate "+pinned+"\n") {
				t.Errorf("the installed binary says %q, %v", out, err)
			}
			if entries, _ := os.ReadDir(filepath.Dir(r.path)); len(entries) != 2 {
				t.Errorf("left behind %d files beside the binary, want checksums.txt only", len(entries)-1)
			}
		})
	}
}

func TestInstallRefuses(t *testing.T) {
	f := newFakeRelease(t)
	f.publish(pinned, fakeTollgate(pinned))
	linux := Target{"linux", "amd64"}.Archive(pinned)
	goodSums, _ := ParseChecksums(f.files["/storage/"+pinned+"/checksums.txt"])

	t.Run("an archive whose checksum is wrong", func(t *testing.T) {
		g := newFakeRelease(t)
		g.publish(pinned, fakeTollgate(pinned))
		// A different archive under the same name: one byte changed.
		bad := append([]byte(nil), g.files["/storage/"+pinned+"/"+linux]...)
		bad[len(bad)/2] ^= 1
		g.put(pinned, linux, bad)
		r := runInstall(t, g, nil)
		sum := sha256.Sum256(bad)
		r.refused(t, linux+" has SHA-256 "+hex.EncodeToString(sum[:])+", but checksums.txt of "+pinned+" says "+goodSums[linux]+"; refusing to run it")
		if _, err := os.Stat(filepath.Join(filepath.Dir(r.path), "tollgate")); r.path != "" || err == nil {
			t.Errorf("the binary was unpacked")
		}
	})
	t.Run("a checksums.txt without the archive", func(t *testing.T) {
		g := newFakeRelease(t)
		g.publish(pinned, fakeTollgate(pinned))
		var kept []string
		for _, line := range strings.Split(string(g.files["/storage/"+pinned+"/checksums.txt"]), "\n") {
			if !strings.HasSuffix(line, linux) {
				kept = append(kept, line)
			}
		}
		g.put(pinned, "checksums.txt", []byte(strings.Join(kept, "\n")))
		runInstall(t, g, nil).refused(t, "checksums.txt of "+pinned+" has no single SHA-256 line for "+linux)
	})
	t.Run("a checksums.txt naming the archive twice", func(t *testing.T) {
		g := newFakeRelease(t)
		g.publish(pinned, fakeTollgate(pinned))
		sums := g.files["/storage/"+pinned+"/checksums.txt"]
		g.put(pinned, "checksums.txt", append(sums, []byte(strings.Repeat("0", 64)+"  "+linux+"\n")...))
		runInstall(t, g, nil).refused(t, "no single SHA-256 line for "+linux)
	})
	t.Run("a binary of another version, with matching checksums", func(t *testing.T) {
		g := newFakeRelease(t)
		g.publish(pinned, fakeTollgate("v0.9.0"))
		runInstall(t, g, nil).refused(t, `says "tollgate v0.9.0", not "tollgate `+pinned+`"; refusing to run it`)
	})
	for _, p := range []struct{ os, arch string }{{"Linux", "ARM"}, {"Linux", "X86"}, {"Windows", "ARM64"}, {"FreeBSD", "X64"}, {"macOS", "ARM"}} {
		t.Run("an unknown platform: "+p.os+" "+p.arch, func(t *testing.T) {
			before := len(f.requests())
			runInstall(t, f, map[string]string{"RUNNER_OS": p.os, "RUNNER_ARCH": p.arch}).refused(t,
				"has no release binary for this runner ("+p.os+" "+p.arch+"); there are binaries for Linux X64 and ARM64, macOS X64 and ARM64 and Windows X64. Use one of those, or set install: source")
			if n := len(f.requests()) - before; n != 0 {
				t.Errorf("%d downloads for a platform with no binary", n)
			}
		})
	}
	t.Run("a version that is not released", func(t *testing.T) {
		runInstall(t, f, map[string]string{"TOLLGATE_VERSION": "v1.0.1"}).refused(t,
			"could not download "+f.url()+"/v1.0.1/checksums.txt (see above). Is v1.0.1 released there?")
	})
	t.Run("a release-url that is not https", func(t *testing.T) {
		before := len(f.requests())
		runInstall(t, f, map[string]string{"TOLLGATE_RELEASE_URL": "http://127.0.0.1:1/download"}).refused(t,
			`input release-url: "http://127.0.0.1:1/download" is not an https:// URL`)
		if n := len(f.requests()) - before; n != 0 {
			t.Errorf("%d requests", n)
		}
	})
	t.Run("a redirect to plain http", func(t *testing.T) {
		g := newFakeRelease(t)
		plain := httptest.NewServer(http.NotFoundHandler())
		defer plain.Close()
		g.srv.Config.Handler = http.RedirectHandler(plain.URL+"/x", http.StatusFound)
		runInstall(t, g, nil).refused(t, "could not download "+g.url()+"/"+pinned+"/checksums.txt")
	})
	t.Run("a certificate curl does not trust", func(t *testing.T) {
		runInstall(t, f, map[string]string{"CURL_CA_BUNDLE": "<unset>", "SSL_CERT_FILE": "/nonexistent"}).refused(t, "could not download")
	})
	t.Run("an unknown install value", func(t *testing.T) {
		runInstall(t, f, map[string]string{"TOLLGATE_INSTALL": "latest"}).refused(t, `input install: "latest" is not one of release, source`)
	})
	t.Run("a pinned version that is not vX.Y.Z", func(t *testing.T) {
		runInstall(t, f, map[string]string{"TOLLGATE_VERSION": "v1.0.0/../../evil"}).refused(t, `TOLLGATE_VERSION "v1.0.0/../../evil" is not a release vX.Y.Z`)
	})
	t.Run("an input that tries to forge workflow commands", func(t *testing.T) {
		hostile := "https://x\n::set-output name=blocking::0\n::add-mask::%\r"
		r := runInstall(t, f, map[string]string{"TOLLGATE_RELEASE_URL": hostile, "TOLLGATE_INSTALL": "x\n::warning::forged"})
		r.refused(t, `input install: "x%0A::warning::forged" is not one of release, source`)
		for _, line := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(line, "::") && !strings.HasPrefix(line, "::error ") {
				t.Errorf("forged workflow command %q", line)
			}
		}
	})
}

// fakeCheckout makes a checkout of the action whose Go program is a small
// stand-in for tollgate: building it from source is the same `go build`
// of ./cmd/tollgate, at a fraction of the real one's cold cost (the real
// one is built with the same flags by cmd/tollgate's Dockerfile test).
func fakeCheckout(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	script, err := os.ReadFile("../../action/install.sh")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"action/install.sh": string(script),
		"go.mod":            "module example.com/fake\n\ngo 1.22\n",
		"cmd/tollgate/main.go": `package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "version" {
		fmt.Println("tollgate v0.0.0-source")
		return
	}
	var in []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "INPUT_") {
			in = append(in, kv)
		}
	}
	sort.Strings(in)
	if p := os.Getenv("TOLLGATE_ENV_DUMP"); p != "" {
		os.WriteFile(p, []byte(strings.Join(in, "\n")+"\n"), 0o644)
	}
	f, err := os.OpenFile(os.Getenv("GITHUB_OUTPUT"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		os.Exit(3)
	}
	fmt.Fprint(f, "findings=4\nblocking=0\nsarif-file=.tollgate/report.sarif\n")
	f.Close()
	fmt.Println("built from source, ran:", strings.Join(os.Args[1:], " "))
}
`,
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestInstallFromSourceBuildsTheCheckout is the path of forks, air-gapped
// GHES and the dogfood workflow: no download, the action's own checkout
// built with Go, with the flags of the Dockerfile's build.
func TestInstallFromSourceBuildsTheCheckout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program; skipped with -short")
	}
	f := newFakeRelease(t)
	src := fakeCheckout(t)
	r := runInstall(t, f, map[string]string{"TOLLGATE_INSTALL": "source", "TOLLGATE_VERSION": "<unset>", "GITHUB_ACTION_PATH": src})
	if r.code != 0 || filepath.Base(r.path) != "tollgate" {
		t.Fatalf("%s", r)
	}
	if !strings.Contains(r.stdout, "Building tollgate from source in "+src+" with go") || !strings.Contains(r.stdout, "\ntollgate v0.0.0-source\n") {
		t.Errorf("log: %s", r)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d downloads while building from source", n)
	}
	t.Run("with the Dockerfile's flags", func(t *testing.T) {
		script, _ := os.ReadFile("../../action/install.sh")
		dockerfile, _ := os.ReadFile("../../Dockerfile")
		const build = `CGO_ENABLED=0 go build -trimpath -ldflags="-s -w`
		if !bytes.Contains(script, []byte(build+`" -o "$dir/$bin" ./cmd/tollgate`)) || !bytes.Contains(dockerfile, []byte("RUN "+build+" ")) {
			t.Errorf("action/install.sh and the Dockerfile do not both build with %s", build)
		}
	})
	t.Run("without Go", func(t *testing.T) {
		r := runInstall(t, f, map[string]string{"TOLLGATE_INSTALL": "source", "GITHUB_ACTION_PATH": src,
			"PATH": toolDir(t, "bash", "mktemp", "uname", "dirname")})
		r.refused(t, "install: source needs Go on the runner; none is on PATH")
	})
	t.Run("a checkout that does not build", func(t *testing.T) {
		broken := fakeCheckout(t)
		os.WriteFile(filepath.Join(broken, "cmd/tollgate/main.go"), []byte("package main\n\nfunc main() { undefined() }\n"), 0o644)
		r := runInstall(t, f, map[string]string{"TOLLGATE_INSTALL": "source", "GITHUB_ACTION_PATH": broken})
		r.refused(t, "building tollgate from "+broken+" failed (see above)")
	})
}

// goEnv is what a go command run with another HOME needs to find this
// machine's build and module caches, as setup-go leaves them on a runner.
func goEnv(t testing.TB) map[string]string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPROXY", "GOTOOLCHAIN").Output()
	if err != nil {
		t.Fatal(err)
	}
	v := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(v) != 4 {
		t.Fatalf("go env: %q", out)
	}
	return map[string]string{"GOCACHE": v[0], "GOMODCACHE": v[1], "GOPROXY": v[2], "GOTOOLCHAIN": v[3], "GOFLAGS": os.Getenv("GOFLAGS")}
}

// toolDir makes a folder holding links to only the named programs, a
// PATH that lacks everything else.
func toolDir(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if err := os.Symlink(p, filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// expr matches one ${{ … }} expression.
var expr = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// composite runs action.yml's steps the way the runner runs a composite
// action, for the few expression forms action.yml may use: inputs.NAME,
// steps.ID.outputs.NAME, github.action_path, and `if: inputs.NAME ==
// 'value'`. Any other form fails the test, which keeps action.yml simple
// enough to be checked here. Steps that use another action are skipped
// when their condition holds (setup-go: Go is already here) and must be
// allowed by skip.
type composite struct {
	t          *testing.T
	action     Action
	actionPath string
	env        map[string]string // the job's environment (GITHUB_*, RUNNER_*)
	inputs     map[string]string
	steps      map[string]map[string]string // id → outputs
	log        bytes.Buffer
}

func (c *composite) eval(s string) string {
	c.t.Helper()
	return expr.ReplaceAllStringFunc(s, func(m string) string {
		e := expr.FindStringSubmatch(m)[1]
		switch {
		case e == "github.action_path":
			return c.actionPath
		case strings.HasPrefix(e, "inputs."):
			name := strings.TrimPrefix(e, "inputs.")
			if v, ok := c.inputs[name]; ok {
				return v
			}
			in, ok := c.action.Inputs[name]
			if !ok {
				c.t.Fatalf("action.yml uses inputs.%s, which it does not declare", name)
			}
			if in.Default == nil {
				return ""
			}
			return *in.Default
		case strings.HasPrefix(e, "steps."):
			parts := strings.Split(e, ".")
			if len(parts) != 4 || parts[2] != "outputs" {
				c.t.Fatalf("expression %q", e)
			}
			return c.steps[parts[1]][parts[3]]
		}
		c.t.Fatalf("action.yml uses the expression %q, which this test does not evaluate", e)
		return ""
	})
}

var ifInput = regexp.MustCompile(`^inputs\.([a-z-]+) == '([^']*)'$`)

// run runs every step and returns the exit status of the first that
// fails (0 when none does) and the action's outputs.
func (c *composite) run() (int, map[string]string) {
	t := c.t
	t.Helper()
	c.steps = map[string]map[string]string{}
	for i, s := range c.action.Runs.Steps {
		if s.If != "" {
			m := ifInput.FindStringSubmatch(s.If)
			if m == nil {
				t.Fatalf("step %d: condition %q is not inputs.NAME == 'value'", i, s.If)
			}
			if c.eval("${{ inputs."+m[1]+" }}") != m[2] {
				continue
			}
		}
		if s.Uses != "" {
			if !strings.HasPrefix(s.Uses, "actions/setup-go@") {
				t.Fatalf("step %d uses %s; only actions/setup-go may be used", i, s.Uses)
			}
			if _, err := exec.LookPath("go"); err != nil {
				t.Fatal("no Go here to stand in for setup-go")
			}
			for _, v := range s.With {
				c.eval(v)
			}
			continue
		}
		if s.Shell != "bash" {
			t.Fatalf("step %d: shell %q; bash is the one shell on every runner", i, s.Shell)
		}
		if strings.Contains(s.Run, "${{") {
			t.Fatalf("step %d: run has ${{ }}: an input must reach a script through env", i)
		}
		dir := t.TempDir()
		output := filepath.Join(dir, "output")
		os.WriteFile(output, nil, 0o644)
		script := filepath.Join(dir, "script.sh")
		os.WriteFile(script, []byte(s.Run), 0o644)
		// The runner runs `bash --noprofile --norc -eo pipefail {0}`.
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Dir = c.env["GITHUB_WORKSPACE"]
		env := map[string]string{"GITHUB_ACTION_PATH": c.actionPath, "GITHUB_OUTPUT": output}
		for k, v := range c.env {
			env[k] = v
		}
		for k, v := range s.Env {
			env[k] = c.eval(v)
		}
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		cmd.Stdout, cmd.Stderr = &c.log, &c.log
		err := cmd.Run()
		outs := map[string]string{}
		data, _ := os.ReadFile(output)
		parseOutputs(t, string(data), outs)
		if s.ID != "" {
			c.steps[s.ID] = outs
		}
		if err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				return ee.ExitCode(), c.outputs()
			}
			t.Fatal(err)
		}
	}
	return 0, c.outputs()
}

func (c *composite) outputs() map[string]string {
	out := map[string]string{}
	for name, o := range c.action.Outputs {
		out[name] = c.eval(o.Value)
	}
	return out
}

// parseOutputs reads a GITHUB_OUTPUT file: name=value lines and
// name<<DELIMITER blocks.
func parseOutputs(t *testing.T, data string, into map[string]string) {
	lines := strings.Split(data, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var val []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				val = append(val, lines[i])
			}
			into[name] = strings.Join(val, "\n")
			continue
		}
		name, val, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("GITHUB_OUTPUT line %q", line)
		}
		into[name] = val
	}
}

func newComposite(t *testing.T, inputs map[string]string, env map[string]string) *composite {
	t.Helper()
	root, _ := filepath.Abs("../..")
	a, err := ReadAction(root)
	if err != nil {
		t.Fatal(err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("action.yml runs using %q, want composite", a.Runs.Using)
	}
	ws := t.TempDir()
	base := map[string]string{"PATH": os.Getenv("PATH"), "HOME": ws, "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64",
		"RUNNER_TEMP": t.TempDir(), "GITHUB_WORKSPACE": ws}
	for k, v := range env {
		base[k] = v
	}
	return &composite{t: t, action: a, actionPath: root, env: base, inputs: inputs}
}

// TestTheCompositeActionPassesEveryInput runs action.yml's steps with a
// fake release: the binary gets every input as INPUT_NAME, exactly as
// typed (shell metacharacters included, nothing evaluated), and the
// action's outputs are the binary's.
func TestTheCompositeActionPassesEveryInput(t *testing.T) {
	f := newFakeRelease(t)
	f.publish(pinned, fakeTollgate(pinned))
	dump := filepath.Join(t.TempDir(), "env")
	inputs := map[string]string{}
	c := newComposite(t, inputs, map[string]string{"TOLLGATE_ENV_DUMP": dump, "CURL_CA_BUNDLE": f.ca})
	var want []string
	for name := range c.action.Inputs {
		switch name {
		case "install":
			continue
		case "release-url":
			inputs[name] = f.url()
			continue
		}
		// Every value is hostile: were it evaluated, the run would break
		// or write pwned.
		inputs[name] = name + ` $(touch pwned) "; exit 9; ` + "`id`"
		want = append(want, "INPUT_"+strings.ToUpper(name)+"="+inputs[name])
	}
	sort.Strings(want)
	code, outputs := c.run()
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, c.log.String())
	}
	got, err := os.ReadFile(dump)
	if err != nil {
		t.Fatalf("the binary did not run: %v\n%s", err, c.log.String())
	}
	if strings.TrimSpace(string(got)) != strings.Join(want, "\n") {
		t.Errorf("the binary got:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if _, err := os.Stat(filepath.Join(c.env["GITHUB_WORKSPACE"], "pwned")); err == nil {
		t.Error("an input was run as shell")
	}
	if outputs["blocking"] != "0" || outputs["findings"] != "7" {
		t.Errorf("outputs %v", outputs)
	}
	if !strings.Contains(c.log.String(), "fake tollgate ran: action") {
		t.Errorf("log:\n%s", c.log.String())
	}

	t.Run("the binary's exit status is the step's", func(t *testing.T) {
		c := newComposite(t, map[string]string{"release-url": f.url()},
			map[string]string{"TOLLGATE_ENV_DUMP": dump, "CURL_CA_BUNDLE": f.ca, "FAKE_EXIT": "1"})
		code, outputs := c.run()
		if code != 1 || outputs["findings"] != "7" {
			t.Errorf("exit %d, outputs %v, want 1 with the outputs set\n%s", code, outputs, c.log.String())
		}
	})
}

// BenchmarkInstall times action/install.sh from start to the path output
// for a release archive of a real binary's size (the test binary itself,
// behind a script that answers `version`), from a local server: the
// script's own cost (two downloads, SHA-256, unpack, version check) without
// the network's.
func BenchmarkInstall(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	payload, err := os.ReadFile(exe)
	if err != nil {
		b.Fatal(err)
	}
	bin := append(fakeTollgate(pinned), payload...)
	f := newFakeRelease(b)
	f.publish(pinned, bin)
	arch := Target{"linux", "amd64"}.Archive(pinned)
	for b.Loop() {
		if r := runInstall(b, f, nil); r.code != 0 {
			b.Fatalf("%s", r)
		}
	}
	b.ReportMetric(float64(len(f.files["/storage/"+pinned+"/"+arch])), "archive-bytes")
}
