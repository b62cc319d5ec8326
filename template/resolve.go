package template

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Values are what is known about the deployment a template is checked for.
// Empty fields are unknown, and what depends on them stays symbolic.
type Values struct {
	AccountID string
	Region    string
	// Partition defaults from Region ("aws", "aws-cn", "aws-us-gov").
	Partition string
	StackName string
	// Parameters pin parameter values by name. A parameter nobody pinned
	// can take any value its definition accepts; its Default is the likely
	// one (see Extract).
	Parameters map[string]string
	// DefaultsOnly takes every parameter that has a Default as pinned to
	// it (config parameter-values: defaults), as teams that always deploy
	// with the defaults want.
	DefaultsOnly bool
}

// Origin says where an Unknown value comes from, so checks can still reason
// about it: a Ref to an AWS::S3::Bucket is a bucket name.
type Origin struct {
	// Func is "Ref", "Fn::GetAtt", "Fn::ImportValue", "Fn::If", or another
	// intrinsic; Parameter is set for a Ref to a parameter without a value.
	Func string
	// Resource and ResourceType are set for Ref and GetAtt to a resource.
	Resource     string
	ResourceType string
	Attribute    string
	Parameter    string
	Pseudo       string
	// Dynamic is set for a dynamic reference ({{resolve:ssm:…}}); Func is
	// then "resolve".
	Dynamic *DynamicRef
	// Mapping and MappingKey are set for an Fn::FindInMap whose map and
	// second-level key are known but whose top-level key is not (the
	// Region, when none is given): the value is one of
	// Mappings[Mapping][*][MappingKey].
	Mapping, MappingKey string
}

// Assumption fixes the value of conditions that cannot be decided
// statically, so both branches of an Fn::If can be examined in turn.
type Assumption map[string]bool

// noValue is the result of Ref AWS::NoValue: the enclosing property or list
// item disappears.
var noValue = &Node{Kind: Null, Value: "AWS::NoValue"}

type tri uint8

const (
	triUnknown tri = iota
	triTrue
	triFalse
	triPending // being evaluated: a reference cycle
)

// Resolver evaluates intrinsic functions whose result can be known before
// deployment. It is not safe for concurrent use.
type Resolver struct {
	t      *Template
	v      Values
	params map[string]*Node
	conds  map[string]tri

	// explore is set on the resolvers Extract uses: a condition is
	// decided only when every accepted parameter value decides it alike,
	// and parameters in unset are unknown (they are away from their
	// defaults in the variant being resolved).
	explore bool
	sp      *space
	unset   map[string]bool
	// seen, when not nil, records the undecided Fn::If met.
	seen *[]seenIf
	// union holds the conditions whose Fn::If branches are merged (see
	// union.go), with the bookkeeping of that evaluation.
	union *unionState
	// indexes maps a resolved list whose items moved (an Fn::If gave
	// AWS::NoValue, a merged Fn::If gave both branches) to the index each
	// item is written at.
	indexes map[*Node][]int
}

// ItemIndex returns where the i-th item of a list this resolver resolved
// is written in the template: an item after one that an Fn::If removed
// (AWS::NoValue) keeps its own index, so a path such as Policies[1] names
// the entry as written whatever the branch.
func (r *Resolver) ItemIndex(list *Node, i int) int {
	if idx, ok := r.indexes[list]; ok && i < len(idx) {
		return idx[i]
	}
	return i
}

// seenIf is an undecided Fn::If met while resolving.
type seenIf struct {
	node *Node
	cond string
}

// NewResolver returns a resolver for t with the given deployment values.
func NewResolver(t *Template, v Values) *Resolver {
	if v.Partition == "" {
		v.Partition = PartitionOf(v.Region)
	}
	return &Resolver{t: t, v: v, params: map[string]*Node{}, conds: map[string]tri{}}
}

// explorer returns a resolver for Extract: one that treats unpinned
// parameters as varying over what they accept.
func (r *Resolver) explorer() *Resolver {
	e := NewResolver(r.t, r.v)
	e.explore = true
	return e
}

// space returns the condition space of the template, built on first use.
func (r *Resolver) space() *space {
	if r.sp == nil {
		r.sp = newSpace(r.t, r.v)
	}
	return r.sp
}

