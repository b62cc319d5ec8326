package template

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The condition space: which values the template's conditions can take
// together, given what each unpinned parameter accepts.
//
// Conditions are functions of parameters. Rather than trying the 2^n
// combinations of n conditions, the space enumerates the values of the
// parameters they read, split into classes (see domain.classes): every
// value the template compares a parameter with, its default, and "any
// other accepted value". Conditions on the same parameter are correlated
// (Stage=prod and Stage=dev are never both true), and a comparison with a
// value outside AllowedValues can never hold; both fall out of the
// enumeration. Comparisons that no parameter decides (a Region, an
// import, an expression too complex to split) are atoms: free booleans.
//
// Conditions that share no parameter and no atom are independent; each
// such group is enumerated alone, and the combinations of a scope are the
// product of its groups' distinct outcomes.

// maxCombos bounds the parameter-class combinations one group of
// correlated conditions may enumerate; past it, its conditions are taken
// as independent booleans (more combinations, never fewer).
const maxCombos = 4096

// maxIndependent bounds the conditions of a group taken as independent
// booleans whose combinations are listed (see independent).
const maxIndependent = 8

type space struct {
	t *Template
	// def resolves with every unpinned parameter at its default: the
	// template as it deploys when nobody overrides anything.
	def    *Resolver
	v      Values
	params map[string]*paramVar
	eqs    map[*Node]*eqInfo
	conds  map[string]*condInfo
	groups map[string]*group
	// decided caches conditions whose value is the same for every
	// accepted parameter value.
	decided map[string]tri
}

// paramVar is a parameter the enumeration varies.
type paramVar struct {
	name    string
	dom     *domain
	lits    []string
	classes []class
}

type eqKind uint8

const (
	eqConst  eqKind = iota // decided without any parameter
	eqAtom                 // decided by nothing the template says
	eqParams               // decided by the classes of parameters
)

type eqInfo struct {
	kind   eqKind
	value  bool
	ops    [2]operand
	params []string
}

// operand is one side of a comparison the space can evaluate.
type operand struct {
	lit   string
	isLit bool
	param string
	// fim is Fn::FindInMap [Map, key1, key2] with keys that are literals
	// or parameters.
	fim *[3]operand
}

type condInfo struct {
	params map[string]bool
	atoms  map[*Node]bool
	state  uint8 // 0 new, 1 in progress, 2 done
}

// vector is one outcome of a group of conditions.
type vector struct {
	vals []bool
	// dflt: reachable with every defaulted parameter at its default.
	dflt bool
	// when names the non-default values that reach it ("Stage=sandbox");
	// unset lists those parameters.
	when  string
	unset []string
	order int
}

type group struct {
	conds  []string
	index  map[string]int
	params []string
	atoms  []*Node
	vecs   []vector
	// exact is false when the group was too large to enumerate by
	// parameter classes, and its conditions were taken as independent.
	exact bool
	// layer1 marks conditions that take both values with the defaults:
	// those depending on parameters without defaults, or on atoms. They
	// are what branch labels name.
	layer1 map[string]bool
	// defaults holds, for the other conditions, their value under the
	// defaults.
	defaults map[string]bool
	// def holds, for a group taken as independent, each condition's value
	// under the defaults.
	def []tri
}

func newSpace(t *Template, v Values) *space {
	s := &space{t: t, v: v, def: NewResolver(t, v), params: map[string]*paramVar{}, eqs: map[*Node]*eqInfo{},
		conds: map[string]*condInfo{}, groups: map[string]*group{}, decided: map[string]tri{}}
	s.collectLiterals()
	return s
}

// enumerable reports whether the parameter named varies: it exists, nobody
// pinned it, its value is in the template's hands (not an SSM parameter),
// and the run does not take every default as given.
func (s *space) enumerable(name string) *paramVar {
	if pv, ok := s.params[name]; ok {
		return pv
	}
	p := s.t.Parameters[name]
	var pv *paramVar
	if p != nil {
		if _, pinned := s.v.Parameters[name]; !pinned {
			d := domainOf(p)
			if !d.opaque && !(s.v.DefaultsOnly && d.hasDef) {
				pv = &paramVar{name: name, dom: d}
			}
		}
	}
	s.params[name] = pv
	return pv
}

