package report_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/diff"
	"github.com/tollgate-dev/tollgate/iamdata"
	goldenfile "github.com/tollgate-dev/tollgate/internal/golden"
	"github.com/tollgate-dev/tollgate/report"
	"github.com/tollgate-dev/tollgate/template"
)

// diffCase builds the result of diffing testdata/diff/NAME/base.* with head.*.
func diffCase(t *testing.T, name string) *report.Result {
	t.Helper()
	dir := filepath.Join("testdata", "diff", name)
	read := func(prefix string) *template.Template {
		matches, _ := filepath.Glob(filepath.Join(dir, prefix+".*"))
		if len(matches) != 1 {
			t.Fatalf("%s: want one %s.* file, found %v", dir, prefix, matches)
		}
		data, err := os.ReadFile(matches[0])
		if err != nil {
			t.Fatal(err)
		}
		return template.Parse("stacks/"+name+"/template", data)
	}
	base, head := read("base"), read("head")
	data, err := iamdata.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	sd := diff.Templates(base, head, diff.Options{Data: data})
	k, err := checks.NewChecker(checks.Options{Data: data}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &report.Result{Tool: report.Tool{Name: "tollgate", Version: "v0.0.0-test"},
		Diffs:    &diff.Report{Version: 1, Base: strings.Repeat("1", 40), Head: strings.Repeat("2", 40), Stacks: []*diff.StackDiff{sd}},
		Findings: k.CheckChange(base, head, sd, nil).Findings}
	r.Stats.Templates = 1
	checks.BlockPolicy{Types: checks.DefaultBlockTypes}.Apply(r.Findings)
	return r
}

func TestDiffGolden(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("testdata", "diff"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			r := diffCase(t, name)
			dir := filepath.Join("testdata", "diff", name)
			for _, f := range []struct {
				file   string
				render func(*bytes.Buffer) error
			}{
				{"want.json", func(b *bytes.Buffer) error { return report.DiffJSON(b, r) }},
				{"want.txt", func(b *bytes.Buffer) error { return report.DiffText(b, r, report.TextOptions{}) }},
				{"want.md", func(b *bytes.Buffer) error {
					return report.DiffMarkdown(b, r, report.MarkdownOptions{BlobURL: "https://github.com/acme/shop/blob/2222222/"})
				}},
				{"want.comment.md", func(b *bytes.Buffer) error {
					return report.Markdown(b, r, report.MarkdownOptions{BlobURL: "https://github.com/acme/shop/blob/2222222/", Commit: strings.Repeat("2", 40)})
				}},
			} {
				var b bytes.Buffer
				if err := f.render(&b); err != nil {
					t.Fatal(err)
				}
				goldenfile.Check(t, filepath.Join(dir, f.file), b.Bytes())
			}
		})
	}
}

func TestDiffMarkdownIsSafe(t *testing.T) {
	r := diffCase(t, "hostile")
	var b bytes.Buffer
	if err := report.DiffMarkdown(&b, r, report.MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// Code spans show text literally; outside them nothing may be live.
	live := stripCodeSpans(out)
	for _, bad := range []string{"<img", "\n## heading", "](https://evil", "@admin", "\n::error::"} {
		if strings.Contains(live, bad) {
			t.Errorf("the report.Markdown contains %q outside code spans:\n%s", bad, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Error("the report.Markdown contains an escape character")
	}
	checkTables(t, out)
	var txt bytes.Buffer
	if err := report.DiffText(&txt, r, report.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"\x1b", "\n::error::", "\n## heading"} {
		if strings.Contains(txt.String(), bad) {
			t.Errorf("the text contains %q from the template", bad)
		}
	}
}

// stripCodeSpans removes inline code spans (a run of backticks to the next
// run of the same length), as a report.Markdown renderer would treat them.
func stripCodeSpans(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '`' {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '`' {
			j++
		}
		fence := s[i:j]
		end := strings.Index(s[j:], fence)
		if end < 0 {
			b.WriteString(fence)
			i = j
			continue
		}
		b.WriteString("CODE")
		i = j + end + len(fence)
	}
	return b.String()
}

// checkTables asserts that every table row has as many cells as its header.
func checkTables(t *testing.T, md string) {
	t.Helper()
	cells := func(line string) int {
		line = strings.ReplaceAll(line, `\|`, "")
		return strings.Count(line, "|")
	}
	want := 0
	for i, line := range strings.Split(md, "\n") {
		switch {
		case !strings.HasPrefix(line, "|"):
			want = 0
		case want == 0:
			want = cells(line)
		case cells(line) != want:
			t.Errorf("line %d has %d cell borders, its table %d: %q", i+1, cells(line), want, line)
		}
	}
}

func TestDiffMarkdownStaysUnderTheLimit(t *testing.T) {
	data, _ := iamdata.Embedded()
	rep := &diff.Report{Version: 1, Base: strings.Repeat("1", 40), Head: strings.Repeat("2", 40)}
	for i := range 40 {
		base, head := diff.Wide(200)
		file := fmt.Sprintf("stacks/s%02d/template.json", i)
		rep.Stacks = append(rep.Stacks, diff.Templates(template.Parse(file, base), template.Parse(file, head), diff.Options{Data: data}))
	}
	r := &report.Result{Tool: report.Tool{Name: "tollgate", Version: "test"}, Diffs: rep}
	for _, limit := range []int{0, 5000} {
		var b bytes.Buffer
		if err := report.DiffMarkdown(&b, r, report.MarkdownOptions{MaxLen: limit}); err != nil {
			t.Fatal(err)
		}
		max := limit
		if max == 0 {
			max = report.MaxCommentLen
		}
		if b.Len() > max {
			t.Errorf("limit %d: %d bytes", max, b.Len())
		}
		if !strings.Contains(b.String(), "left out to keep this comment under GitHub's size limit") {
			t.Errorf("limit %d: no truncation note", max)
		}
		if strings.Count(b.String(), "<details>") != strings.Count(b.String(), "</details>") {
			t.Errorf("limit %d: unbalanced <details>", max)
		}
		checkTables(t, b.String())
		var c bytes.Buffer
		if err := report.Markdown(&c, r, report.MarkdownOptions{MaxLen: limit}); err != nil {
			t.Fatal(err)
		}
		if c.Len() > max {
			t.Errorf("comment, limit %d: %d bytes", max, c.Len())
		}
	}
}