// PartitionOf returns the partition a region belongs to, "aws" when unknown.
func PartitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	}
	return "aws"
}

func (r *Resolver) unknown(desc string, pos Pos, o *Origin) *Node {
	return &Node{Kind: Unknown, Value: desc, Pos: pos, EndLine: pos.Line, Origin: o}
}

// Resolve evaluates n under the assumption a (which may be nil). The result
// shares unchanged subtrees with n and keeps the positions of the template:
// a value that came from a parameter is placed where the Ref was written.
func (r *Resolver) Resolve(n *Node, a Assumption) *Node {
	out := r.resolve(n, a, 0)
	if out == noValue {
		return nil
	}
	return out
}

func (r *Resolver) resolve(n *Node, a Assumption, depth int) *Node {
	if n == nil {
		return nil
	}
	if depth > MaxDepth {
		return r.unknown("(nested too deeply)", n.Pos, nil)
	}
	switch n.Kind {
	case Seq:
		var items []*Node
		var idx []int // where each item is written, once one moved
		changed := false
		for i, it := range n.Items {
			var ri *Node
			if r.union != nil {
				r.union.keys = append(r.union.keys, "[]")
				ri = r.resolve(it, a, depth+1)
				r.union.keys = r.union.keys[:len(r.union.keys)-1]
			} else {
				ri = r.resolve(it, a, depth+1)
			}
			if ri != it && !changed {
				changed = true
				items = append(make([]*Node, 0, len(n.Items)), n.Items[:i]...)
			}
			shifted := ri == noValue || isSplice(ri) && len(ri.Items) != 1
			if shifted && idx == nil {
				idx = make([]int, len(items), len(n.Items))
				for j := range idx {
					idx[j] = j
				}
			}
			if isSplice(ri) {
				items = append(items, ri.Items...)
				for range ri.Items {
					if idx != nil {
						idx = append(idx, i)
					}
				}
			} else if changed && ri != noValue {
				items = append(items, ri)
				if idx != nil {
					idx = append(idx, i)
				}
			}
		}
		if !changed {
			return n
		}
		c := *n
		c.Items = items
		if idx != nil {
			if r.indexes == nil {
				r.indexes = map[*Node][]int{}
			}
			r.indexes[&c] = idx
		}
		return &c
	case Map:
		if fn, arg, ok := n.Intrinsic(); ok {
			if r.union != nil && fn != "Fn::If" {
				// Branches cannot be merged inside a function's arguments.
				r.union.inFn++
				defer func() { r.union.inFn-- }()
			}
			return r.intrinsic(n, fn, arg, a, depth)
		}
		var fields []Field
		changed := false
		for i, f := range n.Fields {
			var rv *Node
			if r.union != nil {
				r.union.keys = append(r.union.keys, f.Key)
				rv = r.resolve(f.Value, a, depth+1)
				r.union.keys = r.union.keys[:len(r.union.keys)-1]
			} else {
				rv = r.resolve(f.Value, a, depth+1)
			}
			if rv != f.Value && !changed {
				changed = true
				fields = append(make([]Field, 0, len(n.Fields)), n.Fields[:i]...)
			}
			if changed && rv != noValue {
				fields = append(fields, Field{Key: f.Key, KeyPos: f.KeyPos, Value: rv})
			}
		}
		if !changed {
			return n
		}
		c := *n
		c.Fields = fields
		return &c
	case String:
		return r.dynamicString(n)
	}
	return n
}

