package template

import (
	"strconv"
	"strings"
)

// placeholder marks an unknown part of a JSON text built with Fn::Sub or
// Fn::Join; it cannot occur in a template because it holds a NUL-free but
// unlikely token.
const placeholderPrefix = "@@tollgate-unknown-"

// EmbeddedJSON parses a policy document written as a JSON string (as
// AWS::Logs::ResourcePolicy requires, and as older templates do everywhere).
// Positions inside the string are mapped into the template: exactly for a
// YAML block scalar, to the string's own line otherwise. A string built from
// unknown parts keeps those parts as Unknown values inside the result.
// It returns nil and a problem when the text is not JSON.
func (t *Template) EmbeddedJSON(n *Node) (*Node, *Problem) {
	if n == nil {
		return nil, nil
	}
	var text string
	var parts []*Node
	switch {
	case n.Kind == String:
		text = n.Value
	case n.Kind == Unknown && len(n.Items) > 0:
		var b strings.Builder
		for i, p := range n.Items {
			if s, ok := p.Str(); ok {
				b.WriteString(s)
				continue
			}
			b.WriteString(placeholderPrefix + strconv.Itoa(i) + "@@")
		}
		text, parts = b.String(), n.Items
	default:
		return nil, nil
	}
	root, problems := parseJSON([]byte(text))
	if root == nil {
		p := problems[len(problems)-1]
		p.Pos = t.mapEmbedded(n, p.Pos, parts != nil)
		p.Message = "the policy document is a string that is not valid JSON: " + strings.TrimPrefix(p.Message, "JSON syntax error: ")
		p.Fix = "write the policy as YAML or JSON structure instead of a string, or fix the JSON text"
		if parts != nil {
			// Unknown parts may stand where JSON needed a value; we cannot tell.
			return nil, nil
		}
		return nil, &p
	}
	return t.remapEmbedded(root, n, parts), nil
}

// EmbeddedPos maps a position inside the text of the string n (1-based
// line and column of the text) to the template: exactly for a YAML block
// scalar, whose lines are the template's, and to n itself otherwise.
func (t *Template) EmbeddedPos(n *Node, p Pos) Pos { return t.mapEmbedded(n, p, false) }

// mapEmbedded maps a position inside the string n to the template.
func (t *Template) mapEmbedded(n *Node, p Pos, built bool) Pos {
	if built || !n.Block || n.Kind != String {
		return n.Pos
	}
	line := n.Pos.Line + p.Line
	return Pos{Line: line, Col: t.blockIndent(n) + p.Col}
}

// blockIndent returns the indentation of a YAML block scalar's content: that
// of its first non-blank line, as YAML defines it.
func (t *Template) blockIndent(n *Node) int {
	for line := n.Pos.Line + 1; line <= n.EndLine+1; line++ {
		if ind, blank := t.indent(line); !blank {
			return ind
		}
	}
	return 0
}

// indent returns the number of leading spaces on a line of the source and
// whether the line is blank.
func (t *Template) indent(line int) (int, bool) {
	if t.lines == nil {
		t.lines = []int{0}
		for i, c := range t.src {
			if c == '\n' {
				t.lines = append(t.lines, i+1)
			}
		}
	}
	if line < 1 || line > len(t.lines) {
		return 0, true
	}
	start := t.lines[line-1]
	n := 0
	for start+n < len(t.src) && t.src[start+n] == ' ' {
		n++
	}
	blank := start+n >= len(t.src) || t.src[start+n] == '\n' || t.src[start+n] == '\r'
	return n, blank
}

func (t *Template) remapEmbedded(root, n *Node, parts []*Node) *Node {
	// A block scalar keeps its lines even when it holds unknown parts
	// (dynamic references): placeholders never add a line break.
	indent := 0
	if n.Block {
		indent = t.blockIndent(n)
	}
	var walk func(x *Node) *Node
	walk = func(x *Node) *Node {
		c := *x
		switch {
		case !n.Block:
			c.Pos = n.Pos
			c.EndLine = n.Pos.Line
		default:
			c.Pos = Pos{Line: n.Pos.Line + x.Pos.Line, Col: indent + x.Pos.Col}
			c.EndLine = n.Pos.Line + x.EndLine
		}
		switch x.Kind {
		case Seq:
			c.Items = make([]*Node, len(x.Items))
			for i, it := range x.Items {
				c.Items[i] = walk(it)
			}
		case Map:
			c.Fields = make([]Field, len(x.Fields))
			for i, f := range x.Fields {
				kp := c.Pos
				if n.Block {
					kp = Pos{Line: n.Pos.Line + f.KeyPos.Line, Col: indent + f.KeyPos.Col}
				}
				c.Fields[i] = Field{Key: f.Key, KeyPos: kp, Value: walk(f.Value)}
			}
		case String:
			if parts != nil && strings.Contains(x.Value, placeholderPrefix) {
				return splitPlaceholders(&c, parts)
			}
		}
		return &c
	}
	return walk(root)
}

// splitPlaceholders turns a string holding placeholders back into an Unknown
// made of its known and unknown parts.
func splitPlaceholders(n *Node, parts []*Node) *Node {
	u := &Node{Kind: Unknown, Value: n.Value, Pos: n.Pos, EndLine: n.EndLine}
	s := n.Value
	for s != "" {
		i := strings.Index(s, placeholderPrefix)
		if i < 0 {
			u.Items = append(u.Items, &Node{Kind: String, Value: s, Pos: n.Pos})
			break
		}
		if i > 0 {
			u.Items = append(u.Items, &Node{Kind: String, Value: s[:i], Pos: n.Pos})
		}
		rest := s[i+len(placeholderPrefix):]
		j := strings.Index(rest, "@@")
		idx, err := strconv.Atoi(rest[:max(j, 0)])
		if j < 0 || err != nil || idx < 0 || idx >= len(parts) {
			u.Items = append(u.Items, &Node{Kind: String, Value: s[i:], Pos: n.Pos})
			break
		}
		p := *parts[idx]
		p.Pos = n.Pos
		u.Items = append(u.Items, &p)
		s = rest[j+2:]
	}
	desc := make([]string, len(u.Items))
	for i, p := range u.Items {
		if p.Kind == String {
			desc[i] = p.Value
		} else {
			desc[i] = "${" + strings.TrimPrefix(strings.TrimPrefix(p.Value, "${"), "!Ref ")
			if !strings.HasSuffix(desc[i], "}") {
				desc[i] += "}"
			}
		}
	}
	u.Value = strings.Join(desc, "")
	if o := firstOrigin(u.Items); o != nil {
		u.Origin = o
	}
	return u
}

func firstOrigin(parts []*Node) *Origin {
	for _, p := range parts {
		if p.Origin != nil {
			return p.Origin
		}
	}
	return nil
}
