package report

import (
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"

	"github.com/tollgate-dev/tollgate/checks"
)

// MaxCommentLen is the largest Markdown body we produce: GitHub rejects
// comments over 65,536 characters, and a little room is left for the marker
// that the publisher adds.
const MaxCommentLen = 65000

// MarkdownOptions control links and size of the Markdown rendering.
type MarkdownOptions struct {
	// BlobURL is the base of links to files at the reviewed commit, e.g.
	// "https://github.com/acme/shop/blob/0123abc/"; empty gives relative links.
	BlobURL string
	// Commit and RunURL appear in the footer when set.
	Commit string
	RunURL string
	// MaxLen bounds the output in bytes; 0 means MaxCommentLen.
	MaxLen int
}

var typeLabel = map[checks.Type][2]string{
	checks.Error:           {"error", "errors"},
	checks.SecurityWarning: {"security warning", "security warnings"},
	checks.Warning:         {"warning", "warnings"},
	checks.Suggestion:      {"suggestion", "suggestions"},
}

var typeIcon = map[checks.Type]string{
	checks.Error:           "❌",
	checks.SecurityWarning: "🔓",
	checks.Warning:         "⚠️",
	checks.Suggestion:      "💡",
}

// Markdown writes the pull request comment body: the verdict first, then a
// table of templates, the blocking findings, what the change does (when the
// run compared with a base), the others folded away, and a footer. It never
// exceeds MaxLen: what does not fit is counted in a note.
func Markdown(w io.Writer, r *Result, o MarkdownOptions) error {
	return writeDocument(w, r, o, layout{heading: markdownHeading(r), footer: markdownFooter(r, o), templates: true,
		fullReport: "the job summary and the JSON report have"})
}

// layout is what differs between the documents built on the same frame.
type layout struct {
	heading, footer string
	// templates adds the table of templates after the heading.
	templates bool
	// fullReport names where the whole report is, for the truncation note.
	fullReport string
}

// writeDocument builds a Markdown report within the size budget.
func writeDocument(w io.Writer, r *Result, o MarkdownOptions, l layout) error {
	limit := o.MaxLen
	if limit <= 0 {
		limit = MaxCommentLen
	}
	b := &budget{limit: limit}
	b.reserve(len(l.footer) + 400) // the footer and a truncation note always fit
	b.add(l.heading + "\n\n")
	if len(r.Errors) > 0 {
		// What was not read comes first: the rest of the report is about
		// part of the change only.
		b.add("#### Not checked\n\n")
		for _, e := range r.Errors {
			b.add("- ❗ " + Inline(e.String()) + "\n")
		}
		b.add("\n")
	}
	if l.templates {
		b.addTemplateTable(r)
	}
	active := r.Active()
	var blocking, other []checks.Finding
	for _, f := range active {
		if f.Blocking {
			blocking = append(blocking, f)
		} else {
			other = append(other, f)
		}
	}
	if len(blocking) > 0 {
		b.add("#### Blocking\n\n")
		b.addFindings(blocking, o)
	}
	if r.Diffs != nil {
		// The diff may use what remains but what the other findings need.
		b.addDiffSection(r.Diffs, o, max(0, b.limit-b.Len()-b.reserved-findingsSize(other)))
	}
	if len(other) > 0 {
		b.add(fmt.Sprintf("<details><summary>%s not blocking</summary>\n\n", plural(len(other), "finding", "findings")))
		b.addFindings(other, o)
		b.add("</details>\n\n")
	}
	markdownPreviews(b, r.Previews)
	if n := len(r.Findings) - len(active); n > 0 {
		b.add(fmt.Sprintf("<sub>%s suppressed (listed in the JSON and SARIF reports).</sub>\n\n", plural(n, "finding", "findings")))
	}
	if len(r.Notices) > 0 || len(r.Skipped) > 0 {
		b.add("<details><summary>Notes</summary>\n\n")
		for _, n := range r.Notices {
			b.add("- " + Inline(n.String()) + "\n")
		}
		if n := len(r.Skipped); n > 0 {
			b.add("- " + SkippedCount(n) + " (parameters files, configurations; the JSON report lists them)\n")
		}
		b.add("\n</details>\n\n")
	}
	b.unreserve()
	if b.dropped > 0 {
		b.force(fmt.Sprintf("> [!NOTE]\n> %s left out to keep this comment under GitHub's size limit; %s all of them.\n\n",
			plural(b.dropped, "finding was", "findings were"), l.fullReport))
	}
	b.force(l.footer)
	_, err := io.WriteString(w, b.String())
	return err
}

