package diff

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tollgate-dev/tollgate/template"
)

// This file follows a change to what reads it: values that refer to a
// replaced resource, or to an attribute that an in-place update changes,
// and values whose text did not change but that read a parameter, mapping
// or condition that did.

// suffixFollows ends every cause, so rules and renderers can shorten it.
const suffixFollows = ", so the value that refers to it changes"

// attrEffect says which attribute of a resource type an in-place update
// changes: a GetAtt of it reads a new value. Attributes named after a
// property (AWS::SSM::Parameter Value, a load balancer's SecurityGroups,
// a cluster's Endpoint.Port) follow that property without a row.
type attrEffect struct {
	typ, attr string
	// props are the properties whose change changes the attribute.
	props []string
	doc   string
}

var attrEffects = []attrEffect{
	// Each update of the launch template data creates a new version.
	{"AWS::EC2::LaunchTemplate", "LatestVersionNumber", []string{"LaunchTemplateData", "VersionDescription"},
		docBase + "aws-resource-ec2-launchtemplate.html"},
	{"AWS::DynamoDB::Table", "StreamArn", []string{"StreamSpecification"}, docBase + "aws-resource-dynamodb-table.html"},
	{"AWS::DynamoDB::GlobalTable", "StreamArn", []string{"StreamSpecification"}, docBase + "aws-resource-dynamodb-globaltable.html"},
}

// reads is how a changed resource reaches a value that refers to it.
type reads struct {
	// level caps the update behaviour the value's change can cause:
	// Always when the value certainly changes, Conditional when it may.
	level Replacement
	cause string
}

// reaches says whether a change of src reaches a reference e to it, and how.
func (d *differ) reaches(src *ResourceChange, e edge) (reads, bool) {
	id := src.LogicalID
	switch src.Replacement {
	case Always:
		return reads{Always, id + " is replaced" + suffixFollows}, true
	case Conditional:
		return reads{Conditional, id + " may be replaced" + suffixFollows}, true
	}
	if e.attr == "" {
		// An update in place keeps the physical ID that Ref returns.
		return reads{}, false
	}
	changed := changedProps(src)
	if len(changed) == 0 {
		return reads{}, false
	}
	typ := src.Type
	if isCustom(typ) || typ == "AWS::CloudFormation::Stack" {
		return reads{Conditional, fmt.Sprintf("%s is updated and may return a new %s", id, e.attr) + suffixFollows}, true
	}
	for _, a := range attrEffects {
		if a.typ != typ || a.attr != e.attr {
			continue
		}
		for _, p := range a.props {
			if changed[p] {
				return reads{Always, fmt.Sprintf("%s's %s changes, which changes its %s", id, p, e.attr) + suffixFollows}, true
			}
		}
	}
	last := e.attr[strings.LastIndexByte(e.attr, '.')+1:]
	if changed[e.attr] || changed[last] {
		p := e.attr
		if !changed[p] {
			p = last
		}
		return reads{Always, fmt.Sprintf("%s's %s changes in place", id, p) + suffixFollows}, true
	}
	return reads{}, false
}

func isCustom(typ string) bool {
	return strings.HasPrefix(typ, "Custom::") || typ == "AWS::CloudFormation::CustomResource"
}

// changedProps lists the top-level properties a resource change touches.
func changedProps(rc *ResourceChange) map[string]bool {
	out := map[string]bool{}
	for _, p := range rc.Properties {
		if name := topName(p.Path); name != "" && !isAttr(name) {
			out[name] = true
		}
	}
	return out
}

