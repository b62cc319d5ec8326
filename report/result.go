// Package report renders a Result as terminal text, JSON, SARIF and the
// Markdown of a pull request comment. Renderers are pure: they read the
// Result and write to an io.Writer, nothing else.
package report

import (
	"time"

	"github.com/tollgate-dev/tollgate/checks"
)

// Result is everything a run found; every renderer reads only this.
type Result struct {
	// Tool names the program and its version.
	Tool Tool
	// Findings, sorted by file and line.
	Findings []checks.Finding
	// Templates lists every template read, in order.
	Templates []Template
	Stats     Stats
	// Notices are things the reader should know that are not findings:
	// skipped files, checks that could not run.
	Notices []string
	// Errors are failures of the run itself (a file that could not be read);
	// any makes the exit status 3.
	Errors []string
	// Rules describes every rule that ran, for SARIF and documentation.
	Rules []checks.Info
	// Previews are change sets computed against live stacks, when configured.
	Previews []Preview
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