func (r *Resolver) intrinsic(n *Node, fn string, arg *Node, a Assumption, depth int) *Node {
	switch fn {
	case "Ref":
		name, ok := arg.Str()
		if !ok {
			return r.unknown(Describe(n), n.Pos, &Origin{Func: fn})
		}
		return r.ref(name, n.Pos)
	case "Fn::GetAtt":
		return r.getAtt(n, arg)
	case "Fn::Sub":
		return r.sub(n, arg, a, depth)
	case "Fn::Join":
		return r.join(n, arg, a, depth)
	case "Fn::Select":
		return r.selectFn(n, arg, a, depth)
	case "Fn::Split":
		return r.split(n, arg, a, depth)
	case "Fn::FindInMap":
		return r.findInMap(n, arg, a, depth)
	case "Fn::If":
		return r.ifFn(n, arg, a, depth)
	case "Fn::Base64":
		v := r.resolve(arg, a, depth+1)
		if s, ok := v.Str(); ok {
			return &Node{Kind: String, Value: base64.StdEncoding.EncodeToString([]byte(s)), Pos: n.Pos, EndLine: n.lastLine()}
		}
		return r.unknown(Describe(n), n.Pos, &Origin{Func: fn})
	case "Fn::Length":
		v := r.resolve(arg, a, depth+1)
		if v != nil && v.Kind == Seq {
			return &Node{Kind: Number, Value: strconv.Itoa(len(v.Items)), Pos: n.Pos, EndLine: n.Pos.Line}
		}
		return r.unknown(Describe(n), n.Pos, &Origin{Func: fn})
	case "Fn::ToJsonString":
		v := r.resolve(arg, a, depth+1)
		if b, ok := toJSON(v); ok {
			return &Node{Kind: String, Value: string(b), Pos: n.Pos, EndLine: n.Pos.Line}
		}
		return r.unknown(Describe(n), n.Pos, &Origin{Func: fn})
	}
	// Fn::ImportValue, Fn::GetAZs, Fn::Cidr, Fn::Transform and anything newer:
	// known only at deploy time.
	return r.unknown(Describe(n), n.Pos, &Origin{Func: fn})
}

// pseudo parameters and what they resolve to.
func (r *Resolver) pseudo(name string, pos Pos) (*Node, bool) {
	known := func(s string) *Node { return &Node{Kind: String, Value: s, Pos: pos, EndLine: pos.Line} }
	unknown := func() *Node { return r.unknown("!Ref "+name, pos, &Origin{Func: "Ref", Pseudo: name}) }
	switch name {
	case "AWS::NoValue":
		return noValue, true
	case "AWS::AccountId":
		if r.v.AccountID != "" {
			return known(r.v.AccountID), true
		}
		return unknown(), true
	case "AWS::Region":
		if r.v.Region != "" {
			return known(r.v.Region), true
		}
		return unknown(), true
	case "AWS::Partition":
		return known(r.v.Partition), true
	case "AWS::URLSuffix":
		if r.v.Partition == "aws-cn" {
			return known("amazonaws.com.cn"), true
		}
		return known("amazonaws.com"), true
	case "AWS::StackName":
		if r.v.StackName != "" {
			return known(r.v.StackName), true
		}
		return unknown(), true
	case "AWS::StackId", "AWS::NotificationARNs":
		return unknown(), true
	}
	return nil, false
}

func (r *Resolver) ref(name string, pos Pos) *Node {
	if v, ok := r.pseudo(name, pos); ok {
		return v
	}
	if p := r.t.Parameters[name]; p != nil {
		return relocate(r.param(p), pos)
	}
	if res := r.t.Resource(name); res != nil {
		return r.unknown("!Ref "+name, pos, &Origin{Func: "Ref", Resource: name, ResourceType: res.Type})
	}
	return r.unknown("!Ref "+name, pos, &Origin{Func: "Ref"})
}

// param returns the value of a parameter, positioned at its definition.
func (r *Resolver) param(p *Parameter) *Node {
	if r.explore {
		if _, pinned := r.v.Parameters[p.Name]; !pinned && r.unset[p.Name] {
			return r.unknown("!Ref "+p.Name, p.Pos, &Origin{Func: "Ref", Parameter: p.Name})
		}
	}
	if v, ok := r.params[p.Name]; ok {
		return v
	}
	var v *Node
	listType := p.Type == "CommaDelimitedList" || strings.HasPrefix(p.Type, "List<")
	switch {
	case strings.HasPrefix(p.Type, "AWS::SSM::Parameter::Value"):
		// The default names an SSM parameter; its value is read at deploy time.
		v = r.unknown("!Ref "+p.Name, p.Pos, &Origin{Func: "Ref", Parameter: p.Name})
	default:
		text, ok := r.v.Parameters[p.Name]
		if !ok && p.Default != nil {
			if p.Default.Kind == Seq && listType {
				v = p.Default
				break
			}
			text, ok = p.Default.Str()
		}
		if !ok {
			v = r.unknown("!Ref "+p.Name, p.Pos, &Origin{Func: "Ref", Parameter: p.Name})
			break
		}
		if listType {
			v = &Node{Kind: Seq, Pos: p.Pos, EndLine: p.Pos.Line}
			for _, part := range strings.Split(text, ",") {
				v.Items = append(v.Items, &Node{Kind: String, Value: strings.TrimSpace(part), Pos: p.Pos, EndLine: p.Pos.Line})
			}
		} else {
			v = &Node{Kind: String, Value: text, Pos: p.Pos, EndLine: p.Pos.Line}
		}
	}
	r.params[p.Name] = v
	return v
}

