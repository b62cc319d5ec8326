package diff

import (
	"strings"

	"github.com/tollgate-dev/tollgate/template"
)

// scanRefs lists the references to resources in a property tree as
// written, without resolving it: Ref, Fn::GetAtt and the variables of
// Fn::Sub, in every branch of Fn::If. It serves resources that did not
// change, whose values matter only when something they refer to changes.
func (sd *side) scanRefs(props *template.Node) []edge {
	s := sd.resetScanner()
	s.walk(props, 0)
	return s.out
}

// sameRefs reports whether a resource's properties are written alike at
// base and head (as template.Equal says), and lists the references of the
// head's, in one walk: most resources of a large template are unchanged,
// and walking each twice was a good part of the diff.
func (sd *side) sameRefs(b, h *template.Node) (bool, []edge) {
	s := sd.resetScanner()
	if !s.same(b, h, 0) {
		return false, nil
	}
	return true, s.out
}

func (sd *side) resetScanner() *refScanner {
	s := &sd.scanner
	s.t, s.out, s.path, s.quiet = sd.t, nil, s.path[:0], 0
	return s
}

// refScanner walks a property tree keeping the path it is at.
type refScanner struct {
	t    *template.Template
	out  []edge
	path []pathElem
	// quiet > 0 inside function arguments, where paths stop growing.
	quiet int
}

// add records a reference to target at the current path, when target is a
// resource of the template.
func (s *refScanner) add(target, attr string) {
	if s.t.Resource(target) == nil {
		return
	}
	s.out = append(s.out, edge{target: target, attr: attr, path: append([]pathElem(nil), s.path...)})
}

// enter walks n one path step down (a key, or an index when key is "").
func (s *refScanner) enter(key string, index int, n *template.Node, depth int) {
	if s.quiet > 0 {
		s.walk(n, depth+1)
		return
	}
	s.path = append(s.path, pathElem{key, index})
	s.walk(n, depth+1)
	s.path = s.path[:len(s.path)-1]
}

func (s *refScanner) walk(n *template.Node, depth int) {
	if n == nil || depth > template.MaxDepth {
		return
	}
	switch n.Kind {
	case template.Seq:
		for i, it := range n.Items {
			s.enter("", i, it, depth)
		}
	case template.Map:
		if fn, arg, ok := n.Intrinsic(); ok {
			s.intrinsic(fn, arg, depth)
			return
		}
		for _, f := range n.Fields {
			s.enter(f.Key, -1, f.Value, depth)
		}
	}
}

// same compares b with h as template.Equal does while scanning h.
func (s *refScanner) same(b, h *template.Node, depth int) bool {
	if b == nil || h == nil || b.Kind != h.Kind {
		return b == h
	}
	if depth > template.MaxDepth {
		return template.Equal(b, h)
	}
	switch h.Kind {
	case template.Seq:
		if len(b.Items) != len(h.Items) {
			return false
		}
		for i, it := range h.Items {
			s.path = append(s.path, pathElem{"", i})
			ok := s.same(b.Items[i], it, depth+1)
			s.path = s.path[:len(s.path)-1]
			if !ok {
				return false
			}
		}
		return true
	case template.Map:
		if len(b.Fields) != len(h.Fields) {
			return false
		}
		if fn, arg, ok := h.Intrinsic(); ok {
			if !template.Equal(b, h) {
				return false
			}
			s.intrinsic(fn, arg, depth)
			return true
		}
		for i, f := range h.Fields {
			bv := b.Fields[i].Value
			if b.Fields[i].Key != f.Key {
				if bv = b.Get(f.Key); bv == nil {
					return false
				}
			}
			s.path = append(s.path, pathElem{f.Key, -1})
			ok := s.same(bv, f.Value, depth+1)
			s.path = s.path[:len(s.path)-1]
			if !ok {
				return false
			}
		}
		return true
	}
	return template.Equal(b, h)
}

// intrinsic records the references of one function call: Ref and GetAtt
// name their target; either branch of Fn::If is the value; Fn::Sub names
// its variables; other functions are searched with the path held still.
func (s *refScanner) intrinsic(fn string, arg *template.Node, depth int) {
	switch fn {
	case "Ref":
		if name, ok := arg.Str(); ok {
			s.add(name, "")
		}
		return
	case "Fn::GetAtt":
		if arg.Kind == template.Seq && len(arg.Items) > 0 {
			if name, ok := arg.Items[0].Str(); ok {
				attr := ""
				if len(arg.Items) > 1 {
					attr, _ = arg.Items[1].Str()
				}
				s.add(name, attrOrSome(attr))
			}
		} else if text, ok := arg.Str(); ok {
			name, attr, _ := strings.Cut(text, ".")
			s.add(name, attrOrSome(attr))
		}
		return
	case "Fn::If":
		// Either branch is the property's value.
		if arg.Kind == template.Seq && len(arg.Items) == 3 {
			s.walk(arg.Items[1], depth+1)
			s.walk(arg.Items[2], depth+1)
		}
		return
	case "Fn::Sub":
		s.sub(arg, depth)
		return
	}
	s.quiet++
	s.walk(arg, depth+1)
	s.quiet--
}

func (s *refScanner) sub(arg *template.Node, depth int) {
	text := arg
	var vars *template.Node
	if arg.Kind == template.Seq && len(arg.Items) > 0 {
		text = arg.Items[0]
		if len(arg.Items) > 1 {
			vars = arg.Items[1]
		}
	}
	if str, ok := text.Str(); ok {
		for _, v := range subVars(str) {
			name, attr, isAtt := strings.Cut(v, ".")
			if vars.Get(v) != nil {
				continue
			}
			if !isAtt {
				s.add(name, "")
			} else {
				s.add(name, attrOrSome(attr))
			}
		}
	}
	s.quiet++
	s.walk(vars, depth+1)
	s.quiet--
}

// attrOrSome keeps a GetAtt attribute name, or "?" when it is not a plain
// string (an attribute chosen by an intrinsic function).
func attrOrSome(attr string) string {
	if attr == "" {
		return "?"
	}
	return attr
}

// subVars lists the ${Name} variables of an Fn::Sub string, leaving out
// the ${!Literal} escapes.
func subVars(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out
		}
		s = s[i+2:]
		j := strings.IndexByte(s, '}')
		if j < 0 {
			return out
		}
		if !strings.HasPrefix(s, "!") {
			out = append(out, strings.TrimSpace(s[:j]))
		}
		s = s[j+1:]
	}
}
