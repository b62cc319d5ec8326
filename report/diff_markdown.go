package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/diff"
)

// maxHighlights bounds the "what this change does" list; the rest is in
// the per-stack details.
const maxHighlights = 25

// DiffMarkdown writes the diff as a Markdown document (a pull request
// comment or a job summary): a verdict, what the change does, per-stack
// tables with collapsible property details, the findings about the change
// and a footer. It never exceeds MaxLen.
func DiffMarkdown(w io.Writer, r *Result, o MarkdownOptions) error {
	return writeDocument(w, r, o, layout{heading: diffHeading(r), footer: diffFooter(r, o), fullReport: "the JSON report has"})
}

// findingsSize estimates the room a list of findings takes.
func findingsSize(fs []checks.Finding) int {
	n := 0
	for _, f := range fs {
		n += 200 + len(f.Message) + len(f.Fix) + len(f.File)
	}
	return min(n, 20000)
}

func diffHeading(r *Result) string {
	t := totals(r.Diffs)
	if t.stacks == 0 {
		return "### ✅ tollgate diff: no CloudFormation template changed"
	}
	parts := []string{plural(t.stacks, "template changed", "templates changed")}
	icon := "🔍"
	if t.replaced > 0 {
		parts = append(parts, plural(t.replaced, "replacement", "replacements"))
		icon = "⚠️"
	}
	if t.maybeReplaced > 0 {
		parts = append(parts, plural(t.maybeReplaced, "possible replacement", "possible replacements"))
		icon = "⚠️"
	}
	if t.widened > 0 {
		parts = append(parts, plural(t.widened, "widening", "widenings"))
		icon = "🔓"
	}
	if n := r.Blocking(); n > 0 {
		parts = append(parts, plural(n, "blocking finding", "blocking findings"))
		icon = "⛔"
	}
	return "### " + icon + " tollgate diff: " + strings.Join(parts, " · ")
}

func diffFooter(r *Result, o MarkdownOptions) string {
	parts := []string{Inline(r.Tool.Name + " " + r.Tool.Version)}
	if r.Diffs != nil && r.Diffs.Base != "" {
		parts = append(parts, "base "+CodeSpan(shortSHA(r.Diffs.Base))+" → head "+CodeSpan(shortSHA(r.Diffs.Head)))
	}
	parts = append(parts, "replacement data from "+Inline(diff.EmbeddedSpec().Source))
	return "<sub>" + strings.Join(parts, " · ") + "</sub>\n"
}

// addDiffSection writes "What this change does" and the per-stack details
// within at most room bytes, ending with a note when something did not fit.
// It is what the pull request comment shows of the diff.
func (b *budget) addDiffSection(d *diff.Report, o MarkdownOptions, room int) {
	if d == nil {
		return
	}
	const noteRoom = 300
	sec := &budget{limit: max(0, min(room, b.limit-b.Len()-b.reserved))}
	sec.reserve(noteRoom)
	if len(d.Stacks) == 0 {
		sec.add("#### What this change does\n\nNo CloudFormation template changed.\n\n")
		b.WriteString(sec.String())
		return
	}
	sec.add("#### What this change does\n\n")
	hs := highlights(d)
	for i, h := range hs {
		if i == maxHighlights {
			sec.add(fmt.Sprintf("- … and %d more in the details below\n", len(hs)-i))
			break
		}
		title := Inline(h.title)
		if h.line > 0 {
			title = fmt.Sprintf("[%s](%s)", title, lineURL(o.BlobURL, h.file, h.line))
		}
		if !sec.add(fmt.Sprintf("- %s **%s**: %s\n", h.icon, title, Inline(h.detail))) {
			break
		}
	}
	if len(hs) == 0 {
		sec.add("No replacement, deletion of data or widening of access.\n")
	}
	sec.add("\n| | Template | Resource changes |\n|---|---|---|\n")
	for _, s := range d.Stacks {
		icon := "✅"
		switch {
		case s.Widening():
			icon = "🔓"
		case s.Counts().Replaced+s.Counts().MaybeReplaced > 0:
			icon = "⚠️"
		case len(s.Notes) > 0:
			icon = "ℹ️"
		}
		name := CodeSpan(s.File)
		if s.PreviousFile != "" {
			name += " (renamed from " + CodeSpan(s.PreviousFile) + ")"
		} else if s.Status != diff.StackModified {
			name += " (" + s.Status + ")"
		}
		sec.add(fmt.Sprintf("| %s | %s | %s |\n", icon, name, stackVerdict(s, func(x string) string { return "**" + x + "**" })))
	}
	sec.add("\n")
	for _, s := range d.Stacks {
		if !sec.addStackDetails(s, o) {
			break
		}
	}
	sec.unreserve()
	if sec.full {
		sec.force("> [!NOTE]\n> The rest of the diff was left out to keep this comment under GitHub's size limit; run `tollgate diff` or read the JSON report for all of it.\n\n")
	}
	b.WriteString(sec.String())
}

