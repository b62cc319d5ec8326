package template

import (
	"fmt"
	"strconv"
	"strings"
)

// Span is a place in a file: where a finding, a diff change, a notice or a
// configuration error points. Line and Column are 1-based (columns count
// Unicode code points); EndLine and EndColumn, when set, are where it
// ends. A zero Line means the whole file; a zero Column the whole line.
//
// It is the one position type past the parser: template nodes keep only
// their start (Pos) and EndLine, since every node of a tree shares its
// Template's file, and At or Template.Span turn them into a Span.
//
// The JSON names are those findings have always used; EndLine and
// EndColumn are left out when unset.
type Span struct {
	File      string `json:"file"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"endLine,omitempty"`
	EndColumn int    `json:"endColumn,omitempty"`
}

// At is the span of file that starts at pos and ends on endLine (0 when
// not known).
func At(file string, pos Pos, endLine int) Span {
	return Span{File: file, Line: pos.Line, Column: pos.Col, EndLine: endLine}
}

// Span is where n is in the template's file.
func (t *Template) Span(n *Node) Span {
	if n == nil {
		return Span{File: t.File}
	}
	return At(t.File, n.Pos, n.EndLine)
}

// String is "file:line:column", "file:line" without a column, "file"
// without a line: how compilers and editors name a place.
func (s Span) String() string {
	var b strings.Builder
	b.WriteString(s.File)
	if s.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(s.Line))
		if s.Column > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(s.Column))
		}
	}
	return b.String()
}

// At is the span's start alone: its file, line and column.
func (s Span) At() Span { return Span{File: s.File, Line: s.Line, Column: s.Column} }

// IsZero reports whether the span names no place at all.
func (s Span) IsZero() bool { return s == Span{} }

// Start is the span's first line and column.
func (s Span) Start() Pos { return Pos{Line: s.Line, Col: s.Column} }

// Prefix is the span followed by ": ", or "" when it names no place: what
// goes in front of a message about it.
func (s Span) Prefix() string {
	if s.IsZero() {
		return ""
	}
	return s.String() + ": "
}

// Compare orders spans by file, then line, then column, then end:
// -1, 0 or +1 as cmp.Compare does.
func (s Span) Compare(o Span) int {
	if c := strings.Compare(s.File, o.File); c != 0 {
		return c
	}
	for _, d := range [...]int{s.Line - o.Line, s.Column - o.Column, s.EndLine - o.EndLine, s.EndColumn - o.EndColumn} {
		switch {
		case d < 0:
			return -1
		case d > 0:
			return 1
		}
	}
	return 0
}

// Less reports whether s sorts before o.
func (s Span) Less(o Span) bool { return s.Compare(o) < 0 }

// Notice is a notice or an error of a run, as the reader sees it: a message
// and, where one is known, the place it is about. Its String is the text
// every output shows ("a.yaml:12: not checked: ...").
type Notice struct {
	Span
	Message string
}

// NoticeAt is the message at span.
func NoticeAt(at Span, format string, args ...any) Notice {
	return Notice{Span: at, Message: fmt.Sprintf(format, args...)}
}

// Noticef is a message about no one place.
func Noticef(format string, args ...any) Notice {
	return Notice{Message: fmt.Sprintf(format, args...)}
}

// String is the place, if any, then the message: "file:line: message".
func (n Notice) String() string { return n.Span.Prefix() + n.Message }

// NoticeStrings is the text of each notice: what JSON outputs carry.
func NoticeStrings(ns []Notice) []string {
	if ns == nil {
		return nil
	}
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.String()
	}
	return out
}
