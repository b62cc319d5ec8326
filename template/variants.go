package template

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// How Extract explores the branches of a resource.
//
// A policy is checked under every combination of conditions that some
// accepted parameter values reach, and only the conditions it depends on
// count: those of the Fn::If written inside its document. Conditions that
// decide which policies the resource has at all (an Fn::If around an
// inline policy, or in ManagedPolicyArns) are explored first, for the
// whole resource; an Fn::If elsewhere (Tags, a description) is found not
// to change any policy and is left alone.
//
//  1. A probe resolves the properties with every undecided condition
//     unknown, finds the policies, and notes each undecided Fn::If met.
//     Most resources have none, and the probe is all there is.
//  2. An Fn::If outside every document found is tried both ways; if that
//     changes the policies found, its condition is structural.
//  3. For each combination of structural conditions (at most
//     maxStructural), the policies are found again; each policy is then
//     checked under each combination of its own conditions (at most
//     maxVariants one by one, the most likely first). Past that bound the
//     rest are checked in one merged evaluation (union.go), and the
//     resource gets a WARNING that says so.

// maxVariants bounds the combinations of conditions one policy is checked
// under one by one.
const maxVariants = 64

// maxStructural bounds the combinations of the conditions that decide
// which policies a resource has.
const maxStructural = 16

// maxProbes bounds the conditions outside documents that are tried both
// ways to see whether they change the policies; the rest are taken as
// structural.
const maxProbes = 16

// Merge describes the merged evaluation of a policy whose combinations of
// conditions were more than maxVariants.
type Merge struct {
	// Conditions is how many conditions the policy depends on; Checked how
	// many of their combinations were checked one by one; Total how many
	// there are (TotalMore: at least that many).
	Conditions int
	Checked    int
	Total      int
	TotalMore  bool

	guards map[*Node][]guardLit
	sp     *space
	fixed  Assumption
	reach  map[string]reach
}

type reach struct {
	branch, when string
	ok           bool
}

// Bound is a resource whose combinations of conditions were more than
// tollgate checks one by one.
type Bound struct {
	LogicalID    string
	ResourceType string
	Pos          Pos
	Message      string
}

// Reach says under which conditions the value n of the policy exists: the
// branch label, the non-default parameter values ("" when the defaults
// reach it), and false when no accepted value reaches it. For policies
// checked one by one it is the policy's own label.
func (p *Policy) Reach(n *Node) (branch, when string, ok bool) {
	m := p.Merged
	if m == nil {
		return p.Branch, p.When, true
	}
	g, has := m.guards[n]
	if !has || len(g) == 0 {
		return p.Branch, p.When, true
	}
	parts := make([]string, len(g))
	for i, l := range g {
		parts[i] = fmt.Sprintf("%s=%t", l.cond, l.value)
	}
	sort.Strings(parts)
	key := strings.Join(parts, ",")
	if r, ok := m.reach[key]; ok {
		return r.branch, r.when, r.ok
	}
	fixed := Assumption{}
	for c, v := range m.fixed {
		fixed[c] = v
	}
	conflict := false
	for _, l := range g {
		if v, set := fixed[l.cond]; set && v != l.value {
			conflict = true
		}
		fixed[l.cond] = l.value
	}
	var r reach
	if !conflict {
		conds := make([]string, 0, len(fixed))
		for c := range fixed {
			conds = append(conds, c)
		}
		if vs, _ := m.sp.variants(conds, fixed, 1); len(vs) == 1 {
			r = reach{branch: shortLabel(vs[0].layer1), ok: true}
			if !vs[0].Default {
				r.when = vs[0].When
			}
		}
	}
	m.reach[key] = r
	return r.branch, r.when, r.ok
}

// shortLabel is Assumption.String, shortened past six conditions: a value
// reached through thirty nested Fn::If would otherwise name them all.
func shortLabel(a Assumption) string {
	if len(a) <= 6 {
		return a.String()
	}
	names := make([]string, 0, len(a))
	for k := range a {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, 0, 7)
	for _, k := range names[:5] {
		parts = append(parts, fmt.Sprintf("%s is %t", k, a[k]))
	}
	return fmt.Sprintf("when %s and %d more conditions", strings.Join(parts, " and "), len(names)-5)
}