// addStackDetails writes one stack's notes, security changes, resource
// table, change-set view and property changes, folded away. It reports
// whether all of it fit.
func (b *budget) addStackDetails(s *diff.StackDiff, o MarkdownOptions) bool {
	if len(s.Resources) == 0 && len(s.Notes) == 0 && len(s.Parameters)+len(s.Conditions)+len(s.Mappings)+len(s.Outputs) == 0 &&
		len(s.IAM)+len(s.Network)+len(s.Exposure) == 0 {
		return true
	}
	if !b.add(stackDetailsHead(s)) {
		return false
	}
	for _, rc := range s.Resources {
		if !b.add(resourceRow(rc, o)) {
			b.force("\n</details>\n\n")
			return false
		}
	}
	rest := markdownChangeSet(s) + propertyTables(s) + sectionTables(s) + "\n</details>\n\n"
	if !b.add(rest) {
		b.force("\n</details>\n\n")
		return false
	}
	return true
}

// stackDetailsHead opens a stack's details: its notes, its security
// changes and the head of its resource table.
func stackDetailsHead(s *diff.StackDiff) string {
	var head strings.Builder
	fmt.Fprintf(&head, "<details><summary>%s: %s</summary>\n\n", Inline(s.File), plural(len(s.Resources), "resource change", "resource changes"))
	for _, note := range s.Notes {
		head.WriteString("> " + Inline(note) + "\n>\n")
	}
	if len(s.Notes) > 0 {
		head.WriteString("\n")
	}
	if lines := securityLines(s); len(lines) > 0 {
		head.WriteString("| Security | Kind | Change |\n|---|---|---|\n")
		for _, l := range lines {
			fmt.Fprintf(&head, "| %s | %s | %s |\n", l.change, l.kind, Inline(l.text))
		}
		head.WriteString("\n")
	}
	if len(s.Resources) > 0 {
		head.WriteString("| | Resource | Type | Change | Replacement |\n|---|---|---|---|---|\n")
	}
	return head.String()
}

func resourceRow(rc *diff.ResourceChange, o MarkdownOptions) string {
	icon := map[string]string{diff.Added: "➕", diff.Removed: "➖", diff.Renamed: "🔀", diff.Modified: "✏️"}[rc.Change]
	id := CodeSpan(rc.LogicalID)
	if rc.Pos != nil {
		id = fmt.Sprintf("[%s](%s)", id, lineURL(o.BlobURL, rc.Pos.File, rc.Pos.Line))
	}
	if rc.PreviousLogicalID != "" {
		id += " ← " + CodeSpan(rc.PreviousLogicalID)
	}
	repl := "—"
	switch rc.Replacement {
	case diff.Always:
		repl = "**always**"
	case diff.Conditional:
		repl = "**conditional**"
	case diff.Unknown:
		repl = "unknown"
	case diff.Never:
		repl = "never"
	}
	change := rc.Change
	if rc.Indirect {
		change += " (" + Inline(indirectText(rc)) + ")"
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s |\n", icon, id, CodeSpan(rc.Type), change, repl)
}

// afterCell shows a property's new value, and what it follows from when
// its text did not change.
func afterCell(p *diff.PropertyChange) string {
	switch {
	case p.Cause == "":
		return cell(p.After)
	case p.After == "":
		return Inline(p.Cause)
	}
	return cell(p.After) + " (" + Inline(p.Cause) + ")"
}

// propertyTables lists each resource's property changes.
func propertyTables(s *diff.StackDiff) string {
	var props strings.Builder
	for _, rc := range s.Resources {
		if len(rc.Properties) == 0 {
			continue
		}
		fmt.Fprintf(&props, "\n%s\n\n| Property | Before | After | Replaces |\n|---|---|---|---|\n", CodeSpan(rc.LogicalID))
		for _, p := range rc.Properties {
			fmt.Fprintf(&props, "| %s | %s | %s | %s |\n", CodeSpan(p.Path), cell(p.Before), afterCell(p), replText(p.Replacement))
		}
	}
	return props.String()
}

// sectionTables lists the parameter, condition, mapping and output
// changes, with the resources whose values they change.
func sectionTables(s *diff.StackDiff) string {
	var out strings.Builder
	for _, sec := range []struct {
		name    string
		changes []*diff.SectionChange
	}{{"Parameter", s.Parameters}, {"Condition", s.Conditions}, {"Mapping", s.Mappings}, {"Output", s.Outputs}} {
		for _, c := range sec.changes {
			fmt.Fprintf(&out, "\n%s %s %s\n", sec.name, CodeSpan(c.Name), c.Change)
			if len(c.Properties) > 0 {
				out.WriteString("\n| Path | Before | After |\n|---|---|---|\n")
				for _, p := range c.Properties {
					fmt.Fprintf(&out, "| %s | %s | %s |\n", CodeSpan(p.Path), cell(p.Before), afterCell(p))
				}
			}
			if len(c.Affects) > 0 {
				ids := make([]string, 0, min(len(c.Affects), maxAffects))
				for i, id := range c.Affects {
					if i == maxAffects {
						break
					}
					ids = append(ids, CodeSpan(id))
				}
				more := ""
				if len(c.Affects) > maxAffects {
					more = fmt.Sprintf(" and %d more", len(c.Affects)-maxAffects)
				}
				fmt.Fprintf(&out, "\nIt changes the values of %s%s.\n", strings.Join(ids, ", "), more)
			}
		}
	}
	return out.String()
}

func cell(s string) string {
	if s == "" {
		return "—"
	}
	return CodeSpan(s)
}

func replText(r diff.Replacement) string {
	switch r {
	case diff.Always:
		return "**yes**"
	case diff.Conditional:
		return "**maybe**"
	case diff.Unknown:
		return "unknown"
	}
	return "no"
}
