package template

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Limits that keep hostile input from costing more than a real template.
const (
	// MaxDepth is the deepest nesting accepted. Real templates stay under 30.
	MaxDepth = 256
	// MaxAliasExpansion bounds how many nodes YAML aliases may add when
	// expanded, so a "billion laughs" document fails fast instead of
	// exhausting memory.
	MaxAliasExpansion = 1_000_000
	// aliasNodesPerByte and aliasNodesFloor bound the expansion of smaller
	// documents by their size: a 500-byte file could otherwise expand to a
	// million nodes, and every check after parsing walks them all (50 ms
	// and more per such file; a fuzzer finds them at once). Real templates
	// reuse a few blocks through merge keys and stay far below.
	aliasNodesPerByte = 64
	aliasNodesFloor   = 10_000
)

// shortTags maps each CloudFormation short-form tag to its long form.
var shortTags = map[string]string{
	"!Ref":          "Ref",
	"!Condition":    "Condition",
	"!Sub":          "Fn::Sub",
	"!GetAtt":       "Fn::GetAtt",
	"!If":           "Fn::If",
	"!Join":         "Fn::Join",
	"!Select":       "Fn::Select",
	"!Split":        "Fn::Split",
	"!FindInMap":    "Fn::FindInMap",
	"!Base64":       "Fn::Base64",
	"!Cidr":         "Fn::Cidr",
	"!ImportValue":  "Fn::ImportValue",
	"!GetAZs":       "Fn::GetAZs",
	"!Equals":       "Fn::Equals",
	"!And":          "Fn::And",
	"!Or":           "Fn::Or",
	"!Not":          "Fn::Not",
	"!Transform":    "Fn::Transform",
	"!Length":       "Fn::Length",
	"!ToJsonString": "Fn::ToJsonString",
	// The Rules section's own functions.
	"!Contains":         "Fn::Contains",
	"!EachMemberEquals": "Fn::EachMemberEquals",
	"!EachMemberIn":     "Fn::EachMemberIn",
	"!RefAll":           "Fn::RefAll",
	"!ValueOf":          "Fn::ValueOf",
	"!ValueOfAll":       "Fn::ValueOfAll",
}

// ShortTags lists the short-form tags the parser understands, for messages.
func ShortTags() []string {
	return []string{"!Ref", "!Sub", "!GetAtt", "!If", "!Join", "!Select", "!Split", "!FindInMap",
		"!Base64", "!Cidr", "!ImportValue", "!GetAZs", "!Equals", "!And", "!Or", "!Not",
		"!Condition", "!Transform", "!Length", "!ToJsonString",
		"!Contains", "!EachMemberEquals", "!EachMemberIn", "!RefAll", "!ValueOf", "!ValueOfAll"}
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML parses the first YAML document of data. It returns the root and
// every problem found; a nil root means the document could not be read.
func parseYAML(data []byte) (*Node, []Problem) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, []Problem{{Pos: Pos{1, 1}, Message: "the file is empty", Fix: "add a Resources section or remove the file"}}
		}
		p := yamlProblem(err, data)
		if line, col, ok := locateYAMLError(data, p.Message, p.Pos.Line); ok && line > p.Pos.Line {
			p.Pos = Pos{Line: line, Col: col}
		}
		return nil, []Problem{p}
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		c := &yamlConverter{anchors: map[*yaml.Node]*converted{}, maxExpanded: aliasLimit(len(data))}
		root := c.convert(doc.Content[0], 0)
		if c.fatal != nil {
			return nil, append(c.problems, *c.fatal)
		}
		return root, c.problems
	}
	return nil, []Problem{{Pos: Pos{1, 1}, Message: "the file holds no YAML document", Fix: "add a Resources section or remove the file"}}
}

// aliasLimit is how many nodes aliases may add to a document of size
// bytes: proportional to the text, never more than MaxAliasExpansion.
func aliasLimit(size int) int {
	return min(MaxAliasExpansion, aliasNodesFloor+aliasNodesPerByte*size)
}

// yamlProblem turns a yaml.v3 error ("yaml: line 7: did not find expected
// key") into a positioned problem.
func yamlProblem(err error, data []byte) Problem {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	line := 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	if line <= 0 {
		line = guessLine(msg, data)
	}
	return Problem{Pos: Pos{Line: line, Col: 1}, Message: "YAML syntax error: " + msg,
		Fix: "fix the YAML syntax at this line; indentation and unquoted ':' are the usual causes"}
}

