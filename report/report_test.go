package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/engine"
	"github.com/tollgate-dev/tollgate/iamdata"
	goldenfile "github.com/tollgate-dev/tollgate/internal/golden"
	"github.com/tollgate-dev/tollgate/report"
	"github.com/tollgate-dev/tollgate/template"
)

// goldenDir is absolute because some tests change the working directory.
var goldenDir = func() string {
	d, err := filepath.Abs(filepath.Join("testdata", "golden"))
	if err != nil {
		panic(err)
	}
	return d
}()

var tool = report.Tool{Name: "tollgate", Version: "v0.1.0-test", URL: "https://github.com/tollgate-dev/tollgate"}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join(goldenDir, name), got)
}

// exampleResult checks the bundled example, as the README's first command does.
func exampleResult(t *testing.T) *report.Result {
	t.Helper()
	data, err := iamdata.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir("..")
	res, err := engine.Check(context.Background(), engine.Options{
		Paths:  []string{"fixtures/example"},
		Checks: checks.Options{Data: data, Values: template.Values{AccountID: "123456789012"}},
		Block:  checks.BlockPolicy{Types: checks.DefaultBlockTypes},
		Tool:   tool,
		// The cfn-policy-validator shape names findings after principals
		// and resources; tollgate policies lists the policies.
		KeepPolicies: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	res.Stats.Duration = 41 * time.Millisecond
	return res
}

func render(t *testing.T, f func(*bytes.Buffer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGoldenOutputsOfTheExample(t *testing.T) {
	res := exampleResult(t)
	md := report.MarkdownOptions{BlobURL: "https://github.com/acme/shop/blob/0123456789abcdef/", Commit: "0123456789abcdef",
		RunURL: "https://github.com/acme/shop/actions/runs/42"}
	outputs := map[string][]byte{
		"example.txt":       render(t, func(b *bytes.Buffer) error { return report.Text(b, res, report.TextOptions{}) }),
		"example.color.txt": render(t, func(b *bytes.Buffer) error { return report.Text(b, res, report.TextOptions{Color: true}) }),
		"example.json":      render(t, func(b *bytes.Buffer) error { return report.JSON(b, res) }),
		"example.sarif":     render(t, func(b *bytes.Buffer) error { return report.SARIF(b, res) }),
		"example.md":        render(t, func(b *bytes.Buffer) error { return report.Markdown(b, res, md) }),
	}
	names := make([]string, 0, len(outputs))
	for n := range outputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Run(n, func(t *testing.T) { golden(t, n, outputs[n]) })
	}
}

func TestJSONHasExactlyTheDocumentedShape(t *testing.T) {
	res := exampleResult(t)
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(render(t, func(b *bytes.Buffer) error { return report.JSON(b, res) }), &doc); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]json.RawMessage) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	if diff := cmp.Diff([]string{"findings", "summary", "version"}, keys(doc)); diff != "" {
		t.Errorf("top-level keys: %s", diff)
	}
	var summary map[string]json.RawMessage
	json.Unmarshal(doc["summary"], &summary)
	if diff := cmp.Diff([]string{"blocking", "files", "nonBlocking", "policies", "skipped", "templates"}, keys(summary)); diff != "" {
		t.Errorf("summary keys: %s", diff)
	}
	var findings []map[string]json.RawMessage
	json.Unmarshal(doc["findings"], &findings)
	for _, k := range []string{"code", "type", "message", "fix", "file", "line", "column", "endLine", "resource", "resourceType", "path", "source", "learnMore", "blocking", "fingerprint"} {
		if _, ok := findings[0][k]; !ok {
			t.Errorf("finding has no %q field", k)
		}
	}
	empty := render(t, func(b *bytes.Buffer) error { return report.JSON(b, &report.Result{}) })
	if !bytes.Contains(empty, []byte(`"findings": []`)) {
		t.Errorf("an empty result renders findings as %s", empty)
	}
}

func TestSARIFValidatesAgainstTheOfficialSchema(t *testing.T) {
	schema, err := os.Open(filepath.Join(goldenDir, "..", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer schema.Close()
	doc, err := jsonschema.UnmarshalJSON(schema)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("sarif.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, res := range map[string]*report.Result{"the example": exampleResult(t), "hostile input": hostileResult(), "an empty run": {Tool: tool},
		"notices with places": placedNotices()} {
		t.Run(name, func(t *testing.T) {
			out := render(t, func(b *bytes.Buffer) error { return report.SARIF(b, res) })
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("invalid SARIF: %v", err)
			}
		})
	}
}

// hostileResult has findings whose every text field tries to break out of
// its rendering.
func hostileResult() *report.Result {
	evil := "x | y\n### heading <!-- comment --> `code` [link](https://evil.example) @octocat **bold** \x1b[31mred\r\n::error::forged %0A"
	f := checks.Finding{Code: "EXTERNAL_PRINCIPAL", Type: checks.SecurityWarning, Message: evil, Fix: evil,
		Span: template.Span{File: "stacks/evil |name`\n::warning file=x::.yaml", Line: 3, Column: 5, EndLine: 3}, Resource: "Res|<b>`", Path: "Resources.X",
		Branch: "when " + evil, Source: "offline", Blocking: true, Fingerprint: "abc"}
	g := f
	g.Type, g.Blocking, g.Code = checks.Warning, false, "SOME_WARNING"
	return &report.Result{Tool: tool, Findings: []checks.Finding{f, g},
		Templates: []report.Template{{File: f.File, Stack: "stack|" + evil, Resources: 2, Policies: 1}},
		Stats:     report.Stats{Files: 1, Templates: 1, Policies: 1, Duration: time.Millisecond},
		Notices:   []template.Notice{{Message: "notice " + evil}}, Errors: []template.Notice{{Message: "error " + evil}}}
}

func TestUntrustedTextCannotBreakTheMarkdown(t *testing.T) {
	out := string(render(t, func(b *bytes.Buffer) error {
		return report.Markdown(b, hostileResult(), report.MarkdownOptions{BlobURL: "https://github.com/o/r/blob/sha/"})
	}))
	golden(t, "hostile.md", []byte(out))
	for _, bad := range []string{"<!--", "](https://evil", "@octocat", "\x1b", "\n### heading", "\n::", "<b>", "`code`"} {
		if strings.Contains(out, bad) {
			t.Errorf("the comment contains %q", bad)
		}
	}
	// Every table row keeps its four cells.
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| ") {
			cells := regexp.MustCompile(`(^|[^\\])\|`).FindAllString(line, -1)
			if len(cells) != 5 {
				t.Errorf("table row with %d separators: %q", len(cells), line)
			}
		}
	}
	if strings.Count(out, "<details>") != strings.Count(out, "</details>") {
		t.Error("unbalanced <details>")
	}
}

