package engine

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/internal/golden"
	"github.com/tollgate-dev/tollgate/report"
)

// The folders of fixtures/templates hold one class of template syntax each
// (the Rules section, dynamic references, Rain directives, …): bad.yaml has
// the findings its "# expect: CODE@Resource" comments declare, good.yaml
// none that block, and bad.out and good.out are what a reviewer reads,
// findings and notices. Files beside them are what the templates read.

var expectRE = regexp.MustCompile(`#\s*expect:\s*(.+)$`)

func declared(data []byte) []string {
	var out []string
	for i, line := range strings.Split(string(data), "\n") {
		if m := expectRE.FindStringSubmatch(line); m != nil {
			for _, item := range strings.Split(m[1], ",") {
				out = append(out, fmt.Sprintf("%d %s", i+1, strings.TrimSpace(item)))
			}
		}
	}
	sort.Strings(out)
	return out
}

func reported(res *report.Result) []string {
	var out []string
	for _, f := range res.Findings {
		s := fmt.Sprintf("%d %s", f.Line, f.Code)
		if f.Resource != "" {
			s += "@" + f.Resource
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func renderFixture(res *report.Result) []byte {
	var b bytes.Buffer
	for _, f := range res.Findings {
		fmt.Fprintf(&b, "%d:%d: %s %s", f.Line, f.Column, f.Type, f.Code)
		if f.Resource != "" {
			fmt.Fprintf(&b, " [%s]", f.Resource)
		}
		fmt.Fprintf(&b, "\n    %s\n    fix: %s\n", f.Message, f.Fix)
	}
	for _, n := range res.Notices {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.Bytes()
}

func TestTemplateSyntaxFixtures(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "fixtures", "templates"))
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		t.Run(d.Name(), func(t *testing.T) {
			dir := filepath.Join(root, d.Name())
			t.Chdir(dir)
			for _, name := range []string{"bad.yaml", "good.yaml"} {
				data, err := os.ReadFile(name)
				if err != nil {
					t.Fatalf("every class needs a failing and a fixed template: %v", err)
				}
				res := run(t, options(t, name))
				if len(res.Templates) != 1 {
					t.Fatalf("%s was not checked as a template", name)
				}
				for _, f := range res.Findings {
					if f.Code == "PARSE_ERROR" || (name == "good.yaml" && f.Blocking) {
						t.Errorf("%s:%d: %s %s", name, f.Line, f.Code, f.Message)
					}
				}
				if name == "bad.yaml" {
					want := declared(data)
					if len(want) == 0 {
						t.Error("bad.yaml declares no finding (# expect: CODE@Resource)")
					}
					if diff := cmp.Diff(want, reported(res)); diff != "" {
						t.Errorf("findings of bad.yaml differ from its # expect comments (-want +got):\n%s", diff)
					}
				}
				golden.Check(t, strings.TrimSuffix(name, ".yaml")+".out", renderFixture(res))
			}
		})
	}
}
