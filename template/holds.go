package template

import (
	"fmt"
	"sort"
	"strings"
)

// Holds says in which combinations of conditions something the template
// declares exists: a policy document (one outcome of its Fn::If), a
// managed policy reference, the attachment of a policy to a principal.
// The zero value holds in every combination. Policies of different
// resources are combined (the union of what a principal holds) only in the
// combinations where each holds, and only in combinations some accepted
// parameter values reach (see Principal.Combinations).
type Holds struct {
	// terms must all hold (an attachment holds where its entry and the
	// policy's document both do).
	terms []*holdTerm
}

// holdTerm is one set of combinations of conds.
type holdTerm struct {
	conds []string // sorted
	in    map[string]bool
	// guards are branches of a merged evaluation it was found in: it
	// also holds in every combination that agrees with fixed and with one
	// of them.
	guards []Assumption
	// rest marks something found in a merged evaluation in no one branch:
	// it may also hold in any combination that agrees with fixed and is
	// not in except (the combinations checked one by one).
	rest   bool
	fixed  Assumption
	except map[string]bool
}

// Always reports whether h holds in every combination.
func (h Holds) Always() bool { return len(h.terms) == 0 }

// Conds lists, sorted, the conditions h depends on.
func (h Holds) Conds() []string {
	set := map[string]bool{}
	for _, t := range h.terms {
		for _, c := range t.conds {
			set[c] = true
		}
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// In reports whether h holds in the combination a, which decides every
// condition h depends on.
func (h Holds) In(a Assumption) bool {
	for _, t := range h.terms {
		if !t.holds(a) {
			return false
		}
	}
	return true
}

func (t *holdTerm) holds(a Assumption) bool {
	k := comboKey(t.conds, a)
	if t.in[k] {
		return true
	}
	if !agrees(a, t.fixed) {
		return false
	}
	for _, g := range t.guards {
		if agrees(a, g) {
			return true
		}
	}
	return t.rest && !t.except[k]
}

// agrees reports whether a gives every condition of b b's value.
func agrees(a, b Assumption) bool {
	for c, v := range b {
		if w, ok := a[c]; ok && w != v {
			return false
		}
	}
	return true
}

// witnesses lists, for each branch of a merged evaluation h was found in,
// the conditions that branch (and the combination it was merged in) fix.
func (h Holds) witnesses() []Assumption {
	var out []Assumption
	for _, t := range h.terms {
		for _, g := range t.guards {
			a := Assumption{}
			for c, v := range t.fixed {
				a[c] = v
			}
			for c, v := range g {
				a[c] = v
			}
			out = append(out, a)
		}
	}
	return out
}

// And holds where both h and o hold.
func (h Holds) And(o Holds) Holds {
	if h.Always() {
		return o
	}
	if o.Always() {
		return h
	}
	return Holds{terms: append(append([]*holdTerm(nil), h.terms...), o.terms...)}
}

// comboKey writes the values a gives conds: "10".
func comboKey(conds []string, a Assumption) string {
	b := make([]byte, len(conds))
	for i, c := range conds {
		b[i] = '0'
		if a[c] {
			b[i] = '1'
		}
	}
	return string(b)
}

// holdsBuilder collects the combinations something is found in.
type holdsBuilder struct {
	conds  []string
	in     map[string]bool
	guards []Assumption
	rest   bool
	fixed  Assumption
	except map[string]bool
	all    bool
}

func newHolds(conds []string) *holdsBuilder {
	c := append([]string(nil), conds...)
	sort.Strings(c)
	return &holdsBuilder{conds: c, in: map[string]bool{}}
}

// add records a combination it is found in.
func (b *holdsBuilder) add(a Assumption) { b.in[comboKey(b.conds, a)] = true }

// addRest records that it is found in the merged evaluation of the
// combinations that agree with fixed, past those in checked.
func (b *holdsBuilder) addRest(fixed Assumption, checked []Assumption) {
	b.rest, b.fixed, b.except = true, fixed, map[string]bool{}
	for _, a := range checked {
		b.except[comboKey(b.conds, a)] = true
	}
}

// addMerged records that it is found in the merged evaluation of the
// combinations that agree with fixed, produced by the branch g (its
// guard); with no guard, it may hold in any of them past those checked.
func (b *holdsBuilder) addMerged(fixed Assumption, g []guardLit, checked []Assumption) {
	if len(g) == 0 {
		b.addRest(fixed, checked)
		return
	}
	b.fixed = fixed
	a := Assumption{}
	for _, l := range g {
		a[l.cond] = l.value
	}
	b.guards = append(b.guards, a)
}

// holds is what was collected; with no conditions, it holds always.
func (b *holdsBuilder) holds() Holds {
	if len(b.conds) == 0 || b.all {
		return Holds{}
	}
	return Holds{terms: []*holdTerm{{conds: b.conds, in: b.in, guards: b.guards, rest: b.rest, fixed: b.fixed, except: b.except}}}
}

// Combination is one way the conditions that a principal's attachments
// depend on come out, that some accepted parameter values reach.
type Combination struct {
	// Conds holds the value of each condition.
	Conds Assumption
	// Default is set when the defaults reach the combination; When names
	// otherwise the non-default parameter values that do.
	Default bool
	When    string
	layer1  Assumption
}

func combinationOf(v Variant) Combination {
	return Combination{Conds: v.Conds, Default: v.Default, When: v.When, layer1: v.layer1}
}

// LabelOf names the combinations in (indexes into cs) for a finding, as a
// policy's branches are named: the conditions that vary with the defaults
// in Branch ("when HasRole is true"), and, when no combination the
// defaults reach is among them, one assignment of parameter values that
// reaches them in When ("Stage=sandbox").
func LabelOf(cs []Combination, in []int) (branch, when string) {
	if len(in) == 0 || len(cs) == 0 {
		return "", ""
	}
	var defaults, all, feasible, feasibleAll []Assumption
	for _, c := range cs {
		feasibleAll = append(feasibleAll, c.layer1)
		if c.Default {
			feasible = append(feasible, c.layer1)
		}
	}
	for _, i := range in {
		all = append(all, cs[i].layer1)
		if cs[i].Default {
			defaults = append(defaults, cs[i].layer1)
		}
	}
	if len(defaults) > 0 {
		return label(defaults, feasible, nil), ""
	}
	return label(all, feasibleAll, nil), cs[in[0]].When
}

// MergedLabel is the branch of a finding made in the merged evaluation of
// n conditions, where every branch is taken at once.
func MergedLabel(n int) string {
	return fmt.Sprintf("in the merged evaluation of its %d conditions", n)
}

// conditionsText lists condition names for a message, shortened past five.
func conditionsText(conds []string) string {
	if len(conds) <= 5 {
		return strings.Join(conds, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(conds[:5], ", "), len(conds)-5)
}
