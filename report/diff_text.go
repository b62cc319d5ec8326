package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/tollgate-dev/tollgate/diff"
)

// DiffText writes the diff for a terminal: per template a verdict line, the
// security-relevant changes (widening first), every resource change with
// its file:line and property changes, section changes, then the findings
// about the change and a summary line.
func DiffText(w io.Writer, r *Result, o TextOptions) error {
	ew := &errWriter{w: w}
	paint := func(code, s string) string {
		if !o.Color {
			return s
		}
		return code + s + ansiReset
	}
	d := r.Diffs
	if d == nil {
		d = &diff.Report{}
	}
	for _, s := range d.Stacks {
		head := Plain(s.File) + " (" + s.Status
		if s.PreviousFile != "" {
			head += " from " + Plain(s.PreviousFile)
		}
		head += "): " + stackVerdict(s, func(x string) string { return paint(ansiBold+ansiYellow, x) })
		ew.println(paint(ansiBold, head))
		for _, n := range s.Notes {
			ew.println("  " + paint(ansiDim, "note: "+Plain(n)))
		}
		security := securityLines(s)
		if len(security) > 0 {
			ew.println("  security:")
			for _, l := range security {
				color := ansiDim
				switch l.change {
				case diff.Widened:
					color = ansiRed + ansiBold
				case diff.Changed:
					color = ansiYellow
				}
				ew.println("    " + paint(color, fmt.Sprintf("%-8s", l.change)) + " " + fmt.Sprintf("%-13s", l.kind) + " " + Plain(l.text))
			}
		}
		for _, rc := range s.Resources {
			ew.println("  " + resourceLine(rc, s.File, paint))
			for _, p := range rc.Properties {
				ew.println("      " + propertyLine(p))
			}
		}
		for _, sec := range []struct {
			name    string
			changes []*diff.SectionChange
		}{{"parameter", s.Parameters}, {"condition", s.Conditions}, {"mapping", s.Mappings}, {"output", s.Outputs}} {
			for _, c := range sec.changes {
				ew.println(fmt.Sprintf("  %s %s %s %s", changeMarker(c.Change), sec.name, Plain(c.Name), c.Change))
				for _, p := range c.Properties {
					ew.println("      " + propertyLine(p))
				}
				if len(c.Affects) > 0 {
					ew.println("      → changes the values of " + Plain(affectsText(c.Affects)))
				}
			}
		}
		textChangeSet(ew, s)
		ew.println("")
	}
	if len(d.Stacks) == 0 {
		ew.println("no CloudFormation template changed between " + Plain(shortSHA(d.Base)) + " and " + Plain(shortSHA(d.Head)))
	}
	if err := ew.err; err != nil {
		return err
	}
	// Findings, notices and errors as tollgate check prints them.
	findings := &Result{Findings: r.Findings, Notices: r.Notices, Errors: r.Errors}
	findingLines(ew, findings.Active(), paint)
	for _, n := range r.Notices {
		ew.println(paint(ansiDim, "note: "+Plain(n.String())))
	}
	for _, e := range r.Errors {
		ew.println(paint(ansiRed, "error: "+Plain(e.String())))
	}
	ew.println(stackDiffSummary(r, d, paint))
	return ew.err
}

type secLine struct {
	change, kind, text string
}

// securityLines lists the security-relevant changes of a stack, widening
// first.
func securityLines(s *diff.StackDiff) []secLine {
	var out []secLine
	add := func(change, kind, text string) { out = append(out, secLine{change, kind, text}) }
	for _, pass := range []string{diff.Widened, diff.Changed, diff.Narrowed} {
		for _, x := range s.IAM {
			if x.Change == pass {
				where := x.Resource + " " + x.Policy
				if x.Branch != "" {
					where += " (" + x.Branch + ")"
				}
				add(pass, "IAM", where+": "+x.Summary)
			}
		}
		for _, x := range s.Network {
			if x.Change == pass {
				add(pass, "network", x.Resource+": "+x.Summary)
			}
		}
		for _, x := range s.Exposure {
			if x.Change == pass {
				add(pass, x.Kind, x.Resource+" "+x.Path+": "+x.Summary)
			}
		}
	}
	return out
}