// paramRefs lists the enumerable parameters an expression reads.
func (s *space) paramRefs(n *Node, out map[string]bool, depth int) {
	if n == nil || depth > MaxDepth {
		return
	}
	if fn, arg, ok := n.Intrinsic(); ok {
		switch fn {
		case "Ref":
			if name, ok := arg.Str(); ok && s.enumerable(name) != nil {
				out[name] = true
			}
			return
		case "Fn::Sub":
			text := arg
			if arg.Kind == Seq && len(arg.Items) > 0 {
				text = arg.Items[0]
			}
			if str, ok := text.Str(); ok {
				for _, name := range subNames(str) {
					if s.enumerable(name) != nil {
						out[name] = true
					}
				}
			}
		}
	}
	for _, it := range n.Items {
		s.paramRefs(it, out, depth+1)
	}
	for _, f := range n.Fields {
		s.paramRefs(f.Value, out, depth+1)
	}
}

// operandOf reads one side of an Fn::Equals; ok is false when the space
// cannot evaluate it from parameter values.
func (s *space) operandOf(n *Node) (operand, bool) {
	refs := map[string]bool{}
	s.paramRefs(n, refs, 0)
	if len(refs) == 0 {
		v, ok := s.def.resolve(n, nil, 0).Str()
		return operand{lit: v, isLit: true}, ok
	}
	fn, arg, _ := n.Intrinsic()
	switch fn {
	case "Ref":
		name, _ := arg.Str()
		return operand{param: name}, true
	case "Fn::Sub":
		if str, ok := arg.Str(); ok && strings.HasPrefix(str, "${") && strings.HasSuffix(str, "}") && strings.Count(str, "${") == 1 {
			name := strings.TrimSpace(str[2 : len(str)-1])
			if s.enumerable(name) != nil {
				return operand{param: name}, true
			}
		}
	case "Fn::FindInMap":
		if arg.Kind != Seq || len(arg.Items) != 3 {
			return operand{}, false
		}
		var f [3]operand
		for i, it := range arg.Items {
			o, ok := s.operandOf(it)
			if !ok || o.fim != nil || (i == 0 && !o.isLit) {
				return operand{}, false
			}
			f[i] = o
		}
		return operand{fim: &f}, true
	}
	return operand{}, false
}

// equals classifies an Fn::Equals node, once.
func (s *space) equals(n *Node) *eqInfo {
	if e, ok := s.eqs[n]; ok {
		return e
	}
	e := &eqInfo{kind: eqAtom}
	s.eqs[n] = e
	_, arg, _ := n.Intrinsic()
	if arg == nil || arg.Kind != Seq || len(arg.Items) != 2 {
		return e
	}
	a, aok := s.operandOf(arg.Items[0])
	b, bok := s.operandOf(arg.Items[1])
	if !aok || !bok {
		return e
	}
	if a.isLit && b.isLit {
		e.kind, e.value = eqConst, a.lit == b.lit
		return e
	}
	e.kind, e.ops = eqParams, [2]operand{a, b}
	seen := map[string]bool{}
	for _, o := range e.ops {
		for _, p := range o.params() {
			if !seen[p] {
				seen[p] = true
				e.params = append(e.params, p)
			}
		}
	}
	sort.Strings(e.params)
	return e
}

func (o operand) params() []string {
	switch {
	case o.param != "":
		return []string{o.param}
	case o.fim != nil:
		var out []string
		for _, k := range o.fim {
			out = append(out, k.params()...)
		}
		return out
	}
	return nil
}