// locateYAMLError finds the line where a YAML error really is. yaml.v3
// reports the line where the enclosing construct started ("line 1: did not
// find expected key" for a bad key on line 40), so we look for the shortest
// prefix of the document that fails with the same message: its last line is
// where parsing broke. The column is that line's first non-blank character.
// from is the line yaml.v3 reported: the construct that broke starts there,
// so no shorter prefix needs parsing. Every file a fuzzer mutates is broken,
// and these parses are most of its cost.
func locateYAMLError(data []byte, msg string, from int) (line, col int, ok bool) {
	var ends []int
	for i, c := range data {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	fails := func(n int) bool {
		var doc yaml.Node
		err := yaml.NewDecoder(bytes.NewReader(data[:ends[n-1]])).Decode(&doc)
		return err != nil && yamlProblem(err, data).Message == msg
	}
	lo, hi := min(max(from, 1), len(ends)), len(ends)
	if !fails(hi) {
		return 0, 0, false
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	start := 0
	if lo > 1 {
		start = ends[lo-2]
	}
	text := data[start:ends[lo-1]]
	col = 1
	for _, c := range text {
		if c != ' ' && c != '\t' {
			break
		}
		col++
	}
	return lo, col, true
}

// guessLine finds the line of an error yaml.v3 reported without one, such as
// a control character, by locating the first such byte.
func guessLine(msg string, data []byte) int {
	if strings.Contains(msg, "control characters") || strings.Contains(msg, "invalid") {
		for i, b := range data {
			if (b < 0x20 && b != '\n' && b != '\r' && b != '\t') || b == 0x7f {
				return 1 + bytes.Count(data[:i], []byte{'\n'})
			}
		}
	}
	return 1
}

type converted struct {
	node *Node
	size int // nodes in the subtree, counting expanded aliases
}

type yamlConverter struct {
	anchors  map[*yaml.Node]*converted
	expanded int
	// maxExpanded is the most nodes aliases may add (aliasLimit).
	maxExpanded int
	problems    []Problem
	fatal       *Problem
}

func (c *yamlConverter) problem(n *yaml.Node, format string, args ...any) {
	c.problems = append(c.problems, Problem{Pos: Pos{n.Line, n.Column}, Message: fmt.Sprintf(format, args...)})
}

func (c *yamlConverter) fail(n *yaml.Node, msg, fix string) *Node {
	if c.fatal == nil {
		c.fatal = &Problem{Pos: Pos{n.Line, n.Column}, Message: msg, Fix: fix}
	}
	return &Node{Kind: Null, Pos: Pos{n.Line, n.Column}}
}

// convert turns a yaml.v3 node into a Node, expanding short-form tags.
func (c *yamlConverter) convert(y *yaml.Node, depth int) *Node {
	r := c.convertSized(y, depth)
	if r == nil {
		return &Node{Kind: Null, Pos: Pos{y.Line, y.Column}}
	}
	return r.node
}

func (c *yamlConverter) convertSized(y *yaml.Node, depth int) *converted {
	if c.fatal != nil {
		return nil
	}
	if depth > MaxDepth {
		c.fail(y, fmt.Sprintf("nesting deeper than %d levels", MaxDepth), "flatten the structure; CloudFormation templates never need this depth")
		return nil
	}
	if y.Kind == yaml.AliasNode {
		if y.Alias == nil {
			c.fail(y, "alias to an unknown anchor", "define the anchor before using it")
			return nil
		}
		conv, ok := c.anchors[y.Alias]
		if !ok {
			// An alias to an anchor still being converted is a cycle.
			c.fail(y, "alias *"+y.Value+" refers to itself", "remove the recursive alias")
			return nil
		}
		c.expanded += conv.size
		if c.expanded > c.maxExpanded {
			c.fail(y, fmt.Sprintf("YAML aliases expand to more than %d nodes", c.maxExpanded),
				"remove the nested aliases (this looks like an alias bomb)")
			return nil
		}
		return conv
	}
	if y.Anchor != "" {
		if _, done := c.anchors[y]; !done {
			// Mark nothing yet: an alias seen before completion is a cycle.
			r := c.convertPlain(y, depth)
			if r != nil {
				c.anchors[y] = r
			}
			return r
		}
		return c.anchors[y]
	}
	return c.convertPlain(y, depth)
}

func (c *yamlConverter) convertPlain(y *yaml.Node, depth int) *converted {
	pos := Pos{y.Line, y.Column}
	tag := y.Tag
	long, isShort := shortTags[tag]
	if name, rain := strings.CutPrefix(tag, "!"); rain && strings.HasPrefix(name, "Rain::") {
		// Rain directives (rain pkg): unknown ones are reported when packaging.
		long, isShort = name, true
	}
	if tag != "" && !isShort && !strings.HasPrefix(tag, "!!") && !strings.HasPrefix(tag, "tag:yaml.org,2002:") && tag != "!" {
		c.problem(y, "unknown tag %s; CloudFormation understands %s", tag, strings.Join(ShortTags(), " "))
	}
	var r *converted
	switch y.Kind {
	case yaml.ScalarNode:
		r = &converted{node: c.scalar(y, isShort), size: 1}
	case yaml.SequenceNode:
		n := &Node{Kind: Seq, Pos: pos, Items: make([]*Node, 0, len(y.Content))}
		size := 1
		end := pos.Line
		for _, item := range y.Content {
			ci := c.convertSized(item, depth+1)
			if ci == nil {
				return nil
			}
			n.Items = append(n.Items, ci.node)
			size += ci.size
			end = max(end, ci.node.lastLine())
		}
		n.EndLine = end
		r = &converted{node: n, size: size}
	case yaml.MappingNode:
		r = c.mapping(y, depth)
		if r == nil {
			return nil
		}
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return &converted{node: &Node{Kind: Null, Pos: pos}, size: 1}
		}
		return c.convertSized(y.Content[0], depth)
	default:
		c.fail(y, "unexpected YAML node", "")
		return nil
	}
	if isShort {
		r = c.expandTag(tag, long, r, pos)
	}
	return r
}

func (c *yamlConverter) scalar(y *yaml.Node, tagged bool) *Node {
	n := &Node{Pos: Pos{y.Line, y.Column}, Value: y.Value, Kind: String}
	n.EndLine = n.Pos.Line
	if y.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		n.Block = true
		n.EndLine = n.Pos.Line + strings.Count(strings.TrimRight(y.Value, "\n"), "\n") + 1
	}
	if tagged || y.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n
	}
	switch y.ShortTag() {
	case "!!int", "!!float":
		n.Kind = Number
	case "!!bool":
		n.Kind = Bool
	case "!!null":
		n.Kind = Null
	}
	return n
}

