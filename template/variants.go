package template

import (
	"fmt"
	"sort"
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
	policies []*Policy
	managed  []ManagedPolicyRef
	seen     []seenIf
}

func (e *Resolver) probe(res *Resource, finders []finder, a Assumption, unset map[string]bool, out *Extraction) probed {
	var seen []seenIf
	e.unset, e.seen = unset, &seen
	props := e.Resolve(res.Properties, a)
	e.unset, e.seen = nil, nil
	tmp := &Extraction{}
	if props != nil {
		x := &extractor{t: e.t, res: res, out: tmp}
		for _, f := range finders {
			f(x, props, "Resources."+res.LogicalID+".Properties")
		}
	}
	out.addProblems(tmp.Problems)
	return probed{policies: tmp.Policies, managed: tmp.ManagedPolicies, seen: seen}
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

// signature identifies the policies a resolution found, where they are.
func (p probed) signature() string {
	var b strings.Builder
	for _, pol := range p.policies {
		fmt.Fprintf(&b, "%d|%s|%s|%d:%d\n", pol.Kind, pol.Path, pol.Name, pol.Pos.Line, pol.Pos.Col)
	}
	for _, m := range p.managed {
		fmt.Fprintf(&b, "m|%s|%s\n", m.Path, Describe(m.ARN))
	}
	return b.String()
}

// within reports whether an Fn::If stands inside the policy's document.
func within(p *Policy, n *Node) bool {
	return n.Pos.Line >= p.Pos.Line && n.Pos.Line <= max(p.end, p.Pos.Line)
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
		out.Policies = append(out.Policies, probe0.policies...)
		out.ManagedPolicies = append(out.ManagedPolicies, probe0.managed...)
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
	if len(conds) == 0 {
		v0s = []Variant{{Conds: Assumption{}, Default: true, layer1: Assumption{}}}
	} else {
		var total int
		v0s, total = sp.variants(conds, fixed, maxStructural)
		if total > maxStructural {
			out.Bounds = append(out.Bounds, Bound{LogicalID: res.LogicalID, ResourceType: res.Type, Pos: res.Pos,
				Message: fmt.Sprintf("%d conditions decide which policies %s has: %d of %s combinations were checked (those the defaults reach first), the others were not",
					len(conds), res.LogicalID, len(v0s), totalText(total, maxStructural))})
		}
	}
	managed := map[string]bool{}
	for _, v0 := range v0s {
		pr := probe0
		if len(structural) > 0 || !sameConds(v0.Conds, fixed) {
			pr = e.probe(res, finders, v0.Conds, v0.Unset, out)
		}
		for _, m := range pr.managed {
			if k := m.Path + "\x00" + Describe(m.ARN); !managed[k] {
				managed[k] = true
				out.ManagedPolicies = append(out.ManagedPolicies, m)
			}
		}
		for _, p := range pr.policies {
			e.explorePolicy(res, finders, p, pr.seen, v0, out)
		}
	}
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

func totalText(total, limit int) string {
	if total > limit {
		return fmt.Sprintf("more than %d", limit)
	}
	return fmt.Sprint(total)
}

// structural finds the undecided conditions outside the documents of the
// first probe that change which policies the resource has.
func (e *Resolver) structural(res *Resource, finders []finder, fixed Assumption, probe0 probed, out *Extraction) []string {
	sig := probe0.signature()
	var work []string
	queued := map[string]bool{}
	queue := func(pr probed) {
		for _, s := range pr.seen {
			inside := false
			for _, p := range pr.policies {
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

// explorePolicy checks one policy (found under the structural variant v0)
// under the combinations of its own conditions.
func (e *Resolver) explorePolicy(res *Resource, finders []finder, p *Policy, seen []seenIf, v0 Variant, out *Extraction) {
	keep := v0.layer1
	d := e.docConds(p, seen, v0.Conds)
	if len(d) == 0 {
		q := *p
		q.Branch, q.When = shortLabel(keep), ""
		if !v0.Default {
			q.When = v0.When
		}
		out.Policies = append(out.Policies, &q)
		return
	}
	sp := e.space()
	conds := append([]string(nil), d...)
	for c := range v0.Conds {
		conds = append(conds, c)
	}
	vs, total := sp.variants(conds, v0.Conds, maxVariants)
	type found struct {
		p *Policy
		v Variant
	}
	var results []found
	for _, v := range vs {
		pr := e.probe(res, finders, v.Conds, v.Unset, out)
		for _, q := range pr.policies {
			if q.Path == p.Path && q.Kind == p.Kind {
				results = append(results, found{q, v})
				break
			}
		}
	}
	// Variants that give the same document are one policy, labelled with
	// what they have in common.
	var groups [][]found
next:
	for _, r := range results {
		for i, g := range groups {
			if Equal(g[0].p.Document, r.p.Document) {
				groups[i] = append(groups[i], r)
				continue next
			}
		}
		groups = append(groups, []found{r})
	}
	var feasible, feasibleAll []Assumption
	for _, v := range vs {
		feasibleAll = append(feasibleAll, v.layer1)
		if v.Default {
			feasible = append(feasible, v.layer1)
		}
	}
	for _, g := range groups {
		var defaults, all []Assumption
		for _, r := range g {
			all = append(all, r.v.layer1)
			if r.v.Default {
				defaults = append(defaults, r.v.layer1)
			}
		}
		q := *g[0].p
		if len(defaults) > 0 {
			q.Branch, q.When = label(defaults, feasible, keep), ""
		} else {
			q.Branch, q.When = label(all, feasibleAll, keep), g[0].v.When
		}
		out.Policies = append(out.Policies, &q)
	}
	if total <= maxVariants {
		return
	}
	// The rest, in one merged evaluation.
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
	for _, q := range pr.policies {
		if q.Path == p.Path && q.Kind == p.Kind {
			mq := *q
			// Values a branch produced are labelled by Reach; the rest
			// hold in the merged evaluation as a whole.
			mq.Branch = fmt.Sprintf("in the merged evaluation of its %d conditions", len(d))
			if len(keep) > 0 {
				mq.Branch = shortLabel(keep) + ", " + mq.Branch
			}
			mq.When = ""
			mq.Merged = m
			out.Policies = append(out.Policies, &mq)
			break
		}
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
