package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/diff"
	"github.com/tollgate-dev/tollgate/template"
)

// DiffJSONReport is the JSON shape of `tollgate diff`: the semantic diff of
// every changed template and the findings about the change. Its field names
// are a contract with scripts that read it.
type DiffJSONReport struct {
	Version  int               `json:"version"`
	Base     string            `json:"base"`
	Head     string            `json:"head"`
	Stacks   []*diff.StackDiff `json:"stacks"`
	Findings []checks.Finding  `json:"findings"`
	Notices  []string          `json:"notices,omitempty"`
	Errors   []string          `json:"errors,omitempty"`
}

// DiffJSON writes the diff of a result as indented JSON.
func DiffJSON(w io.Writer, r *Result) error {
	out := DiffJSONReport{Version: 1, Stacks: []*diff.StackDiff{}, Findings: r.Findings, Notices: template.NoticeStrings(r.Notices), Errors: template.NoticeStrings(r.Errors)}
	if r.Diffs != nil {
		out.Base, out.Head = r.Diffs.Base, r.Diffs.Head
		if r.Diffs.Stacks != nil {
			out.Stacks = r.Diffs.Stacks
		}
	}
	if out.Findings == nil {
		out.Findings = []checks.Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// diffTotals counts what a diff report says, for verdict lines.
type diffTotals struct {
	stacks, replaced, maybeReplaced, widened, removedStateful int
}

func totals(d *diff.Report) diffTotals {
	var t diffTotals
	if d == nil {
		return t
	}
	for _, s := range d.Stacks {
		t.stacks++
		c := s.Counts()
		t.replaced += c.Replaced
		t.maybeReplaced += c.MaybeReplaced
		for _, r := range s.Resources {
			if r.Change == diff.Removed && r.Stateful {
				t.removedStateful++
			}
		}
		for _, x := range s.IAM {
			if x.Change == diff.Widened {
				t.widened++
			}
		}
		for _, x := range s.Network {
			if x.Change == diff.Widened {
				t.widened++
			}
		}
		for _, x := range s.Exposure {
			if x.Change == diff.Widened {
				t.widened++
			}
		}
	}
	return t
}

// stackVerdict is the one-line summary of a stack's resource changes:
// "1 replaced, 4 modified, 2 added". Renamed resources count as replaced.
func stackVerdict(s *diff.StackDiff, bold func(string) string) string {
	var replaced, maybe, modified, added, removed int
	for _, r := range s.Resources {
		switch {
		case r.Change == diff.Added:
			added++
		case r.Change == diff.Removed:
			removed++
		case r.Replacement == diff.Always:
			replaced++
		case r.Replacement == diff.Conditional:
			maybe++
		default:
			modified++
		}
	}
	var parts []string
	if replaced > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", replaced, bold("replaced")))
	}
	if maybe > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", maybe, bold("may be replaced")))
	}
	for _, x := range []struct {
		n    int
		what string
	}{{modified, "modified"}, {added, "added"}, {removed, "removed"}} {
		if x.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", x.n, x.what))
		}
	}
	if len(parts) == 0 {
		switch {
		case len(s.Notes) > 0 && s.BaseResources+s.HeadResources > 0 && s.Status != diff.StackDeleted:
			return "not compared"
		case len(s.Parameters)+len(s.Conditions)+len(s.Mappings)+len(s.Outputs) > 0:
			return "no resource changes"
		}
		return "no semantic change"
	}
	return strings.Join(parts, ", ")
}

// highlight is one line of "what this change does": a widening, a
// replacement, a deletion of data.
type highlight struct {
	icon, title, detail string
	file                string
	line                int
}

// highlights lists what a reviewer must see, widening first, then
// replacements and deletions of resources that hold data.
func highlights(d *diff.Report) []highlight {
	var wide, repl, other []highlight
	if d == nil {
		return nil
	}
	for _, s := range d.Stacks {
		for _, x := range s.IAM {
			if x.Change == diff.Widened {
				wide = append(wide, highlight{"🔓", x.Resource + " IAM widened", x.Summary, s.File, x.Line})
			}
		}
		for _, x := range s.Network {
			if x.Change == diff.Widened {
				icon := "🔓"
				if x.Public {
					icon = "🌐"
				}
				wide = append(wide, highlight{icon, x.Resource + " network access widened", x.Summary, s.File, x.Line})
			}
		}
		for _, x := range s.Exposure {
			if x.Change == diff.Widened {
				what := "public access widened"
				if x.Kind == "encryption" {
					what = "encryption removed"
				}
				wide = append(wide, highlight{"🔓", x.Resource + " " + what, x.Summary, s.File, x.Line})
			}
		}
		for _, r := range s.Resources {
			line := 0
			if r.Pos != nil {
				line = r.Pos.Line
			}
			switch {
			case r.Change == diff.Renamed:
				repl = append(repl, highlight{"⚠️", fmt.Sprintf("%s (%s) will be replaced", r.LogicalID, r.Type),
					fmt.Sprintf("its logical ID changed from %s, so CloudFormation creates a new resource and deletes the old one%s.",
						r.PreviousLogicalID, dataNote(r, r.BaseDeletionPolicy, "DeletionPolicy")), s.File, line})
			case r.Change == diff.Modified && (r.Replacement == diff.Always || r.Replacement == diff.Conditional):
				verb := "will be replaced"
				if r.Replacement == diff.Conditional {
					verb = "may be replaced"
				}
				repl = append(repl, highlight{"⚠️", fmt.Sprintf("%s (%s) %s", r.LogicalID, r.Type, verb),
					causes(r) + dataNote(r, r.UpdateReplacePolicy, "UpdateReplacePolicy") + ".", s.File, line})
			case r.Change == diff.Removed && r.Stateful && s.Status != diff.StackDeleted:
				other = append(other, highlight{"🗑️", fmt.Sprintf("%s (%s) will be deleted", r.LogicalID, r.Type),
					"it holds data" + dataNote(r, r.DeletionPolicy, "DeletionPolicy") + ".", s.File, 0})
			}
		}
	}
	return append(append(wide, repl...), other...)
}

// causes names what makes a resource be replaced.
func causes(r *diff.ResourceChange) string {
	var parts []string
	for _, p := range r.Properties {
		if p.Replacement != r.Replacement {
			continue
		}
		if p.Cause != "" {
			parts = append(parts, p.Cause)
		} else {
			parts = append(parts, p.Path+" changed")
		}
		if len(parts) == 3 {
			break
		}
	}
	if len(parts) == 0 {
		return "a property that forces replacement changed"
	}
	return strings.Join(parts, "; ")
}

// dataNote warns that data is lost unless a policy keeps it.
func dataNote(r *diff.ResourceChange, policy, attr string) string {
	if !r.Stateful {
		return ""
	}
	switch policy {
	case "Retain", "Snapshot", "RetainExceptOnCreate":
		return fmt.Sprintf("; its data is kept (%s: %s)", attr, policy)
	case "":
		return fmt.Sprintf("; its data is lost unless it is retained or backed up: %s is not set", attr)
	}
	return fmt.Sprintf("; its data is lost unless it is retained or backed up: %s is %s", attr, policy)
}

func changeMarker(change string) string {
	switch change {
	case diff.Added:
		return "+"
	case diff.Removed:
		return "-"
	case diff.Renamed:
		return ">"
	}
	return "~"
}

// shortSHA abbreviates a commit SHA for display; other revisions ("working
// tree") are shown whole.
func shortSHA(s string) string {
	if len(s) >= 40 && strings.Trim(s, "0123456789abcdef") == "" {
		return s[:7]
	}
	return s
}
