package report

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/diff"
)

// The change-set view shows a stack's changes the way `aws cloudformation
// describe-change-set` lists them (Action, LogicalResourceId, ResourceType,
// Replacement and the details that cause it, in CloudFormation's own
// words), beside tollgate's richer view, so a reviewer can compare the two
// line by line.

// showsChangeSet reports whether a stack gets the change-set view: a new
// stack's change set adds every resource, which the resource list already
// says, and a deleted template has none.
func showsChangeSet(s *diff.StackDiff) bool {
	return len(s.ChangeSet) > 0 && s.Status != diff.StackAdded && s.Status != diff.StackDeleted
}

// changeSetCauses renders a change's details:
// "Properties.AlarmName (Always; ResourceReference Table)".
func changeSetCauses(c *diff.ChangeSetChange) []string {
	var out []string
	for _, d := range c.Details {
		target := d.Attribute
		if d.Name != "" {
			target += "." + d.Name
		}
		var how []string
		if d.RequiresRecreation != "" {
			how = append(how, d.RequiresRecreation)
		}
		source := d.ChangeSource
		if d.CausingEntity != "" {
			source += " " + d.CausingEntity
		}
		how = append(how, source)
		out = append(out, target+" ("+strings.Join(how, "; ")+")")
	}
	return out
}

// textChangeSet writes the view as aligned columns under the stack.
func textChangeSet(ew *errWriter, s *diff.StackDiff) {
	if !showsChangeSet(s) {
		return
	}
	wa, wi, wt := len("Action"), len("Logical ID"), len("Type")
	for _, c := range s.ChangeSet {
		wa, wi, wt = max(wa, len(c.Action)), max(wi, len(Plain(c.LogicalID))), max(wt, len(Plain(c.ResourceType)))
	}
	row := func(action, id, typ, repl, causes string) string {
		return strings.TrimRight(fmt.Sprintf("    %-*s  %-*s  %-*s  %-11s  %s", wa, action, wi, id, wt, typ, repl, causes), " ")
	}
	ew.println("  change set (as describe-change-set would list it):")
	ew.println(row("Action", "Logical ID", "Type", "Replacement", "Caused by"))
	for _, c := range s.ChangeSet {
		ew.println(row(c.Action, Plain(c.LogicalID), Plain(c.ResourceType), c.Replacement, Plain(strings.Join(changeSetCauses(c), " · "))))
	}
}

// markdownChangeSet is the view as a table.
func markdownChangeSet(s *diff.StackDiff) string {
	if !showsChangeSet(s) {
		return ""
	}
	var b strings.Builder
	b.WriteString("\nChange set, as `aws cloudformation describe-change-set` would list it:\n\n| Action | Resource | Type | Replacement | Caused by |\n|---|---|---|---|---|\n")
	for _, c := range s.ChangeSet {
		repl := c.Replacement
		switch repl {
		case "True":
			repl = "**True**"
		case "":
			repl = "—"
		}
		causes := changeSetCauses(c)
		for i, x := range causes {
			causes[i] = Inline(x)
		}
		cause := strings.Join(causes, "<br>")
		if cause == "" {
			cause = "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", c.Action, CodeSpan(c.LogicalID), CodeSpan(c.ResourceType), repl, cause)
	}
	return b.String()
}