func markdownHeading(r *Result) string {
	return headingVerdict(r) + diffHeadline(r)
}

// diffHeadline adds to the heading what the change does, when the run
// compared with a base: "· 3 stacks changed · 1 replacement".
func diffHeadline(r *Result) string {
	if r.Diffs == nil {
		return ""
	}
	stacks, replaced := 0, 0
	for _, s := range r.Diffs.Stacks {
		if s.Empty() {
			continue
		}
		stacks++
		replaced += s.Counts().Replaced
	}
	out := " · " + plural(stacks, "stack changed", "stacks changed")
	if replaced > 0 {
		out += " · " + plural(replaced, "replacement", "replacements")
	}
	return out
}

func headingVerdict(r *Result) string {
	active := r.Active()
	blocking := r.Blocking()
	templates := plural(r.Stats.Templates, "template", "templates")
	if n := len(r.Errors); n > 0 {
		if r.Stats.Templates == 0 {
			return "### ❗ tollgate: the check could not run"
		}
		// Not "all clear": something was not read (it is listed first).
		what := fmt.Sprintf("no findings in the %s read", templates)
		switch {
		case blocking > 0:
			what = fmt.Sprintf("%s in %d of %s", plural(blocking, "blocking finding", "blocking findings"), r.TemplatesWithFindings(), templates)
		case len(active) > 0:
			what = fmt.Sprintf("%s, none blocking, in the %s read", plural(len(active), "finding", "findings"), templates)
		}
		return fmt.Sprintf("### ❗ tollgate: incomplete, %s · %s", plural(n, "error", "errors"), what)
	}
	switch {
	case r.Stats.Templates == 0:
		return "### ✅ tollgate: no CloudFormation templates to check"
	case blocking > 0:
		return fmt.Sprintf("### ⛔ tollgate: %s in %d of %s", plural(blocking, "blocking finding", "blocking findings"),
			r.TemplatesWithFindings(), templates)
	case len(active) > 0:
		return fmt.Sprintf("### ⚠️ tollgate: %s, none blocking · %s checked", plural(len(active), "finding", "findings"), templates)
	}
	return fmt.Sprintf("### ✅ tollgate: all clear · %s, %s checked", templates, plural(r.Stats.Policies, "policy", "policies"))
}

// countByType renders "1 security warning, 2 errors".
func countByType(fs []checks.Finding) string {
	counts := map[checks.Type]int{}
	for _, f := range fs {
		counts[f.Type]++
	}
	var parts []string
	for _, t := range checks.Types {
		if n := counts[t]; n > 0 {
			l := typeLabel[t]
			parts = append(parts, plural(n, l[0], l[1]))
		}
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, ", ")
}

// addTemplateTable lists templates with findings first; clean ones are
// summarised in one row when there are many.
func (b *budget) addTemplateTable(r *Result) {
	if len(r.Templates) == 0 {
		return
	}
	byFile := map[string][]checks.Finding{}
	for _, f := range r.Active() {
		byFile[f.File] = append(byFile[f.File], f)
	}
	rows := append([]Template(nil), r.Templates...)
	sort.SliceStable(rows, func(i, j int) bool {
		return len(byFile[rows[i].File]) > 0 && len(byFile[rows[j].File]) == 0
	})
	const maxCleanRows = 10
	clean := 0
	b.add("| | Template | Resources | Findings |\n|---|---|---|---|\n")
	shown := 0
	for _, t := range rows {
		fs := byFile[t.File]
		if len(fs) == 0 {
			clean++
			if clean > maxCleanRows {
				continue
			}
		}
		icon := "✅"
		for _, f := range fs {
			if f.Blocking {
				icon = "⛔"
				break
			}
			icon = "⚠️"
		}
		name := CodeSpan(t.File)
		if t.Stack != "" {
			name = CodeSpan(t.Stack) + " (" + CodeSpan(t.File) + ")"
		}
		if !b.add(fmt.Sprintf("| %s | %s | %d | %s |\n", icon, name, t.Resources, countByType(fs))) {
			break
		}
		shown++
	}
	if rest := len(rows) - shown; rest > 0 {
		b.force(fmt.Sprintf("| | %s more without findings | | |\n", plural(rest, "template", "templates")))
	}
	b.add("\n")
}

