package report

import (
	"regexp"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/escape"
)

// Plain makes untrusted text safe for a terminal or a log: control
// characters (including ESC, which starts colour and cursor sequences, and
// newlines, which would forge new lines of output) become \xNN escapes.
func Plain(s string) string { return escape.Plain(s) }

// PlainLines is Plain that keeps newlines, carriage returns and tabs, for
// text whose line breaks the caller encodes itself (workflow commands).
func PlainLines(s string) string { return escape.PlainLines(s) }

// IsControl reports whether r is a control character or a bidirectional
// override, which can hide or reorder text on screen.
func IsControl(r rune) bool { return escape.IsControl(r) }

// mdEscaper escapes what Markdown or GitHub would interpret inside a line.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`, "~", `\~`,
	"<", "&lt;", ">", "&gt;", "&", "&amp;",
	// A zero-width space keeps names from becoming mentions and addresses
	// from becoming links.
	"@", "@\u200b", "://", ":\u200b//", "www.", "www\u200b.",
)

var newlines = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

var mdLineStart = regexp.MustCompile(`^\s*(?:[-+#=>]|\d+([.)]))`)

// Inline makes untrusted text safe inside Markdown, including a table cell:
// it cannot start a new line, a list or a heading, close a table cell, open a
// link, an HTML comment or a code span, or mention a user.
func Inline(s string) string {
	s = mdEscaper.Replace(Plain(newlines.Replace(s)))
	if m := mdLineStart.FindStringSubmatchIndex(s); m != nil {
		at := m[1] - 1 // the marker's last character: "-" or the "." of "12."
		s = s[:at] + `\` + s[at:]
	}
	return s
}

// codeSafe matches text that can be shown verbatim in a code span: names,
// paths and identifiers. Anything else (markup, mentions, addresses) is
// escaped as plain Markdown instead, because a code span shows its content
// raw and a raw "<!--" could be mistaken for our own comment marker.
var codeSafe = regexp.MustCompile(`^[A-Za-z0-9 _.,:;=+*/~^%$#!?(){}'"-]*$`)

// CodeSpan renders untrusted text as an inline code span when it is made
// of safe characters, and as escaped text otherwise. The pipe never
// appears raw, so it is safe in table cells.
func CodeSpan(s string) string {
	if s == "" || !codeSafe.MatchString(s) {
		return Inline(s)
	}
	return "`" + s + "`"
}
