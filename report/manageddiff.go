package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/tollgate-dev/tollgate/iamdata/managed"
)

// Renderers of `tollgate data diff --managed`. Policy names come from the
// network (the npm registry), so they are escaped like any other untrusted
// text.

// ManagedDiffText writes a managed policy diff for a terminal or a log.
func ManagedDiffText(w io.Writer, d *managed.Diff) error {
	ew := &errWriter{w: w}
	ew.println("old: " + Plain(managedSide(d.Old)))
	ew.println("new: " + Plain(managedSide(d.New)))
	if d.Empty() {
		ew.println("no AWS managed policies added, removed or changed")
		return ew.err
	}
	ew.println("")
	for _, c := range d.Added {
		ew.println(fmt.Sprintf("  + %s  %s", Plain(c.ARN), Plain(c.NewVersion)))
	}
	for _, c := range d.Removed {
		ew.println(fmt.Sprintf("  - %s  %s", Plain(c.ARN), Plain(c.OldVersion)))
	}
	for _, c := range d.Changed {
		ew.println(fmt.Sprintf("  ~ %s  %s", Plain(c.ARN), Plain(versionChange(c))))
	}
	ew.println("")
	ew.println(managedSummary(d))
	return ew.err
}

// ManagedDiffMarkdown writes a managed policy diff as Markdown.
func ManagedDiffMarkdown(w io.Writer, d *managed.Diff) error {
	ew := &errWriter{w: w}
	ew.println("### AWS managed policies: " + Inline(managedSummary(d)))
	ew.println("")
	ew.println(fmt.Sprintf("From %s to %s.", Inline(managedSide(d.Old)), Inline(managedSide(d.New))))
	if d.Empty() {
		return ew.err
	}
	ew.println("")
	ew.println("| Policy | Change | Version |")
	ew.println("|---|---|---|")
	rows := 0
	row := func(c managed.Change, change, version string) {
		if rows++; rows <= 200 {
			ew.println(fmt.Sprintf("| %s | %s | %s |", CodeSpan(c.ARN), change, Inline(version)))
		}
	}
	for _, c := range d.Added {
		row(c, "added", c.NewVersion)
	}
	for _, c := range d.Removed {
		row(c, "removed", c.OldVersion)
	}
	for _, c := range d.Changed {
		row(c, "changed", versionChange(c))
	}
	if rows > 200 {
		ew.println(fmt.Sprintf("| and %d more | | |", rows-200))
	}
	return ew.err
}

// ManagedDiffJSON writes a managed policy diff as indented JSON.
func ManagedDiffJSON(w io.Writer, d *managed.Diff) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}

func versionChange(c managed.Change) string {
	if c.OldVersion == c.NewVersion {
		return c.NewVersion + ", document changed"
	}
	return c.OldVersion + " → " + c.NewVersion
}

func managedSide(s managed.Summary) string {
	return fmt.Sprintf("%s %s (%s; %d policies)", s.Source, s.Version, s.Updated, s.Policies)
}

func managedSummary(d *managed.Diff) string {
	if d.Empty() {
		return "no change"
	}
	return fmt.Sprintf("%s added, %s removed, %s changed", plural(len(d.Added), "policy", "policies"),
		plural(len(d.Removed), "policy", "policies"), plural(len(d.Changed), "policy", "policies"))
}
