package main

import (
	"bytes"
	"encoding/json"
	"strconv"
	"syscall"

	"bufio"
	"debug/elf"
	"github.com/tollgate-dev/tollgate/github/githubtest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// maxBinarySize keeps the image under 30 MB: distroless/static adds about
// 2.5 MB to the binary.
const maxBinarySize = 27 << 20

// dockerBuild returns the environment and arguments of the Dockerfile's
// "RUN CGO_ENABLED=0 go build ..." line, so the test builds exactly what the
// image ships.
func dockerBuild(t *testing.T, dockerfile string) (env, args []string) {
	t.Helper()
	f, err := os.Open(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "RUN ")
		if !ok || !strings.Contains(line, "go build") {
			continue
		}
		words := shellWords(t, line)
		for len(words) > 0 && strings.Contains(words[0], "=") {
			env, words = append(env, words[0]), words[1:]
		}
		if len(words) < 2 || words[0] != "go" || words[1] != "build" {
			t.Fatalf("Dockerfile build line %q does not run go build directly", line)
		}
		return env, words[2:]
	}
	t.Fatal("the Dockerfile has no RUN ... go build line")
	return nil, nil
}

// shellWords splits a command line as sh would for the simple quoting the
// Dockerfile uses (double quotes, no escapes).
func shellWords(t *testing.T, s string) []string {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("unbalanced quotes in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// Stamps the test build carries, as the release build stamps them.
const (
	testVersion = "v0.0.0-test"
	testCommit  = "0123456789abcdef0123456789abcdef01234567"
	testDate    = "2026-01-02T03:04:05Z"
)

// buildImageBinary builds the binary exactly as the Dockerfile's source
// stage does, into dir, and returns its path.
func buildImageBinary(t *testing.T, dir string) string {
	t.Helper()
	root, _ := filepath.Abs("../..")
	env, args := dockerBuild(t, filepath.Join(root, "Dockerfile"))
	out := filepath.Join(dir, "tollgate")
	r := strings.NewReplacer("${VERSION}", testVersion, "${COMMIT}", testCommit, "${DATE}", testDate)
	for i, a := range args {
		args[i] = r.Replace(a)
		if a == "-o" && i+1 < len(args) {
			args[i+1] = out
		}
	}
	cmd := exec.Command("go", append([]string{"build"}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return out
}

func TestDockerfileBuildsASmallStaticBinary(t *testing.T) {
	root, _ := filepath.Abs("../..")
	env, args := dockerBuild(t, filepath.Join(root, "Dockerfile"))
	if diff := strings.Join(env, " "); diff != "CGO_ENABLED=0" {
		t.Errorf("build environment %q, want CGO_ENABLED=0", diff)
	}
	for _, want := range []string{"-trimpath", "-ldflags=-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}", "./cmd/tollgate"} {
		if !contains(args, want) {
			t.Errorf("go build arguments %q lack %q", args, want)
		}
	}
	if testing.Short() {
		t.Skip("builds the release binary; skipped with -short")
	}
	out := buildImageBinary(t, t.TempDir())
	info, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("static binary: %d bytes (%.1f MiB)", info.Size(), float64(info.Size())/(1<<20))
	if info.Size() > maxBinarySize {
		t.Errorf("binary is %.1f MiB, over the %d MiB that keeps the image under 30 MB", float64(info.Size())/(1<<20), maxBinarySize>>20)
	}
	if runtime.GOOS == "linux" {
		ef, err := elf.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer ef.Close()
		for _, p := range ef.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("binary asks for a dynamic loader; distroless/static has none")
			}
		}
		if libs, _ := ef.ImportedLibraries(); len(libs) > 0 {
			t.Errorf("binary links %v", libs)
		}
		if ef.Section(".symtab") != nil {
			t.Errorf("binary keeps its symbol table; -s should strip it")
		}
	}
	v, err := exec.Command(out, "version").CombinedOutput()
	want := "tollgate " + testVersion + "\ncommit: " + testCommit + "\ndate:   " + testDate + "\ngo:     " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if err != nil || string(v) != want {
		t.Errorf("tollgate version = %q, %v; want %q", v, err, want)
	}
}

func TestDockerfileImage(t *testing.T) {
	data, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)`).FindStringSubmatch(string(gomod))
	cases := []struct{ name, pattern string }{
		{"the build image has the Go of go.mod", `(?m)^FROM golang:` + regexp.QuoteMeta(goVersion[1]) + `-\S+ AS source$`},
		{"the final image is distroless static, with CA certificates and no shell", `(?m)^FROM gcr\.io/distroless/static-debian12:nonroot$`},
		{"it runs as a user that is not root", `(?m)^USER [1-9][0-9]*$`},
		{"the entry point is tollgate action", `(?m)^ENTRYPOINT \["/usr/local/bin/tollgate", "action"\]$`},
		{"only the binary is copied into the final image", `(?m)^COPY --from=binary /out/tollgate /usr/local/bin/tollgate$`},
		{"the binary is built from source unless BINARY says release", `(?m)^ARG BINARY=source$`},
		{"BINARY names the stage the binary comes from", `(?m)^FROM \$\{BINARY\} AS binary$`},
		{"the release stage copies what scripts/release-build.sh leaves in dist/build", `(?m)^COPY dist/build/\$\{TARGETOS\}_\$\{TARGETARCH\}/tollgate /out/tollgate$`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !regexp.MustCompile(tc.pattern).MatchString(df) {
				t.Errorf("Dockerfile does not match %s", tc.pattern)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// imageRoot lays out what a container step of GitHub Actions sees inside
// the image: the binary and /tmp from the image, and the runner's mounts,
// /github/workspace (the templates, owned by wsUID) and
// /github/file_commands (the output and summary files, owned by fileUID).
// Nothing else: no shell, no libc, no git, as in distroless/static.
func imageRoot(t *testing.T, bin string, wsUID, fileUID int) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	mkdir := func(p string, mode os.FileMode, uid int) string {
		p = filepath.Join(root, p)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, uid, uid); err != nil {
			t.Fatal(err)
		}
		return p
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	mkdir("usr/local/bin", 0o755, 0)
	if err := os.WriteFile(filepath.Join(root, "usr/local/bin/tollgate"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	mkdir("tmp", 0o1777, 0)
	mkdir("github/home", 0o755, fileUID)
	ws := mkdir("github/workspace", 0o755, wsUID)
	copyTree(t, "../../fixtures/example/stacks", filepath.Join(ws, "stacks"))
	filepath.WalkDir(ws, func(p string, _ os.DirEntry, _ error) error { return os.Chown(p, wsUID, wsUID) })
	files := mkdir("github/file_commands", 0o755, fileUID)
	for _, f := range []string{"set_output", "step_summary"} {
		if err := os.WriteFile(filepath.Join(files, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chown(filepath.Join(files, f), fileUID, fileUID)
	}
	mkdir("github/workflow", 0o755, 0)
	event, err := os.ReadFile("../../fixtures/events/pull_request.synchronize.json")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "github/workflow/event.json"), event, 0o644)
	return root
}

// dockerfileRuntime reads the final stage's USER and ENTRYPOINT.
func dockerfileRuntime(t *testing.T) (uid int, entrypoint []string) {
	t.Helper()
	data, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	m := regexp.MustCompile(`(?m)^USER ([0-9]+)$`).FindStringSubmatch(df)
	e := regexp.MustCompile(`(?m)^ENTRYPOINT (\[.*\])$`).FindStringSubmatch(df)
	if m == nil || e == nil {
		t.Fatal("the Dockerfile has no numeric USER or no exec-form ENTRYPOINT")
	}
	uid, _ = strconv.Atoi(m[1])
	if err := json.Unmarshal([]byte(e[1]), &entrypoint); err != nil {
		t.Fatalf("ENTRYPOINT %s: %v", e[1], err)
	}
	return uid, entrypoint
}

// TestWhatTheImageRuns runs the binary the Dockerfile builds as the image
// would run it in a container step: the ENTRYPOINT's argv, as the USER, in
// a root holding nothing but the binary and the runner's mounts, with the
// environment the runner gives a container, against a fake GitHub. No
// Docker engine is needed: the process is chrooted and its uid changed,
// which is what the container amounts to for a static binary. It needs
// root (CI runs as root).
func TestWhatTheImageRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the release binary; skipped with -short")
	}
	if runtime.GOOS != "linux" || os.Getuid() != 0 {
		if os.Getenv("TOLLGATE_CI") == "1" {
			t.Fatal("TOLLGATE_CI=1: this test must run, as root on Linux (it chroots)")
		}
		t.Skip("needs root on Linux to chroot and change uid")
	}
	bin := buildImageBinary(t, t.TempDir())
	uid, entrypoint := dockerfileRuntime(t)
	if uid == 0 {
		t.Fatal("the image runs as root")
	}
	run := func(t *testing.T, root string, extra ...string) (int, string, string) {
		f := githubtest.New(t)
		var out, errb bytes.Buffer
		cmd := exec.Command(entrypoint[0], entrypoint[1:]...)
		cmd.Dir = "/github/workspace" // docker run -w, as the runner sets it
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root, Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
		cmd.Env = append([]string{
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/github/home",
			"GITHUB_ACTIONS=true", "GITHUB_EVENT_NAME=pull_request", "GITHUB_EVENT_PATH=/github/workflow/event.json",
			"GITHUB_REPOSITORY=Codertocat/Hello-World", "GITHUB_API_URL=" + f.URL(), "GITHUB_SERVER_URL=https://github.com",
			"GITHUB_RUN_ID=4242", "GITHUB_RUN_ATTEMPT=1", "GITHUB_WORKFLOW=PR checks", "GITHUB_JOB=tollgate",
			"GITHUB_SHA=" + headSHA, "GITHUB_REF=refs/pull/2/merge", "GITHUB_WORKSPACE=/github/workspace",
			"GITHUB_OUTPUT=/github/file_commands/set_output", "GITHUB_STEP_SUMMARY=/github/file_commands/step_summary",
			"INPUT_GITHUB-TOKEN=test-token-123456",
		}, extra...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("starting %v in the image root: %v", entrypoint, err)
		}
		if n := len(f.Comments()); code != exitFailure && n != 1 {
			t.Errorf("%d comments posted, want 1", n)
		}
		return code, out.String(), errb.String()
	}

	t.Run("a workspace owned by the image's user, as on GitHub-hosted runners", func(t *testing.T) {
		root := imageRoot(t, bin, uid, uid)
		code, stdout, stderr := run(t, root)
		if code != exitBlocking || !strings.Contains(stdout, "EXTERNAL_PRINCIPAL") {
			t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitBlocking, stdout, stderr)
		}
		if out := readFile(t, filepath.Join(root, "github/file_commands/set_output")); !strings.Contains(out, "blocking") {
			t.Errorf("no outputs written:\n%s", out)
		}
		if _, err := os.Stat(filepath.Join(root, "github/workspace/.tollgate/report.json")); err != nil {
			t.Errorf("report.json: %v", err)
		}
	})
	t.Run("a workspace owned by another uid, as on a self-hosted runner", func(t *testing.T) {
		root := imageRoot(t, bin, uid+1, uid)
		code, stdout, stderr := run(t, root)
		// The templates are world-readable: the review is whole and
		// posted; only the report files cannot be written, and the step
		// says so instead of failing.
		if code != exitBlocking || !strings.Contains(stdout, "4 findings (3 blocking)") {
			t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitBlocking, stdout, stderr)
		}
		if !strings.Contains(stdout, `::warning::tollgate: output-dir ".tollgate": mkdir .tollgate: permission denied`) {
			t.Errorf("no warning about the unwritable output-dir:\n%s", stdout)
		}
		if out := readFile(t, filepath.Join(root, "github/file_commands/set_output")); !strings.Contains(out, "blocking") {
			t.Errorf("no outputs written:\n%s", out)
		}
	})
	t.Run("a workspace the image's user cannot read", func(t *testing.T) {
		root := imageRoot(t, bin, uid+1, uid)
		os.Chmod(filepath.Join(root, "github/workspace/stacks/payments"), 0o700)
		code, stdout, stderr := run(t, root)
		// A folder it cannot read is not a clean result: the step fails
		// (3) and names the folder.
		if code != exitFailure || !strings.Contains(stdout, "skipped stacks/payments: permission denied") {
			t.Errorf("exit %d, want %d naming the unreadable folder\nstdout:\n%s\nstderr:\n%s", code, exitFailure, stdout, stderr)
		}
		// Nor does any of its reports call what it read clean.
		if strings.Contains(stdout, "✓ no findings") || strings.Contains(readFile(t, filepath.Join(root, "github/file_commands/step_summary")), "all clear") {
			t.Errorf("an incomplete run reads as clean\nstdout:\n%s", stdout)
		}
	})
}
