//go:build ignore

// funclen lists the functions of the non-test Go files under the given folders
// whose body is longer than a limit, and counts them. It backs the numbers in
// docs/architecture.md: go run scripts/funclen.go -over 60 ./...
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	over := flag.Int("over", 60, "report functions longer than this many lines")
	flag.Parse()
	roots := flag.Args()
	if len(roots) == 0 {
		roots = []string{"."}
	}
	var long []fn
	total := 0
	fset := token.NewFileSet()
	for _, root := range roots {
		root = strings.TrimSuffix(root, "/...")
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if n := d.Name(); path != root && (n == "testdata" || n == "fixtures" || strings.HasPrefix(n, ".")) {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			found, n, err := longFuncs(fset, path, *over)
			total += n
			long = append(long, found...)
			return err
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	sort.Slice(long, func(i, j int) bool { return long[i].lines > long[j].lines })
	for _, f := range long {
		fmt.Printf("%4d %s\n", f.lines, f.where)
	}
	fmt.Printf("%d of %d functions are over %d lines\n", len(long), total, *over)
}

type fn struct {
	where string
	lines int
}

// longFuncs returns the functions of one file over the limit, and how many
// functions it has.
func longFuncs(fset *token.FileSet, path string, over int) ([]fn, int, error) {
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, 0, err
	}
	var long []fn
	total := 0
	for _, decl := range f.Decls {
		d, ok := decl.(*ast.FuncDecl)
		if !ok || d.Body == nil {
			continue
		}
		total++
		start := fset.Position(d.Pos())
		n := fset.Position(d.End()).Line - start.Line + 1
		if n > over {
			name := d.Name.Name
			if d.Recv != nil && len(d.Recv.List) > 0 {
				name = recv(d.Recv.List[0].Type) + "." + name
			}
			long = append(long, fn{fmt.Sprintf("%s:%d %s", path, start.Line, name), n})
		}
	}
	return long, total, nil
}

func recv(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return recv(t.X)
	case *ast.IndexExpr:
		return recv(t.X)
	case *ast.IndexListExpr:
		return recv(t.X)
	case *ast.Ident:
		return t.Name
	}
	return "?"
}
