package template

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// moduleEnv is how a module's names map into the template that uses it:
// each resource and condition N of module resource R becomes RN, and each
// parameter takes the value of R's property of that name, else its default.
type moduleEnv struct {
	prefix    string
	params    map[string]*Node
	declared  map[string]bool // parameters the module declares
	resources map[string]bool
	conds     map[string]bool
}

func (e *moduleEnv) rename(name string) string { return e.prefix + name }

// module expands one module (a resource whose Type is Rain::Module, or an
// entry of the Modules section) into the resources and conditions it makes,
// with the values of its outputs for references of the form R.Output.
func (p *rainPackager) module(id string, keyPos Pos, res *Node, src string, at Pos, sc *rainScope, depth int) ([]Field, []Field, map[string]*Node) {
	where := "module " + src + " of " + id + " (line " + strconv.Itoa(at.Line) + ")"
	p.t.rainModules = true
	p.modules++
	if depth >= maxRainDepth || p.modules > maxRainModules {
		p.offline["loop"] = append(p.offline["loop"], where)
		return nil, nil, nil
	}
	file := path.Join(sc.dir, src)
	for _, open := range append([]string{p.self}, p.stack...) {
		if open == file {
			p.offline["loop"] = append(p.offline["loop"], fmt.Sprintf("%s includes itself through %s", where, strings.Join(append(append([]string{p.self}, p.stack...), file), " → ")))
			return nil, nil, nil
		}
	}
	data, file, ok := p.read(at, sc.dir, src, "Rain::Module")
	if !ok {
		return nil, nil, nil
	}
	root, problems := parseAny(data)
	if root == nil || root.Kind != Map {
		msg := "it is not a mapping"
		if root == nil {
			msg = fmt.Sprintf("line %d: %s", problems[len(problems)-1].Pos.Line, problems[len(problems)-1].Message)
		}
		p.problem(at, fmt.Sprintf("Rain module %s cannot be read: %s", src, msg), "fix the module file")
		return nil, nil, nil
	}
	p.stack = append(p.stack, file)
	mod := p.document(relocateTree(root, at), path.Dir(file), depth+1)
	p.stack = p.stack[:len(p.stack)-1]

	props := res.Get("Properties")
	env := &moduleEnv{prefix: id, params: map[string]*Node{}, declared: map[string]bool{},
		resources: map[string]bool{}, conds: map[string]bool{}}
	for _, f := range fieldsOf(mod.Get("Parameters")) {
		env.declared[f.Key] = true
		if v := props.Get(f.Key); v != nil {
			env.params[f.Key] = p.walk(v, sc, 0)
		} else if d := f.Value.Get("Default"); d != nil {
			env.params[f.Key] = d
		}
	}
	for _, f := range fieldsOf(mod.Get("Resources")) {
		env.resources[f.Key] = true
	}
	for _, f := range fieldsOf(mod.Get("Conditions")) {
		env.conds[f.Key] = true
	}
	overrides := res.Get("Overrides")
	var made []Field
	for _, f := range fieldsOf(mod.Get("Resources")) {
		if omitted(f.Value, env, props) {
			continue
		}
		r := env.resource(f.Value)
		if o := overrides.Get(f.Key); o != nil {
			r = override(r, p.walk(o, sc, 0))
		}
		made = append(made, Field{Key: env.rename(f.Key), KeyPos: keyPos, Value: r})
	}
	var conds []Field
	for _, f := range fieldsOf(mod.Get("Conditions")) {
		conds = append(conds, Field{Key: env.rename(f.Key), KeyPos: keyPos, Value: env.value(f.Value, 0)})
	}
	outputs := map[string]*Node{}
	for _, f := range fieldsOf(mod.Get("Outputs")) {
		if v := f.Value.Get("Value"); v != nil {
			outputs[f.Key] = env.value(v, 0)
		}
	}
	return made, conds, outputs
}

