// Package escape holds the one filter for dangerous characters in untrusted
// text shown on a terminal or in a log. report renders with it; packages
// that must not import report (cloud) use it directly.
package escape

import (
	"fmt"
	"strings"
)

// Plain makes untrusted text safe for a terminal or a log: control
// characters (including ESC, which starts colour and cursor sequences, and
// newlines, which would forge new lines of output) become \xNN escapes.
func Plain(s string) string { return controls(s, false) }

// PlainLines is Plain that keeps newlines, carriage returns and tabs, for
// text whose line breaks the caller encodes itself (workflow commands).
func PlainLines(s string) string { return controls(s, true) }

func controls(s string, keepLines bool) string {
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
