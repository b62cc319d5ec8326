package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/checks"
)

// TextOptions control the terminal rendering.
type TextOptions struct {
	// Color adds ANSI colours; set it only for a terminal.
	Color bool
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiPurple = "\x1b[35m"
)

var typeColors = map[checks.Type]string{
	checks.Error:           ansiRed + ansiBold,
	checks.SecurityWarning: ansiPurple + ansiBold,
	checks.Warning:         ansiYellow,
	checks.Suggestion:      ansiBlue,
}

// Text writes the findings one per line, as file:line:col: TYPE CODE message
// [resource], each followed by its fix, then notices and a summary line.
func Text(w io.Writer, r *Result, o TextOptions) error {
	ew := &errWriter{w: w}
	paint := func(code, s string) string {
		if !o.Color {
			return s
		}
		return code + s + ansiReset
	}
	findingLines(ew, r.Active(), paint)
	if len(r.Previews) > 0 {
		textPreviews(ew, r.Previews)
		ew.println("")
	}
	for _, n := range r.Notices {
		ew.println(paint(ansiDim, "note: "+Plain(n.String())))
	}
	for _, e := range r.Errors {
		ew.println(paint(ansiRed, "error: "+Plain(e.String())))
	}
	ew.println(summaryLine(r, paint))
	return ew.err
}

// findingLines writes findings one per line, as file:line:col: TYPE CODE
// message [resource] (branch), each followed by its fix, and a blank line
// after them; check's and diff's text share it.
func findingLines(ew *errWriter, fs []checks.Finding, paint func(code, s string) string) {
	for _, f := range fs {
		loc := Plain(f.Span.String()) + ":"
		line := paint(ansiBold, loc) + " " + paint(typeColors[f.Type], string(f.Type)) + " " + paint(ansiBold, f.Code) + " " + Plain(f.Message)
		if f.Resource != "" {
			line += " [" + Plain(f.Resource) + "]"
		}
		if c := f.Conditions(); c != "" {
			line += " (" + Plain(c) + ")"
		}
		ew.println(line)
		if f.Fix != "" {
			ew.println("    " + paint(ansiDim, "Fix: "+Plain(f.Fix)))
		}
	}
	if len(fs) > 0 {
		ew.println("")
	}
}

// summaryLine is the one-line verdict: counts, blocking, time. A run that
// could not read everything says so first: "no findings" about the part
// that was read is not a clean result.
func summaryLine(r *Result, paint func(code, s string) string) string {
	active := r.Active()
	suppressed := len(r.Findings) - len(active)
	tail := fmt.Sprintf(" · %s checked in %s", plural(r.Stats.Policies, "policy", "policies"), Duration(r.Stats.Duration))
	if n := len(r.Skipped); n > 0 {
		tail = " · " + SkippedCount(n) + tail
	}
	if suppressed > 0 {
		tail = fmt.Sprintf(" · %d suppressed", suppressed) + tail
	}
	prefix := ""
	if n := len(r.Errors); n > 0 {
		prefix = paint(ansiRed+ansiBold, "✗ incomplete") + fmt.Sprintf(" (%s): ", plural(n, "error", "errors"))
	}
	switch {
	case r.Stats.Templates == 0:
		return prefix + "no CloudFormation templates found" + tail
	case len(active) == 0 && prefix != "":
		return prefix + "no findings in the " + plural(r.Stats.Templates, "template", "templates") + " read" + tail
	case len(active) == 0:
		return paint(ansiGreen, "✓ no findings") + " in " + plural(r.Stats.Templates, "template", "templates") + tail
	}
	blocking := r.Blocking()
	verdict := fmt.Sprintf("%s (%d blocking)", plural(len(active), "finding", "findings"), blocking)
	if blocking > 0 {
		verdict = paint(ansiRed+ansiBold, verdict)
	}
	return fmt.Sprintf("%s%s in %d of %s%s", prefix, verdict, r.TemplatesWithFindings(), plural(r.Stats.Templates, "template", "templates"), tail)
}

// SkippedCount says how many candidate files were not templates.
func SkippedCount(n int) string {
	return plural(n, "file", "files") + " skipped: not " + map[bool]string{true: "a template", false: "templates"}[n == 1]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Duration renders a run time for people: "41 ms", "1.3 s".
func Duration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", d.Seconds()), ".0") + " s"
}

// errWriter remembers the first write error so renderers stay linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) println(s string) {
	if e.err != nil {
		return
	}
	_, e.err = io.WriteString(e.w, s+"\n")
}

func (e *errWriter) print(s string) {
	if e.err != nil {
		return
	}
	_, e.err = io.WriteString(e.w, s)
}
