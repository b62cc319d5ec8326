// Package template models CloudFormation templates: parsing YAML and JSON with
// positions, resolving intrinsic functions where their value can be known
// statically, and extracting the IAM policies that templates declare.
package template

import (
	"strconv"
	"strings"
)

// Kind says what a Node holds.
type Kind uint8

// The kinds of node. Unknown only appears in resolved trees: it stands for a
// value that cannot be known before deployment (a GetAtt, an import, a
// parameter without a default).
const (
	Null Kind = iota
	Bool
	Number
	String
	Seq
	Map
	Unknown
)

var kindNames = [...]string{"null", "bool", "number", "string", "list", "map", "unknown"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Pos is a 1-based line and column (in Unicode code points) in a file.
type Pos struct {
	Line int
	Col  int
}

// IsZero reports whether the position is unset.
func (p Pos) IsZero() bool { return p.Line == 0 }

// Node is one value of a template, parsed or resolved. Parsed trees contain
// every kind but Unknown; intrinsic functions appear in their long form
// (`!Ref X` becomes a one-key map {"Ref": "X"}), with Tag recording the short
// form they were written in. Nodes are never modified after construction, so
// subtrees can be shared (YAML aliases, resolved parameter values).
type Node struct {
	Kind Kind
	// Value is the text of a scalar, or, for Unknown, a short description of
	// the expression that could not be resolved (e.g. "!GetAtt Role.Arn").
	Value string
	// Items holds the elements of a Seq. On an Unknown string that is partly
	// known (from Fn::Sub or Fn::Join) it holds the parts: a concatenation of
	// String and Unknown nodes.
	Items []*Node
	// Fields holds the entries of a Map in source order.
	Fields []Field
	// Origin says what an Unknown value stands for; nil otherwise.
	Origin *Origin
	// Pos is where the node starts; EndLine is the last line it spans.
	Pos     Pos
	EndLine int
	// Tag is the YAML short-form tag the node was written with ("!Sub"), if any.
	Tag string
	// Block marks a YAML literal or folded block scalar: its text starts on
	// the line after Pos, which lets positions inside embedded JSON be mapped.
	Block bool
}

// Field is one key and value of a Map.
type Field struct {
	Key    string
	KeyPos Pos
	Value  *Node
}

// Get returns the value of key in a Map, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Map {
		return nil
	}
	for i := range n.Fields {
		if n.Fields[i].Key == key {
			return n.Fields[i].Value
		}
	}
	return nil
}

// Field returns the entry for key in a Map, or nil.
func (n *Node) Field(key string) *Field {
	if n == nil || n.Kind != Map {
		return nil
	}
	for i := range n.Fields {
		if n.Fields[i].Key == key {
			return &n.Fields[i]
		}
	}
	return nil
}

// Str returns the text of a scalar and whether the node is a known scalar.
func (n *Node) Str() (string, bool) {
	if n == nil {
		return "", false
	}
	switch n.Kind {
	case String, Number, Bool:
		return n.Value, true
	}
	return "", false
}

// IsScalar reports whether the node is a known string, number or bool.
func (n *Node) IsScalar() bool {
	_, ok := n.Str()
	return ok
}

// Intrinsic returns the function name and argument when the node is a
// one-key map whose key is an intrinsic function or Ref ("Fn::Sub", "Ref",
// "Condition" inside condition expressions is not included).
func (n *Node) Intrinsic() (string, *Node, bool) {
	if n == nil || n.Kind != Map || len(n.Fields) != 1 {
		return "", nil, false
	}
	k := n.Fields[0].Key
	if k == "Ref" || strings.HasPrefix(k, "Fn::") {
		return k, n.Fields[0].Value, true
	}
	return "", nil, false
}

// Len returns the number of items or fields.
func (n *Node) Len() int {
	if n == nil {
		return 0
	}
	switch n.Kind {
	case Seq:
		return len(n.Items)
	case Map:
		return len(n.Fields)
	}
	return 0
}

// lastLine returns the last line a node spans, computing it from its
// children when the parser did not record one.
func (n *Node) lastLine() int {
	if n == nil {
		return 0
	}
	if n.EndLine >= n.Pos.Line {
		return n.EndLine
	}
	return n.Pos.Line
}

// Describe renders a node compactly for messages: scalars as themselves,
// intrinsics in short form, collections abbreviated.
func Describe(n *Node) string {
	var b strings.Builder
	describe(&b, n, 0)
	return b.String()
}

func describe(b *strings.Builder, n *Node, depth int) {
	if n == nil {
		b.WriteString("null")
		return
	}
	if depth > 6 || b.Len() > 400 {
		b.WriteString("…")
		return
	}
	switch n.Kind {
	case Null:
		b.WriteString("null")
	case String:
		b.WriteString(strconv.Quote(n.Value))
	case Number, Bool:
		b.WriteString(n.Value)
	case Unknown:
		b.WriteString(n.Value)
	case Seq:
		b.WriteByte('[')
		for i, it := range n.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			describe(b, it, depth+1)
		}
		b.WriteByte(']')
	case Map:
		if fn, arg, ok := n.Intrinsic(); ok {
			b.WriteString(shortName(fn))
			b.WriteByte(' ')
			describe(b, arg, depth+1)
			return
		}
		b.WriteByte('{')
		for i, f := range n.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(f.Key)
			b.WriteString(": ")
			describe(b, f.Value, depth+1)
		}
		b.WriteByte('}')
	}
}

// shortName turns "Fn::GetAtt" into "!GetAtt" and "Ref" into "!Ref".
func shortName(fn string) string {
	return "!" + strings.TrimPrefix(fn, "Fn::")
}
