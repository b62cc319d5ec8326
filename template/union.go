package template

// The merged evaluation. When a policy depends on more combinations of
// conditions than Extract checks one by one, the rest are checked at once:
// each Fn::If on those conditions becomes the union of its branches, as a
// policy would read if both branches held. For the questions that matter
// most (can this be "*", can anyone assume this role) the union is sound:
// whatever a branch allows, the union allows too.
//
// What "union" means depends on where the Fn::If stands in the policy:
//   - a list item: both branches' items;
//   - Action, Resource, principals, condition values: the list of both;
//   - Condition: the condition is dropped unless both branches agree (no
//     condition allows more than either);
//   - Effect: Allow, when either branch allows;
//   - NotAction, NotResource, NotPrincipal: the exceptions both share;
//   - a principal "*" against anything: "*";
//   - mappings: key by key.
// An Fn::If inside another function's arguments (a Join, a Sub) cannot be
// merged and stays unknown, as it always did.
//
// Every node a branch produced is recorded with the branch it came from
// (its guard), so a finding on it can name the conditions, and the
// parameter values, that reach it.

type guardLit struct {
	cond  string
	value bool
}

type unionState struct {
	conds map[string]bool
	// keys are the field names from the resolved root to the value being
	// resolved; "[]" stands for a list item.
	keys   []string
	inFn   int
	stack  []guardLit
	guards map[*Node][]guardLit
}

// spliceMark marks the list of items a merged Fn::If in a list stands for;
// the enclosing list takes them in its place.
const spliceMark = "\x00splice"

func isSplice(n *Node) bool { return n != nil && n.Kind == Seq && n.Value == spliceMark }

func (r *Resolver) unionIf(n *Node, name string, arg *Node, a Assumption, depth int) *Node {
	u := r.union
	if u.inFn > 0 {
		return r.unknown(Describe(n), n.Pos, &Origin{Func: "Fn::If"})
	}
	branch := func(v bool, b *Node) *Node {
		u.stack = append(u.stack, guardLit{name, v})
		out := r.resolve(b, a, depth+1)
		r.guard(out, 0)
		u.stack = u.stack[:len(u.stack)-1]
		return out
	}
	x := branch(true, arg.Items[1])
	y := branch(false, arg.Items[2])
	return r.combine(n.Pos, x, y)
}

// guard records the current branch for every node of v not recorded yet
// (inner branches record theirs first, and are more precise). A node that
// two unrelated branches produce (a parameter's value, shared) has no one
// branch: it is recorded with none.
func (r *Resolver) guard(v *Node, depth int) {
	if v == nil || v == noValue || depth > MaxDepth {
		return
	}
	u := r.union
	if g, ok := u.guards[v]; !ok {
		u.guards[v] = append([]guardLit(nil), u.stack...)
	} else if len(g) > 0 && !extends(g, u.stack) {
		u.guards[v] = []guardLit{}
	}
	for _, it := range v.Items {
		r.guard(it, depth+1)
	}
	for _, f := range v.Fields {
		r.guard(f.Value, depth+1)
	}
}

var (
	unionLists = map[string]bool{"Action": true, "Resource": true, "AWS": true, "Service": true, "Federated": true, "CanonicalUser": true}
	unionNots  = map[string]bool{"NotAction": true, "NotResource": true}
)

// combine merges the two branches of an Fn::If standing at the current key.
func (r *Resolver) combine(pos Pos, a, b *Node) *Node {
	keys := r.union.keys
	key := ""
	if len(keys) > 0 {
		key = keys[len(keys)-1]
	}
	inCondition := len(keys) >= 3 && keys[len(keys)-3] == "Condition"
	switch {
	case a == noValue && b == noValue:
		return noValue
	case key == "[]":
		return &Node{Kind: Seq, Value: spliceMark, Pos: pos, EndLine: pos.Line, Items: dedupe(append(flat(a), flat(b)...))}
	case key == "Condition":
		if Equal(a, b) {
			return a
		}
		return noValue
	case a == noValue:
		return b
	case b == noValue:
		return a
	case Equal(a, b):
		return a
	case key == "Effect":
		if s, _ := b.Str(); s == "Allow" {
			return b
		}
		return a
	case unionNots[key] || key == "NotPrincipal" && a.Kind != Map:
		var common []*Node
		for _, x := range branchItems(a) {
			for _, y := range branchItems(b) {
				if Equal(x, y) {
					common = append(common, x)
					break
				}
			}
		}
		if len(common) == 0 {
			return a
		}
		return &Node{Kind: Seq, Pos: a.Pos, EndLine: a.EndLine, Items: common}
	case key == "Principal" || key == "NotPrincipal":
		for _, x := range []*Node{a, b} {
			if s, ok := x.Str(); ok && s == "*" {
				return x
			}
		}
		if a.Kind == Map && b.Kind == Map {
			return r.mergeMaps(a, b)
		}
		return a
	case unionLists[key] || inCondition || a.Kind == Seq && b.Kind == Seq:
		return &Node{Kind: Seq, Pos: a.Pos, EndLine: max(a.lastLine(), b.lastLine()), Items: dedupe(append(branchItems(a), branchItems(b)...))}
	case a.Kind == Map && b.Kind == Map:
		return r.mergeMaps(a, b)
	}
	return a
}

// mergeMaps merges two mappings key by key.
func (r *Resolver) mergeMaps(a, b *Node) *Node {
	out := &Node{Kind: Map, Pos: a.Pos, EndLine: max(a.lastLine(), b.lastLine())}
	for _, f := range a.Fields {
		v := f.Value
		if w := b.Get(f.Key); w != nil {
			r.union.keys = append(r.union.keys, f.Key)
			v = r.combine(f.Value.Pos, f.Value, w)
			r.union.keys = r.union.keys[:len(r.union.keys)-1]
		}
		if v != noValue {
			out.Fields = append(out.Fields, Field{Key: f.Key, KeyPos: f.KeyPos, Value: v})
		}
	}
	for _, f := range b.Fields {
		if a.Get(f.Key) == nil {
			out.Fields = append(out.Fields, f)
		}
	}
	return out
}

func flat(n *Node) []*Node {
	switch {
	case n == nil || n == noValue:
		return nil
	case isSplice(n):
		return n.Items
	}
	return []*Node{n}
}

func branchItems(n *Node) []*Node {
	switch {
	case n == nil || n == noValue:
		return nil
	case n.Kind == Seq:
		return n.Items
	}
	return []*Node{n}
}

func dedupe(ns []*Node) []*Node {
	out := ns[:0:0]
next:
	for _, n := range ns {
		for _, o := range out {
			if Equal(o, n) {
				continue next
			}
		}
		out = append(out, n)
	}
	return out
}

// extends reports whether the branch g lies within the branch stack: it
// starts with stack's conditions.
func extends(g, stack []guardLit) bool {
	if len(g) < len(stack) {
		return false
	}
	for i, l := range stack {
		if g[i] != l {
			return false
		}
	}
	return true
}
