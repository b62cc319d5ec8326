package diff

import (
	"strconv"
	"strings"
)

// propDiffer walks two value trees (a resource's properties, one of its
// attributes, a section entry) and lists what differs.
//
// A map that is missing on one side is compared with an empty map, so a
// value that appears inside it is reported where it is, with its own update
// behaviour: a resource that gains Properties: {VersioningConfiguration:
// {Status: Enabled}} changes VersioningConfiguration.Status. A list of maps
// that appears or disappears is reported entry by entry. A scalar, a list of
// scalars, a policy document and an intrinsic function are reported whole.
type propDiffer struct {
	ren  renames
	typ  string
	spec *Spec
	// ctx is the resource, for update rules that depend on its other
	// values.
	ctx *ruleCtx
	// prefix is the name of the attribute being compared ("Metadata"), or
	// "" for Properties. Attribute changes never replace the resource.
	prefix string
	// noRepl leaves out update behaviour (sections).
	noRepl bool
	out    []*PropertyChange
}

// pathSeg is one step of a property path: a name, or a list index. inBase
// and inHead say whether the value at this step exists on each side.
type pathSeg struct {
	name           string
	index          int
	inBase, inHead bool
}

func appendSeg(path []pathSeg, s pathSeg) []pathSeg {
	out := make([]pathSeg, len(path), len(path)+1)
	copy(out, path)
	return append(out, s)
}

func field(key string, b, h *val) pathSeg {
	return pathSeg{name: key, inBase: b != nil, inHead: h != nil}
}

func item(i int, inBase, inHead bool) pathSeg {
	return pathSeg{index: i, inBase: inBase, inHead: inHead}
}

// display renders a path as reported: "KeySchema[0].AttributeName".
func display(prefix string, path []pathSeg) string {
	var b strings.Builder
	b.WriteString(prefix)
	for _, s := range path {
		if s.name == "" {
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.name)
	}
	return b.String()
}

func (p *propDiffer) record(path []pathSeg, kind string, b, h *val) {
	pc := &PropertyChange{Path: display(p.prefix, path), Change: kind, Before: render(b), After: render(h), Line: lineOf(h)}
	switch {
	case p.noRepl:
	case p.prefix != "":
		pc.Replacement = Never
	default:
		pc.Replacement = p.replacement(path, b, h, kind)
	}
	if pc.Path == "" {
		// Properties that are not a map (an Fn::If around all of them).
		pc.Path = "Properties"
	}
	p.out = append(p.out, pc)
}

// replacement is the update behaviour of a change at path. A value that
// appears or disappears, or changes kind, changes every value inside it
// too, so each of those counts (an added EBS mapping replaces an instance
// even though its DeleteOnTermination alone would not).
func (p *propDiffer) replacement(path []pathSeg, b, h *val, kind string) Replacement {
	if kind == Modified && b != nil && h != nil && b.kind == h.kind {
		return p.spec.behaviour(p.typ, path, p.ctx)
	}
	return p.deep(path, b, h)
}

// maxDeep bounds how far deep looks into a value for nested rules.
const maxDeep = 12

func (p *propDiffer) deep(path []pathSeg, b, h *val) Replacement {
	r := p.spec.behaviour(p.typ, path, p.ctx)
	if r == Always || r == Unknown || len(path) > maxDeep {
		return r
	}
	var names []string
	for _, s := range path {
		if s.name != "" {
			names = append(names, s.name)
		}
	}
	if !p.spec.hasRulesBelow(p.typ, names) {
		return r
	}
	bm, hm := b != nil && b.kind == vMap && !b.policy, h != nil && h.kind == vMap && !h.policy
	if bm || hm {
		var bf, hf []vfield
		if bm {
			bf = b.fields
		}
		if hm {
			hf = h.fields
		}
		mergeFields(bf, hf, func(key string, bv, hv *val) {
			r = maxReplacement(r, p.deep(appendSeg(path, field(key, bv, hv)), bv, hv))
		})
		return r
	}
	var bi, hi []*val
	if b != nil && b.kind == vList {
		bi = b.items
	}
	if h != nil && h.kind == vList {
		hi = h.items
	}
	for i := 0; i < max(len(bi), len(hi)); i++ {
		var bv, hv *val
		if i < len(bi) {
			bv = bi[i]
		}
		if i < len(hi) {
			hv = hi[i]
		}
		r = maxReplacement(r, p.deep(appendSeg(path, item(i, bv != nil, hv != nil)), bv, hv))
	}
	return r
}

