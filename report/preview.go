package report

import (
	"fmt"
	"strings"
)

// Preview is a CloudFormation change set computed against a live stack and
// deleted after reading: what AWS itself says the change will do.
type Preview struct {
	File      string `json:"file,omitempty"`
	Stack     string `json:"stack"`
	ChangeSet string `json:"changeSet"`
	// NewStack is set when the stack does not exist yet.
	NewStack  bool `json:"newStack,omitempty"`
	NoChanges bool `json:"noChanges,omitempty"`
	// Failed and Reason report a change set CloudFormation could not create.
	Failed bool   `json:"failed,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Error is set when the preview could not run at all.
	Error   string          `json:"error,omitempty"`
	Changes []PreviewChange `json:"changes,omitempty"`
}

// PreviewChange is one resource change of a change set.
type PreviewChange struct {
	Action       string          `json:"action"`
	LogicalID    string          `json:"logicalId"`
	PhysicalID   string          `json:"physicalId,omitempty"`
	ResourceType string          `json:"resourceType"`
	Replacement  string          `json:"replacement,omitempty"`
	Scope        []string        `json:"scope,omitempty"`
	Details      []PreviewDetail `json:"details,omitempty"`
	Nested       *Preview        `json:"nested,omitempty"`
}

// PreviewDetail says which property or cause drives a change.
type PreviewDetail struct {
	Attribute          string `json:"attribute,omitempty"`
	Name               string `json:"name,omitempty"`
	RequiresRecreation string `json:"requiresRecreation,omitempty"`
	ChangeSource       string `json:"changeSource,omitempty"`
	CausingEntity      string `json:"causingEntity,omitempty"`
	Evaluation         string `json:"evaluation,omitempty"`
}

// Replacements counts the changes that replace a resource (True), and those
// that may (Conditional).
func (p *Preview) Replacements() (always, conditional int) {
	for _, c := range p.Changes {
		switch c.Replacement {
		case "True":
			always++
		case "Conditional":
			conditional++
		}
		if c.Nested != nil {
			a, b := c.Nested.Replacements()
			always, conditional = always+a, conditional+b
		}
	}
	return always, conditional
}

// summary is the one-line state of a preview.
func (p *Preview) summary() string {
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

// causes renders what drives a change: "Properties.BucketName (DirectModification)".
func (c *PreviewChange) causes() string {
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
		b.add(fmt.Sprintf("**%s** (%s): %s\n\n", Inline(p.Stack), Inline(p.File), Inline(p.summary())))
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
		b.add(fmt.Sprintf("| %s | %s | %s | %s | %s |\n", Inline(c.Action), CodeSpan(prefix+c.LogicalID), CodeSpan(c.ResourceType), repl, Inline(c.causes())))
		if c.Nested != nil {
			markdownPreviewRows(b, c.Nested, prefix+c.LogicalID+"/")
		}
	}
}

// textPreviews renders the change sets for a terminal.
func textPreviews(ew *errWriter, ps []Preview) {
	for _, p := range ps {
		ew.println(fmt.Sprintf("preview %s (%s): %s", Plain(p.Stack), Plain(p.File), Plain(p.summary())))
		textPreviewRows(ew, &p, "  ")
	}
}

func textPreviewRows(ew *errWriter, p *Preview, indent string) {
	for _, c := range p.Changes {
		line := fmt.Sprintf("%s%s %s (%s)", indent, Plain(c.Action), Plain(c.LogicalID), Plain(c.ResourceType))
		if c.Replacement == "True" || c.Replacement == "Conditional" {
			line += " replacement: " + Plain(c.Replacement)
		}
		if cause := c.causes(); cause != "" {
			line += " · " + Plain(cause)
		}
		ew.println(line)
		if c.Nested != nil {
			textPreviewRows(ew, c.Nested, indent+"  ")
		}
	}
}