// collectLiterals gathers, for every enumerable parameter, the values the
// template's conditions compare it with: these split its values into
// classes.
func (s *space) collectLiterals() {
	names := make([]string, 0, len(s.t.Conditions))
	for name := range s.t.Conditions {
		names = append(names, name)
	}
	sort.Strings(names)
	add := func(p, v string) {
		if pv := s.enumerable(p); pv != nil && !contains(pv.lits, v) {
			pv.lits = append(pv.lits, v)
		}
	}
	var pairs [][2]string // parameters compared with each other
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		if n == nil || depth > MaxDepth {
			return
		}
		if fn, _, ok := n.Intrinsic(); ok && fn == "Fn::Equals" {
			e := s.equals(n)
			if e.kind == eqParams {
				a, b := e.ops[0], e.ops[1]
				for _, side := range [][2]operand{{a, b}, {b, a}} {
					x, y := side[0], side[1]
					switch {
					case x.param != "" && y.isLit:
						add(x.param, y.lit)
					case x.param != "" && y.param != "":
						pairs = append(pairs, [2]string{x.param, y.param})
					case x.fim != nil && y.isLit:
						s.mapKeys(x.fim, add)
					}
				}
			}
			return
		}
		for _, it := range n.Items {
			walk(it, depth+1)
		}
		for _, f := range n.Fields {
			walk(f.Value, depth+1)
		}
	}
	for _, name := range names {
		walk(s.t.Conditions[name], 0)
	}
	for range 2 { // two rounds carry literals across chained comparisons
		for _, pq := range pairs {
			p, q := s.params[pq[0]], s.params[pq[1]]
			for _, v := range append(append([]string(nil), q.lits...), q.dom.def) {
				add(p.name, v)
			}
		}
	}
	for _, pv := range s.params {
		if pv != nil {
			pv.classes = pv.dom.classes(pv.lits)
		}
	}
}

// mapKeys adds the keys of the mapping a FindInMap reads as literals of
// the parameters that choose them: a value outside them makes the lookup,
// and the deployment, fail.
func (s *space) mapKeys(f *[3]operand, add func(p, v string)) {
	m := s.t.Mappings.Get(f[0].lit)
	if m == nil {
		return
	}
	if f[1].param != "" {
		for _, top := range m.Fields {
			add(f[1].param, top.Key)
		}
	}
	if f[2].param != "" {
		for _, top := range m.Fields {
			for _, second := range top.Value.Fields {
				add(f[2].param, second.Key)
			}
		}
	}
}

// cond analyses a named condition: the parameters and atoms it reads,
// through the conditions it refers to.
func (s *space) cond(name string) *condInfo {
	ci, ok := s.conds[name]
	if ok {
		if ci.state == 1 {
			return &condInfo{params: map[string]bool{}, atoms: map[*Node]bool{}} // a cycle: an atom below
		}
		return ci
	}
	ci = &condInfo{params: map[string]bool{}, atoms: map[*Node]bool{}, state: 1}
	s.conds[name] = ci
	s.leaves(s.t.Conditions[name], ci, 0)
	ci.state = 2
	return ci
}

func (s *space) leaves(n *Node, ci *condInfo, depth int) {
	if n == nil || depth > MaxDepth {
		return
	}
	if n.Kind == Map && len(n.Fields) == 1 && n.Fields[0].Key == "Condition" {
		name, _ := n.Fields[0].Value.Str()
		if inner, ok := s.conds[name]; ok && inner.state == 1 {
			ci.atoms[n] = true
			return
		}
		if _, ok := s.t.Conditions[name]; !ok {
			ci.atoms[n] = true
			return
		}
		inner := s.cond(name)
		for p := range inner.params {
			ci.params[p] = true
		}
		for a := range inner.atoms {
			ci.atoms[a] = true
		}
		return
	}
	fn, arg, ok := n.Intrinsic()
	switch {
	case ok && fn == "Fn::Equals":
		e := s.equals(n)
		switch e.kind {
		case eqAtom:
			ci.atoms[n] = true
		case eqParams:
			for _, p := range e.params {
				ci.params[p] = true
			}
		}
	case ok && (fn == "Fn::Not" || fn == "Fn::And" || fn == "Fn::Or"):
		if arg == nil || arg.Kind != Seq {
			ci.atoms[n] = true
			return
		}
		for _, it := range arg.Items {
			s.leaves(it, ci, depth+1)
		}
	case n.Kind == Bool:
	default:
		ci.atoms[n] = true
	}
}