// probed is what one resolution of a resource's properties yields.
type probed struct {
	x    *Extraction
	seen []seenIf
}

func (p probed) policies() []*Policy { return p.x.Policies }

func (e *Resolver) probe(res *Resource, finders []finder, a Assumption, unset map[string]bool, out *Extraction) probed {
	var seen []seenIf
	e.unset, e.seen = unset, &seen
	props := e.Resolve(res.Properties, a)
	e.unset, e.seen = nil, nil
	tmp := &Extraction{}
	if props != nil {
		x := &extractor{t: e.t, r: e, res: res, a: a, out: tmp}
		for _, f := range finders {
			f(x, props, "Resources."+res.LogicalID+".Properties")
		}
	}
	out.addProblems(tmp.Problems)
	return probed{x: tmp, seen: seen}
}

func (x *Extraction) addProblems(ps []Problem) {
next:
	for _, p := range ps {
		for _, q := range x.Problems {
			if p.Pos == q.Pos && p.Message == q.Message {
				continue next
			}
		}
		x.Problems = append(x.Problems, p)
	}
}

// signature identifies what a resolution found and where: the policies,
// the managed policy references, and the other things a resource declares
// (malformed properties, places not read, embedded and nested templates).
func (p probed) signature() string {
	var b strings.Builder
	for _, pol := range p.x.Policies {
		fmt.Fprintf(&b, "%d|%s|%s|%d:%d\n", pol.Kind, pol.Path, pol.Name, pol.Pos.Line, pol.Pos.Col)
	}
	for _, m := range p.x.ManagedPolicies {
		fmt.Fprintf(&b, "m|%s|%s\n", m.Path, Describe(m.ARN))
	}
	for _, it := range p.x.extras() {
		b.WriteString(it.key + "\n")
	}
	return b.String()
}

// extra is something besides policies that a resolution of a resource
// found, with the combinations it was found in.
type extra struct {
	key string
	add func(out *Extraction, branch, when string)
	in  []Variant
}

// extras lists what x holds besides policies and managed policy
// references, each with a key that identifies it across resolutions.
func (x *Extraction) extras() []*extra {
	var out []*extra
	for _, v := range x.Invalid {
		out = append(out, &extra{key: "i|" + v.Path + "|" + v.Message, add: func(o *Extraction, branch, when string) {
			v.Branch, v.When = branch, when
			o.Invalid = append(o.Invalid, v)
		}})
	}
	for _, v := range x.SAMProblems {
		out = append(out, &extra{key: "s|" + v.Path + "|" + v.Message, add: func(o *Extraction, branch, when string) {
			v.Branch, v.When = branch, when
			o.SAMProblems = append(o.SAMProblems, v)
		}})
	}
	for _, v := range x.Unchecked {
		out = append(out, &extra{key: "u|" + v.Path + "|" + v.Reason, add: func(o *Extraction, _, _ string) {
			o.Unchecked = append(o.Unchecked, v)
		}})
	}
	for _, v := range x.Templates {
		out = append(out, &extra{key: "t|" + v.Path + "|" + v.Body.Value, add: func(o *Extraction, _, _ string) {
			o.Templates = append(o.Templates, v)
		}})
	}
	for _, v := range x.Nested {
		out = append(out, &extra{key: "n|" + v.Path + "|" + v.File, add: func(o *Extraction, _, _ string) {
			o.Nested = append(o.Nested, v)
		}})
	}
	return out
}

// found collects what the resolutions of one resource found besides
// policies, merging what several combinations found alike.
type found struct {
	extras  map[string]*extra
	order   []*extra
	managed map[string]*foundRef
	refs    []*foundRef
}

type foundRef struct {
	ref   ManagedPolicyRef
	in    []Variant
	holds *holdsBuilder
}