// mergeFields calls fn for every key of two sorted field lists, with the
// value on each side (nil where the key is missing).
func mergeFields(b, h []vfield, fn func(key string, bv, hv *val)) {
	i, j := 0, 0
	for i < len(b) || j < len(h) {
		switch {
		case j == len(h) || i < len(b) && b[i].key < h[j].key:
			fn(b[i].key, b[i].val, nil)
			i++
		case i == len(b) || h[j].key < b[i].key:
			fn(h[j].key, nil, h[j].val)
			j++
		default:
			fn(b[i].key, b[i].val, h[j].val)
			i++
			j++
		}
	}
}

func (p *propDiffer) diff(b, h *val, path []pathSeg) {
	if equal(b, h, p.ren) {
		return
	}
	if b == nil || h == nil {
		p.oneSided(b, h, path)
		return
	}
	if b.kind != h.kind || b.policy || h.policy {
		p.record(path, Modified, b, h)
		return
	}
	switch b.kind {
	case vMap:
		mergeFields(b.fields, h.fields, func(key string, bv, hv *val) {
			p.diff(bv, hv, appendSeg(path, field(key, bv, hv)))
		})
	case vList:
		p.diffList(b, h, path)
	default:
		p.record(path, Modified, b, h)
	}
}

// oneSided reports a value present on one side only: a map as its keys (a
// missing map is an empty map), a list of maps as its entries, anything
// else whole.
func (p *propDiffer) oneSided(b, h *val, path []pathSeg) {
	x := b
	if x == nil {
		x = h
	}
	kind := changeKind(b, h)
	switch {
	case x.kind == vMap && !x.policy && len(x.fields) > 0:
		for _, f := range x.fields {
			if b != nil {
				p.oneSided(f.val, nil, appendSeg(path, field(f.key, f.val, nil)))
			} else {
				p.oneSided(nil, f.val, appendSeg(path, field(f.key, nil, f.val)))
			}
		}
	case x.kind == vList && len(x.items) > 0 && x.items[0].kind == vMap:
		for i, it := range x.items {
			if b != nil {
				p.record(appendSeg(path, item(i, true, false)), kind, it, nil)
			} else {
				p.record(appendSeg(path, item(i, false, true)), kind, nil, it)
			}
		}
	default:
		p.record(path, kind, b, h)
	}
}

// diffList compares lists item by item when they have the same length;
// otherwise it matches equal items wherever they are, so inserting one
// rule at the top reports one added rule, not every rule changed.
func (p *propDiffer) diffList(b, h *val, path []pathSeg) {
	if len(b.items) == len(h.items) {
		if isPermutation(b.items, h.items, p.ren) {
			p.record(path, Modified, b, h)
			return
		}
		for i := range b.items {
			p.diff(b.items[i], h.items[i], appendSeg(path, item(i, true, true)))
		}
		return
	}
	usedB := make([]bool, len(b.items))
	usedH := make([]bool, len(h.items))
	byHash := map[uint64][]int{}
	for i, it := range b.items {
		byHash[it.hash] = append(byHash[it.hash], i)
	}
	for j, it := range h.items {
		if idx := byHash[it.hash]; len(idx) > 0 {
			usedB[idx[0]], usedH[j] = true, true
			byHash[it.hash] = idx[1:]
		}
	}
	// Items that differ only in some fields pair up in order.
	var restB, restH []int
	for i, u := range usedB {
		if !u {
			restB = append(restB, i)
		}
	}
	for j, u := range usedH {
		if !u {
			restH = append(restH, j)
		}
	}
	n := min(len(restB), len(restH))
	for k := 0; k < n; k++ {
		bi, hj := b.items[restB[k]], h.items[restH[k]]
		if bi.kind == vMap && hj.kind == vMap && similar(bi, hj) {
			p.diff(bi, hj, appendSeg(path, item(restH[k], true, true)))
			usedB[restB[k]], usedH[restH[k]] = true, true
		}
	}
	for i, u := range usedB {
		if !u {
			p.record(appendSeg(path, item(i, true, false)), Removed, b.items[i], nil)
		}
	}
	for j, u := range usedH {
		if !u {
			p.record(appendSeg(path, item(j, false, true)), Added, nil, h.items[j])
		}
	}
}

func isPermutation(a, b []*val, ren renames) bool {
	same := true
	for i := range a {
		if !equal(a[i], b[i], ren) {
			same = false
			break
		}
	}
	if same {
		return false
	}
	count := map[uint64]int{}
	for _, x := range a {
		count[x.hash]++
	}
	for _, x := range b {
		count[x.hash]--
		if count[x.hash] < 0 {
			return false
		}
	}
	return true
}

// similar reports whether two maps share at least half their fields.
func similar(a, b *val) bool {
	same := 0
	for _, f := range a.fields {
		if x := b.get(f.key); x != nil && x.hash == f.val.hash {
			same++
		}
	}
	return same*2 >= max(len(a.fields), len(b.fields))
}
