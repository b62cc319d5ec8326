package main

import (
	"bufio"
	"debug/elf"
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

func TestDockerfileBuildsASmallStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the release binary; skipped with -short")
	}
	root, _ := filepath.Abs("../..")
	env, args := dockerBuild(t, filepath.Join(root, "Dockerfile"))
	if diff := strings.Join(env, " "); diff != "CGO_ENABLED=0" {
		t.Errorf("build environment %q, want CGO_ENABLED=0", diff)
	}
	for _, want := range []string{"-trimpath", "-ldflags=-s -w -X main.version=${VERSION}", "./cmd/tollgate"} {
		if !contains(args, want) {
			t.Errorf("go build arguments %q lack %q", args, want)
		}
	}
	out := filepath.Join(t.TempDir(), "tollgate")
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "${VERSION}", "v0.0.0-test")
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
	if first, _, _ := strings.Cut(string(v), "\n"); err != nil || first != "tollgate v0.0.0-test" {
		t.Errorf("tollgate version = %q, %v", v, err)
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
		{"the build image has the Go of go.mod", `(?m)^FROM golang:` + regexp.QuoteMeta(goVersion[1]) + `-\S+ AS build$`},
		{"the final image is distroless static, with CA certificates and no shell", `(?m)^FROM gcr\.io/distroless/static-debian12:nonroot$`},
		{"it runs as a user that is not root", `(?m)^USER [1-9][0-9]*$`},
		{"the entry point is tollgate action", `(?m)^ENTRYPOINT \["/usr/local/bin/tollgate", "action"\]$`},
		{"only the binary is copied from the build", `(?m)^COPY --from=build /out/tollgate /usr/local/bin/tollgate$`},
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