// topName is the first name of a property path: "KeySchema" of
// "KeySchema[0].AttributeName".
func topName(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

func isAttr(name string) bool {
	for _, a := range resourceAttrs {
		if a == name {
			return true
		}
	}
	return name == "Type"
}

// revEdge is a reference to a resource, seen from the referencing side.
type revEdge struct {
	from string
	edge edge
}

// propagate follows every changed resource to the values that refer to
// it. A replaced resource changes every Ref and GetAtt to it; an update in
// place changes the GetAtt attributes that follow the changed properties.
// Each value that changes this way is a change of its own, with its cause,
// and may in turn replace or change its resource. The graph is built once
// and a resource is revisited only when what it passes on grows (a higher
// replacement level, more changed properties), so the cost stays linear.
func (d *differ) propagate() {
	rev := map[string][]revEdge{}
	for _, id := range d.head.order {
		for _, e := range d.head.res[id].edges {
			rev[e.target] = append(rev[e.target], revEdge{from: id, edge: e})
		}
	}
	seen := map[string]string{}
	var queue []string
	push := func(rc *ResourceChange) {
		if rc.Change == Removed || rc.Change == Added {
			return
		}
		sig := fmt.Sprintf("%s/%d", rc.Replacement, len(changedProps(rc)))
		if seen[rc.LogicalID] != sig {
			seen[rc.LogicalID] = sig
			queue = append(queue, rc.LogicalID)
		}
	}
	for _, rc := range d.sd.Resources {
		push(rc)
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		src := d.changes[id]
		for _, re := range rev[id] {
			if re.from == id {
				continue
			}
			r, ok := d.reaches(src, re.edge)
			if !ok {
				continue
			}
			if rc := d.follow(re, r); rc != nil {
				push(rc)
			}
		}
	}
}

// follow records that the value at re changes as r says; it returns the
// resource that changed, or nil.
func (d *differ) follow(re revEdge, r reads) *ResourceChange {
	h := d.head.res[re.from]
	rc := d.changes[re.from]
	if rc != nil && (rc.Change == Added || rc.Change == Removed) {
		return nil
	}
	if rc == nil {
		b := d.base.res[re.from]
		if b == nil {
			return nil
		}
		rc = d.newChange(b, h)
		rc.Indirect = true
		d.add(rc)
	}
	path := re.edge.disp()
	if path == "" {
		path = "Properties"
	}
	ctx := &ruleCtx{hProps: h.props, hAttrs: h.attrs}
	if b := d.base.res[re.from]; b != nil {
		ctx.bProps = b.props
	}
	spec := re.edge.spec()
	segs := make([]pathSeg, len(spec))
	for i, n := range spec {
		segs[i] = pathSeg{name: n, inBase: true, inHead: true}
	}
	level := d.o.Spec.behaviour(h.res.Type, segs, ctx)
	if level.rank() > r.level.rank() {
		level = r.level
	}
	via := &Via{Kind: "resource", Name: re.edge.target, Attribute: strings.TrimPrefix(re.edge.attr, "?")}
	var pc *PropertyChange
	for _, p := range rc.Properties {
		if p.Path == path {
			pc = p
			break
		}
	}
	if pc == nil {
		pc = &PropertyChange{Path: path, Change: Modified, Replacement: level, Cause: r.cause, Via: via}
		rc.Properties = append(rc.Properties, pc)
	} else {
		if pc.Cause == "" {
			pc.Cause, pc.Via = r.cause, via
		}
		pc.Replacement = maxReplacement(pc.Replacement, level)
	}
	rc.Replacement = maxReplacement(rc.Replacement, level)
	return rc
}

// contextCauses marks the property changes whose text is the same on both
// sides: their value changed because a parameter, mapping or condition
// they read did. The resource is marked indirect when none of its text
// changed.
func (d *differ) contextCauses() {
	if d.base.t == nil || d.head.t == nil || d.base.c == nil || d.head.c == nil {
		return
	}
	if len(d.sd.Parameters)+len(d.sd.Mappings)+len(d.sd.Conditions) == 0 {
		// Conditions change value only through parameters.
		return
	}
	params := map[string]*SectionChange{}
	for _, sc := range d.sd.Parameters {
		params[sc.Name] = sc
	}
	maps := map[string]*SectionChange{}
	for _, sc := range d.sd.Mappings {
		maps[sc.Name] = sc
	}
	conds := map[string]*SectionChange{}
	for _, sc := range d.sd.Conditions {
		conds[sc.Name] = sc
	}
	cx := &contextScan{d: d, params: params, maps: maps, conds: conds, flipped: map[string]string{}}
	for _, rc := range d.sd.Resources {
		if rc.Change != Modified {
			continue
		}
		b, h := d.base.res[rc.LogicalID], d.head.res[rc.LogicalID]
		if b == nil || h == nil {
			continue
		}
		if template.Equal(b.res.Node, h.res.Node) {
			rc.Indirect = true
		}
		for _, p := range rc.Properties {
			if p.Cause != "" || p.Path == "Type" {
				continue
			}
			name := topName(p.Path)
			bn, hn := writtenTop(b.res, name), writtenTop(h.res, name)
			if bn == nil || hn == nil || !template.Equal(bn, hn) {
				continue
			}
			if via, cause := cx.cause(hn); via != nil {
				p.Cause, p.Via = cause, via
				if sc := cx.section(via); sc != nil && !contains(sc.Affects, rc.LogicalID) {
					sc.Affects = append(sc.Affects, rc.LogicalID)
				}
			}
		}
	}
	for _, list := range [][]*SectionChange{d.sd.Parameters, d.sd.Mappings, d.sd.Conditions} {
		for _, sc := range list {
			sort.Strings(sc.Affects)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// writtenTop is the node of a top-level property or attribute as written.
func writtenTop(r *template.Resource, name string) *template.Node {
	if isAttr(name) {
		return r.Node.Get(name)
	}
	return r.Properties.Get(name)
}

// contextScan finds the parameter, mapping or condition a value reads.
type contextScan struct {
	d                   *differ
	params, maps, conds map[string]*SectionChange
	flipped             map[string]string
}

func (cx *contextScan) section(v *Via) *SectionChange {
	switch v.Kind {
	case "parameter":
		return cx.params[v.Name]
	case "mapping":
		return cx.maps[v.Name]
	case "condition":
		return cx.conds[v.Name]
	}
	return nil
}

// conditionChange says how a condition's value moved ("false → true"), or
// "" when it did not.
func (cx *contextScan) conditionChange(name string) string {
	if s, ok := cx.flipped[name]; ok {
		return s
	}
	word := func(v, known bool) string {
		if !known {
			return "undecided"
		}
		return fmt.Sprint(v)
	}
	bv, bk := cx.d.base.c.r.Condition(name, nil)
	hv, hk := cx.d.head.c.r.Condition(name, nil)
	s := ""
	if bv != hv || bk != hk {
		s = word(bv, bk) + " → " + word(hv, hk)
	}
	cx.flipped[name] = s
	return s
}

// cause scans a written value for what it reads that changed.
func (cx *contextScan) cause(n *template.Node) (*Via, string) {
	var via *Via
	var cause string
	var walk func(n *template.Node, depth int)
	found := func(v *Via, text string) {
		if via == nil {
			via, cause = v, text+suffixFollows
		}
	}
	param := func(name string) {
		if sc := cx.params[name]; sc != nil {
			found(&Via{Kind: "parameter", Name: name}, "parameter "+name+" "+sectionWhat(sc))
		}
	}
	walk = func(n *template.Node, depth int) {
		if n == nil || via != nil || depth > template.MaxDepth {
			return
		}
		switch n.Kind {
		case template.Seq:
			for _, it := range n.Items {
				walk(it, depth+1)
			}
		case template.Map:
			if fn, arg, ok := n.Intrinsic(); ok {
				switch fn {
				case "Ref":
					if s, ok := arg.Str(); ok {
						param(s)
					}
				case "Fn::Sub":
					text := arg
					if arg.Kind == template.Seq && len(arg.Items) > 0 {
						text = arg.Items[0]
					}
					if s, ok := text.Str(); ok {
						for _, v := range subVars(s) {
							param(v)
						}
					}
				case "Fn::FindInMap":
					if arg.Kind == template.Seq && len(arg.Items) > 0 {
						if s, ok := arg.Items[0].Str(); ok && cx.maps[s] != nil {
							found(&Via{Kind: "mapping", Name: s}, "mapping "+s+" "+sectionWhat(cx.maps[s]))
						}
					}
				case "Fn::If":
					if arg.Kind == template.Seq && len(arg.Items) > 0 {
						if s, ok := arg.Items[0].Str(); ok {
							if moved := cx.conditionChange(s); moved != "" {
								found(&Via{Kind: "condition", Name: s}, "condition "+s+" changed ("+moved+")")
							}
						}
					}
				}
				walk(arg, depth+1)
				return
			}
			for _, f := range n.Fields {
				walk(f.Value, depth+1)
			}
		}
	}
	walk(n, 0)
	return via, cause
}

// sectionWhat says briefly how a parameter or mapping changed:
// "changed (Default orders → orders-v2)".
func sectionWhat(sc *SectionChange) string {
	switch sc.Change {
	case Added:
		return "was added"
	case Removed:
		return "was removed"
	}
	for _, p := range sc.Properties {
		if p.Path == "Default" && p.Change == Modified {
			return fmt.Sprintf("changed (Default %s → %s)", p.Before, p.After)
		}
	}
	return "changed"
}

// outputsAffected marks outputs whose value reads a resource change that
// reaches it (a replaced resource, an attribute an update changes): their
// value changes even though their text does not, and stacks that import
// them must be updated.
func (d *differ) outputsAffected() {
	if d.head.t == nil || d.head.t.Root == nil {
		return
	}
	outs := d.head.t.Root.Get("Outputs")
	if outs == nil || outs.Kind != template.Map {
		return
	}
	changed := map[string]*SectionChange{}
	for _, sc := range d.sd.Outputs {
		changed[sc.Name] = sc
	}
	for _, f := range outs.Fields {
		d.head.c.edges = nil
		d.head.c.canon(f.Value.Get("Value"), 0)
		for _, e := range d.head.c.edges {
			rc := d.changes[e.target]
			if rc == nil || rc.Change == Added || rc.Change == Removed {
				continue
			}
			r, ok := d.reaches(rc, e)
			if !ok {
				continue
			}
			sc := changed[f.Key]
			if sc == nil {
				sc = &SectionChange{Name: f.Key, Change: Modified, Line: f.KeyPos.Line}
				changed[f.Key] = sc
				d.sd.Outputs = append(d.sd.Outputs, sc)
			}
			sc.Properties = append(sc.Properties, &PropertyChange{Path: "Value", Change: Modified, Cause: r.cause,
				Via: &Via{Kind: "resource", Name: e.target, Attribute: strings.TrimPrefix(e.attr, "?")}})
			break
		}
	}
	d.head.c.edges = nil
	sort.SliceStable(d.sd.Outputs, func(i, j int) bool { return d.sd.Outputs[i].Name < d.sd.Outputs[j].Name })
}
