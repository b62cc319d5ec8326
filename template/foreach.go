package template

import (
	"fmt"
	"strings"
)

// forEachPrefix starts the keys of Fn::ForEach loops (the
// AWS::LanguageExtensions transform) in Resources, Conditions and Outputs.
const forEachPrefix = "Fn::ForEach::"

// maxForEach bounds the resources one template's loops may generate.
const maxForEach = 2000

// expandForEach replaces the Fn::ForEach loops of a section by the entries
// they generate, when each loop's collection can be known from the
// template (a list, or a Ref to a list parameter's default). Loops whose
// collection is known only at deploy time are left out and named in
// t.Notes: their resources are not checked.
func (t *Template) expandForEach(section *Node, depth int) []Field {
	var out []Field
	for _, f := range section.Fields {
		name, isLoop := strings.CutPrefix(f.Key, forEachPrefix)
		if !isLoop {
			out = append(out, f)
			continue
		}
		fields, err := t.loop(name, f, depth)
		if err != "" {
			t.Notes = append(t.Notes, fmt.Sprintf("%s:%d: Fn::ForEach loop %s was not expanded (%s); the resources it makes were not checked",
				t.File, f.KeyPos.Line, name, err))
			continue
		}
		out = append(out, fields...)
		if len(out) > maxForEach {
			t.structure(f.KeyPos, fmt.Sprintf("Fn::ForEach loops make more than %d entries", maxForEach), "")
			return out[:maxForEach]
		}
	}
	return out
}

// loop expands one Fn::ForEach: [Identifier, Collection, {OutputKey: Template}].
func (t *Template) loop(name string, f Field, depth int) ([]Field, string) {
	if depth > 5 {
		return nil, "loops nest more than 5 deep"
	}
	v := f.Value
	if v.Kind != Seq || len(v.Items) != 3 {
		return nil, "it must be a list of an identifier, a collection and a template"
	}
	id, ok := v.Items[0].Str()
	if !ok || id == "" {
		return nil, "its identifier is not a name"
	}
	values, why := t.collection(v.Items[1])
	if why != "" {
		return nil, why
	}
	body := v.Items[2]
	if body.Kind != Map {
		return nil, "its third element must be a mapping of output keys to templates"
	}
	var out []Field
	for _, val := range values {
		alnum := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, val)
		r := strings.NewReplacer("${"+id+"}", val, "&{"+id+"}", alnum)
		inner := substitute(body, id, val, r, 0)
		for _, g := range t.expandForEach(inner, depth+1) {
			out = append(out, g)
		}
	}
	return out, ""
}

// collection reads a loop's collection: a list of strings, or a Ref to a
// list parameter that has a default.
func (t *Template) collection(n *Node) ([]string, string) {
	if fn, arg, ok := n.Intrinsic(); ok && fn == "Ref" {
		pname, _ := arg.Str()
		p := t.Parameters[pname]
		if p == nil || p.Default == nil {
			return nil, "its collection is a parameter without a default"
		}
		if s, ok := p.Default.Str(); ok {
			var out []string
			for _, part := range strings.Split(s, ",") {
				out = append(out, strings.TrimSpace(part))
			}
			return out, ""
		}
		n = p.Default
	}
	if n.Kind != Seq {
		return nil, "its collection is known only at deploy time"
	}
	var out []string
	for _, it := range n.Items {
		s, ok := it.Str()
		if !ok {
			return nil, "its collection holds a value known only at deploy time"
		}
		out = append(out, s)
	}
	return out, ""
}

// substitute copies n with the loop variable filled in: in keys and
// strings (${Id} and &{Id}) and for Ref to the identifier.
func substitute(n *Node, id, val string, r *strings.Replacer, depth int) *Node {
	if n == nil || depth > MaxDepth {
		return n
	}
	c := *n
	switch n.Kind {
	case String:
		c.Value = r.Replace(n.Value)
	case Seq:
		c.Items = make([]*Node, len(n.Items))
		for i, it := range n.Items {
			c.Items[i] = substitute(it, id, val, r, depth+1)
		}
	case Map:
		if fn, arg, ok := n.Intrinsic(); ok && fn == "Ref" {
			if s, _ := arg.Str(); s == id {
				return &Node{Kind: String, Value: val, Pos: n.Pos, EndLine: n.EndLine}
			}
		}
		c.Fields = make([]Field, len(n.Fields))
		for i, f := range n.Fields {
			c.Fields[i] = Field{Key: r.Replace(f.Key), KeyPos: f.KeyPos, Value: substitute(f.Value, id, val, r, depth+1)}
		}
	}
	return &c
}