func newFound() *found {
	return &found{extras: map[string]*extra{}, managed: map[string]*foundRef{}}
}

// take records what a resolution under v found.
func (f *found) take(x *Extraction, v Variant) {
	for _, it := range x.extras() {
		if old := f.extras[it.key]; old != nil {
			old.in = append(old.in, v)
			continue
		}
		it.in = []Variant{v}
		f.extras[it.key] = it
		f.order = append(f.order, it)
	}
}

// takeRefs records the managed policy references a resolution under v
// found; conds are the conditions v decides.
func (f *found) takeRefs(x *Extraction, v Variant, conds []string) {
	for _, m := range x.ManagedPolicies {
		k := m.Path + "\x00" + Describe(m.ARN)
		r := f.managed[k]
		if r == nil {
			r = &foundRef{ref: m, holds: newHolds(conds)}
			f.managed[k] = r
			f.refs = append(f.refs, r)
		}
		r.in = append(r.in, v)
		r.holds.add(v.Conds)
	}
}

// flush adds what was found to out, labelled among the combinations all;
// skip holds the keys already added.
func (f *found) flush(out *Extraction, all []Variant, keep Assumption, skip map[string]bool) {
	for _, it := range f.order {
		if skip[it.key] {
			continue
		}
		skip[it.key] = true
		branch, when := labelIn(it.in, all, keep)
		it.add(out, branch, when)
	}
	for _, r := range f.refs {
		m := r.ref
		if len(r.in) > 0 {
			m.Branch, m.When = labelIn(r.in, all, keep)
		} else {
			m.Branch = MergedLabel(len(r.holds.conds))
		}
		m.Holds = r.holds.holds()
		out.ManagedPolicies = append(out.ManagedPolicies, m)
	}
}

// labelIn names the combinations in among all, the most likely first: the
// conditions that vary with the defaults (keep always named), and, when
// the defaults reach none of them, one assignment of parameter values that
// reaches them.
func labelIn(in, all []Variant, keep Assumption) (branch, when string) {
	if len(in) == 0 {
		return "", ""
	}
	var defaults, h, feasible, feasibleAll []Assumption
	for _, v := range all {
		feasibleAll = append(feasibleAll, v.layer1)
		if v.Default {
			feasible = append(feasible, v.layer1)
		}
	}
	for _, v := range in {
		h = append(h, v.layer1)
		if v.Default {
			defaults = append(defaults, v.layer1)
		}
	}
	if len(defaults) > 0 {
		return label(defaults, feasible, keep), ""
	}
	return label(h, feasibleAll, keep), in[0].When
}

// within reports whether an Fn::If stands inside the policy's document as
// written: between its first position and the last one any value inside
// it starts at, so that a flow list on one line ([{Statement: …}, !If …])
// keeps its entries apart.
func within(p *Policy, n *Node) bool {
	if p.first.IsZero() {
		return n.Pos.Line >= p.Pos.Line && n.Pos.Line <= max(p.end, p.Pos.Line)
	}
	return !posBefore(n.Pos, p.first) && !posBefore(p.last, n.Pos)
}

func posBefore(a, b Pos) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
}

// placeWritten sets where the policy's value is written in the template:
// the node at its path in the resource's Properties as written, when the
// path leads to one (not through an intrinsic).
func (p *Policy) placeWritten(res *Resource) {
	rel, ok := strings.CutPrefix(p.Path, "Resources."+res.LogicalID+".Properties")
	if !ok {
		return
	}
	n := res.Properties
	for rel != "" && n != nil {
		rel = strings.TrimPrefix(rel, ".")
		seg, rest, _ := strings.Cut(rel, ".")
		rel = rest
		name, index, hasIndex := strings.Cut(seg, "[")
		n = n.Get(name)
		if hasIndex {
			i, err := strconv.Atoi(strings.TrimSuffix(index, "]"))
			if err != nil || n == nil || n.Kind != Seq || i >= len(n.Items) {
				return
			}
			n = n.Items[i]
		}
	}
	if n == nil {
		return
	}
	p.first, p.last = n.Pos, lastStart(n, 0)
}

