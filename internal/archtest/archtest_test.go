package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/tollgate-dev/tollgate"

// Budget of cmd/tollgate: lines of non-test Go, and lines of one function.
const (
	cmdLineBudget = 1000
	cmdFuncBudget = 60
)

// rules: a package must not depend on the packages in deps, directly or
// through what it imports, nor import those in imports itself. Paths are
// relative to the module; other packages are named in full, and a name
// ending in "/..." stands for every package under it.
var rules = []struct {
	pkg, why      string
	deps, imports []string
}{
	{"template", "the CloudFormation model calls neither AWS nor GitHub",
		[]string{"github", "cloud", "report", "engine", "github.com/aws/...", "github.com/google/go-github/..."}, nil},
	{"checks", "rules decide findings; they neither format nor publish them",
		[]string{"report", "github", "cloud", "engine", "github.com/google/go-github/..."}, []string{"os"}},
	{"report", "renderers are pure: they read a Result and write to an io.Writer, nothing else",
		[]string{"github", "cloud", "engine", "gitrepo", "github.com/aws/...", "github.com/google/go-github/..."},
		[]string{"os", "os/exec", "net/http", "io/fs", "iamdata/cache", "path/filepath"}},
	{"gitops", "the mapping and plan are pure: no GitHub API call, no repository reading",
		[]string{"github", "gitrepo", "cloud", "engine", "github.com/google/go-github/...", "github.com/go-git/..."},
		[]string{"net/http", "os", "os/exec"}},
	{"gitrepo", "git reading talks to no API", []string{"github", "cloud", "engine", "report", "github.com/google/go-github/..."}, []string{"net/http"}},
	{"cloud", "AWS calls build model values; rendering is report's", []string{"report", "github", "engine"}, nil},
	{"model", "the result is plain data", []string{"report", "github", "cloud", "engine", "gitops", "gitrepo", "config"}, []string{"os", "net/http"}},
	{"config", "configuration is read, resolved and validated, never published", []string{"report", "github", "cloud", "engine"}, []string{"net/http"}},
	{"iamdata", "IAM data decides from bytes; the cache and its HTTP are iamdata/cache", []string{"iamdata/cache"}, []string{"net/http", "os"}},
	{"github", "publishing carries findings; it does not decide them", []string{"engine", "checks/accessanalyzer", "cloud"}, nil},
	{"diff", "the semantic diff compares templates it is given", []string{"github", "cloud", "report", "engine", "gitrepo"}, []string{"os"}},
	{"compat/cfnpv", "cfn-policy-validator's shapes are pure: report renders them; its command line is compat/cfnpv/command",
		[]string{"github", "cloud", "report", "engine", "gitrepo", "github.com/aws/..."}, []string{"os", "net/http", "path/filepath"}},
}

// root is the module's folder.
func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s", dir)
	}
	return dir
}

// imports maps every package of the module (relative path) to the
// imports of its non-test files (module packages relative, others in full).
func imports(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); p != dir && (n == "testdata" || n == "fixtures" || n == "node_modules" || strings.HasPrefix(n, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		if ignored(f) {
			return nil
		}
		rel, _ := filepath.Rel(dir, filepath.Dir(p))
		rel = filepath.ToSlash(rel)
		for _, im := range f.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			if r, ok := strings.CutPrefix(path, module+"/"); ok {
				path = r
			}
			out[rel] = append(out[rel], path)
		}
		if _, ok := out[rel]; !ok {
			out[rel] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// ignored reports whether a file is excluded from builds (//go:build ignore).
func ignored(f *ast.File) bool {
	for _, g := range f.Comments {
		for _, c := range g.List {
			if strings.HasPrefix(c.Text, "//go:build") && strings.Contains(c.Text, "ignore") {
				return true
			}
		}
		if g.Pos() > f.Package {
			break
		}
	}
	return false
}

// path finds a chain of imports from pkg to target (or a package under
// it, for module paths), breadth first; nil when there is none.
func path(graph map[string][]string, pkg, target string) []string {
	prev := map[string]string{pkg: ""}
	queue := []string{pkg}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, im := range graph[p] {
			if _, seen := prev[im]; seen {
				continue
			}
			prev[im] = p
			if matches(im, target) {
				chain := []string{im}
				for at := p; at != ""; at = prev[at] {
					chain = append([]string{at}, chain...)
				}
				return chain
			}
			if _, ours := graph[im]; ours {
				queue = append(queue, im)
			}
		}
	}
	return nil
}

// matches reports whether import path im is target, or under a target
// that ends in "/...".
func matches(im, target string) bool {
	if base, ok := strings.CutSuffix(target, "/..."); ok {
		return im == base || strings.HasPrefix(im, base+"/")
	}
	return im == target
}

func TestDependencyRules(t *testing.T) {
	graph := imports(t, root(t))
	for _, r := range rules {
		if _, ok := graph[r.pkg]; !ok {
			t.Errorf("rule for %s: no such package", r.pkg)
			continue
		}
		for _, f := range r.deps {
			if chain := path(graph, r.pkg, f); chain != nil {
				t.Errorf("%s must not depend on %s (%s), but does: %s", r.pkg, f, r.why, strings.Join(chain, " → "))
			}
		}
		for _, f := range r.imports {
			for _, im := range graph[r.pkg] {
				if matches(im, f) {
					t.Errorf("%s must not import %s (%s)", r.pkg, im, r.why)
				}
			}
		}
	}
}

// The rules above are checked against a graph; this makes sure a rule
// cannot pass because the graph missed an import.
func TestTheImportGraphSeesImports(t *testing.T) {
	graph := imports(t, root(t))
	for _, want := range [][2]string{{"cmd/tollgate", "engine"}, {"engine", "template"}, {"cloud", "model"}, {"gitrepo", "github.com/go-git/go-git/v5"}} {
		if path(graph, want[0], want[1]) == nil {
			t.Errorf("the graph has no path from %s to %s", want[0], want[1])
		}
	}
}

// cmd/tollgate keeps flags, wiring and exit codes: a line budget, and no
// long function, keep logic from growing back into it.
func TestCmdStaysThin(t *testing.T) {
	dir := filepath.Join(root(t), "cmd", "tollgate")
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	var long []string
	fset := token.NewFileSet()
	for _, p := range files {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		lines += strings.Count(string(data), "\n")
		f, err := parser.ParseFile(fset, p, data, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Body != nil {
				if n := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1; n > cmdFuncBudget {
					long = append(long, fn.Name.Name+" ("+strconv.Itoa(n)+" lines)")
				}
			}
		}
	}
	if lines >= cmdLineBudget {
		t.Errorf("cmd/tollgate has %d lines of non-test Go; its budget is under %d: move logic to its package (docs/architecture.md)", lines, cmdLineBudget)
	}
	sort.Strings(long)
	if len(long) > 0 {
		t.Errorf("cmd/tollgate functions over %d lines: %s", cmdFuncBudget, strings.Join(long, ", "))
	}
}
