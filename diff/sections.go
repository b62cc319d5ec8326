package diff

import (
	"sort"

	"github.com/tollgate-dev/tollgate/template"
)

// sections diffs Parameters, Conditions, Mappings and Outputs.
func (d *differ) sections() {
	d.sd.Parameters = d.section("Parameters", false)
	d.sd.Conditions = d.section("Conditions", false)
	d.sd.Mappings = d.section("Mappings", false)
	d.sd.Outputs = d.section("Outputs", true)
}

// section compares the entries of one top-level section. Parameters,
// Conditions and Mappings are compared as written (a parameter's default is
// its definition, not a value); Outputs by their resolved values.
func (d *differ) section(name string, resolve bool) []*SectionChange {
	entries := func(s *side) (map[string]*val, map[string]template.Pos, []string) {
		vals := map[string]*val{}
		pos := map[string]template.Pos{}
		var order []string
		if s.t == nil || s.t.Root == nil {
			return vals, pos, order
		}
		sec := s.t.Root.Get(name)
		if sec == nil || sec.Kind != template.Map {
			return vals, pos, order
		}
		for _, f := range sec.Fields {
			if _, dup := vals[f.Key]; dup {
				continue
			}
			var v *val
			if resolve {
				v = s.c.canon(f.Value, 0)
			} else {
				v = literal(f.Value, 0)
			}
			if v == nil {
				v = (&val{kind: vNull, pos: f.Value.Pos}).seal()
			}
			vals[f.Key] = v
			pos[f.Key] = f.KeyPos
			order = append(order, f.Key)
		}
		s.c.edges = nil
		return vals, pos, order
	}
	bv, _, border := entries(d.base)
	hv, hpos, horder := entries(d.head)
	var out []*SectionChange
	seen := map[string]bool{}
	for _, k := range append(border, horder...) {
		if seen[k] {
			continue
		}
		seen[k] = true
		b, h := bv[k], hv[k]
		if equal(b, h, d.ren) {
			continue
		}
		sc := &SectionChange{Name: k, Change: changeKind(b, h), Line: hpos[k].Line}
		if b != nil && h != nil {
			pd := &propDiffer{ren: d.ren, spec: d.o.Spec, noRepl: true}
			pd.diff(b, h, nil)
			for _, p := range pd.out {
				if p.Path == "Properties" {
					p.Path = ""
				}
			}
			sc.Properties = pd.out
		}
		out = append(out, sc)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// literal converts a value as written, without resolving intrinsics.
func literal(n *template.Node, depth int) *val {
	if n == nil || depth > template.MaxDepth {
		return nil
	}
	switch n.Kind {
	case template.Null:
		return (&val{kind: vNull, pos: n.Pos}).seal()
	case template.Number:
		return scalar(canonNumber(n.Value), n.Pos)
	case template.String, template.Bool:
		return scalar(n.Value, n.Pos)
	case template.Seq:
		v := &val{kind: vList, pos: n.Pos}
		for _, it := range n.Items {
			if x := literal(it, depth+1); x != nil {
				v.items = append(v.items, x)
			}
		}
		return v.seal()
	case template.Map:
		v := &val{kind: vMap, pos: n.Pos}
		for _, f := range n.Fields {
			if x := literal(f.Value, depth+1); x != nil {
				v.fields = append(v.fields, vfield{f.Key, x})
			}
		}
		sortFields(v.fields)
		return v.seal()
	}
	return nil
}
