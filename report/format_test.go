package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/report"
	"github.com/tollgate-dev/tollgate/template"
)

// goldenSuffix is the golden-file ending of a format: its extension, with
// its name in front when an earlier format shares the extension
// ("example.json", "example.cfn-policy-validator.json").
func goldenSuffix(f report.Format) string {
	for _, g := range report.Formats {
		if g.Name == f.Name {
			break
		}
		if g.Ext == f.Ext {
			return "." + f.Name + f.Ext
		}
	}
	return f.Ext
}

// Every format, through the registry, for every use it serves, matches a
// golden file: a new format cannot land without its expected output.
func TestEveryFormatHasAGoldenFileForEachUse(t *testing.T) {
	diffCases, err := os.ReadDir(filepath.Join("testdata", "diff"))
	if err != nil {
		t.Fatal(err)
	}
	diffs := map[string]*report.Result{}
	for _, c := range diffCases {
		diffs[c.Name()] = diffCase(t, c.Name())
	}
	res := exampleResult(t) // from here on the working directory is the module's
	md := report.MarkdownOptions{BlobURL: "https://github.com/acme/shop/blob/0123456789abcdef/", Commit: "0123456789abcdef",
		RunURL: "https://github.com/acme/shop/actions/runs/42"}
	seen := map[string]bool{}
	for _, f := range report.Formats {
		if seen[f.Name] || f.Name == "" || !strings.HasPrefix(f.Ext, ".") {
			t.Errorf("format %q (extension %q): names must be unique and extensions start with a dot", f.Name, f.Ext)
		}
		seen[f.Name] = true
		if !f.Serves(report.UseCheck) && !f.Serves(report.UseDiff) && !f.Serves(report.UseData) && f.Managed == nil {
			t.Errorf("format %s serves no use", f.Name)
		}
		if f.Check != nil {
			t.Run(f.Name+"/check", func(t *testing.T) {
				out := render(t, func(b *bytes.Buffer) error { return f.Check(b, res, report.Options{Markdown: md}) })
				golden(t, "example"+goldenSuffix(f), out)
			})
		}
		if f.Diff != nil {
			for _, c := range diffCases {
				t.Run(f.Name+"/diff/"+c.Name(), func(t *testing.T) {
					r := diffs[c.Name()]
					o := report.Options{Markdown: report.MarkdownOptions{BlobURL: "https://github.com/acme/shop/blob/2222222/"}}
					out := render(t, func(b *bytes.Buffer) error { return f.Diff(b, r, o) })
					golden(t, filepath.Join("..", "diff", c.Name(), "want"+goldenSuffix(f)), out)
				})
			}
		}
		if f.Data != nil {
			t.Run(f.Name+"/data", func(t *testing.T) {
				out := render(t, func(b *bytes.Buffer) error { return f.Data(b, dataDiff()) })
				golden(t, "datadiff"+goldenSuffix(f), out)
			})
		}
		if f.Policies != nil {
			t.Run(f.Name+"/policies", func(t *testing.T) {
				out := render(t, func(b *bytes.Buffer) error { return f.Policies(b, res, report.Options{}) })
				golden(t, "policies"+goldenSuffix(f), out)
			})
		}
		if f.Managed != nil {
			t.Run(f.Name+"/managed", func(t *testing.T) {
				out := render(t, func(b *bytes.Buffer) error { return f.Managed(b, managedDiff()) })
				golden(t, "manageddiff"+goldenSuffix(f), out)
			})
		}
	}
}

func TestFormatsAreLookedUpByUse(t *testing.T) {
	if got := report.FormatList(report.UseCheck); got != "text, json, sarif, markdown or cfn-policy-validator" {
		t.Errorf("check formats: %s", got)
	}
	if got := report.FormatList(report.UseDiff); got != "text, json or markdown" {
		t.Errorf("diff formats: %s", got)
	}
	if got := strings.Join(report.FormatNames(report.UseAction), ","); got != "text,json,sarif,markdown" {
		t.Errorf("action formats: %s", got)
	}
	if _, err := report.LookupFormat("sarif", report.UseDiff); err == nil || !strings.Contains(err.Error(), `"sarif" is not one of text, json, markdown`) {
		t.Errorf("sarif for diff: %v", err)
	}
	if _, err := report.LookupFormat("jsn", report.UseCheck); err == nil || !strings.Contains(err.Error(), "did you mean json?") {
		t.Errorf("a typo: %v", err)
	}
}

// check's and diff's text write findings with one writer: the diff's used
// to drop the branch a finding holds in.
func TestDiffTextSaysWhichBranchAFindingHoldsIn(t *testing.T) {
	r := &report.Result{Findings: []checks.Finding{{Code: "DATA_LOSS", Type: checks.Error, Span: template.Span{File: "a.yaml", Line: 3, Column: 5},
		Message: "The table is replaced.", Resource: "Table", Branch: "when IsProd is true"}}}
	for name, fn := range map[string]func(*bytes.Buffer) error{
		"check": func(b *bytes.Buffer) error { return report.Text(b, r, report.TextOptions{}) },
		"diff":  func(b *bytes.Buffer) error { return report.DiffText(b, r, report.TextOptions{}) },
	} {
		out := string(render(t, fn))
		if !strings.Contains(out, "a.yaml:3:5: ERROR DATA_LOSS The table is replaced. [Table] (when IsProd is true)") {
			t.Errorf("%s text:\n%s", name, out)
		}
	}
}