// relocate returns a copy of v placed at pos, items too.
func relocate(v *Node, pos Pos) *Node {
	if v == nil || v == noValue {
		return v
	}
	c := *v
	c.Pos = pos
	c.EndLine = pos.Line
	if v.Kind == Seq {
		c.Items = make([]*Node, len(v.Items))
		for i, it := range v.Items {
			c.Items[i] = relocate(it, pos)
		}
	}
	return &c
}

func (r *Resolver) getAtt(n, arg *Node) *Node {
	var name, attr string
	switch {
	case arg != nil && arg.Kind == Seq && len(arg.Items) == 2:
		name, _ = arg.Items[0].Str()
		attr, _ = arg.Items[1].Str()
	case arg != nil && arg.Kind == String:
		name, attr, _ = strings.Cut(arg.Value, ".")
	}
	o := &Origin{Func: "Fn::GetAtt", Resource: name, Attribute: attr}
	if res := r.t.Resource(name); res != nil {
		o.ResourceType = res.Type
	}
	return r.unknown("!GetAtt "+name+"."+attr, n.Pos, o)
}

// concat joins known and unknown pieces into a String when all are known,
// or an Unknown with Parts.
func (r *Resolver) concat(n *Node, parts []*Node, desc string) *Node {
	parts = splitDynamic(parts, n.Pos)
	var b strings.Builder
	known := true
	for _, p := range parts {
		if s, ok := p.Str(); ok {
			b.WriteString(s)
		} else {
			known = false
		}
	}
	if known {
		return &Node{Kind: String, Value: b.String(), Pos: n.Pos, EndLine: n.lastLine()}
	}
	// Merge adjacent known strings so Parts alternate cleanly.
	var merged []*Node
	for _, p := range parts {
		if s, ok := p.Str(); ok {
			if len(merged) > 0 && merged[len(merged)-1].Kind == String {
				last := *merged[len(merged)-1]
				last.Value += s
				merged[len(merged)-1] = &last
				continue
			}
			merged = append(merged, &Node{Kind: String, Value: s, Pos: n.Pos, EndLine: n.Pos.Line})
			continue
		}
		merged = append(merged, p)
	}
	if len(merged) == 1 && merged[0].Origin != nil && merged[0].Origin.Dynamic != nil {
		// The whole value is one dynamic reference.
		d := *merged[0]
		d.Pos, d.EndLine = n.Pos, n.lastLine()
		return &d
	}
	u := r.unknown(desc, n.Pos, &Origin{Func: "Fn::Sub"})
	u.Items = merged
	return u
}

// sub evaluates Fn::Sub in both its forms: "text" and ["text", {Var: value}].
func (r *Resolver) sub(n, arg *Node, a Assumption, depth int) *Node {
	var text *Node
	vars := map[string]*Node{}
	switch {
	case arg != nil && arg.Kind == String:
		text = arg
	case arg != nil && arg.Kind == Seq && len(arg.Items) == 2:
		text = arg.Items[0]
		if text.Kind != String {
			text = r.resolve(text, a, depth+1)
		}
		if m := arg.Items[1]; m.Kind == Map {
			for _, f := range m.Fields {
				vars[f.Key] = r.resolve(f.Value, a, depth+1)
			}
		}
	}
	if text == nil || text.Kind != String {
		return r.unknown(Describe(n), n.Pos, &Origin{Func: "Fn::Sub"})
	}
	var parts []*Node
	s := text.Value
	lines := true // every substituted value is free of line breaks
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			parts = append(parts, &Node{Kind: String, Value: s})
			break
		}
		parts = append(parts, &Node{Kind: String, Value: s[:i]})
		rest := s[i+2:]
		if strings.HasPrefix(rest, "!") {
			// ${!Literal} writes "${Literal}".
			j := strings.IndexByte(rest, '}')
			if j < 0 {
				parts = append(parts, &Node{Kind: String, Value: s[i:]})
				break
			}
			parts = append(parts, &Node{Kind: String, Value: "${" + rest[1:j+1]})
			s = rest[j+1:]
			continue
		}
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			parts = append(parts, &Node{Kind: String, Value: s[i:]})
			break
		}
		name := strings.TrimSpace(rest[:j])
		v := r.subVar(name, vars, n.Pos)
		if sv, ok := v.Str(); ok && strings.Contains(sv, "\n") {
			lines = false
		}
		parts = append(parts, v)
		s = rest[j+1:]
	}
	out := r.concat(n, parts, Describe(n))
	if text.Block && lines {
		// The result keeps the block scalar's lines (no value put in has a
		// line break), so a JSON policy written in it maps line by line.
		c := *out
		c.Block, c.Pos, c.EndLine = true, text.Pos, text.EndLine
		return &c
	}
	return out
}

