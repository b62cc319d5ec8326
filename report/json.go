package report

import (
	"encoding/json"
	"io"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/template"
)

// JSONReport is the shape of the JSON output; its field names are a
// contract with scripts that read it.
type JSONReport struct {
	Version  int              `json:"version"`
	Findings []checks.Finding `json:"findings"`
	Summary  JSONSummary      `json:"summary"`
	Notices  []string         `json:"notices,omitempty"`
	Errors   []string         `json:"errors,omitempty"`
	// Skipped lists the candidate files that are not templates.
	Skipped []Skipped `json:"skipped,omitempty"`
}

// JSONSummary counts what the run saw.
type JSONSummary struct {
	Files       int `json:"files"`
	Templates   int `json:"templates"`
	Skipped     int `json:"skipped"`
	Policies    int `json:"policies"`
	Blocking    int `json:"blocking"`
	NonBlocking int `json:"nonBlocking"`
}

// NewJSONReport builds the JSON shape of a result.
func NewJSONReport(r *Result) JSONReport {
	findings := r.Findings
	if findings == nil {
		findings = []checks.Finding{}
	}
	blocking := r.Blocking()
	return JSONReport{
		Version:  1,
		Findings: findings,
		Summary: JSONSummary{Files: r.Stats.Files, Templates: r.Stats.Templates, Skipped: len(r.Skipped), Policies: r.Stats.Policies,
			Blocking: blocking, NonBlocking: len(r.Findings) - blocking},
		Notices: template.NoticeStrings(r.Notices),
		Errors:  template.NoticeStrings(r.Errors),
		Skipped: r.Skipped,
	}
}

// JSON writes the result as indented JSON.
func JSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(NewJSONReport(r))
}