// assignment is one combination: a class per parameter, a value per atom.
type assignment struct {
	class map[string]int
	atom  map[*Node]bool
	space *space
}

func (a *assignment) value(p string) string {
	pv := a.space.params[p]
	return pv.classes[a.class[p]].value
}

// eval evaluates a condition expression; ok is false when the combination
// cannot deploy (a FindInMap key that the mapping lacks).
func (a *assignment) eval(n *Node, depth int) (value, ok bool) {
	if n == nil || depth > MaxDepth {
		return false, true
	}
	if v, isAtom := a.atom[n]; isAtom {
		return v, true
	}
	if n.Kind == Map && len(n.Fields) == 1 && n.Fields[0].Key == "Condition" {
		name, _ := n.Fields[0].Value.Str()
		return a.eval(a.space.t.Conditions[name], depth+1)
	}
	if n.Kind == Bool {
		return n.Value == "true", true
	}
	fn, arg, _ := n.Intrinsic()
	switch fn {
	case "Fn::Equals":
		e := a.space.equals(n)
		if e.kind == eqConst {
			return e.value, true
		}
		x, xok := a.operand(e.ops[0])
		y, yok := a.operand(e.ops[1])
		if !xok || !yok {
			return false, false
		}
		return x == y, true
	case "Fn::Not":
		v, ok := a.eval(arg.Items[0], depth+1)
		return !v, ok
	case "Fn::And", "Fn::Or":
		and := fn == "Fn::And"
		result := and
		for _, it := range arg.Items {
			v, ok := a.eval(it, depth+1)
			if !ok {
				return false, false
			}
			if and {
				result = result && v
			} else {
				result = result || v
			}
		}
		return result, true
	}
	return false, true
}

func (a *assignment) operand(o operand) (string, bool) {
	switch {
	case o.isLit:
		return o.lit, true
	case o.param != "":
		return a.value(o.param), true
	case o.fim != nil:
		var keys [3]string
		for i, k := range o.fim {
			v, ok := a.operand(k)
			if !ok {
				return "", false
			}
			keys[i] = v
		}
		v := a.space.t.Mappings.Get(keys[0]).Get(keys[1]).Get(keys[2])
		if v == nil {
			return "", false
		}
		str, _ := v.Str()
		return str, true
	}
	return "", false
}

// groupOf enumerates the outcomes of a set of correlated conditions.
func (s *space) groupOf(conds []string) *group {
	key := strings.Join(conds, "\x00")
	if g, ok := s.groups[key]; ok {
		return g
	}
	g := &group{conds: conds, index: map[string]int{}, exact: true, layer1: map[string]bool{}, defaults: map[string]bool{}}
	s.groups[key] = g
	params, atoms := map[string]bool{}, map[*Node]bool{}
	for i, c := range conds {
		g.index[c] = i
		ci := s.cond(c)
		for p := range ci.params {
			params[p] = true
		}
		for a := range ci.atoms {
			atoms[a] = true
		}
	}
	for p := range params {
		g.params = append(g.params, p)
	}
	sort.Strings(g.params)
	for a := range atoms {
		g.atoms = append(g.atoms, a)
	}
	sort.Slice(g.atoms, func(i, j int) bool {
		pi, pj := g.atoms[i].Pos, g.atoms[j].Pos
		return pi.Line < pj.Line || pi.Line == pj.Line && pi.Col < pj.Col
	})
	combos := 1 << min(len(g.atoms), 30)
	for _, p := range g.params {
		combos *= len(s.params[p].classes)
		if combos > maxCombos || combos <= 0 {
			break
		}
	}
	if len(g.atoms) > 12 || combos > maxCombos || combos <= 0 {
		s.independent(g)
		return g
	}
	s.enumerate(g)
	return g
}