// addFindings lists findings grouped by file.
func (b *budget) addFindings(fs []checks.Finding, o MarkdownOptions) {
	file := ""
	for i, f := range fs {
		var s strings.Builder
		if f.File != file {
			file = f.File
			fmt.Fprintf(&s, "**%s**\n\n", Inline(f.File))
		}
		link := fmt.Sprintf("[%s#L%d](%s)", Inline(baseName(f.File)), f.Line, lineURL(o.BlobURL, f.File, f.Line))
		fmt.Fprintf(&s, "- %s **%s** at %s", typeIcon[f.Type], Inline(f.Code), link)
		if f.Resource != "" {
			fmt.Fprintf(&s, " in %s", CodeSpan(f.Resource))
		}
		if c := f.Conditions(); c != "" {
			fmt.Fprintf(&s, " (%s)", Inline(c))
		}
		fmt.Fprintf(&s, "  \n  %s", Inline(f.Message))
		if f.Fix != "" {
			fmt.Fprintf(&s, "  \n  Fix: %s", Inline(f.Fix))
			if u := safeURL(f.LearnMore); u != "" {
				fmt.Fprintf(&s, " ([learn more](%s))", u)
			}
		}
		s.WriteString("\n")
		if i+1 == len(fs) || fs[i+1].File != file {
			s.WriteString("\n")
		}
		if !b.add(s.String()) {
			b.dropped += len(fs) - i
			if i > 0 {
				b.force("\n")
			}
			return
		}
	}
}

// safeURL returns u when it is an absolute http(s) URL, escaped for a
// Markdown link destination, and "" otherwise: a link from an API answer
// must not become javascript: or break out of its parentheses.
func safeURL(u string) string {
	parsed, err := url.Parse(u)
	if err != nil || (parsed.Scheme != "https" && parsed.Scheme != "http") || parsed.Host == "" {
		return ""
	}
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E").Replace(parsed.String())
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// lineURL links to a line of a file at the reviewed commit.
func lineURL(base, file string, line int) string {
	return base + fileURI(file) + "#L" + fmt.Sprint(line)
}

func markdownFooter(r *Result, o MarkdownOptions) string {
	parts := []string{Inline(r.Tool.Name + " " + r.Tool.Version)}
	if o.Commit != "" {
		c := o.Commit
		if len(c) > 7 {
			c = c[:7]
		}
		parts = append(parts, "commit "+Inline(c))
	}
	parts = append(parts, fmt.Sprintf("%s checked in %s", plural(r.Stats.Policies, "policy", "policies"), Duration(r.Stats.Duration)))
	if o.RunURL != "" {
		if u, err := url.Parse(o.RunURL); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
			parts = append(parts, "[run log]("+u.String()+")")
		}
	}
	parts = append(parts, "suppress a finding with `Metadata: {tollgate: {ignore: [{code: CODE, reason: ...}]}}`")
	return "<sub>" + strings.Join(parts, " · ") + "</sub>\n"
}

// budget builds a string that never exceeds limit bytes.
type budget struct {
	strings.Builder
	limit    int
	reserved int
	dropped  int
	full     bool
}

func (b *budget) reserve(n int) { b.reserved = n }

func (b *budget) unreserve() { b.reserved = 0 }

// add appends s when it fits; once something did not fit, nothing more is
// added, so the output never skips a finding and shows a later one.
func (b *budget) add(s string) bool {
	if b.full || b.Len()+len(s)+b.reserved > b.limit {
		b.full = true
		return false
	}
	b.WriteString(s)
	return true
}

// force appends s regardless of order, within the limit.
func (b *budget) force(s string) {
	if b.Len()+len(s) <= b.limit {
		b.WriteString(s)
	}
}