func resourceLine(rc *diff.ResourceChange, file string, paint func(code, s string) string) string {
	loc := ""
	switch {
	case rc.Pos != nil:
		loc = Plain(rc.Pos.Prefix())
	case rc.BasePos != nil:
		loc = Plain(rc.BasePos.Prefix()) + "(base) "
	}
	id := Plain(rc.LogicalID)
	if rc.PreviousLogicalID != "" {
		id += " (was " + Plain(rc.PreviousLogicalID) + ")"
	}
	line := paint(ansiDim, loc) + changeMarker(rc.Change) + " " + paint(ansiBold, id) + "  " + Plain(rc.Type) + "  " + rc.Change
	switch rc.Replacement {
	case diff.Always:
		line += "  " + paint(ansiRed+ansiBold, "REPLACED")
	case diff.Conditional:
		line += "  " + paint(ansiYellow+ansiBold, "MAY BE REPLACED")
	case diff.Unknown:
		line += "  " + paint(ansiDim, "replacement unknown")
	}
	if rc.Indirect {
		line += paint(ansiDim, "  ("+Plain(indirectText(rc))+")")
	}
	return line
}

// indirectText says what an indirect change follows from: "through a
// reference", "through parameter Name".
func indirectText(rc *diff.ResourceChange) string {
	for _, p := range rc.Properties {
		if p.Via != nil && p.Via.Kind == "resource" {
			return "through a reference"
		}
	}
	for _, p := range rc.Properties {
		if p.Via != nil {
			return "through " + p.Via.Kind + " " + p.Via.Name
		}
	}
	return "through a reference"
}

// maxAffects bounds how many resources a section change names.
const maxAffects = 8

func affectsText(ids []string) string {
	if len(ids) <= maxAffects {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:maxAffects], ", ") + fmt.Sprintf(" and %d more", len(ids)-maxAffects)
}

func propertyLine(p *diff.PropertyChange) string {
	var b strings.Builder
	b.WriteString(changeMarker(p.Change) + " " + Plain(p.Path))
	switch p.Change {
	case diff.Added:
		b.WriteString(": " + Plain(p.After))
	case diff.Removed:
		b.WriteString(": " + Plain(p.Before) + " (removed)")
	default:
		if p.Before != "" || p.After != "" {
			if p.Before == p.After {
				b.WriteString(": " + Plain(p.After))
			} else {
				b.WriteString(": " + Plain(p.Before) + " → " + Plain(p.After))
			}
		}
	}
	switch p.Replacement {
	case diff.Always:
		b.WriteString("  [replaces]")
	case diff.Conditional:
		b.WriteString("  [may replace]")
	}
	if p.Cause != "" {
		b.WriteString("  (" + Plain(p.Cause) + ")")
	}
	return b.String()
}

func stackDiffSummary(r *Result, d *diff.Report, paint func(code, s string) string) string {
	t := totals(d)
	parts := []string{plural(t.stacks, "template changed", "templates changed")}
	if t.replaced > 0 {
		parts = append(parts, paint(ansiRed+ansiBold, plural(t.replaced, "replacement", "replacements")))
	}
	if t.maybeReplaced > 0 {
		parts = append(parts, paint(ansiYellow, plural(t.maybeReplaced, "possible replacement", "possible replacements")))
	}
	if t.widened > 0 {
		parts = append(parts, paint(ansiRed+ansiBold, plural(t.widened, "widening", "widenings")))
	}
	active := len((&Result{Findings: r.Findings}).Active())
	if active > 0 {
		parts = append(parts, fmt.Sprintf("%s (%d blocking)", plural(active, "finding", "findings"), r.Blocking()))
	}
	if d.Base != "" {
		parts = append(parts, Plain(shortSHA(d.Base))+" → "+Plain(shortSHA(d.Head)))
	}
	return strings.Join(parts, " · ") + " · " + Duration(r.Stats.Duration)
}
