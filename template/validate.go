package template

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Template errors CloudFormation rejects before it creates anything, which
// the parser alone cannot see: a parameter Default that is an intrinsic
// function, a cycle of references between resources, and an Fn::Select
// whose index is outside its list. Each is a structure problem at its line.

// checkParameterDefaults reports Defaults that are not literal values:
// CloudFormation evaluates no intrinsic function in the Parameters section.
func (t *Template) checkParameterDefaults() {
	names := make([]string, 0, len(t.Parameters))
	for name := range t.Parameters {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		d := t.Parameters[name].Default
		if d == nil || d.Kind != Map {
			continue
		}
		if fn, _, ok := d.Intrinsic(); ok {
			t.structure(d.Pos, fmt.Sprintf("parameter %s: Default is %s; CloudFormation does not evaluate intrinsic functions in Parameters, so the stack fails to create", name, fn),
				"write the value itself as the Default, or compute it in the resources that use the parameter (for example with Fn::If on a condition)")
			continue
		}
		t.structure(d.Pos, fmt.Sprintf("parameter %s: Default is a mapping; a Default must be a string, a number or a list of them", name), "")
	}
}

// ref is one reference from a resource to another, where it is written.
type ref struct {
	to  string
	pos Pos
	how string // "Ref", "Fn::GetAtt", "Fn::Sub", "DependsOn"
}

// resourceRefs lists the references a resource makes to other resources
// (Ref, GetAtt, Fn::Sub variables and DependsOn), in source order. Both
// branches of an Fn::If count: CloudFormation orders resources before it
// decides conditions.
func (t *Template) resourceRefs(r *Resource) []ref {
	var out []ref
	add := func(name string, pos Pos, how string) {
		if t.byID[name] != nil {
			out = append(out, ref{name, pos, how})
		}
	}
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		if n == nil || depth > MaxDepth {
			return
		}
		switch n.Kind {
		case Seq:
			for _, it := range n.Items {
				walk(it, depth+1)
			}
			return
		case Map:
		default:
			return
		}
		if fn, arg, ok := n.Intrinsic(); ok {
			switch fn {
			case "Ref":
				if s, ok := arg.Str(); ok {
					add(s, n.Pos, fn)
				}
				return
			case "Fn::GetAtt":
				name := ""
				if arg.Kind == Seq && len(arg.Items) > 0 {
					name, _ = arg.Items[0].Str()
				} else if s, ok := arg.Str(); ok {
					name, _, _ = strings.Cut(s, ".")
				}
				add(name, n.Pos, fn)
				return
			case "Fn::Sub":
				text := arg
				vars := map[string]bool{}
				if arg.Kind == Seq && len(arg.Items) > 0 {
					text = arg.Items[0]
					if len(arg.Items) > 1 {
						for _, f := range arg.Items[1].Fields {
							vars[f.Key] = true
						}
						walk(arg.Items[1], depth+1)
					}
				}
				if s, ok := text.Str(); ok {
					for _, name := range subNames(s) {
						if !vars[name] {
							base, _, _ := strings.Cut(name, ".")
							add(base, n.Pos, fn)
						}
					}
				}
				return
			}
		}
		for _, f := range n.Fields {
			walk(f.Value, depth+1)
		}
	}
	for _, f := range r.Node.Fields {
		switch f.Key {
		case "DependsOn":
			if s, ok := f.Value.Str(); ok {
				add(s, f.Value.Pos, "DependsOn")
			}
			for _, it := range f.Value.Items {
				if s, ok := it.Str(); ok {
					add(s, it.Pos, "DependsOn")
				}
			}
		case "Type", "Condition", "DeletionPolicy", "UpdateReplacePolicy", "Metadata":
			// Metadata is read by tools (cfn-init), not ordered by CloudFormation.
		default:
			walk(f.Value, 0)
		}
	}
	return out
}

// subNames lists the ${Name} variables of an Fn::Sub text, without the
// ${!Literal} escapes.
func subNames(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out
		}
		rest := s[i+2:]
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			return out
		}
		if !strings.HasPrefix(rest, "!") {
			out = append(out, strings.TrimSpace(rest[:j]))
		}
		s = rest[j+1:]
	}
}