func TestUntrustedTextCannotForgeTerminalLines(t *testing.T) {
	out := string(render(t, func(b *bytes.Buffer) error { return report.Text(b, hostileResult(), report.TextOptions{}) }))
	golden(t, "hostile.txt", []byte(out))
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "::") || strings.HasPrefix(line, "###") {
			t.Errorf("forged line: %q", line)
		}
	}
	if strings.Contains(out, "\x1b") || strings.Contains(out, "\r") {
		t.Error("control characters reached the terminal")
	}
}

func TestMarkdownStaysUnderGitHubsLimit(t *testing.T) {
	res := &report.Result{Tool: tool, Stats: report.Stats{Templates: 1000, Files: 1000, Policies: 9000}}
	for i := 0; i < 1000; i++ {
		file := fmt.Sprintf("stacks/service-%04d/template.yaml", i)
		res.Templates = append(res.Templates, report.Template{File: file, Resources: 40, Policies: 9})
		for j := 0; j < 3; j++ {
			res.Findings = append(res.Findings, checks.Finding{Code: "INVALID_ACTION", Type: checks.Error, Span: template.Span{File: file, Line: 10 + j, Column: 7},
				Message: "s3:GetObjekt is not an action of Amazon S3. Did you mean s3:GetObject?", Fix: "replace it with s3:GetObject",
				Resource: "ReaderPolicy", Blocking: j < 2})
		}
	}
	out := string(render(t, func(b *bytes.Buffer) error { return report.Markdown(b, res, report.MarkdownOptions{}) }))
	if len(out) > report.MaxCommentLen {
		t.Fatalf("comment is %d bytes, limit %d", len(out), report.MaxCommentLen)
	}
	if !strings.Contains(out, "findings were left out to keep this comment under GitHub's size limit") {
		t.Error("no truncation note")
	}
	if !strings.HasPrefix(out, "### ⛔ tollgate: 2000 blocking findings in 1000 of 1000 templates") {
		t.Errorf("heading: %q", strings.SplitN(out, "\n", 2)[0])
	}
	if !strings.Contains(out, "<sub>tollgate v0.1.0-test") {
		t.Error("the footer was dropped")
	}
	if strings.Count(out, "<details>") != strings.Count(out, "</details>") {
		t.Error("unbalanced <details> after truncation")
	}
	small := string(render(t, func(b *bytes.Buffer) error { return report.Markdown(b, res, report.MarkdownOptions{MaxLen: 3000}) }))
	if len(small) > 3000 {
		t.Errorf("MaxLen 3000 gave %d bytes", len(small))
	}
}

