package report

import (
	"fmt"
	"regexp"
	"strings"
)

// Plain makes untrusted text safe for a terminal or a log: control
// characters (including ESC, which starts colour and cursor sequences, and
// newlines, which would forge new lines of output) become \xNN escapes.
func Plain(s string) string { return escapeControls(s, false) }

// PlainLines is Plain that keeps newlines, carriage returns and tabs, for
// text whose line breaks the caller encodes itself (workflow commands).
func PlainLines(s string) string { return escapeControls(s, true) }

func escapeControls(s string, keepLines bool) string {
	if !strings.ContainsFunc(s, IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if IsControl(r) && !(keepLines && (r == '\n' || r == '\r' || r == '\t')) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// IsControl reports whether r is a control character or a bidirectional
// override, which can hide or reorder text on screen.
func IsControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' ||
		(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') // bidi overrides
}

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