// enumerate runs every combination of the group's parameter classes and
// atoms, and keeps each distinct outcome with its most likely combination:
// the one with the fewest parameters away from their defaults.
func (s *space) enumerate(g *group) {
	radix := make([]int, 0, len(g.params)+len(g.atoms))
	for _, p := range g.params {
		radix = append(radix, len(s.params[p].classes))
	}
	for range g.atoms {
		radix = append(radix, 2)
	}
	digits := make([]int, len(radix))
	a := &assignment{class: map[string]int{}, atom: map[*Node]bool{}, space: s}
	byKey := map[string]int{}
	seenDefault := make([][2]bool, len(g.conds))
	for order := 0; ; order++ {
		for i, p := range g.params {
			a.class[p] = digits[i]
		}
		for i, at := range g.atoms {
			a.atom[at] = digits[len(g.params)+i] == 1
		}
		vals := make([]bool, len(g.conds))
		valid := true
		for i, c := range g.conds {
			v, ok := a.eval(s.t.Conditions[c], 0)
			if !ok {
				valid = false
				break
			}
			vals[i] = v
		}
		if valid {
			var unset []string
			for _, p := range g.params {
				pv := s.params[p]
				if pv.dom.hasDef && !pv.classes[a.class[p]].isDefault {
					unset = append(unset, p)
				}
			}
			if len(unset) == 0 {
				for i, v := range vals {
					seenDefault[i][boolIndex(v)] = true
				}
			}
			key := boolsKey(vals)
			i, ok := byKey[key]
			if !ok {
				byKey[key] = len(g.vecs)
				g.vecs = append(g.vecs, vector{vals: vals, order: order, dflt: len(unset) == 0, unset: unset, when: s.whenText(a, unset)})
			} else if v := &g.vecs[i]; !v.dflt && (len(unset) == 0 || len(unset) < len(v.unset)) {
				v.dflt, v.unset, v.when = len(unset) == 0, unset, s.whenText(a, unset)
			}
		}
		// Next combination, mixed radix.
		k := 0
		for ; k < len(digits); k++ {
			digits[k]++
			if digits[k] < radix[k] {
				break
			}
			digits[k] = 0
		}
		if k == len(digits) {
			break
		}
	}
	for i, c := range g.conds {
		if seenDefault[i][0] && seenDefault[i][1] {
			g.layer1[c] = true
		} else if seenDefault[i][0] || seenDefault[i][1] {
			g.defaults[c] = seenDefault[i][1]
		}
	}
	sortVectors(g.vecs)
}

// independent takes the group's conditions as independent booleans, when
// their parameters have too many classes to enumerate: more combinations
// than can happen, never fewer. Which ones the defaults reach comes from
// evaluating each condition with the defaults. Only the combinations of
// the first maxIndependent conditions are listed (the others at their
// default value, false when the defaults do not decide them); total counts
// them all, so a scope with such a group is checked in the merged
// evaluation, and vectorFor makes any other combination on demand.
func (s *space) independent(g *group) {
	g.exact = false
	g.def = make([]tri, len(g.conds))
	for i, c := range g.conds {
		g.def[i] = s.def.condition(c)
		switch g.def[i] {
		case triTrue:
			g.defaults[c] = true
		case triFalse:
			g.defaults[c] = false
		default:
			g.layer1[c] = true
		}
	}
	n := min(len(g.conds), maxIndependent)
	for mask := 0; mask < 1<<n; mask++ {
		vals := make([]bool, len(g.conds))
		for i := range g.conds {
			if i < n {
				vals[i] = mask&(1<<i) != 0
			} else {
				vals[i] = g.def[i] == triTrue
			}
		}
		g.vecs = append(g.vecs, s.independentVector(g, vals, mask))
	}
	sortVectors(g.vecs)
}

// independentVector describes one combination of an independent group.
func (s *space) independentVector(g *group, vals []bool, order int) vector {
	dflt := true
	var away []string
	for i, c := range g.conds {
		if d := g.def[i]; (d == triTrue && !vals[i]) || (d == triFalse && vals[i]) {
			dflt = false
			away = append(away, c+" is "+strconv.FormatBool(vals[i]))
		}
	}
	return vector{vals: vals, order: order, dflt: dflt, when: strings.Join(away, ", "), unset: g.unsetFor(s, dflt)}
}