// checkCycles reports each cycle of references between resources once, at
// the reference in the cycle's first resource (in source order) that leads
// around it. CloudFormation rejects such a template ("Circular dependency
// between resources").
func (t *Template) checkCycles() {
	refs := make(map[string][]ref, len(t.Resources))
	for _, r := range t.Resources {
		refs[r.LogicalID] = t.resourceRefs(r)
	}
	// Tarjan's strongly connected components, iteratively bounded by the
	// resource count; a component of two or more resources, or a resource
	// referring to itself, is a cycle.
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	next := 0
	var comps [][]string
	var visit func(v string, depth int)
	visit = func(v string, depth int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, e := range refs[v] {
			if _, seen := index[e.to]; !seen {
				if depth < 10000 {
					visit(e.to, depth+1)
				}
				low[v] = min(low[v], low[e.to])
			} else if onStack[e.to] {
				low[v] = min(low[v], index[e.to])
			}
		}
		if low[v] == index[v] {
			var comp []string
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp = append(comp, w)
				if w == v {
					break
				}
			}
			comps = append(comps, comp)
		}
	}
	for _, r := range t.Resources {
		if _, seen := index[r.LogicalID]; !seen {
			visit(r.LogicalID, 0)
		}
	}
	order := map[string]int{}
	for i, r := range t.Resources {
		order[r.LogicalID] = i
	}
	var problems []Problem
	for _, comp := range comps {
		in := map[string]bool{}
		sam := false
		for _, c := range comp {
			in[c] = true
			sam = sam || strings.HasPrefix(t.byID[c].Type, "AWS::Serverless::")
		}
		if sam {
			// The SAM transform rewrites what its resources refer to (a
			// DeploymentPreference's Alarms go to a CodeDeploy group, not
			// the function): the cycle may not survive it.
			continue
		}
		first := comp[0]
		for _, c := range comp {
			if order[c] < order[first] {
				first = c
			}
		}
		path, edge := cyclePath(first, refs, in)
		if path == nil {
			continue // one resource that refers to nothing in its component
		}
		problems = append(problems, Problem{Pos: edge.pos, Structure: true,
			Message: fmt.Sprintf("resources refer to each other in a cycle: %s (%s %s here); CloudFormation cannot order them and rejects the template",
				strings.Join(path, " → "), edge.how, edge.to),
			Fix: "remove one of the references, for example by moving a policy or a permission into its own resource that refers to both"})
	}
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Pos.Line < problems[j].Pos.Line })
	t.Problems = append(t.Problems, problems...)
}

// cyclePath finds a shortest cycle from start through resources in comp,
// returning its names (start first and last) and the first reference.
func cyclePath(start string, refs map[string][]ref, comp map[string]bool) ([]string, ref) {
	prev := map[string]string{}
	queue := []string{start}
	seen := map[string]bool{}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, e := range refs[v] {
			if !comp[e.to] {
				continue
			}
			if e.to == start {
				path := []string{start}
				for w := v; w != start; w = prev[w] {
					path = append(path, w)
				}
				// path is start, v, ..., reversed after start.
				out := []string{start}
				for i := len(path) - 1; i >= 1; i-- {
					out = append(out, path[i])
				}
				out = append(out, start)
				var first ref
				for _, e := range refs[start] {
					if e.to == out[1] {
						first = e
						break
					}
				}
				return out, first
			}
			if !seen[e.to] {
				seen[e.to] = true
				prev[e.to] = v
				queue = append(queue, e.to)
			}
		}
	}
	return nil, ref{}
}

// selectProblems reports Fn::Select expressions whose index is negative, or
// outside a list that is known before deployment. r resolves the index and
// the list (with the pinned parameter values, else the defaults).
func selectProblems(t *Template, r *Resolver) []Problem {
	var out []Problem
	seen := map[Pos]bool{}
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		if n == nil || depth > MaxDepth {
			return
		}
		for _, it := range n.Items {
			walk(it, depth+1)
		}
		for _, f := range n.Fields {
			walk(f.Value, depth+1)
		}
		fn, arg, ok := n.Intrinsic()
		if !ok || fn != "Fn::Select" || arg.Kind != Seq || len(arg.Items) != 2 || seen[n.Pos] {
			return
		}
		idx, ok := r.resolve(arg.Items[0], nil, depth+1).Str()
		if !ok {
			return
		}
		i, err := strconv.Atoi(strings.TrimSpace(idx))
		if err != nil {
			seen[n.Pos] = true
			out = append(out, Problem{Pos: arg.Items[0].Pos, Structure: true,
				Message: fmt.Sprintf("Fn::Select index %q is not a number", idx), Fix: "give the index as a number from 0"})
			return
		}
		if i < 0 {
			seen[n.Pos] = true
			out = append(out, Problem{Pos: arg.Items[0].Pos, Structure: true,
				Message: fmt.Sprintf("Fn::Select index %d is negative; CloudFormation counts list items from 0", i), Fix: "give an index from 0"})
			return
		}
		list := r.resolve(arg.Items[1], nil, depth+1)
		if list == nil || list.Kind != Seq || i < len(list.Items) {
			return
		}
		seen[n.Pos] = true
		out = append(out, Problem{Pos: arg.Items[0].Pos, Structure: true,
			Message: fmt.Sprintf("Fn::Select index %d is out of range: the list has %d item%s (indexes 0 to %d)", i, len(list.Items), plural(len(list.Items)), len(list.Items)-1),
			Fix:     "select an index within the list, or add the missing items"})
	}
	for _, section := range []string{"Resources", "Outputs"} {
		if t.Root != nil {
			walk(t.Root.Get(section), 0)
		}
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
