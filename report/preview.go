package report

import (
	"fmt"
	"strings"
)

// previewSummary is the one-line state of a preview.
func previewSummary(p *Preview) string {
	switch {
	case p.Error != "":
		return "preview failed: " + p.Error
	case p.Failed:
		return "CloudFormation could not create the change set: " + p.Reason
	case p.NoChanges:
		return "no changes to the live stack"
	}
	always, cond := p.Replacements()
	s := plural(len(p.Changes), "change", "changes")
	if p.NewStack {
		s += " (the stack does not exist yet)"
	}
	if always > 0 {
		s += fmt.Sprintf(", %d replaced", always)
	}
	if cond > 0 {
		s += fmt.Sprintf(", %d may be replaced", cond)
	}
	return s
}

// changeCauses renders what drives a change: "Properties.BucketName (DirectModification)".
func changeCauses(c *PreviewChange) string {
	var parts []string
	seen := map[string]bool{}
	for _, d := range c.Details {
		s := d.Attribute
		if d.Name != "" {
			s += "." + d.Name
		}
		if d.CausingEntity != "" {
			s += " ← " + d.CausingEntity
		} else if d.ChangeSource != "" {
			s += " (" + d.ChangeSource + ")"
		}
		if !seen[s] && s != "" {
			seen[s] = true
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "; ")
}

// markdownPreviews renders the change sets as tables, replacements first.
func markdownPreviews(b *budget, ps []Preview) {
	if len(ps) == 0 {
		return
	}
	b.add("#### Change set preview (against the live stacks)\n\n")
	for _, p := range ps {
		b.add(fmt.Sprintf("**%s** (%s): %s\n\n", Inline(p.Stack), Inline(p.File), Inline(previewSummary(&p))))
		if len(p.Changes) == 0 {
			continue
		}
		b.add("<details><summary>Changes</summary>\n\n| Action | Resource | Type | Replacement | Caused by |\n|---|---|---|---|---|\n")
		markdownPreviewRows(b, &p, "")
		b.add("\n</details>\n\n")
	}
}

func markdownPreviewRows(b *budget, p *Preview, prefix string) {
	for _, c := range p.Changes {
		repl := Inline(c.Replacement)
		if c.Replacement == "True" {
			repl = "⚠️ **yes**"
		}
		b.add(fmt.Sprintf("| %s | %s | %s | %s | %s |\n", Inline(c.Action), CodeSpan(prefix+c.LogicalID), CodeSpan(c.ResourceType), repl, Inline(changeCauses(&c))))
		if c.Nested != nil {
			markdownPreviewRows(b, c.Nested, prefix+c.LogicalID+"/")
		}
	}
}

// textPreviews renders the change sets for a terminal.
func textPreviews(ew *errWriter, ps []Preview) {
	for _, p := range ps {
		ew.println(fmt.Sprintf("preview %s (%s): %s", Plain(p.Stack), Plain(p.File), Plain(previewSummary(&p))))
		textPreviewRows(ew, &p, "  ")
	}
}

func textPreviewRows(ew *errWriter, p *Preview, indent string) {
	for _, c := range p.Changes {
		line := fmt.Sprintf("%s%s %s (%s)", indent, Plain(c.Action), Plain(c.LogicalID), Plain(c.ResourceType))
		if c.Replacement == "True" || c.Replacement == "Conditional" {
			line += " replacement: " + Plain(c.Replacement)
		}
		if cause := changeCauses(&c); cause != "" {
			line += " · " + Plain(cause)
		}
		ew.println(line)
		if c.Nested != nil {
			textPreviewRows(ew, c.Nested, indent+"  ")
		}
	}
}