func (c *yamlConverter) mapping(y *yaml.Node, depth int) *converted {
	pos := Pos{y.Line, y.Column}
	n := &Node{Kind: Map, Pos: pos, Fields: make([]Field, 0, len(y.Content)/2)}
	size := 1
	end := pos.Line
	seen := keyIndex{fields: &n.Fields}
	var merges []*yaml.Node
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := y.Content[i], y.Content[i+1]
		if k.Kind == yaml.AliasNode && k.Alias != nil {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			c.problem(k, "a mapping key must be a plain value, not a %s", yamlKindName(k.Kind))
			continue
		}
		if k.Tag == "!!merge" || (k.Value == "<<" && k.Style == 0 && k.Tag != "!!str") {
			merges = append(merges, v)
			continue
		}
		if first, dup := seen.line(k.Value); dup {
			c.problem(k, "duplicate key %q (first defined at line %d); CloudFormation rejects the template", k.Value, first)
			continue
		}
		cv := c.convertSized(v, depth+1)
		if cv == nil {
			return nil
		}
		seen.add(Field{Key: k.Value, KeyPos: Pos{k.Line, k.Column}, Value: cv.node})
		size += cv.size
		end = max(end, cv.node.lastLine())
	}
	// Merge keys: explicit keys win, earlier merges win over later ones.
	for _, m := range merges {
		sources := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			sources = m.Content
		}
		for _, s := range sources {
			cs := c.convertSized(s, depth+1)
			if cs == nil {
				return nil
			}
			if cs.node.Kind != Map {
				c.problem(s, "a merge key (<<) needs a mapping to merge")
				continue
			}
			for _, f := range cs.node.Fields {
				if _, dup := seen.line(f.Key); !dup {
					seen.add(f)
				}
			}
			size += cs.size
		}
	}
	n.EndLine = end
	return &converted{node: n, size: size}
}

// keyIndex finds duplicate keys of a mapping being built: by scanning its
// fields while it is small (most are), with a map once it is large.
type keyIndex struct {
	fields *[]Field
	byKey  map[string]int
}

// line returns the line of key's first occurrence.
func (k *keyIndex) line(key string) (int, bool) {
	if k.byKey != nil {
		l, ok := k.byKey[key]
		return l, ok
	}
	for _, f := range *k.fields {
		if f.Key == key {
			return f.KeyPos.Line, true
		}
	}
	return 0, false
}

func (k *keyIndex) add(f Field) {
	*k.fields = append(*k.fields, f)
	if k.byKey == nil && len(*k.fields) > 16 {
		k.byKey = make(map[string]int, 2*len(*k.fields))
		for _, g := range *k.fields {
			k.byKey[g.Key] = g.KeyPos.Line
		}
	} else if k.byKey != nil {
		k.byKey[f.Key] = f.KeyPos.Line
	}
}

// expandTag rewrites a short-form tagged value into its long form.
func (c *yamlConverter) expandTag(tag, long string, r *converted, pos Pos) *converted {
	arg := r.node
	if tag == "!GetAtt" && arg.Kind == String {
		// "Resource.Attribute.With.Dots" splits at the first dot only.
		name, attr, _ := strings.Cut(arg.Value, ".")
		arg = &Node{Kind: Seq, Pos: arg.Pos, EndLine: arg.EndLine, Items: []*Node{
			{Kind: String, Value: name, Pos: arg.Pos, EndLine: arg.Pos.Line},
			{Kind: String, Value: attr, Pos: arg.Pos, EndLine: arg.Pos.Line},
		}}
	}
	n := &Node{Kind: Map, Pos: pos, EndLine: arg.lastLine(), Tag: tag, Fields: []Field{{Key: long, KeyPos: pos, Value: arg}}}
	return &converted{node: n, size: r.size + 1}
}

func yamlKindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.AliasNode:
		return "alias"
	}
	return "value"
}
