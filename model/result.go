// Package model holds the values every stage of tollgate hands on: the
// Result of a run (findings, templates, diffs, previews, notices, errors)
// and its Status. It decides nothing and does no I/O; report renders it,
// github publishes it, and cloud fills its previews without importing
// either.
package model

import (
	"time"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/diff"
	"github.com/tollgate-dev/tollgate/template"
)

// Result is everything a run found; every renderer reads only this.
type Result struct {
	// Tool names the program and its version.
	Tool Tool
	// Findings, sorted by file and line.
	Findings []checks.Finding
	// Templates lists every template read, in order.
	Templates []Template
	// Skipped lists the candidate files that are not templates (parameters
	// files, tool configurations), so none is dropped silently.
	Skipped []Skipped
	Stats   Stats
	// Notices are things the reader should know that are not findings:
	// skipped files, checks that could not run; each with its place where
	// it is about one.
	Notices []template.Notice
	// Errors are failures of the run itself (a file that could not be read);
	// any makes the exit status 3.
	Errors []template.Notice
	// Rules describes every rule that ran, for SARIF and documentation.
	Rules []checks.Info
	// Diffs is the semantic diff of the changed templates against a base
	// revision; nil when no diff was asked for.
	Diffs *diff.Report
	// Previews are change sets computed against live stacks, when configured.
	Previews []Preview
	// Environment is the environment the reviewed change deploys to (the
	// gitops mapping of a pull request's base branch, or of the pushed
	// branch); "" when none is configured or none matches.
	Environment string
}

// Tool identifies the program that produced a result.
type Tool struct {
	Name    string
	Version string
	URL     string
}

// Template is one template that was read.
type Template struct {
	File string
	// Stack is the stack name when known (CDK manifests name them).
	Stack     string
	Resources int
	Policies  int
	// Extracted holds the parsed template and its policies, for the
	// renderers that show policies (tollgate policies, the
	// cfn-policy-validator shape); nil unless the run kept them.
	Extracted *Extracted
}

// Extracted is a template as the checks read it: parsed, resolved with
// Values, and its policies extracted.
type Extracted struct {
	Template   *template.Template
	Values     template.Values
	Extraction *template.Extraction
}

// Skipped is a candidate file that was not read as a template.
type Skipped struct {
	File string `json:"file"`
	// Reason completes "it is …": "a CloudFormation parameters file".
	Reason string `json:"reason"`
}

// Stats counts what a run did.
type Stats struct {
	// Files is how many candidate files were looked at; Templates how many
	// of them were CloudFormation templates.
	Files     int
	Templates int
	Policies  int
	Duration  time.Duration
}

// Blocking counts the findings that block.
func (r *Result) Blocking() int {
	n := 0
	for _, f := range r.Findings {
		if f.Blocking {
			n++
		}
	}
	return n
}

// Active returns the findings that are not suppressed.
func (r *Result) Active() []checks.Finding {
	out := make([]checks.Finding, 0, len(r.Findings))
	for _, f := range r.Findings {
		if f.Suppression == nil {
			out = append(out, f)
		}
	}
	return out
}

// TemplatesWithFindings counts the templates with at least one active finding.
func (r *Result) TemplatesWithFindings() int {
	files := map[string]bool{}
	for _, f := range r.Findings {
		if f.Suppression == nil {
			files[f.File] = true
		}
	}
	return len(files)
}

// Status is the verdict of a run: what every entry point exits with and
// what the action publishes.
type Status int

// Statuses, from best to worst; each entry point maps them onto its exit
// codes (0, 1 and 3).
const (
	// Clean: nothing blocks.
	Clean Status = iota
	// Blocking: findings block.
	Blocking
	// Failed: the run itself failed (a template that could not be read), so
	// the review is incomplete whatever it found.
	Failed
)

func (s Status) String() string {
	switch s {
	case Blocking:
		return "blocking"
	case Failed:
		return "failed"
	}
	return "clean"
}

// Status is the run's verdict. A failure outranks blocking findings: a run
// that could not read every template has not reviewed the change, and
// saying "fix these findings" would hide that.
func (r *Result) Status() Status {
	switch {
	case len(r.Errors) > 0:
		return Failed
	case r.Blocking() > 0:
		return Blocking
	}
	return Clean
}

// Note adds a notice about no one place.
func (r *Result) Note(msg string) {
	r.Notices = append(r.Notices, template.Notice{Message: msg})
}
