package release

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// listedPackage is what `go list -json` says of one package for a target.
type listedPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	ImportMap  map[string]string
	Standard   bool
	Module     *struct{ Path string }
	Error      *struct{ Err string }
	DepsErrors []*struct{ Err string }
}

// TestEveryReleaseTargetTypeChecks is the suite's stand-in for
// cross-compiling the five release targets, which costs about two and a
// half minutes per target with a cold build cache (docs/versioning.md has
// the numbers). For each target it lets the go command pick the files that
// target compiles (build constraints, GOOS/GOARCH file names, cgo off) for
// every package of the command, and type-checks them all from source with
// go/types, with that target's sizes: an identifier missing on Windows, a
// file excluded on macOS or a type that differs on arm64 fails here as it
// would fail `go build`. Dependencies are checked without function bodies
// (they are only declarations to us); our own packages in full. What this
// cannot see is what only the compiler back end and the linker see
// (assembly, linkname targets): scripts/release-build.sh builds the real
// binaries, and the release workflow runs it.
func TestEveryReleaseTargetTypeChecks(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the command for five targets; skipped with -short")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range Targets {
		t.Run(target.String(), func(t *testing.T) {
			start := time.Now()
			r, err := checkTarget(root, "./cmd/tollgate", "github.com/tollgate-dev/tollgate", target)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range r.errs {
				t.Error(e)
			}
			if r.packages < 100 {
				t.Errorf("only %d packages: go list did not follow the imports", r.packages)
			}
			t.Logf("%s: %d packages (%d lines of ours) type-checked in %v", target, r.packages, r.lines, time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestTheTypeCheckFailsWhereTheBuildWould makes sure the stand-in is not
// one that cannot fail: a symbol Windows lacks and a file only Linux
// compiles break exactly the targets a build would break.
func TestTheTypeCheckFailsWhereTheBuildWould(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":        "module example.com/probe\n\ngo 1.22\n",
		"main.go":       "package main\n\nimport \"syscall\"\n\nfunc main() {\n\t_ = syscall.Kill(1, syscall.SIGTERM)\n\tonlyLinux()\n}\n",
		"only_linux.go": "package main\n\nfunc onlyLinux() {}\n",
		"darwin.go":     "//go:build darwin\n\npackage main\n\nfunc onlyLinux() { var x int = \"not an int\"; _ = x }\n",
		"windows.go":    "package main\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string][]string{
		"linux/amd64":   nil,
		"darwin/arm64":  {"cannot use \"not an int\""},
		"windows/amd64": {"undefined: syscall.Kill", "undefined: onlyLinux"},
	}
	for _, target := range []Target{{"linux", "amd64"}, {"darwin", "arm64"}, {"windows", "amd64"}} {
		r, err := checkTarget(dir, ".", "example.com/probe", target)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(r.errs, "\n")
		if len(want[target.String()]) == 0 && got != "" {
			t.Errorf("%s: unexpected errors:\n%s", target, got)
		}
		for _, w := range want[target.String()] {
			if !strings.Contains(got, w) {
				t.Errorf("%s: errors lack %q:\n%s", target, w, got)
			}
		}
	}
}

type checkResult struct {
	packages, lines int
	errs            []string
}

// checkTarget lists pattern's packages and their dependencies as target
// compiles them and type-checks them, in full for module mod's packages
// and by their declarations for the rest.
func checkTarget(dir, pattern, mod string, target Target) (checkResult, error) {
	var r checkResult
	cmd := exec.Command("go", "list", "-e", "-deps", "-json=ImportPath,Dir,GoFiles,ImportMap,Standard,Module,Error,DepsErrors", pattern)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS="+target.OS, "GOARCH="+target.Arch, "CGO_ENABLED=0", "GOFLAGS=-mod=readonly", "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return r, fmt.Errorf("go list for %s: %v\n%s", target, err, stderr.String())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return r, err
		}
		if p.Error != nil {
			r.errs = append(r.errs, fmt.Sprintf("%s: %s: %s", target, p.ImportPath, p.Error.Err))
		}
		pkgs = append(pkgs, p)
	}
	ours := func(p listedPackage) bool { return p.Module != nil && p.Module.Path == mod }

	// Parse in parallel; check in go list's order, dependencies first.
	fset := token.NewFileSet()
	parsed := make([][]*ast.File, len(pkgs))
	var wg sync.WaitGroup
	var mu sync.Mutex
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range pkgs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			p := pkgs[i]
			for _, name := range p.GoFiles {
				f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
				mu.Lock()
				if err != nil {
					r.errs = append(r.errs, fmt.Sprintf("%s: %v", target, err))
				} else {
					parsed[i] = append(parsed[i], f)
				}
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	done := map[string]*types.Package{"unsafe": types.Unsafe}
	sizes := types.SizesFor("gc", target.Arch)
	for i := range pkgs {
		p := &pkgs[i]
		if p.ImportPath == "unsafe" {
			continue
		}
		var errs []string
		conf := types.Config{
			Sizes:            sizes,
			IgnoreFuncBodies: !ours(*p),
			Importer: importerFunc(func(path string) (*types.Package, error) {
				if m, ok := p.ImportMap[path]; ok {
					path = m
				}
				if pkg, ok := done[path]; ok {
					return pkg, nil
				}
				return nil, fmt.Errorf("%s is not listed before %s", path, p.ImportPath)
			}),
			Error: func(err error) {
				if len(errs) < 10 {
					errs = append(errs, fmt.Sprintf("%s: %s: %v", target, p.ImportPath, err))
				}
			},
		}
		pkg, _ := conf.Check(p.ImportPath, fset, parsed[i], nil)
		r.errs = append(r.errs, errs...)
		done[p.ImportPath] = pkg
		if ours(*p) {
			for _, f := range parsed[i] {
				r.lines += fset.File(f.Pos()).LineCount()
			}
		}
	}
	r.packages = len(pkgs)
	return r, nil
}

type importerFunc func(string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }
