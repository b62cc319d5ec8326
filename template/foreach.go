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
//
// The number of entries is counted before anything is copied: three nested
// loops of 100 items would otherwise build a million resources before the
// bound applied. A section whose loops would make more than maxForEach
// entries is a problem at the first loop that crosses the bound, and only
// the entries within the bound are expanded.
func (t *Template) expandForEach(section *Node, depth int) []Field {
	budget := maxForEach
	return t.expandSection(section, depth, &budget)
}

// expandSection expands the loops of one section (or loop body) while
// budget, the entries still allowed, lasts.
func (t *Template) expandSection(section *Node, depth int, budget *int) []Field {
	var out []Field
	for _, f := range section.Fields {
		name, isLoop := strings.CutPrefix(f.Key, forEachPrefix)
		if !isLoop {
			if *budget <= 0 {
				break
			}
			*budget--
			out = append(out, f)
			continue
		}
		if depth == 0 {
			if n := t.loopEntries(f, 0); n > *budget {
				t.structure(f.KeyPos, fmt.Sprintf("Fn::ForEach loop %s makes %s entries; tollgate expands at most %s in a template "+
					"(CloudFormation allows at most 500 resources), so only the first %s are checked", name, countText(n), countText(maxForEach), countText(max(*budget, 0))),
					"split the loop over several templates or nested stacks, or shorten its collections")
			}
		}
		if *budget <= 0 {
			break
		}
		fields, err := t.loop(name, f, depth, budget)
		if err != "" {
			t.Notes = append(t.Notes, NoticeAt(Span{File: t.File, Line: f.KeyPos.Line}, "Fn::ForEach loop %s was not expanded (%s); the resources it makes were not checked",
				name, err))
			continue
		}
		out = append(out, fields...)
	}
	return out
}

// countText writes an entry count, saturated: "more than 1000000000".
func countText(n int) string {
	prefix := ""
	if n >= maxCount {
		prefix, n = "more than ", maxCount
	}
	d := fmt.Sprint(n)
	for i := len(d) - 3; i > 0; i -= 3 {
		d = d[:i] + "," + d[i:]
	}
	return prefix + d
}

// maxCount saturates entry counts, so that counting cannot overflow.
const maxCount = 1 << 30

// loopEntries counts, without expanding, the entries a loop makes: the
// length of its collection times the entries of its body. A loop that
// cannot be expanded counts as none (it is reported as a note instead).
func (t *Template) loopEntries(f Field, depth int) int {
	v := f.Value
	if depth > maxLoopDepth || v.Kind != Seq || len(v.Items) != 3 || v.Items[2].Kind != Map {
		return 0
	}
	values, why := t.collection(v.Items[1])
	if why != "" {
		return 0
	}
	body := 0
	for _, g := range v.Items[2].Fields {
		if strings.HasPrefix(g.Key, forEachPrefix) {
			body += t.loopEntries(g, depth+1)
		} else {
			body++
		}
		body = min(body, maxCount)
	}
	if body == 0 {
		return 0
	}
	return min(len(values), maxCount/body+1) * body
}

// maxLoopDepth is how deeply loops may nest inside each other.
const maxLoopDepth = 5

// loop expands one Fn::ForEach: [Identifier, Collection, {OutputKey: Template}].
func (t *Template) loop(name string, f Field, depth int, budget *int) ([]Field, string) {
	if depth > maxLoopDepth {
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
		if *budget <= 0 {
			break
		}
		alnum := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, val)
		r := strings.NewReplacer("${"+id+"}", val, "&{"+id+"}", alnum)
		inner := substitute(body, id, val, r, 0)
		out = append(out, t.expandSection(inner, depth+1, budget)...)
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