func (r *Resolver) subVar(name string, vars map[string]*Node, pos Pos) *Node {
	if v, ok := vars[name]; ok {
		if v == noValue {
			return &Node{Kind: String, Value: ""}
		}
		if v.Kind == Seq || v.Kind == Map {
			return r.unknown("${"+name+"}", pos, nil)
		}
		return v
	}
	if res, attr, ok := strings.Cut(name, "."); ok {
		if _, isParam := r.t.Parameters[name]; !isParam {
			if _, isPseudo := r.pseudo(name, pos); !isPseudo {
				o := &Origin{Func: "Fn::GetAtt", Resource: res, Attribute: attr}
				if rs := r.t.Resource(res); rs != nil {
					o.ResourceType = rs.Type
				}
				return r.unknown("${"+name+"}", pos, o)
			}
		}
	}
	v := r.ref(name, pos)
	if v == noValue {
		return &Node{Kind: String, Value: ""}
	}
	if v.Kind == Seq || v.Kind == Map {
		// A list parameter in Fn::Sub is a template error; stay symbolic.
		return r.unknown("${"+name+"}", pos, nil)
	}
	if v.Kind == Unknown {
		return r.unknown("${"+name+"}", pos, v.Origin)
	}
	return v
}

func (r *Resolver) join(n, arg *Node, a Assumption, depth int) *Node {
	if arg == nil || arg.Kind != Seq || len(arg.Items) != 2 {
		return r.unknown(Describe(n), n.Pos, &Origin{Func: "Fn::Join"})
	}
	delim, ok := r.resolve(arg.Items[0], a, depth+1).Str()
	list := r.resolve(arg.Items[1], a, depth+1)
	if !ok || list == nil || list.Kind != Seq {
		return r.unknown(Describe(n), n.Pos, &Origin{Func: "Fn::Join"})
	}
	var parts []*Node
	for i, it := range list.Items {
		if i > 0 && delim != "" {
			parts = append(parts, &Node{Kind: String, Value: delim})
		}
		if it.Kind == Seq || it.Kind == Map {
			parts = append(parts, r.unknown(Describe(it), it.Pos, nil))
			continue
		}
		parts = append(parts, it)
	}
	return r.concat(n, parts, Describe(n))
}

func (r *Resolver) selectFn(n, arg *Node, a Assumption, depth int) *Node {
	if arg == nil || arg.Kind != Seq || len(arg.Items) != 2 {
		return r.unknown(Describe(n), n.Pos, &Origin{Func: "Fn::Select"})
	}
	idx, ok := r.resolve(arg.Items[0], a, depth+1).Str()
	list := r.resolve(arg.Items[1], a, depth+1)
	i, err := strconv.Atoi(idx)
	if !ok || err != nil || list == nil || list.Kind != Seq || i < 0 || i >= len(list.Items) {
		return r.unknown(Describe(n), n.Pos, &Origin{Func: "Fn::Select"})
	}
	return list.Items[i]
}

