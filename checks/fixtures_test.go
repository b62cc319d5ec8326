package checks_test

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

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/diff"
	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/internal/golden"
	"github.com/tollgate-dev/tollgate/template"
)

// fixtureOptions are the deployment every fixture is checked for: it
// deploys to 123456789012, trusts 111122223333 and the organization
// o-a1b2c3d4e5; 999999999999 and o-zzzzzzzzzz are outsiders.
func fixtureOptions(t testing.TB) checks.Options {
	t.Helper()
	data, err := iamdata.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return checks.Options{Data: data,
		Values:          template.Values{AccountID: "123456789012", Region: "eu-west-1"},
		TrustedAccounts: []string{"111122223333"}, TrustedOrgs: []string{"o-a1b2c3d4e5"}}
}

func newChecker(t testing.TB) *checks.Checker {
	t.Helper()
	k, err := checks.NewChecker(fixtureOptions(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// expectation is a finding a fixture declares with a comment on its line:
// "# expect: CODE@Resource, CODE" (no @ for findings outside resources).
type expectation struct {
	Line     int
	Code     string
	Resource string
}

var expectRE = regexp.MustCompile(`#\s*expect:\s*(.+)$`)

func expectations(data []byte) []expectation {
	var out []expectation
	for i, line := range strings.Split(string(data), "\n") {
		m := expectRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for _, item := range strings.Split(m[1], ",") {
			code, res, _ := strings.Cut(strings.TrimSpace(item), "@")
			out = append(out, expectation{Line: i + 1, Code: code, Resource: res})
		}
	}
	sortExpectations(out)
	return out
}

func sortExpectations(es []expectation) {
	sort.Slice(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Resource < b.Resource
	})
}

func found(fs []checks.Finding) []expectation {
	var out []expectation
	for _, f := range fs {
		if f.Suppression != nil {
			continue
		}
		out = append(out, expectation{Line: f.Line, Code: f.Code, Resource: f.Resource})
	}
	sortExpectations(out)
	return out
}

// render is the golden form of findings: what a reviewer reads.
func render(fs []checks.Finding) []byte {
	var b bytes.Buffer
	for _, f := range fs {
		fmt.Fprintf(&b, "%d:%d: %s %s", f.Line, f.Column, f.Type, f.Code)
		if f.Resource != "" {
			fmt.Fprintf(&b, " [%s]", f.Resource)
		}
		if f.Branch != "" {
			fmt.Fprintf(&b, " (%s)", f.Branch)
		}
		if f.Suppression != nil {
			fmt.Fprintf(&b, " suppressed (%s: %s)", f.Suppression.Kind, f.Suppression.Reason)
		}
		fmt.Fprintf(&b, "\n    %s\n    path: %s\n", f.Message, f.Path)
		if f.Fix != "" {
			fmt.Fprintf(&b, "    fix: %s\n", f.Fix)
		}
	}
	return b.Bytes()
}

// bigTemplate is over CloudFormation's 1 MB limit; it is built here rather
// than committed.
func bigTemplate() []byte {
	var b bytes.Buffer
	b.WriteString("AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n")
	for i := 0; b.Len() <= template.DeployLimit; i++ {
		fmt.Fprintf(&b, "  Topic%d:\n    Type: AWS::SNS::Topic\n    Properties:\n      DisplayName: %s\n", i, strings.Repeat("x", 90))
	}
	return b.Bytes()
}

func TestEveryRuleHasAFixtureThatFailsAndOneThatPasses(t *testing.T) {
	k := newChecker(t)
	for _, r := range checks.Rules() {
		t.Run(r.Code, func(t *testing.T) {
			dir := filepath.Join("..", "fixtures", "rules", r.Code)
			name := "fixtures/rules/" + r.Code + "/"
			var bad []byte
			var err error
			if r.Code == "TEMPLATE_TOO_LARGE" {
				bad = bigTemplate()
			} else if bad, err = os.ReadFile(filepath.Join(dir, "bad.yaml")); err != nil {
				t.Fatalf("every rule needs a failing fixture: %v", err)
			}
			res := checkFixture(t, k, r, dir, name+"bad.yaml", bad)
			want := expectations(bad)
			if r.Code == "TEMPLATE_TOO_LARGE" {
				want = []expectation{{Line: 1, Code: r.Code}}
			}
			if !containsCode(want, r.Code) {
				t.Errorf("bad.yaml declares no %s finding (# expect: %s@Resource)", r.Code, r.Code)
			}
			if diff := cmp.Diff(want, found(res.Findings)); diff != "" {
				t.Errorf("findings of bad.yaml differ from its # expect comments (-want +got):\n%s", diff)
			}
			golden.Check(t, filepath.Join(dir, "bad.out"), render(res.Findings))

			good, err := os.ReadFile(filepath.Join(dir, "good.yaml"))
			if err != nil {
				t.Fatalf("every rule needs a fixed fixture: %v", err)
			}
			for _, f := range checkFixture(t, k, r, dir, name+"good.yaml", good).Findings {
				if f.Suppression != nil {
					continue // suppressed with a reason: fixed in the way the rule allows
				}
				if f.Code == r.Code || f.Type == checks.Error || f.Type == checks.SecurityWarning {
					t.Errorf("good.yaml:%d: %s %s: %s", f.Line, f.Type, f.Code, f.Message)
				}
			}
		})
	}
}

// checkFixture checks a fixture; a change rule's fixture is the head of a
// change whose base is base.yaml beside it.
func checkFixture(t *testing.T, k *checks.Checker, r *checks.Rule, dir, name string, data []byte) checks.TemplateResult {
	t.Helper()
	head := template.Parse(name, data)
	if r.Change == nil {
		return k.Check(head)
	}
	b, err := os.ReadFile(filepath.Join(dir, "base.yaml"))
	if err != nil {
		t.Fatalf("a change rule's fixtures need the base they change: %v", err)
	}
	base := template.Parse(filepath.Dir(name)+"/base.yaml", b)
	return k.CheckChange(base, head, diff.Templates(base, head, diff.Options{}), nil)
}

func containsCode(es []expectation, code string) bool {
	for _, e := range es {
		if e.Code == code {
			return true
		}
	}
	return false
}

func TestEveryFixtureFolderIsARule(t *testing.T) {
	codes := map[string]bool{}
	for _, r := range checks.Rules() {
		codes[r.Code] = true
	}
	entries, err := os.ReadDir(filepath.Join("..", "fixtures", "rules"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !codes[e.Name()] {
			t.Errorf("fixtures/rules/%s is not the code of a registered rule", e.Name())
		}
	}
}

// TestEveryFixtureClassFailsAndIsFixed checks the classes of a rule that
// have fixtures of their own (fixtures/rules/CODE/CLASS/): each class has
// a failing template whose findings match its # expect comments and its
// golden output, and a fixed one with no finding of the rule's code and
// nothing that blocks.
func TestEveryFixtureClassFailsAndIsFixed(t *testing.T) {
	k := newChecker(t)
	byCode := map[string]*checks.Rule{}
	for _, r := range checks.Rules() {
		byCode[r.Code] = r
	}
	classes, err := filepath.Glob(filepath.Join("..", "fixtures", "rules", "*", "*", "bad.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(classes) == 0 {
		t.Fatal("no fixture classes found")
	}
	for _, bad := range classes {
		dir := filepath.Dir(bad)
		code := filepath.Base(filepath.Dir(dir))
		class := filepath.Base(dir)
		t.Run(code+"/"+class, func(t *testing.T) {
			r := byCode[code]
			if r == nil {
				t.Fatalf("%s is not a rule code", code)
			}
			name := "fixtures/rules/" + code + "/" + class + "/"
			data, err := os.ReadFile(bad)
			if err != nil {
				t.Fatal(err)
			}
			res := checkFixture(t, k, r, dir, name+"bad.yaml", data)
			want := expectations(data)
			if !containsCode(want, code) {
				t.Errorf("bad.yaml declares no %s finding", code)
			}
			if diff := cmp.Diff(want, found(res.Findings)); diff != "" {
				t.Errorf("findings of bad.yaml differ from its # expect comments (-want +got):\n%s", diff)
			}
			golden.Check(t, filepath.Join(dir, "bad.out"), render(res.Findings))
			good, err := os.ReadFile(filepath.Join(dir, "good.yaml"))
			if err != nil {
				t.Fatalf("every class needs a fixed fixture: %v", err)
			}
			for _, f := range checkFixture(t, k, r, dir, name+"good.yaml", good).Findings {
				if f.Suppression != nil {
					continue
				}
				if f.Code == code || f.Type == checks.Error || f.Type == checks.SecurityWarning {
					t.Errorf("good.yaml:%d: %s %s: %s", f.Line, f.Type, f.Code, f.Message)
				}
			}
		})
	}
}