// omitted applies rain's Metadata: {Rain: {IfParam: P}} (keep the resource
// only when property P is given) and IfNotParam (only when it is not).
func omitted(r *Node, env *moduleEnv, props *Node) bool {
	meta := r.Get("Metadata").Get("Rain")
	given := func(name string) bool {
		v := props.Get(name)
		s, ok := v.Str()
		return v != nil && (!ok || s != "")
	}
	if p, ok := meta.Get("IfParam").Str(); ok && env.declared[p] && !given(p) {
		return true
	}
	if p, ok := meta.Get("IfNotParam").Str(); ok && env.declared[p] && given(p) {
		return true
	}
	return false
}

// resource rewrites a module resource for the template using the module.
func (e *moduleEnv) resource(r *Node) *Node {
	if r.Kind != Map {
		return r
	}
	c := *r
	c.Fields = make([]Field, len(r.Fields))
	for i, f := range r.Fields {
		v := f.Value
		switch f.Key {
		case "Condition":
			if s, ok := v.Str(); ok && e.conds[s] {
				v = renamed(v, e.rename(s))
			}
		case "DependsOn":
			v = e.dependsOn(v)
		case "Type":
		default:
			v = e.value(v, 0)
		}
		c.Fields[i] = Field{Key: f.Key, KeyPos: f.KeyPos, Value: v}
	}
	return &c
}

func renamed(n *Node, s string) *Node {
	c := *n
	c.Value = s
	return &c
}

func (e *moduleEnv) dependsOn(v *Node) *Node {
	if s, ok := v.Str(); ok && e.resources[s] {
		return renamed(v, e.rename(s))
	}
	if v.Kind != Seq {
		return v
	}
	c := *v
	c.Items = make([]*Node, len(v.Items))
	for i, it := range v.Items {
		c.Items[i] = e.dependsOn(it)
	}
	return &c
}

// value rewrites the references inside a module value: to its parameters
// (their values), to its resources and conditions (renamed).
func (e *moduleEnv) value(n *Node, depth int) *Node {
	if n == nil || depth > MaxDepth {
		return n
	}
	switch n.Kind {
	case Seq:
		c := *n
		c.Items = make([]*Node, len(n.Items))
		for i, it := range n.Items {
			c.Items[i] = e.value(it, depth+1)
		}
		return &c
	case Map:
	default:
		return n
	}
	if len(n.Fields) == 1 {
		k, arg := n.Fields[0].Key, n.Fields[0].Value
		switch k {
		case "Ref":
			name, _ := arg.Str()
			if v, ok := e.params[name]; ok {
				return v
			}
			if e.resources[name] {
				return withArg(n, renamed(arg, e.rename(name)))
			}
			return n
		case "Condition":
			if name, ok := arg.Str(); ok && e.conds[name] {
				return withArg(n, renamed(arg, e.rename(name)))
			}
			return n
		case "Fn::GetAtt":
			return withArg(n, e.getAtt(arg))
		case "Fn::If":
			if arg.Kind == Seq && len(arg.Items) == 3 {
				c := *arg
				c.Items = []*Node{arg.Items[0], e.value(arg.Items[1], depth+1), e.value(arg.Items[2], depth+1)}
				if name, ok := arg.Items[0].Str(); ok && e.conds[name] {
					c.Items[0] = renamed(arg.Items[0], e.rename(name))
				}
				return withArg(n, &c)
			}
		case "Fn::Sub":
			return e.sub(n, arg, depth)
		}
	}
	c := *n
	c.Fields = make([]Field, len(n.Fields))
	for i, f := range n.Fields {
		c.Fields[i] = Field{Key: f.Key, KeyPos: f.KeyPos, Value: e.value(f.Value, depth+1)}
	}
	return &c
}

func withArg(n, arg *Node) *Node {
	c := *n
	c.Fields = []Field{{Key: n.Fields[0].Key, KeyPos: n.Fields[0].KeyPos, Value: arg}}
	return &c
}

func (e *moduleEnv) getAtt(arg *Node) *Node {
	switch {
	case arg.Kind == Seq && len(arg.Items) == 2:
		if name, ok := arg.Items[0].Str(); ok && e.resources[name] {
			c := *arg
			c.Items = []*Node{renamed(arg.Items[0], e.rename(name)), arg.Items[1]}
			return &c
		}
	case arg.Kind == String:
		if name, attr, ok := strings.Cut(arg.Value, "."); ok && e.resources[name] {
			return renamed(arg, e.rename(name)+"."+attr)
		}
	}
	return arg
}

