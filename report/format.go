package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/iamdata/managed"
	"github.com/tollgate-dev/tollgate/internal/spelling"
)

// Use is where an output format may be chosen.
type Use uint8

// Uses of a format. A format renders a check result, a diff result, an IAM
// data diff, or several of them; Action marks the formats the action's
// format input accepts (it renders the check result into the log).
const (
	UseCheck Use = 1 << iota
	UseDiff
	UseData
	UseAction
	// UsePolicies is tollgate policies: the policies of the templates.
	UsePolicies
)

func (u Use) String() string {
	switch u {
	case UseCheck:
		return "check"
	case UseDiff:
		return "diff"
	case UseData:
		return "data diff"
	case UseAction:
		return "the action"
	case UsePolicies:
		return "policies"
	}
	return fmt.Sprintf("Use(%d)", uint8(u))
}

// Options are what a renderer may be told besides the result.
type Options struct {
	// Color adds ANSI colours to text; set it only for a terminal.
	Color bool
	// Markdown sets links and the size bound of Markdown.
	Markdown MarkdownOptions
}

// Format is one output format: its name (the --format value), the file
// extension of its files, and one renderer per use it serves. A renderer
// that is nil means the format is not offered there.
type Format struct {
	Name string
	Ext  string
	// Check renders a check result (tollgate check, and the action's log
	// when Action is set).
	Check func(w io.Writer, r *Result, o Options) error
	// Diff renders the result of tollgate diff.
	Diff func(w io.Writer, r *Result, o Options) error
	// Data renders a comparison of two IAM data sets, Managed one of two
	// sets of AWS managed policies.
	Data    func(w io.Writer, d *iamdata.Diff) error
	Managed func(w io.Writer, d *managed.Diff) error
	// Policies renders the policies of tollgate policies.
	Policies func(w io.Writer, r *Result, o Options) error
	// Action is set when the action's format input accepts the format.
	Action bool
	// KeepPolicies is set when the check renderer needs the templates'
	// policies in the result (engine.Options.KeepPolicies).
	KeepPolicies bool
}

// Formats is the registry of output formats, in the order help lists them.
// A new format is one file with its renderers and one line here.
var Formats = []Format{
	{Name: "text", Ext: ".txt", Action: true,
		Check: func(w io.Writer, r *Result, o Options) error { return Text(w, r, TextOptions{Color: o.Color}) },
		Diff:  func(w io.Writer, r *Result, o Options) error { return DiffText(w, r, TextOptions{Color: o.Color}) },
		Data:  DataDiffText, Managed: ManagedDiffText,
		Policies: func(w io.Writer, r *Result, o Options) error { return PoliciesText(w, r, TextOptions{Color: o.Color}) }},
	{Name: "json", Ext: ".json", Action: true,
		Check: func(w io.Writer, r *Result, _ Options) error { return JSON(w, r) },
		Diff:  func(w io.Writer, r *Result, _ Options) error { return DiffJSON(w, r) },
		Data:  DataDiffJSON, Managed: ManagedDiffJSON,
		Policies: func(w io.Writer, r *Result, _ Options) error { return PoliciesJSON(w, r) }},
	{Name: "sarif", Ext: ".sarif", Action: true,
		Check: func(w io.Writer, r *Result, _ Options) error { return SARIF(w, r) }},
	{Name: "markdown", Ext: ".md", Action: true,
		Check: func(w io.Writer, r *Result, o Options) error { return Markdown(w, r, o.Markdown) },
		Diff:  func(w io.Writer, r *Result, o Options) error { return DiffMarkdown(w, r, o.Markdown) },
		Data:  DataDiffMarkdown, Managed: ManagedDiffMarkdown},
	{Name: "cfn-policy-validator", Ext: ".json", KeepPolicies: true,
		Check: func(w io.Writer, r *Result, _ Options) error { return CfnPolicyValidator(w, r) }},
}

// Serves reports whether the format may be chosen for use.
func (f Format) Serves(use Use) bool {
	switch use {
	case UseCheck:
		return f.Check != nil
	case UseDiff:
		return f.Diff != nil
	case UseData:
		return f.Data != nil
	case UseAction:
		return f.Action && f.Check != nil
	case UsePolicies:
		return f.Policies != nil
	}
	return false
}

// Renderer returns the format's renderer of a result for use (check, the
// action, diff or policies).
func (f Format) Renderer(use Use) func(w io.Writer, r *Result, o Options) error {
	switch use {
	case UseDiff:
		return f.Diff
	case UsePolicies:
		return f.Policies
	}
	return f.Check
}

// FormatNames lists the formats that serve use, in registry order.
func FormatNames(use Use) []string {
	var out []string
	for _, f := range Formats {
		if f.Serves(use) {
			out = append(out, f.Name)
		}
	}
	return out
}

// FormatList is FormatNames as prose: "text, json or markdown".
func FormatList(use Use) string {
	names := FormatNames(use)
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// LookupFormat finds the format called name that serves use. The error
// names the choices and, when name looks like a typo, the one meant.
func LookupFormat(name string, use Use) (Format, error) {
	for _, f := range Formats {
		if f.Name == name && f.Serves(use) {
			return f, nil
		}
	}
	names := FormatNames(use)
	msg := fmt.Sprintf("%q is not one of %s", name, strings.Join(names, ", "))
	if s, ok := spelling.Closest(name, names); ok {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	return Format{}, &FormatError{msg: msg}
}

// FormatError is an unknown or misplaced format name.
type FormatError struct{ msg string }

func (e *FormatError) Error() string { return e.msg }