// lastStart is the last position a value inside n starts at.
func lastStart(n *Node, depth int) Pos {
	last := n.Pos
	if depth > MaxDepth {
		return last
	}
	for _, it := range n.Items {
		if l := lastStart(it, depth+1); posBefore(last, l) {
			last = l
		}
	}
	for _, f := range n.Fields {
		if posBefore(last, f.KeyPos) {
			last = f.KeyPos
		}
		if l := lastStart(f.Value, depth+1); posBefore(last, l) {
			last = l
		}
	}
	return last
}

// docConds lists the undecided conditions of the Fn::If inside a policy's
// document, nested ones included.
func (e *Resolver) docConds(p *Policy, seen []seenIf, skip Assumption) []string {
	set := map[string]bool{}
	for _, s := range seen {
		if within(p, s.node) {
			e.collectUndecided(s.node, set, 0)
		}
	}
	out := make([]string, 0, len(set))
	for c := range set {
		if _, fixed := skip[c]; !fixed {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// extractResource finds the policies of one resource under every
// combination of conditions they depend on (see the top of this file).
func (e *Resolver) extractResource(res *Resource, finders []finder, out *Extraction) {
	fixed := Assumption{}
	if res.Condition != "" {
		v, known := e.Condition(res.Condition, nil)
		if known && !v {
			return
		}
		if !known {
			fixed[res.Condition] = true
		}
	}
	probe0 := e.probe(res, finders, fixed, nil, out)
	if len(probe0.seen) == 0 && len(fixed) == 0 {
		out.Policies = append(out.Policies, probe0.x.Policies...)
		out.ManagedPolicies = append(out.ManagedPolicies, probe0.x.ManagedPolicies...)
		for _, it := range probe0.x.extras() {
			it.add(out, "", "")
		}
		return
	}
	structural := e.structural(res, finders, fixed, probe0, out)
	conds := append([]string(nil), structural...)
	for c := range fixed {
		if !contains(conds, c) {
			conds = append(conds, c)
		}
	}
	sp := e.space()
	var v0s []Variant
	var total int
	if len(conds) == 0 {
		v0s = []Variant{{Conds: Assumption{}, Default: true, layer1: Assumption{}}}
	} else {
		v0s, total = sp.variants(conds, fixed, maxStructural)
	}
	keep := Assumption{}
	for c, v := range fixed {
		if sp.isLayer1(c) {
			keep[c] = v
		}
	}
	f := newFound()
	plain := &plainPolicies{}
	var inner []*found // what the policies' own combinations found
	var innerAll [][]Variant
	var innerKeep []Assumption
	for _, v0 := range v0s {
		pr := probe0
		if len(structural) > 0 || !sameConds(v0.Conds, fixed) {
			pr = e.probe(res, finders, v0.Conds, v0.Unset, out)
		}
		f.take(pr.x, v0)
		f.takeRefs(pr.x, v0, conds)
		for _, p := range pr.policies() {
			if g, vs := e.explorePolicy(res, finders, p, pr.seen, v0, plain, out); g != nil {
				inner, innerAll, innerKeep = append(inner, g), append(innerAll, vs), append(innerKeep, v0.layer1)
			}
		}
	}
	if total > maxStructural {
		e.mergeStructure(res, finders, fixed, conds, v0s, keep, f, plain, out)
	}
	plain.flush(out, v0s, keep)
	skip := map[string]bool{}
	f.flush(out, v0s, keep, skip)
	for i, g := range inner {
		g.flush(out, innerAll[i], innerKeep[i], skip)
	}
}

// mergeStructure checks, past maxStructural, the other combinations of
// the conditions that decide which policies a resource has, in one merged
// evaluation: every undecided Fn::If of the resource is the union of its
// branches, so every policy and managed policy some branch declares is
// there, with whatever any branch lets it allow.
func (e *Resolver) mergeStructure(res *Resource, finders []finder, fixed Assumption, conds []string, v0s []Variant, keep Assumption, f *found, plain *plainPolicies, out *Extraction) {
	sp := e.space()
	set := map[string]bool{}
	e.collectUndecided(res.Properties, set, 0)
	for c := range fixed {
		delete(set, c)
	}
	unset := map[string]bool{}
	for c := range set {
		for prm := range sp.cond(c).params {
			if sp.params[prm].dom.hasDef {
				unset[prm] = true
			}
		}
	}
	checked := make([]Assumption, len(v0s))
	for i, v := range v0s {
		checked[i] = v.Conds
	}
	e.union = &unionState{conds: set, guards: map[*Node][]guardLit{}}
	pr := e.probe(res, finders, fixed, unset, out)
	guards := e.union.guards
	e.union = nil
	m := &Merge{Conditions: len(set), Checked: len(v0s), Total: maxStructural + 1, TotalMore: true,
		guards: guards, sp: sp, fixed: fixed, reach: map[string]reach{}}
	for _, p := range pr.policies() {
		if q := plain.find(p); q != nil {
			// The union of every branch gives a document already checked:
			// whatever the other combinations give, it covers.
			q.hb.addMerged(fixed, guards[p.Document], checked)
			continue
		}
		mq := *p
		mq.Branch = MergedLabel(len(set))
		if len(keep) > 0 {
			mq.Branch = shortLabel(keep) + ", " + mq.Branch
		}
		mq.When, mq.Merged = "", m
		hb := newHolds(conds)
		hb.addMerged(fixed, guards[p.Document], checked)
		mq.Holds = hb.holds()
		out.Policies = append(out.Policies, &mq)
	}
	for _, ref := range pr.x.ManagedPolicies {
		k := ref.Path + "\x00" + Describe(ref.ARN)
		r := f.managed[k]
		if r == nil {
			r = &foundRef{ref: ref, holds: newHolds(conds)}
			f.managed[k] = r
			f.refs = append(f.refs, r)
		}
		r.holds.addMerged(fixed, guards[ref.ARN], checked)
	}
	out.Bounds = append(out.Bounds, Bound{LogicalID: res.LogicalID, ResourceType: res.Type, Pos: res.Pos,
		Message: fmt.Sprintf("%d conditions decide which policies %s has: %d of more than %d combinations were checked one by one, the rest merged into one evaluation that takes every branch at once",
			len(conds), res.LogicalID, len(v0s), maxStructural)})
}

func sameConds(a, b Assumption) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// structural finds the undecided conditions outside the documents of the
// first probe that change what the resource declares.
func (e *Resolver) structural(res *Resource, finders []finder, fixed Assumption, probe0 probed, out *Extraction) []string {
	sig := probe0.signature()
	var work []string
	queued := map[string]bool{}
	queue := func(pr probed) {
		for _, s := range pr.seen {
			inside := false
			for _, p := range pr.policies() {
				if within(p, s.node) {
					inside = true
					break
				}
			}
			if _, f := fixed[s.cond]; !inside && !queued[s.cond] && !f {
				queued[s.cond] = true
				work = append(work, s.cond)
			}
		}
	}
	queue(probe0)
	var out2 []string
	for i := 0; i < len(work); i++ {
		c := work[i]
		if i >= maxProbes {
			out2 = append(out2, c)
			continue
		}
		changes := false
		for _, v := range []bool{true, false} {
			a := Assumption{c: v}
			for k, w := range fixed {
				a[k] = w
			}
			pr := e.probe(res, finders, a, nil, out)
			if pr.signature() != sig {
				changes = true
			}
			queue(pr)
		}
		if changes {
			out2 = append(out2, c)
		}
	}
	sort.Strings(out2)
	return out2
}

// plainPolicies are the policies of a resource whose documents depend on
// no condition of their own: the same document in several structural
// combinations is one policy, labelled with what they have in common.
type plainPolicies struct {
	list []*plainPolicy
}

type plainPolicy struct {
	p  *Policy
	in []Variant
	hb *holdsBuilder
}

func (pp *plainPolicies) find(p *Policy) *plainPolicy {
	for _, q := range pp.list {
		if q.p.Path == p.Path && q.p.Kind == p.Kind && samePlaced(q.p.Document, p.Document) {
			return q
		}
	}
	return nil
}

func (pp *plainPolicies) add(p *Policy, v0 Variant, scope []string) {
	q := pp.find(p)
	if q == nil {
		q = &plainPolicy{p: p, hb: newHolds(scope)}
		pp.list = append(pp.list, q)
	}
	q.in = append(q.in, v0)
	q.hb.add(v0.Conds)
}

func (pp *plainPolicies) flush(out *Extraction, all []Variant, keep Assumption) {
	for _, q := range pp.list {
		c := *q.p
		c.Branch, c.When = labelIn(q.in, all, keep)
		c.Holds = q.hb.holds()
		out.Policies = append(out.Policies, &c)
	}
}

// explorePolicy checks one policy (found under the structural variant v0)
// under the combinations of its own conditions. It returns what those
// resolutions found besides policies, with the combinations checked.
func (e *Resolver) explorePolicy(res *Resource, finders []finder, p *Policy, seen []seenIf, v0 Variant, plain *plainPolicies, out *Extraction) (*found, []Variant) {
	scope := make([]string, 0, len(v0.Conds))
	for c := range v0.Conds {
		scope = append(scope, c)
	}
	d := e.docConds(p, seen, v0.Conds)
	if len(d) == 0 {
		plain.add(p, v0, scope)
		return nil, nil
	}
	sp := e.space()
	conds := append(append([]string(nil), d...), scope...)
	vs, total := sp.variants(conds, v0.Conds, maxVariants)
	var results []variantPolicy
	inner := newFound()
	for _, v := range vs {
		pr := e.probe(res, finders, v.Conds, v.Unset, out)
		inner.take(pr.x, v)
		if q := samePolicy(pr.policies(), p); q != nil {
			results = append(results, variantPolicy{q, v})
		}
	}
	for _, g := range groupByPlacement(results) {
		in := make([]Variant, len(g))
		hb := newHolds(conds)
		for i, r := range g {
			in[i] = r.v
			hb.add(r.v.Conds)
		}
		q := *g[0].p
		q.Branch, q.When = labelIn(in, vs, v0.layer1)
		q.Holds = hb.holds()
		out.Policies = append(out.Policies, &q)
	}
	if total > maxVariants {
		e.mergeRest(res, finders, p, d, conds, v0, vs, total, sp, out)
	}
	return inner, vs
}

// variantPolicy is the policy one combination of conditions resolved to.
type variantPolicy struct {
	p *Policy
	v Variant
}

// samePolicy finds p among the policies of another resolution: the one at
// the same path, of the same kind.
func samePolicy(ps []*Policy, p *Policy) *Policy {
	for _, q := range ps {
		if q.Path == p.Path && q.Kind == p.Kind {
			return q
		}
	}
	return nil
}

// groupByPlacement groups the variants that give the same document,
// written in the same places: each group is one policy, labelled with what
// its combinations have in common.
func groupByPlacement(results []variantPolicy) [][]variantPolicy {
	var groups [][]variantPolicy
next:
	for _, r := range results {
		for i, g := range groups {
			if samePlaced(g[0].p.Document, r.p.Document) {
				groups[i] = append(groups[i], r)
				continue next
			}
		}
		groups = append(groups, []variantPolicy{r})
	}
	return groups
}

// mergeRest checks the combinations past the bound in one merged
// evaluation, where each Fn::If on the policy's conditions d is the union
// of its branches, and records the bound.
func (e *Resolver) mergeRest(res *Resource, finders []finder, p *Policy, d, conds []string, v0 Variant, vs []Variant, total int, sp *space, out *Extraction) {
	unset := map[string]bool{}
	for k := range v0.Unset {
		unset[k] = true
	}
	union := map[string]bool{}
	for _, c := range d {
		union[c] = true
		for prm := range sp.cond(c).params {
			if sp.params[prm].dom.hasDef {
				unset[prm] = true
			}
		}
	}
	e.union = &unionState{conds: union, guards: map[*Node][]guardLit{}}
	pr := e.probe(res, finders, v0.Conds, unset, out)
	guards := e.union.guards
	e.union = nil
	m := &Merge{Conditions: len(d), Checked: len(vs), Total: total, TotalMore: total > maxVariants,
		guards: guards, sp: sp, fixed: v0.Conds, reach: map[string]reach{}}
	if q := samePolicy(pr.policies(), p); q != nil {
		mq := *q
		// Values a branch produced are labelled by Reach; the rest hold
		// in the merged evaluation as a whole.
		mq.Branch = MergedLabel(len(d))
		if keep := v0.layer1; len(keep) > 0 {
			mq.Branch = shortLabel(keep) + ", " + mq.Branch
		}
		mq.When = ""
		mq.Merged = m
		checked := make([]Assumption, len(vs))
		for i, v := range vs {
			checked[i] = v.Conds
		}
		hb := newHolds(conds)
		hb.addRest(v0.Conds, checked)
		mq.Holds = hb.holds()
		out.Policies = append(out.Policies, &mq)
	}
	out.Bounds = append(out.Bounds, Bound{LogicalID: res.LogicalID, ResourceType: res.Type, Pos: res.Pos,
		Message: fmt.Sprintf("%s depends on %d conditions: %d of %s combinations were checked one by one, the rest merged into one evaluation that takes every branch at once",
			policyLabel(p), len(d), len(vs), combos(len(d), total))})
}

// combos writes how many combinations n conditions have: the exact count
// when the enumeration knows it, else 2^n.
func combos(n, total int) string {
	if total <= maxVariants {
		return fmt.Sprint(total)
	}
	if n <= 16 {
		return fmt.Sprintf("%d (2^%d)", 1<<n, n)
	}
	return fmt.Sprintf("2^%d", n)
}

func policyLabel(p *Policy) string {
	rel := strings.TrimPrefix(p.Path, "Resources."+p.LogicalID+".Properties.")
	if rel == p.Path || rel == "" {
		return "the policy of " + p.LogicalID
	}
	return p.LogicalID + "." + rel
}

// label names the combinations h a policy holds in, among the feasible
// ones f, as briefly as it can: a condition whose value does not matter
// within h (h holds with either value) is left out. keep are conditions
// every combination shares and that the label always names (a resource's
// own Condition).
func label(h, f []Assumption, keep Assumption) string {
	var names []string
	if len(h) > 0 {
		for c := range h[0] {
			if _, k := keep[c]; !k {
				names = append(names, c)
			}
		}
	}
	sort.Strings(names)
	proj := func(a Assumption, on []string) string {
		var b strings.Builder
		for _, c := range on {
			if a[c] {
				b.WriteByte('1')
			} else {
				b.WriteByte('0')
			}
		}
		return b.String()
	}
	full := map[string]bool{}
	for _, a := range h {
		full[proj(a, names)] = true
	}
	if k, ok := smallestConjunction(h, f, names, proj, full); ok {
		t := Assumption{}
		for c, v := range keep {
			t[c] = v
		}
		for _, c := range k {
			t[c] = h[0][c]
		}
		return shortLabel(t)
	}
	k := append([]string(nil), names...)
	if len(names) <= 64 {
		k = greedyBits(h, f, names)
	}
	for i := 0; len(names) > 64 && i < len(k); {
		trial := append(append([]string(nil), k[:i]...), k[i+1:]...)
		hk := map[string]bool{}
		for _, a := range h {
			hk[proj(a, trial)] = true
		}
		closed := true
		for _, a := range f {
			if hk[proj(a, trial)] && !full[proj(a, names)] {
				closed = false
				break
			}
		}
		if closed {
			k = trial
			continue
		}
		i++
	}
	var terms []string
	seen := map[string]bool{}
	for _, a := range h {
		t := Assumption{}
		for c, v := range keep {
			t[c] = v
		}
		for _, c := range k {
			t[c] = a[c]
		}
		s := shortLabel(t)
		if !seen[s] {
			seen[s] = true
			terms = append(terms, s)
		}
	}
	if len(terms) == 1 {
		return terms[0]
	}
	return strings.Join(terms, " or ")
}

// greedyBits leaves out, one by one, each condition whose value does not
// matter within h among f (label's fallback), on bit sets.
func greedyBits(h, f []Assumption, names []string) []string {
	bits := func(a Assumption) uint64 {
		var b uint64
		for i, c := range names {
			if a[c] {
				b |= 1 << i
			}
		}
		return b
	}
	hb := make([]uint64, len(h))
	inH := map[uint64]bool{}
	for i, a := range h {
		hb[i] = bits(a)
		inH[hb[i]] = true
	}
	var outside []uint64 // feasible combinations not in h
	for _, a := range f {
		if b := bits(a); !inH[b] {
			outside = append(outside, b)
		}
	}
	mask := uint64(1)<<len(names) - 1
	if len(names) == 64 {
		mask = ^uint64(0)
	}
	for i := range names {
		trial := mask &^ (1 << i)
		hk := map[uint64]bool{}
		for _, b := range hb {
			hk[b&trial] = true
		}
		closed := true
		for _, b := range outside {
			if hk[b&trial] {
				closed = false
				break
			}
		}
		if closed {
			mask = trial
		}
	}
	var k []string
	for i, c := range names {
		if mask>>i&1 == 1 {
			k = append(k, c)
		}
	}
	return k
}

// smallestConjunction looks for the fewest conditions (at most three) whose
// values, shared by every combination in h, pick out exactly h among the
// feasible combinations f: "IsDev is true" rather than "IsProd is false
// and IsTest is false" when one parameter decides both. Combinations are
// bit sets over names, so a policy with thirty conditions stays cheap.
func smallestConjunction(h, f []Assumption, names []string, _ func(Assumption, []string) string, _ map[string]bool) ([]string, bool) {
	if len(names) > 64 || len(h) == 0 {
		return nil, false
	}
	bits := func(a Assumption) uint64 {
		var b uint64
		for i, c := range names {
			if a[c] {
				b |= 1 << i
			}
		}
		return b
	}
	inH := map[uint64]bool{}
	for _, a := range h {
		inH[bits(a)] = true
	}
	fb := make([]uint64, len(f))
	for i, a := range f {
		fb[i] = bits(a)
	}
	h0 := bits(h[0])
	var common []int
	for i := range names {
		same := true
		for _, a := range h[1:] {
			if bits(a)>>i&1 != h0>>i&1 {
				same = false
				break
			}
		}
		if same {
			common = append(common, i)
		}
	}
	matches := func(mask uint64) bool {
		want := h0 & mask
		for _, b := range fb {
			if b&mask == want && !inH[b] {
				return false
			}
		}
		return true
	}
	if len(h) == len(f) && matches(0) {
		return nil, true
	}
	for size := 1; size <= min(3, len(common)); size++ {
		if size == 3 && len(common) > 16 {
			break
		}
		idx := make([]int, size)
		for i := range idx {
			idx[i] = i
		}
		for {
			var mask uint64
			for _, j := range idx {
				mask |= 1 << common[j]
			}
			if matches(mask) {
				k := make([]string, size)
				for i, j := range idx {
					k[i] = names[common[j]]
				}
				return k, true
			}
			i := size - 1
			for i >= 0 && idx[i] == len(common)-size+i {
				i--
			}
			if i < 0 {
				break
			}
			idx[i]++
			for j := i + 1; j < size; j++ {
				idx[j] = idx[j-1] + 1
			}
		}
	}
	return nil, false
}