// sub rewrites the ${Name} and ${Name.Attr} references of an Fn::Sub:
// module resources are renamed; parameters are written in when their value
// is text or a Ref or GetAtt, and become variables of the Fn::Sub otherwise.
func (e *moduleEnv) sub(n, arg *Node, depth int) *Node {
	text, vars := arg, (*Node)(nil)
	if arg.Kind == Seq && len(arg.Items) == 2 {
		text, vars = arg.Items[0], arg.Items[1]
	}
	if text.Kind != String {
		return n
	}
	local := map[string]bool{}
	for _, f := range fieldsOf(vars) {
		local[f.Key] = true
	}
	var added []Field
	s := rewriteSub(text.Value, func(name string) (string, bool) {
		if local[name] {
			return "", false
		}
		if res, attr, ok := strings.Cut(name, "."); ok {
			if e.resources[res] {
				return "${" + e.rename(res) + "." + attr + "}", true
			}
			return "", false
		}
		if e.resources[name] {
			return "${" + e.rename(name) + "}", true
		}
		v, ok := e.params[name]
		if !ok {
			return "", false
		}
		if t, ok := subText(v); ok {
			return t, true
		}
		added = append(added, Field{Key: name, KeyPos: v.Pos, Value: v})
		return "${" + name + "}", true
	})
	newText := renamed(text, s)
	if vars == nil && len(added) == 0 {
		return withArg(n, newText)
	}
	m := &Node{Kind: Map, Pos: text.Pos, EndLine: text.Pos.Line}
	for _, f := range fieldsOf(vars) {
		m.Fields = append(m.Fields, Field{Key: f.Key, KeyPos: f.KeyPos, Value: e.value(f.Value, depth+1)})
	}
	m.Fields = append(m.Fields, added...)
	return withArg(n, &Node{Kind: Seq, Pos: arg.Pos, EndLine: arg.EndLine, Items: []*Node{newText, m}})
}

// subText writes a value into Fn::Sub text when it can be: text (with $
// escaped), a Ref as ${X}, a GetAtt as ${X.Attr}.
func subText(v *Node) (string, bool) {
	if s, ok := v.Str(); ok {
		return strings.ReplaceAll(s, "${", "${!"), true
	}
	fn, arg, ok := v.Intrinsic()
	if !ok {
		return "", false
	}
	switch fn {
	case "Ref":
		if s, ok := arg.Str(); ok {
			return "${" + s + "}", true
		}
	case "Fn::GetAtt":
		if arg.Kind == Seq && len(arg.Items) == 2 {
			a, ok1 := arg.Items[0].Str()
			b, ok2 := arg.Items[1].Str()
			if ok1 && ok2 {
				return "${" + a + "." + b + "}", true
			}
		}
		if s, ok := arg.Str(); ok {
			return "${" + s + "}", true
		}
	}
	return "", false
}

// rewriteSub calls replace for each ${Name} of Fn::Sub text (not ${!Name})
// and writes its answer in place when it has one.
func rewriteSub(s string, replace func(name string) (string, bool)) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		name := s[i+2 : i+j]
		if r, ok := replace(strings.TrimSpace(name)); ok && !strings.HasPrefix(name, "!") {
			b.WriteString(r)
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
}

// override applies the Overrides of a module resource to one of the
// resources it makes, as rain does: Properties, CreationPolicy, Metadata and
// UpdatePolicy merge, DeletionPolicy, UpdateReplacePolicy and Condition are
// replaced, DependsOn adds; other keys, and an override that is not a map,
// change nothing.
func override(r, o *Node) *Node {
	if o.Kind != Map || r.Kind != Map {
		return r
	}
	c := *r
	c.Fields = append([]Field(nil), r.Fields...)
	set := func(f Field) {
		if i := indexOf(&c, f.Key); i >= 0 {
			c.Fields[i].Value = f.Value
			return
		}
		c.Fields = append(c.Fields, f)
	}
	for _, f := range o.Fields {
		switch f.Key {
		case "Properties", "CreationPolicy", "Metadata", "UpdatePolicy":
			f.Value = merge(r.Get(f.Key), f.Value, 0)
			set(f)
		case "DeletionPolicy", "UpdateReplacePolicy", "Condition":
			set(f)
		case "DependsOn":
			var list []*Node
			for _, d := range []*Node{r.Get("DependsOn"), f.Value} {
				if d != nil && d.Kind == Seq {
					list = append(list, d.Items...)
				} else if d != nil {
					list = append(list, d)
				}
			}
			f.Value = &Node{Kind: Seq, Pos: f.Value.Pos, EndLine: f.Value.EndLine, Items: list}
			set(f)
		}
	}
	return &c
}