func TestCleanRunsSayAllClear(t *testing.T) {
	res := &report.Result{Tool: tool, Templates: []report.Template{{File: "a.yaml", Resources: 3, Policies: 2}},
		Stats: report.Stats{Files: 2, Templates: 1, Policies: 2, Duration: 1500 * time.Millisecond}}
	text := string(render(t, func(b *bytes.Buffer) error { return report.Text(b, res, report.TextOptions{}) }))
	if text != "✓ no findings in 1 template · 2 policies checked in 1.5 s\n" {
		t.Errorf("text = %q", text)
	}
	md := string(render(t, func(b *bytes.Buffer) error { return report.Markdown(b, res, report.MarkdownOptions{}) }))
	if !strings.HasPrefix(md, "### ✅ tollgate: all clear · 1 template, 2 policies checked") {
		t.Errorf("markdown = %q", md)
	}
	none := string(render(t, func(b *bytes.Buffer) error { return report.Text(b, &report.Result{}, report.TextOptions{}) }))
	if !strings.HasPrefix(none, "no CloudFormation templates found") {
		t.Errorf("no templates: %q", none)
	}
}

func TestSuppressedFindingsAreListedButDoNotCount(t *testing.T) {
	res := hostileResult()
	res.Findings[0].Suppression = &checks.Suppression{Kind: "inline", Reason: "accepted by security review"}
	res.Findings[0].Blocking = false
	text := string(render(t, func(b *bytes.Buffer) error { return report.Text(b, res, report.TextOptions{}) }))
	if !strings.Contains(text, "1 finding (0 blocking)") || !strings.Contains(text, "1 suppressed") {
		t.Errorf("summary: %q", text[strings.LastIndex(strings.TrimSpace(text), "\n")+1:])
	}
	sarif := string(render(t, func(b *bytes.Buffer) error { return report.SARIF(b, res) }))
	if !strings.Contains(sarif, `"kind": "inSource"`) || !strings.Contains(sarif, "accepted by security review") {
		t.Error("SARIF lacks the suppression")
	}
}

// incompleteResult is a clean review of what was read, in a run that could
// not read a folder and skipped two files that are not templates.
func incompleteResult() *report.Result {
	return &report.Result{Tool: tool, Templates: []report.Template{{File: "stacks/web/a.yaml", Resources: 1}},
		Skipped: []report.Skipped{{File: "params/prod.json", Reason: "a CloudFormation parameters file"}, {File: ".pre-commit-hooks.yaml", Reason: "a list"}},
		Errors:  []template.Notice{{Message: "skipped stacks/payments: permission denied; the templates in it were not checked"}},
		Stats:   report.Stats{Files: 3, Templates: 1, Duration: time.Millisecond}}
}

// A run that did not read everything never reads as clean, in any format:
// the verdict names the errors first (the action exits 3 on it).
func TestAnIncompleteRunIsNeverClean(t *testing.T) {
	res := incompleteResult()
	text := render(t, func(b *bytes.Buffer) error { return report.Text(b, res, report.TextOptions{}) })
	golden(t, "incomplete.txt", text)
	md := render(t, func(b *bytes.Buffer) error { return report.Markdown(b, res, report.MarkdownOptions{}) })
	golden(t, "incomplete.md", md)
	heading, _, _ := strings.Cut(string(md), "\n")
	if strings.Contains(string(text), "✓") || strings.Contains(heading, "✅") || strings.Contains(string(md), "all clear") {
		t.Errorf("an incomplete run reads as clean:\n%s\n%s", text, md)
	}
	last := strings.TrimSpace(string(text))
	last = last[strings.LastIndex(last, "\n")+1:]
	if want := "✗ incomplete (1 error): no findings in the 1 template read · 2 files skipped: not templates · 0 policies checked in 1 ms"; last != want {
		t.Errorf("summary line %q, want %q", last, want)
	}
	res.Findings = []checks.Finding{{Code: "INVALID_ACTION", Type: checks.Error, Span: template.Span{File: "stacks/web/a.yaml", Line: 3, Column: 1}, Message: "m", Blocking: true}}
	if md := string(render(t, func(b *bytes.Buffer) error { return report.Markdown(b, res, report.MarkdownOptions{}) })); !strings.HasPrefix(md, "### ❗ tollgate: incomplete, 1 error · 1 blocking finding in 1 of 1 template\n") {
		t.Errorf("with a blocking finding: %q", md[:strings.Index(md, "\n")])
	}
}

func TestSkippedFilesAreCountedNotListed(t *testing.T) {
	res := incompleteResult()
	res.Errors = nil
	text := string(render(t, func(b *bytes.Buffer) error { return report.Text(b, res, report.TextOptions{}) }))
	if text != "✓ no findings in 1 template · 2 files skipped: not templates · 0 policies checked in 1 ms\n" {
		t.Errorf("text = %q", text)
	}
	res.Skipped = res.Skipped[:1]
	text = string(render(t, func(b *bytes.Buffer) error { return report.Text(b, res, report.TextOptions{}) }))
	if !strings.Contains(text, "· 1 file skipped: not a template ·") {
		t.Errorf("text = %q", text)
	}
	js := string(render(t, func(b *bytes.Buffer) error { return report.JSON(b, res) }))
	if !strings.Contains(js, `"skipped": [`) || !strings.Contains(js, `"reason": "a CloudFormation parameters file"`) || !strings.Contains(js, `"skipped": 1,`) {
		t.Errorf("JSON lacks the skipped file:\n%s", js)
	}
}
