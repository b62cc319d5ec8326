package diff

import (
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/template"
)

// scanRefs lists the references to resources in a property tree as
// written, without resolving it: Ref, Fn::GetAtt and the variables of
// Fn::Sub, in every branch of Fn::If. It serves resources that did not
// change, whose values matter only when something they refer to is replaced.
func scanRefs(t *template.Template, props *template.Node) []edge {
	var out []edge
	var segs, disp []string
	// quiet > 0 inside function arguments, where paths stop growing.
	quiet := 0
	add := func(target string) {
		if t.Resource(target) == nil {
			return
		}
		var spec []string
		var b strings.Builder
		for i, s := range segs {
			if s != "" {
				spec = append(spec, s)
				if i > 0 {
					b.WriteByte('.')
				}
			}
			b.WriteString(disp[i])
		}
		out = append(out, edge{target: target, spec: spec, disp: b.String()})
	}
	var walk func(n *template.Node, depth int)
	walk = func(n *template.Node, depth int) {
		if n == nil || depth > template.MaxDepth {
			return
		}
		switch n.Kind {
		case template.Seq:
			for i, it := range n.Items {
				if quiet > 0 {
					walk(it, depth+1)
					continue
				}
				segs, disp = append(segs, ""), append(disp, "["+strconv.Itoa(i)+"]")
				walk(it, depth+1)
				segs, disp = segs[:len(segs)-1], disp[:len(disp)-1]
			}
		case template.Map:
			if fn, arg, ok := n.Intrinsic(); ok {
				switch fn {
				case "Ref":
					if s, ok := arg.Str(); ok {
						add(s)
					}
					return
				case "Fn::GetAtt":
					if arg.Kind == template.Seq && len(arg.Items) > 0 {
						if s, ok := arg.Items[0].Str(); ok {
							add(s)
						}
					} else if s, ok := arg.Str(); ok {
						name, _, _ := strings.Cut(s, ".")
						add(name)
					}
					return
				case "Fn::If":
					// Either branch is the property's value.
					if arg.Kind == template.Seq && len(arg.Items) == 3 {
						walk(arg.Items[1], depth+1)
						walk(arg.Items[2], depth+1)
					}
					return
				case "Fn::Sub":
					text := arg
					var vars *template.Node
					if arg.Kind == template.Seq && len(arg.Items) > 0 {
						text = arg.Items[0]
						if len(arg.Items) > 1 {
							vars = arg.Items[1]
						}
					}
					if s, ok := text.Str(); ok {
						for _, v := range subVars(s) {
							name, _, _ := strings.Cut(v, ".")
							if vars.Get(v) == nil {
								add(name)
							}
						}
					}
					quiet++
					walk(vars, depth+1)
					quiet--
					return
				}
				quiet++
				walk(arg, depth+1)
				quiet--
				return
			}
			for _, f := range n.Fields {
				if quiet > 0 {
					walk(f.Value, depth+1)
					continue
				}
				segs, disp = append(segs, f.Key), append(disp, f.Key)
				walk(f.Value, depth+1)
				segs, disp = segs[:len(segs)-1], disp[:len(disp)-1]
			}
		}
	}
	walk(props, 0)
	return out
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