// vectorFor makes the combination of an independent group that fixed
// asks for, when the listed ones hold none.
func (s *space) vectorFor(g *group, fixed Assumption) *vector {
	vals := make([]bool, len(g.conds))
	for i, c := range g.conds {
		if v, ok := fixed[c]; ok {
			vals[i] = v
		} else {
			vals[i] = g.def[i] == triTrue
		}
	}
	v := s.independentVector(g, vals, len(g.vecs))
	return &v
}

// unsetFor lists the parameters a non-default outcome of an independent
// group may move away from their defaults: all of the group's.
func (g *group) unsetFor(s *space, dflt bool) []string {
	if dflt {
		return nil
	}
	var out []string
	for _, p := range g.params {
		if s.params[p].dom.hasDef {
			out = append(out, p)
		}
	}
	return out
}

func sortVectors(vs []vector) {
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].dflt != vs[j].dflt {
			return vs[i].dflt
		}
		if len(vs[i].unset) != len(vs[j].unset) {
			return len(vs[i].unset) < len(vs[j].unset)
		}
		// As branches were always ordered: every condition true first, the
		// first condition varying fastest.
		a, b := vs[i].vals, vs[j].vals
		for k := len(a) - 1; k >= 0; k-- {
			if a[k] != b[k] {
				return a[k]
			}
		}
		return vs[i].order < vs[j].order
	})
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

func boolsKey(vs []bool) string {
	b := make([]byte, len(vs))
	for i, v := range vs {
		b[i] = '0' + byte(boolIndex(v))
	}
	return string(b)
}

var plainValue = regexp.MustCompile(`^[A-Za-z0-9._:/@*+-]+$`)

// whenText names the parameters of a combination that are away from their
// defaults, with the values that stand for their classes: "Stage=sandbox".
func (s *space) whenText(a *assignment, unset []string) string {
	parts := make([]string, len(unset))
	for i, p := range unset {
		c := s.params[p].classes[a.class[p]]
		v := c.label
		if !c.other && !plainValue.MatchString(v) {
			v = strconv.Quote(v)
		}
		parts[i] = p + "=" + v
	}
	return strings.Join(parts, ", ")
}

// decide reports the value of a condition when every accepted parameter
// value gives it the same one.
func (s *space) decide(name string) (value, ok bool) {
	if t, seen := s.decided[name]; seen {
		return t == triTrue, t != triUnknown
	}
	s.decided[name] = triUnknown
	if _, exists := s.t.Conditions[name]; !exists {
		return false, false
	}
	g := s.groupOf([]string{name})
	t := triUnknown
	if len(g.vecs) > 0 && g.exact {
		t = triFalse
		if g.vecs[0].vals[0] {
			t = triTrue
		}
		for _, v := range g.vecs[1:] {
			if v.vals[0] != g.vecs[0].vals[0] {
				t = triUnknown
			}
		}
	} else if !g.exact {
		t = s.def.condition(name)
		if len(g.params) > 0 {
			t = triUnknown
		}
	}
	s.decided[name] = t
	return t == triTrue, t != triUnknown
}

// Variant is one way the conditions of a scope come out, with the most
// likely parameter values that reach it.
type Variant struct {
	// Conds holds the value of every condition of the scope.
	Conds Assumption
	// Default is set when the defaults reach this variant.
	Default bool
	// When names the non-default parameter values that reach it
	// ("Stage=sandbox"); "" when Default.
	When string
	// Unset holds the parameters away from their defaults: their values
	// are not known in the variant, only the class the conditions see.
	Unset map[string]bool
	// layer1 holds the conditions that vary under the defaults, which
	// branch labels name (as they did before parameters varied).
	layer1 Assumption
}