func (r *Resolver) split(n, arg *Node, a Assumption, depth int) *Node {
	if arg == nil || arg.Kind != Seq || len(arg.Items) != 2 {
		return r.unknown(Describe(n), n.Pos, &Origin{Func: "Fn::Split"})
	}
	delim, ok1 := r.resolve(arg.Items[0], a, depth+1).Str()
	s, ok2 := r.resolve(arg.Items[1], a, depth+1).Str()
	if !ok1 || !ok2 || delim == "" {
		return r.unknown(Describe(n), n.Pos, &Origin{Func: "Fn::Split"})
	}
	out := &Node{Kind: Seq, Pos: n.Pos, EndLine: n.lastLine()}
	for _, p := range strings.Split(s, delim) {
		out.Items = append(out.Items, &Node{Kind: String, Value: p, Pos: n.Pos, EndLine: n.Pos.Line})
	}
	return out
}

func (r *Resolver) findInMap(n, arg *Node, a Assumption, depth int) *Node {
	if arg == nil || arg.Kind != Seq || len(arg.Items) < 3 {
		return r.unknown(Describe(n), n.Pos, &Origin{Func: "Fn::FindInMap"})
	}
	var keys [3]string
	var known [3]bool
	for i := range keys {
		keys[i], known[i] = r.resolve(arg.Items[i], a, depth+1).Str()
	}
	if !known[0] || !known[1] || !known[2] {
		o := &Origin{Func: "Fn::FindInMap"}
		if known[0] && !known[1] && known[2] {
			o.Mapping, o.MappingKey = keys[0], keys[2]
		}
		return r.unknown(Describe(n), n.Pos, o)
	}
	if v := r.t.Mappings.Get(keys[0]).Get(keys[1]).Get(keys[2]); v != nil {
		return relocate(v, n.Pos)
	}
	// The language extensions allow a DefaultValue as a fourth argument.
	if len(arg.Items) == 4 {
		if d := arg.Items[3].Get("DefaultValue"); d != nil {
			return r.resolve(d, a, depth+1)
		}
	}
	return r.unknown(Describe(n), n.Pos, &Origin{Func: "Fn::FindInMap"})
}

func (r *Resolver) ifFn(n, arg *Node, a Assumption, depth int) *Node {
	if arg == nil || arg.Kind != Seq || len(arg.Items) != 3 {
		return r.unknown(Describe(n), n.Pos, &Origin{Func: "Fn::If"})
	}
	name, ok := arg.Items[0].Str()
	if !ok {
		return r.unknown(Describe(n), n.Pos, &Origin{Func: "Fn::If"})
	}
	v, known := r.Condition(name, a)
	if !known {
		if r.union != nil && r.union.conds[name] {
			return r.unionIf(n, name, arg, a, depth)
		}
		if r.seen != nil {
			*r.seen = append(*r.seen, seenIf{node: n, cond: name})
		}
		return r.unknown(Describe(n), n.Pos, &Origin{Func: "Fn::If"})
	}
	if v {
		return r.resolve(arg.Items[1], a, depth+1)
	}
	return r.resolve(arg.Items[2], a, depth+1)
}

// Condition evaluates a named condition. known is false when it depends on
// something unknown and a does not fix it.
func (r *Resolver) Condition(name string, a Assumption) (value, known bool) {
	if v, ok := a[name]; ok {
		return v, true
	}
	if r.explore {
		return r.space().decide(name)
	}
	switch r.condition(name) {
	case triTrue:
		return true, true
	case triFalse:
		return false, true
	}
	return false, false
}

func (r *Resolver) condition(name string) tri {
	if v, ok := r.conds[name]; ok {
		if v == triPending {
			return triUnknown // a cycle; CloudFormation rejects it, we stay undecided
		}
		return v
	}
	expr, ok := r.t.Conditions[name]
	if !ok {
		return triUnknown
	}
	r.conds[name] = triPending
	v := r.evalCond(expr, 0)
	r.conds[name] = v
	return v
}

