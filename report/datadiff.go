package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/tollgate-dev/tollgate/iamdata"
)

// Renderers of `tollgate data diff`. Service and action names come from the
// network (the AWS service reference), so they are escaped like any other
// untrusted text.

// DataDiffText writes a data diff for a terminal or a log.
func DataDiffText(w io.Writer, d *iamdata.Diff) error {
	ew := &errWriter{w: w}
	ew.println(fmt.Sprintf("old: %s", Plain(sideLabel(d.Old))))
	ew.println(fmt.Sprintf("new: %s", Plain(sideLabel(d.New))))
	if d.Empty() {
		ew.println("no services or actions added or removed")
		return ew.err
	}
	for _, s := range d.Services {
		head := fmt.Sprintf("%s (%s)", Plain(s.Prefix), Plain(s.Name))
		switch {
		case s.Added:
			head += ": new service"
		case s.Removed:
			head += ": service removed"
		}
		ew.println("")
		ew.println(head)
		for _, a := range s.ActionsAdded {
			ew.println(fmt.Sprintf("  + %s:%s  %s", Plain(s.Prefix), Plain(a.Name), Plain(string(a.Access))))
		}
		for _, a := range s.ActionsRemoved {
			ew.println(fmt.Sprintf("  - %s:%s  %s", Plain(s.Prefix), Plain(a.Name), Plain(string(a.Access))))
		}
	}
	ew.println("")
	ew.println(diffSummary(d))
	return ew.err
}

// DataDiffMarkdown writes a data diff as Markdown, for an issue or a job
// summary opened by a scheduled workflow.
func DataDiffMarkdown(w io.Writer, d *iamdata.Diff) error {
	ew := &errWriter{w: w}
	ew.println("### IAM service data: " + Inline(diffSummary(d)))
	ew.println("")
	ew.println(fmt.Sprintf("From %s to %s.", Inline(sideLabel(d.Old)), Inline(sideLabel(d.New))))
	if d.Empty() {
		return ew.err
	}
	ew.println("")
	ew.println("| Service | Change | Actions |")
	ew.println("|---|---|---|")
	for _, s := range d.Services {
		change := fmt.Sprintf("+%d −%d", len(s.ActionsAdded), len(s.ActionsRemoved))
		switch {
		case s.Added:
			change = "new service"
		case s.Removed:
			change = "removed"
		}
		var acts []string
		for _, a := range s.ActionsAdded {
			acts = append(acts, "+ "+CodeSpan(s.Prefix+":"+a.Name))
		}
		for _, a := range s.ActionsRemoved {
			acts = append(acts, "− "+CodeSpan(s.Prefix+":"+a.Name))
		}
		if len(acts) > 40 {
			acts = append(acts[:40], fmt.Sprintf("and %d more", len(acts)-40))
		}
		ew.println(fmt.Sprintf("| %s (%s) | %s | %s |", CodeSpan(s.Prefix), Inline(s.Name), change, strings.Join(acts, "<br>")))
	}
	return ew.err
}

// DataDiffJSON writes a data diff as indented JSON.
func DataDiffJSON(w io.Writer, d *iamdata.Diff) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}

func sideLabel(s iamdata.Summary) string {
	return fmt.Sprintf("%s %s (%s; %d services, %d actions)", s.Source, s.Version, s.Updated, s.Services, s.Actions)
}

func diffSummary(d *iamdata.Diff) string {
	if d.Empty() {
		return "no change"
	}
	return fmt.Sprintf("%s added, %s removed in %s",
		plural(d.ActionsAdded, "action", "actions"), plural(d.ActionsRemoved, "action", "actions"), plural(len(d.Services), "service", "services"))
}