// scopeGroups splits conditions into groups that share no parameter and
// no atom.
func (s *space) scopeGroups(conds []string) []*group {
	parent := make([]int, len(conds))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	byParam := map[string]int{}
	byAtom := map[*Node]int{}
	for i, c := range conds {
		ci := s.cond(c)
		for p := range ci.params {
			if j, ok := byParam[p]; ok {
				parent[find(i)] = find(j)
			} else {
				byParam[p] = i
			}
		}
		for a := range ci.atoms {
			if j, ok := byAtom[a]; ok {
				parent[find(i)] = find(j)
			} else {
				byAtom[a] = i
			}
		}
	}
	members := map[int][]string{}
	var roots []int
	for i, c := range conds {
		r := find(i)
		if _, ok := members[r]; !ok {
			roots = append(roots, r)
		}
		members[r] = append(members[r], c)
	}
	out := make([]*group, len(roots))
	for i, r := range roots {
		m := members[r]
		sort.Strings(m)
		out[i] = s.groupOf(m)
	}
	return out
}

// variants enumerates the outcomes of conds that agree with fixed, the
// most likely first (the defaults' outcomes lead). total counts them all
// (saturating past limit); when it exceeds limit, only the outcomes the
// defaults reach are returned, at most limit of them.
func (s *space) variants(conds []string, fixed Assumption, limit int) (vs []Variant, total int) {
	all := append([]string(nil), conds...)
	for c := range fixed {
		if !contains(all, c) {
			all = append(all, c)
		}
	}
	sort.Strings(all)
	groups := s.scopeGroups(all)
	lists := make([][]*vector, len(groups))
	total = 1
	for gi, g := range groups {
	next:
		for vi := range g.vecs {
			v := &g.vecs[vi]
			for c, want := range fixed {
				if i, ok := g.index[c]; ok && v.vals[i] != want {
					continue next
				}
			}
			lists[gi] = append(lists[gi], v)
		}
		count := len(lists[gi])
		if !g.exact {
			if count == 0 {
				lists[gi] = []*vector{s.vectorFor(g, fixed)}
			}
			// Fixed conditions take one value each of the combinations.
			free := 0
			for _, c := range g.conds {
				if _, ok := fixed[c]; !ok {
					free++
				}
			}
			count = max(len(lists[gi]), 1<<min(free, 30))
		}
		total = min(total*count, limit+1)
		if total == 0 {
			return nil, 0
		}
	}
	// The most likely first: combinations in which fewer groups are away
	// from what the defaults reach, each in the groups' own order.
	dflt := make([][]*vector, len(lists))
	other := make([][]*vector, len(lists))
	for gi, l := range lists {
		for _, v := range l {
			if v.dflt {
				dflt[gi] = append(dflt[gi], v)
			} else {
				other[gi] = append(other[gi], v)
			}
		}
	}
	picked := make([]*vector, len(groups))
	var gen func(gi, away int)
	gen = func(gi, away int) {
		if len(vs) >= limit {
			return
		}
		if gi == len(groups) {
			if away == 0 {
				vs = append(vs, s.combine(groups, picked))
			}
			return
		}
		if away > len(groups)-gi {
			return
		}
		for _, v := range dflt[gi] {
			picked[gi] = v
			gen(gi+1, away)
		}
		if away > 0 {
			for _, v := range other[gi] {
				picked[gi] = v
				gen(gi+1, away-1)
			}
		}
	}
	for away := 0; away <= len(groups) && len(vs) < limit; away++ {
		gen(0, away)
	}
	return vs, total
}

// combine makes one Variant of one outcome per group.
func (s *space) combine(groups []*group, picked []*vector) Variant {
	v := Variant{Conds: Assumption{}, Default: true, Unset: map[string]bool{}, layer1: Assumption{}}
	var whens []string
	for gi, g := range groups {
		vec := picked[gi]
		for i, c := range g.conds {
			v.Conds[c] = vec.vals[i]
			if g.layer1[c] {
				v.layer1[c] = vec.vals[i]
			}
		}
		if !vec.dflt {
			v.Default = false
			if vec.when != "" {
				whens = append(whens, vec.when)
			}
		}
		for _, p := range vec.unset {
			v.Unset[p] = true
		}
	}
	sort.Strings(whens)
	v.When = strings.Join(whens, ", ")
	if !v.Default && v.When == "" {
		v.When = "some non-default parameter values"
	}
	return v
}

// isLayer1 reports whether a condition varies under the defaults.
func (s *space) isLayer1(name string) bool {
	return s.groupOf([]string{name}).layer1[name]
}