// merge merges override values into a module's: maps key by key, anything
// else is replaced.
func merge(base, over *Node, depth int) *Node {
	if base == nil || over == nil || base.Kind != Map || over.Kind != Map || depth > MaxDepth {
		return over
	}
	if _, _, ok := over.Intrinsic(); ok {
		return over
	}
	if _, _, ok := base.Intrinsic(); ok {
		return over
	}
	c := *base
	c.Fields = append([]Field(nil), base.Fields...)
	for _, f := range over.Fields {
		if i := indexOf(&c, f.Key); i >= 0 {
			c.Fields[i] = Field{Key: f.Key, KeyPos: c.Fields[i].KeyPos, Value: merge(c.Fields[i].Value, f.Value, depth+1)}
			continue
		}
		c.Fields = append(c.Fields, f)
	}
	return &c
}

// replaceOutputs replaces references to module outputs, !GetAtt R.Output
// and ${R.Output}, with the outputs' values.
func replaceOutputs(n *Node, outputs map[string]map[string]*Node, depth int) *Node {
	if n == nil || depth > MaxDepth {
		return n
	}
	switch n.Kind {
	case Seq:
		c := *n
		c.Items = make([]*Node, len(n.Items))
		for i, it := range n.Items {
			c.Items[i] = replaceOutputs(it, outputs, depth+1)
		}
		return &c
	case Map:
	default:
		return n
	}
	if fn, arg, ok := n.Intrinsic(); ok {
		switch fn {
		case "Fn::GetAtt":
			var res, attr string
			if arg.Kind == Seq && len(arg.Items) == 2 {
				res, _ = arg.Items[0].Str()
				attr, _ = arg.Items[1].Str()
			} else if s, ok := arg.Str(); ok {
				res, attr, _ = strings.Cut(s, ".")
			}
			if v, ok := outputs[res][attr]; ok {
				return relocateTree(v, n.Pos)
			}
			return n
		case "Fn::Sub":
			text, vars := arg, (*Node)(nil)
			if arg.Kind == Seq && len(arg.Items) == 2 {
				text, vars = arg.Items[0], arg.Items[1]
			}
			if text.Kind != String {
				return n
			}
			var added []Field
			s := rewriteSub(text.Value, func(name string) (string, bool) {
				res, attr, ok := strings.Cut(name, ".")
				v, found := outputs[res][attr]
				if !ok || !found || vars.Get(name) != nil {
					return "", false
				}
				if t, ok := subText(v); ok {
					return t, true
				}
				key := strings.ReplaceAll(name, ".", "")
				added = append(added, Field{Key: key, KeyPos: n.Pos, Value: relocateTree(v, n.Pos)})
				return "${" + key + "}", true
			})
			if s == text.Value {
				return n
			}
			if vars == nil && len(added) == 0 {
				return withArg(n, renamed(text, s))
			}
			m := &Node{Kind: Map, Pos: text.Pos}
			m.Fields = append(append(m.Fields, fieldsOf(vars)...), added...)
			return withArg(n, &Node{Kind: Seq, Pos: arg.Pos, EndLine: arg.EndLine, Items: []*Node{renamed(text, s), m}})
		}
	}
	c := *n
	c.Fields = make([]Field, len(n.Fields))
	for i, f := range n.Fields {
		c.Fields[i] = Field{Key: f.Key, KeyPos: f.KeyPos, Value: replaceOutputs(f.Value, outputs, depth+1)}
	}
	return &c
}