func (r *Resolver) evalCond(n *Node, depth int) tri {
	if n == nil || depth > MaxDepth {
		return triUnknown
	}
	if n.Kind == Map && len(n.Fields) == 1 && n.Fields[0].Key == "Condition" {
		name, _ := n.Fields[0].Value.Str()
		return r.condition(name)
	}
	fn, arg, ok := n.Intrinsic()
	if !ok {
		if s, ok := n.Str(); ok && n.Kind == Bool {
			if s == "true" {
				return triTrue
			}
			return triFalse
		}
		return triUnknown
	}
	items := func() []*Node {
		if arg != nil && arg.Kind == Seq {
			return arg.Items
		}
		return nil
	}
	switch fn {
	case "Fn::Equals":
		it := items()
		if len(it) != 2 {
			return triUnknown
		}
		a, aok := r.resolve(it[0], nil, depth+1).Str()
		b, bok := r.resolve(it[1], nil, depth+1).Str()
		if !aok || !bok {
			return triUnknown
		}
		if a == b {
			return triTrue
		}
		return triFalse
	case "Fn::Not":
		it := items()
		if len(it) != 1 {
			return triUnknown
		}
		switch r.evalCond(it[0], depth+1) {
		case triTrue:
			return triFalse
		case triFalse:
			return triTrue
		}
		return triUnknown
	case "Fn::And", "Fn::Or":
		short, other := triFalse, triTrue // And: any false decides
		if fn == "Fn::Or" {
			short, other = triTrue, triFalse
		}
		result := other
		for _, it := range items() {
			switch r.evalCond(it, depth+1) {
			case short:
				return short
			case triUnknown, triPending:
				result = triUnknown
			}
		}
		return result
	}
	return triUnknown
}

// Undecided lists, sorted, the conditions that Fn::If expressions inside n
// depend on and that cannot be decided statically.
func (r *Resolver) Undecided(n *Node) []string {
	set := map[string]bool{}
	r.collectUndecided(n, set, 0)
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (r *Resolver) collectUndecided(n *Node, set map[string]bool, depth int) {
	if n == nil || depth > MaxDepth {
		return
	}
	switch n.Kind {
	case Seq:
		for _, it := range n.Items {
			r.collectUndecided(it, set, depth+1)
		}
	case Map:
		if fn, arg, ok := n.Intrinsic(); ok && fn == "Fn::If" && arg.Kind == Seq && len(arg.Items) == 3 {
			if name, ok := arg.Items[0].Str(); ok {
				if _, known := r.Condition(name, nil); !known {
					set[name] = true
				}
			}
		}
		for _, f := range n.Fields {
			r.collectUndecided(f.Value, set, depth+1)
		}
	}
}

// String describes an assumption for messages: "when IsProd is true".
func (a Assumption) String() string {
	if len(a) == 0 {
		return ""
	}
	names := make([]string, 0, len(a))
	for k := range a {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf("%s is %t", k, a[k])
	}
	return "when " + strings.Join(parts, " and ")
}

// toJSON renders a fully known value as JSON (for Fn::ToJsonString).
func toJSON(n *Node) ([]byte, bool) {
	v, ok := plain(n)
	if !ok {
		return nil, false
	}
	b, err := json.Marshal(v)
	return b, err == nil
}

// plain converts a fully known node into Go values; false if any part is unknown.
func plain(n *Node) (any, bool) {
	if n == nil {
		return nil, true
	}
	switch n.Kind {
	case Null:
		return nil, true
	case String:
		return n.Value, true
	case Number:
		return json.Number(n.Value), true
	case Bool:
		return n.Value == "true", true
	case Seq:
		out := make([]any, 0, len(n.Items))
		for _, it := range n.Items {
			v, ok := plain(it)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	case Map:
		out := make(map[string]any, len(n.Fields))
		for _, f := range n.Fields {
			v, ok := plain(f.Value)
			if !ok {
				return nil, false
			}
			out[f.Key] = v
		}
		return out, true
	}
	return nil, false
}

// Equal reports whether two nodes hold the same value, ignoring positions
// and map key order.
func Equal(a, b *Node) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil || a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case Seq:
		if len(a.Items) != len(b.Items) {
			return false
		}
		for i := range a.Items {
			if !Equal(a.Items[i], b.Items[i]) {
				return false
			}
		}
		return true
	case Map:
		if len(a.Fields) != len(b.Fields) {
			return false
		}
		for _, f := range a.Fields {
			if !Equal(f.Value, b.Get(f.Key)) {
				return false
			}
		}
		return true
	case Unknown:
		if a.Value != b.Value || len(a.Items) != len(b.Items) {
			return false
		}
		for i := range a.Items {
			if !Equal(a.Items[i], b.Items[i]) {
				return false
			}
		}
		return true
	}
	return a.Value == b.Value
}
