package github

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/report"
)

// Log writes to the job log: plain lines and workflow commands. Unlike the
// library's helpers it never panics when the log cannot be written; it
// remembers the first error instead.
type Log struct {
	w     io.Writer
	debug bool
	err   error
}

// NewLog writes the job log to w; debug enables ::debug:: lines.
func NewLog(w io.Writer, debug bool) *Log { return &Log{w: w, debug: debug} }

// Err returns the first write error.
func (l *Log) Err() error { return l.err }

func (l *Log) write(s string) {
	if l.err == nil {
		_, l.err = io.WriteString(l.w, s+"\n")
	}
}

// Command writes one workflow command. The message and property values are
// escaped by the library (%, CR, LF; ":" and "," in properties), and other
// control characters are made visible, so untrusted text cannot end the
// command or start another one.
func (l *Log) Command(name string, props map[string]string, msg string) {
	cp := githubactions.CommandProperties{}
	for k, v := range props {
		cp[k] = report.PlainLines(v)
	}
	c := githubactions.Command{Name: name, Properties: cp, Message: report.PlainLines(msg)}
	l.write(c.String())
}

// Printf writes a line of the tool's own text. Arguments that carry
// untrusted text must go through Untrusted or report.Plain first.
func (l *Log) Printf(format string, args ...any) { l.write(fmt.Sprintf(format, args...)) }

// Debugf writes a debug line, shown when the run has debug logging on.
func (l *Log) Debugf(format string, args ...any) {
	if l.debug {
		l.Command("debug", nil, fmt.Sprintf(format, args...))
	}
}

// Warning and Notice write annotations without a location.
func (l *Log) Warning(msg string) { l.Command("warning", nil, msg) }

// Notice writes a notice annotation without a location.
func (l *Log) Notice(msg string) { l.Command("notice", nil, msg) }

// Error writes an error annotation without a location.
func (l *Log) Error(msg string) { l.Command("error", nil, msg) }

// Mask asks the runner to hide s in the rest of the log.
func (l *Log) Mask(s string) {
	if s != "" {
		l.Command("add-mask", nil, s)
	}
}

// Group folds the lines up to EndGroup under title.
func (l *Log) Group(title string) { l.Command("group", nil, title) }

// EndGroup ends a Group.
func (l *Log) EndGroup() { l.Command("endgroup", nil, "") }

// Untrusted writes text that may contain anything, such as a report with
// file names and messages from a pull request, between stop-commands
// markers: the runner ignores workflow commands in it, whatever its lines
// start with.
func (l *Log) Untrusted(text string) {
	token := randomToken()
	l.Command("stop-commands", nil, token)
	if text != "" {
		l.write(strings.TrimSuffix(text, "\n"))
	}
	l.write("::" + token + "::")
}

func randomToken() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms; a fixed token
		// is still better than no stop-commands at all.
		return "tollgate-stop-commands"
	}
	return "tollgate-" + hex.EncodeToString(b[:])
}

// MaxLogAnnotations is how many annotations of one kind GitHub shows for a
// step; the rest exist only in the log, so tollgate points to the summary.
const MaxLogAnnotations = 10

// AnnotationLevel maps a finding type onto a workflow command and a check
// run annotation level.
func AnnotationLevel(t checks.Type) (command, checkLevel string) {
	switch t {
	case checks.Error, checks.SecurityWarning:
		return "error", "failure"
	case checks.Warning:
		return "warning", "warning"
	}
	return "notice", "notice"
}

// Annotate writes findings as workflow-command annotations, the fallback
// when the token cannot create a check run. It writes at most limit and
// returns how many it wrote.
func (l *Log) Annotate(fs []checks.Finding, limit int) int {
	n := 0
	for _, f := range fs {
		if n == limit {
			break
		}
		cmd, _ := AnnotationLevel(f.Type)
		props := map[string]string{"file": f.File, "title": annotationTitle(f)}
		if f.Line > 0 {
			props["line"] = strconv.Itoa(f.Line)
			props["endLine"] = strconv.Itoa(max(f.EndLine, f.Line))
			if f.Column > 0 && max(f.EndLine, f.Line) == f.Line {
				props["col"] = strconv.Itoa(f.Column)
			}
		}
		l.Command(cmd, props, annotationMessage(f))
		n++
	}
	return n
}

// annotationTitle is one line: titles are shown as headings.
func annotationTitle(f checks.Finding) string {
	t := f.Code + " (" + string(f.Type) + ")"
	if f.Resource != "" {
		t += " in " + f.Resource
	}
	return truncate(report.PlainLines(oneLine.Replace(t)), 255)
}

var oneLine = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

func annotationMessage(f checks.Finding) string {
	m := f.Message
	if c := f.Conditions(); c != "" {
		m += " (" + c + ")"
	}
	if f.Fix != "" {
		m += "\nFix: " + f.Fix
	}
	if f.LearnMore != "" {
		m += "\nLearn more: " + f.LearnMore
	}
	return truncate(m, 64<<10-1)
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// Files writes the runner's file commands: step outputs and the job summary.
type Files struct {
	OutputFile  string
	SummaryFile string
	EnvFile     string
}

// MaxSummarySize is the most GitHub accepts in one step's job summary.
const MaxSummarySize = 1 << 20

// SetOutputs appends outputs in the runner's heredoc format, with a random
// delimiter that no value contains, so a value cannot define other outputs.
func (f Files) SetOutputs(kv [][2]string) error {
	if f.OutputFile == "" {
		return errors.New("GITHUB_OUTPUT is not set, so the step outputs cannot be written")
	}
	return appendFile(f.OutputFile, heredocs(kv), "GITHUB_OUTPUT")
}

// ExportEnv sets environment variables for the later steps of the job
// (GITHUB_ENV), in the same injection-proof heredoc format.
func (f Files) ExportEnv(kv [][2]string) error {
	if f.EnvFile == "" {
		return errors.New("GITHUB_ENV is not set, so no variable can be exported to later steps")
	}
	return appendFile(f.EnvFile, heredocs(kv), "GITHUB_ENV")
}

func heredocs(kv [][2]string) string {
	var b strings.Builder
	for _, p := range kv {
		delim := "ghadelimiter_" + randomToken()
		for strings.Contains(p[1], delim) {
			delim = "ghadelimiter_" + randomToken()
		}
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", p[0], delim, p[1], delim)
	}
	return b.String()
}

// WriteSummary appends Markdown to the job summary, cut to MaxSummarySize.
func (f Files) WriteSummary(md string) error {
	if f.SummaryFile == "" {
		return errors.New("GITHUB_STEP_SUMMARY is not set, so the job summary cannot be written")
	}
	return appendFile(f.SummaryFile, truncate(md, MaxSummarySize), "GITHUB_STEP_SUMMARY")
}

func appendFile(path, text, what string) error {
	fh, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("%s: %w (does the container user own the runner's file-command folder?)", what, err)
	}
	if _, err := io.WriteString(fh, text); err != nil {
		fh.Close()
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
