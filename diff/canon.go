package diff

import (
	"github.com/tollgate-dev/tollgate/internal/awsid"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/template"
)

// edge is a reference from a property of a resource to another resource.
type edge struct {
	target string
	// attr is the attribute a GetAtt reads ("?" when an intrinsic picks
	// it); "" for a Ref.
	attr string
	// path is where the reference is, from the top of Properties.
	path []pathElem
}

// spec is the edge's property path without list indexes, for the
// specification.
func (e edge) spec() []string {
	var out []string
	for _, p := range e.path {
		if p.key != "" {
			out = append(out, p.key)
		}
	}
	return out
}

// disp is the edge's path as reported: "LaunchTemplate.Version".
func (e edge) disp() string {
	var b strings.Builder
	for i, p := range e.path {
		if p.key == "" {
			b.WriteString("[" + strconv.Itoa(p.index) + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p.key)
	}
	return b.String()
}

// pathElem is one step of a path being walked: a key, or an index when
// key is "". Strings are built only when a reference needs them.
type pathElem struct {
	key   string
	index int
}

// canonizer turns template values into canonical values, resolving what can
// be resolved with the template's resolver.
type canonizer struct {
	t *template.Template
	r *template.Resolver
	// path is the property path being canonized, for edges.
	path  []pathElem
	edges []edge
	// quiet is set inside intrinsic functions other than Fn::If: a
	// reference in their arguments is reported at the function's path.
	quiet int
}

func newCanonizer(t *template.Template, v template.Values) *canonizer {
	return &canonizer{t: t, r: template.NewResolver(t, v)}
}

func (c *canonizer) push(name string, index int) {
	if c.quiet > 0 {
		return
	}
	if index >= 0 {
		name = ""
	}
	c.path = append(c.path, pathElem{name, index})
}

func (c *canonizer) pop() {
	if c.quiet > 0 {
		return
	}
	c.path = c.path[:len(c.path)-1]
}

// edge records a reference from the current path to target (attr as in
// edge.attr).
func (c *canonizer) edge(target, attr string) {
	c.edges = append(c.edges, edge{target: target, attr: attr, path: append([]pathElem(nil), c.path...)})
}

// canon converts a node as written. It returns nil for a value that is
// absent (Ref AWS::NoValue).
func (c *canonizer) canon(n *template.Node, depth int) *val {
	if n == nil {
		return nil
	}
	if depth > template.MaxDepth {
		return (&val{kind: vExpr, text: "(nested too deeply)", pos: n.Pos}).seal()
	}
	switch n.Kind {
	case template.Null:
		return (&val{kind: vNull, pos: n.Pos}).seal()
	case template.String:
		if looksLikePolicyJSON(n.Value) {
			if v := c.embeddedPolicy(n, depth); v != nil {
				return v
			}
		}
		return scalar(n.Value, n.Pos)
	case template.Number:
		return scalar(canonNumber(n.Value), n.Pos)
	case template.Bool:
		return scalar(n.Value, n.Pos)
	case template.Seq:
		v := &val{kind: vList, pos: n.Pos}
		for i, it := range n.Items {
			c.push("", i)
			if x := c.canon(it, depth+1); x != nil {
				v.items = append(v.items, x)
			}
			c.pop()
		}
		return v.seal()
	case template.Map:
		if fn, arg, ok := n.Intrinsic(); ok {
			return c.intrinsic(n, fn, arg, depth)
		}
		v := &val{kind: vMap, pos: n.Pos}
		for _, f := range n.Fields {
			c.push(f.Key, -1)
			if x := c.canon(f.Value, depth+1); x != nil {
				v.fields = append(v.fields, vfield{f.Key, x})
			}
			c.pop()
		}
		sortFields(v.fields)
		return finishMap(v)
	case template.Unknown:
		if x, ok := c.fromResolved(n, depth); ok {
			return x
		}
		return (&val{kind: vExpr, text: n.Value, pos: n.Pos}).seal()
	}
	return nil
}

func sortFields(fs []vfield) {
	sort.Slice(fs, func(i, j int) bool { return fs[i].key < fs[j].key })
}

// finishMap seals a map, normalising it when it is a policy document.
func finishMap(v *val) *val {
	if isPolicy(v) {
		return normPolicy(v)
	}
	return v.seal()
}

func (c *canonizer) intrinsic(n *template.Node, fn string, arg *template.Node, depth int) *val {
	if fn == "Fn::If" && arg != nil && arg.Kind == template.Seq && len(arg.Items) == 3 {
		if name, ok := arg.Items[0].Str(); ok {
			if v, known := c.r.Condition(name, nil); known {
				if v {
					return c.canon(arg.Items[1], depth+1)
				}
				return c.canon(arg.Items[2], depth+1)
			}
			return (&val{kind: vExpr, text: fn, target: name, pos: n.Pos,
				items: []*val{orAbsent(c.canon(arg.Items[1], depth+1)), orAbsent(c.canon(arg.Items[2], depth+1))}}).seal()
		}
	}
	c.quiet++
	defer func() { c.quiet-- }()
	res := c.r.Resolve(n, nil)
	if res == nil {
		return nil
	}
	if v, ok := c.fromResolved(res, depth); ok {
		return v
	}
	// Something inside cannot be named: keep the expression as written,
	// with its arguments in canonical form.
	v := &val{kind: vExpr, text: fn, pos: n.Pos}
	if arg != nil && arg.Kind == template.Seq {
		for _, it := range arg.Items {
			v.items = append(v.items, orAbsent(c.canon(it, depth+1)))
		}
	} else {
		v.items = []*val{orAbsent(c.canon(arg, depth+1))}
	}
	return v.seal()
}

func orAbsent(v *val) *val {
	if v == nil {
		return (&val{kind: vAbsent}).seal()
	}
	return v
}

// fromResolved converts a resolved node. ok is false when the node holds a
// value that can only be described by the expression that produced it.
func (c *canonizer) fromResolved(n *template.Node, depth int) (*val, bool) {
	if n == nil {
		return nil, true
	}
	if depth > template.MaxDepth {
		return nil, false
	}
	switch n.Kind {
	case template.Unknown:
		if len(n.Items) > 0 {
			return c.concat(n, depth)
		}
		return c.deployTime(n)
	case template.String:
		if looksLikePolicyJSON(n.Value) {
			if v := c.embeddedPolicy(n, depth); v != nil {
				return v, true
			}
		}
		return scalar(n.Value, n.Pos), true
	case template.Number:
		return scalar(canonNumber(n.Value), n.Pos), true
	case template.Bool:
		return scalar(n.Value, n.Pos), true
	case template.Null:
		return (&val{kind: vNull, pos: n.Pos}).seal(), true
	case template.Seq:
		return c.resolvedList(n, depth)
	case template.Map:
		if fn, arg, ok := n.Intrinsic(); ok {
			// Resolved trees keep intrinsics only where resolution stopped.
			return c.intrinsic(n, fn, arg, depth+1), true
		}
		return c.resolvedMap(n, depth)
	}
	return nil, false
}

// concat converts a string made of known and deploy-time parts (Fn::Sub,
// Fn::Join), merging adjacent text.
func (c *canonizer) concat(n *template.Node, depth int) (*val, bool) {
	v := &val{kind: vConcat, pos: n.Pos}
	for _, p := range n.Items {
		x, ok := c.fromResolved(p, depth+1)
		if !ok || x == nil {
			return nil, false
		}
		if x.kind == vScalar && x.text == "" {
			continue
		}
		if x.kind == vScalar && len(v.items) > 0 && v.items[len(v.items)-1].kind == vScalar {
			v.items[len(v.items)-1] = scalar(v.items[len(v.items)-1].text+x.text, v.items[len(v.items)-1].pos)
			continue
		}
		v.items = append(v.items, x)
	}
	if len(v.items) == 1 {
		// "${Role.Arn}" is the value itself.
		return v.items[0], true
	}
	if len(v.items) > 0 && v.items[0].kind == vScalar && looksLikePolicyJSON(v.items[0].text) {
		if p := c.embeddedPolicy(n, depth); p != nil {
			return p, true
		}
	}
	return v.seal(), true
}

// deployTime converts a value known only at deploy time, named by where it
// comes from, and records references to resources.
func (c *canonizer) deployTime(n *template.Node) (*val, bool) {
	o := n.Origin
	if o == nil {
		return nil, false
	}
	switch {
	case o.Func == "Fn::GetAtt" && o.Resource != "":
		c.edge(o.Resource, attrOrSome(o.Attribute))
		return (&val{kind: vRef, text: "GetAtt", target: o.Resource, attr: o.Attribute, pos: n.Pos}).seal(), true
	case o.Func == "Ref" && o.Resource != "":
		c.edge(o.Resource, "")
		return (&val{kind: vRef, text: "Ref", target: o.Resource, pos: n.Pos}).seal(), true
	case o.Parameter != "":
		return (&val{kind: vRef, text: "Param", target: o.Parameter, pos: n.Pos}).seal(), true
	case o.Pseudo != "":
		return (&val{kind: vRef, text: "Pseudo", target: o.Pseudo, pos: n.Pos}).seal(), true
	case o.Func == "Ref":
		// A Ref to a name the template does not define.
		return (&val{kind: vRef, text: "Ref", target: strings.TrimPrefix(n.Value, "!Ref "), pos: n.Pos}).seal(), true
	}
	return nil, false
}

func (c *canonizer) resolvedList(n *template.Node, depth int) (*val, bool) {
	v := &val{kind: vList, pos: n.Pos}
	for i, it := range n.Items {
		c.push("", i)
		x, ok := c.fromResolved(it, depth+1)
		c.pop()
		if !ok {
			return nil, false
		}
		if x != nil {
			v.items = append(v.items, x)
		}
	}
	return v.seal(), true
}

func (c *canonizer) resolvedMap(n *template.Node, depth int) (*val, bool) {
	v := &val{kind: vMap, pos: n.Pos}
	for _, f := range n.Fields {
		c.push(f.Key, -1)
		x, ok := c.fromResolved(f.Value, depth+1)
		c.pop()
		if !ok {
			return nil, false
		}
		if x != nil {
			v.fields = append(v.fields, vfield{f.Key, x})
		}
	}
	sortFields(v.fields)
	return finishMap(v), true
}

var policyJSONRE = regexp.MustCompile(`^\s*\{[\s\S]*"Statement"`)

// looksLikePolicyJSON is a cheap test before parsing a string as a policy.
func looksLikePolicyJSON(s string) bool {
	return len(s) > 10 && strings.Contains(s, `"Statement"`) && policyJSONRE.MatchString(s)
}

// embeddedPolicy parses a policy written as a JSON string, so a change
// inside it is seen and a re-indented string is no change.
func (c *canonizer) embeddedPolicy(n *template.Node, depth int) *val {
	doc, prob := c.t.EmbeddedJSON(n)
	if doc == nil || prob != nil {
		return nil
	}
	v, ok := c.fromResolved(doc, depth+1)
	if !ok || v == nil || !v.policy {
		return nil
	}
	return v
}

// isPolicy recognises an IAM policy document by its shape.
func isPolicy(v *val) bool {
	st := v.get("Statement")
	if st == nil {
		return false
	}
	if v.get("Version") != nil {
		return true
	}
	first := st
	if st.kind == vList && len(st.items) > 0 {
		first = st.items[0]
	}
	return first.kind == vMap && first.get("Effect") != nil
}

// normPolicy writes a policy document so that what IAM treats alike is
// equal: one statement or a list of one, "a" or ["a"], list order, action
// name case, condition key case, Principal "*" or {"AWS": "*"}.
func normPolicy(v *val) *val {
	out := &val{kind: vMap, pos: v.pos, policy: true}
	for _, f := range v.fields {
		if f.key != "Statement" {
			out.fields = append(out.fields, f)
			continue
		}
		st := &val{kind: vList, pos: f.val.pos}
		for _, s := range asList(f.val).items {
			st.items = append(st.items, normStatement(s))
		}
		st.items = sortDedupe(st.items)
		out.fields = append(out.fields, vfield{f.key, st.seal()})
	}
	return out.seal()
}

func asList(v *val) *val {
	if v.kind == vList {
		return v
	}
	return (&val{kind: vList, pos: v.pos, items: []*val{v}}).seal()
}

// sortDedupe sorts values by hash and drops repeats: for IAM, a list is a set.
func sortDedupe(items []*val) []*val {
	items = append([]*val(nil), items...)
	sort.SliceStable(items, func(i, j int) bool { return items[i].hash < items[j].hash })
	out := items[:0]
	for i, it := range items {
		if i > 0 && it.hash == items[i-1].hash {
			continue
		}
		out = append(out, it)
	}
	return out
}

func setOf(v *val, lower bool) *val {
	l := asList(v)
	items := make([]*val, 0, len(l.items))
	for _, it := range l.items {
		if lower && it.kind == vScalar {
			c := *it
			c.key = strings.ToLower(it.text)
			it = c.seal()
		}
		items = append(items, it)
	}
	return (&val{kind: vList, pos: v.pos, items: sortDedupe(items)}).seal()
}

func normStatement(s *val) *val {
	if s.kind != vMap {
		return s
	}
	out := &val{kind: vMap, pos: s.pos}
	for _, f := range s.fields {
		x := f.val
		switch f.key {
		case "Action", "NotAction":
			x = setOf(x, true)
		case "Resource", "NotResource":
			x = setOf(x, false)
		case "Principal", "NotPrincipal":
			x = normPrincipal(x)
		case "Condition":
			x = normCondition(x)
		}
		out.fields = append(out.fields, vfield{f.key, x})
	}
	return out.seal()
}

func normPrincipal(p *val) *val {
	if s, ok := p.str(); ok && s == "*" {
		return (&val{kind: vMap, pos: p.pos, fields: []vfield{{"AWS", setOf(p, false)}}}).seal()
	}
	if p.kind != vMap {
		return p
	}
	out := &val{kind: vMap, pos: p.pos}
	for _, f := range p.fields {
		x := f.val
		if f.key == "AWS" {
			l := asList(x)
			items := make([]*val, len(l.items))
			for i, it := range l.items {
				if s, ok := it.str(); ok && awsid.IsAccount(s) {
					// An account ID and its root ARN name the same principal.
					it = scalar("arn:aws:iam::"+s+":root", it.pos)
				}
				items[i] = it
			}
			x = (&val{kind: vList, pos: x.pos, items: items}).seal()
		}
		out.fields = append(out.fields, vfield{f.key, setOf(x, false)})
	}
	return out.seal()
}

func normCondition(c *val) *val {
	if c.kind != vMap {
		return c
	}
	out := &val{kind: vMap, pos: c.pos}
	for _, op := range c.fields {
		if op.val.kind != vMap {
			out.fields = append(out.fields, op)
			continue
		}
		keys := &val{kind: vMap, pos: op.val.pos}
		for _, k := range op.val.fields {
			// Condition keys are case-insensitive.
			keys.fields = append(keys.fields, vfield{strings.ToLower(k.key), setOf(k.val, false)})
		}
		sortFields(keys.fields)
		out.fields = append(out.fields, vfield{op.key, keys.seal()})
	}
	return out.seal()
}

// normTags sorts a Tags list of {Key, Value} by key: CloudFormation treats
// tags as a set.
func normTags(v *val) *val {
	if v == nil || v.kind != vList {
		return v
	}
	for _, it := range v.items {
		if _, ok := it.get("Key").str(); !ok {
			return v
		}
	}
	items := append([]*val(nil), v.items...)
	sort.SliceStable(items, func(i, j int) bool {
		a, _ := items[i].get("Key").str()
		b, _ := items[j].get("Key").str()
		return a < b
	})
	return (&val{kind: vList, pos: v.pos, items: items}).seal()
}
