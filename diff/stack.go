package diff

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/template"
)

// Options configure a diff.
type Options struct {
	// Values resolve parameters and pseudo parameters on both sides.
	Values template.Values
	// Data is the IAM service reference, used to compare action wildcards
	// by the actions they match; nil compares them as text.
	Data *iamdata.Set
	// Spec is the resource specification; nil uses EmbeddedSpec().
	Spec *Spec
	// exhaustive converts every resource, identical ones too, so tests can
	// check that identical text compares equal after conversion.
	exhaustive bool
}

// resourceAttrs are the resource attributes compared besides Properties.
var resourceAttrs = []string{"Condition", "DeletionPolicy", "UpdateReplacePolicy", "DependsOn", "UpdatePolicy", "CreationPolicy", "Metadata"}

// resState is one resource of one side, in canonical form.
type resState struct {
	res   *template.Resource
	props *val
	attrs map[string]*val
	edges []edge
	// unchanged is set when the resource is written identically on both
	// sides in an identical context; props and attrs are then not built.
	unchanged bool
}

type side struct {
	t     *template.Template
	c     *canonizer
	res   map[string]*resState
	order []string
	// scanner is reused for every unchanged resource.
	scanner refScanner
}

func newSide(t *template.Template, o *Options) *side {
	s := &side{t: t}
	if t == nil || t.Root == nil {
		s.res = map[string]*resState{}
		return s
	}
	s.res = make(map[string]*resState, len(t.Resources))
	s.order = make([]string, 0, len(t.Resources))
	states := make([]resState, len(t.Resources))
	s.c = newCanonizer(t, o.Values)
	for i, r := range t.Resources {
		if _, dup := s.res[r.LogicalID]; dup {
			continue
		}
		if r.Type == "AWS::CDK::Metadata" {
			// CDK's version analytics change with every CDK release and
			// deploy nothing that matters.
			continue
		}
		states[i].res = r
		s.res[r.LogicalID] = &states[i]
		s.order = append(s.order, r.LogicalID)
	}
	return s
}

// canonize converts a resource's properties and attributes to canonical
// form and records the references in its properties.
func (s *side) canonize(st *resState) {
	r := st.res
	s.c.edges = nil
	if r.Properties != nil {
		st.props = s.c.canon(r.Properties, 0)
		if st.props != nil && st.props.kind == vMap {
			if tags := st.props.get("Tags"); tags != nil {
				st.props = replaceField(st.props, "Tags", normTags(tags))
			}
		}
		st.props = noEmptyMap(st.props)
		if st.props != nil && st.props.policy {
			// Properties shaped like a policy (an EventBus policy's
			// Statement beside its other properties) are properties: compare
			// them key by key, with the statements normalised.
			p := *st.props
			p.policy = false
			st.props = &p
		}
	}
	st.edges = s.c.edges
	s.c.edges = nil
	for _, a := range resourceAttrs {
		n := r.Node.Get(a)
		if n == nil {
			continue
		}
		v := s.c.canon(n, 0)
		if a == "DependsOn" && v != nil {
			v = setOf(v, false)
		}
		if a == "Metadata" {
			v = dropToolMetadata(v)
		}
		if v = noEmptyMap(v); v != nil {
			if st.attrs == nil {
				st.attrs = map[string]*val{}
			}
			st.attrs[a] = v
		}
	}
	// References in attributes (DependsOn) do not carry values.
	s.c.edges = nil
}

// prepare canonizes every resource that may differ. A resource written
// identically on both sides, in a template whose parameters, conditions and
// mappings are identical too, resolves identically: it is not converted,
// only scanned for the references that replacements propagate through.
// Most resources of a large template are such, which keeps the diff fast.
func (d *differ) prepare() {
	same := func(section string) bool {
		var b, h *template.Node
		if d.base.t != nil && d.base.t.Root != nil {
			b = d.base.t.Root.Get(section)
		}
		if d.head.t != nil && d.head.t.Root != nil {
			h = d.head.t.Root.Get(section)
		}
		return template.Equal(b, h)
	}
	context := same("Parameters") && same("Conditions") && same("Mappings") && same("Transform")
	for _, id := range d.head.order {
		h := d.head.res[id]
		if b, ok := d.base.res[id]; ok && context && !d.o.exhaustive {
			if same, edges := d.sameResource(b.res, h.res); same {
				h.unchanged, b.unchanged = true, true
				h.edges = edges
				continue
			}
		}
		d.head.canonize(h)
	}
	for _, id := range d.base.order {
		if b := d.base.res[id]; !b.unchanged {
			d.base.canonize(b)
		}
	}
}

// noEmptyMap drops an empty map: Properties: {} and no Properties are the
// same resource, and so are an empty and a missing Metadata or UpdatePolicy.
func noEmptyMap(v *val) *val {
	if v != nil && v.kind == vMap && len(v.fields) == 0 {
		return nil
	}
	return v
}

// sameResource reports whether a resource is written alike on both sides,
// with the references of its head's properties.
func (d *differ) sameResource(b, h *template.Resource) (bool, []edge) {
	for _, f := range h.Node.Fields {
		if f.Key != "Properties" && !template.Equal(b.Node.Get(f.Key), f.Value) {
			return false, nil
		}
	}
	if len(b.Node.Fields) != len(h.Node.Fields) {
		return false, nil
	}
	return d.head.sameRefs(b.Properties, h.Properties)
}

func replaceField(m *val, key string, x *val) *val {
	out := &val{kind: vMap, pos: m.pos, policy: m.policy}
	for _, f := range m.fields {
		if f.key == key {
			f.val = x
		}
		out.fields = append(out.fields, f)
	}
	return out.seal()
}

// Templates diffs two versions of one template. Either may be nil (the file
// was added or deleted); a version that does not parse is noted, and what
// can be compared still is.
func Templates(base, head *template.Template, o Options) *StackDiff {
	if o.Spec == nil {
		o.Spec = EmbeddedSpec()
	}
	sd := &StackDiff{Resources: []*ResourceChange{}, IAM: []*StatementChange{}, Network: []*RuleChange{}, Exposure: []*ExposureChange{},
		ChangeSet: []*ChangeSetChange{}}
	switch {
	case base == nil && head != nil:
		sd.File, sd.Status = head.File, StackAdded
	case head == nil && base != nil:
		sd.File, sd.Status = base.File, StackDeleted
	case base != nil && head != nil:
		sd.File, sd.Status = head.File, StackModified
		if base.File != head.File {
			sd.Status, sd.PreviousFile = StackRenamed, base.File
		}
	default:
		return sd
	}
	for _, x := range []struct {
		t    *template.Template
		name string
	}{{base, "base"}, {head, "head"}} {
		if x.t == nil {
			continue
		}
		if note := unreadable(x.t); note != "" {
			sd.Notes = append(sd.Notes, fmt.Sprintf("the %s version %s", x.name, note))
		} else if x.t.Size > template.DeployLimit {
			sd.Notes = append(sd.Notes, fmt.Sprintf("the %s version is %d bytes, over CloudFormation's 1 MB (1,048,576 bytes) limit: it cannot deploy", x.name, x.t.Size))
		}
	}
	d := &differ{o: &o, sd: sd, base: newSide(base, &o), head: newSide(head, &o)}
	sd.BaseResources, sd.HeadResources = len(d.base.order), len(d.head.order)
	if base != nil && head != nil && (base.Root == nil || head.Root == nil) {
		// One side cannot be read: listing every resource of the other as
		// added or removed would be false.
		sd.Notes = append(sd.Notes, "resources were not compared because one version cannot be read")
		return sd
	}
	if sd.Status == StackDeleted {
		sd.Notes = append(sd.Notes, "the template file was deleted; its stack is deleted only if your pipeline deletes it")
	}
	d.prepare()
	d.resources()
	d.sections()
	d.contextCauses()
	d.propagate()
	d.outputsAffected()
	d.security()
	sortResources(sd.Resources)
	sd.ChangeSet = changeSet(sd.Resources)
	return sd
}

// unreadable says why a template could not be read, or "".
func unreadable(t *template.Template) string {
	switch {
	case t.TooLarge:
		return fmt.Sprintf("is %d bytes, too large to read (tollgate reads at most %d); it was not compared", t.Size, template.MaxSize)
	case t.Root == nil:
		msg := "cannot be parsed"
		if len(t.Problems) > 0 {
			p := t.Problems[0]
			msg = fmt.Sprintf("cannot be parsed (%s: %s)", p.At(t.File), p.Message)
		}
		return msg
	}
	return ""
}

type differ struct {
	o          *Options
	sd         *StackDiff
	base, head *side
	ren        renames
	// changes indexes sd.Resources by head logical ID (base ID for removed).
	changes map[string]*ResourceChange
}

func (d *differ) pos(t *template.Template, p template.Pos) *template.Span {
	if t == nil || p.Line == 0 {
		return nil
	}
	s := template.At(t.File, p, 0)
	return &s
}

func (d *differ) resources() {
	spec := d.o.Spec
	d.changes = map[string]*ResourceChange{}
	var removed, added []string
	for _, id := range d.base.order {
		if _, ok := d.head.res[id]; !ok {
			removed = append(removed, id)
		}
	}
	for _, id := range d.head.order {
		if _, ok := d.base.res[id]; !ok {
			added = append(added, id)
		}
	}
	d.ren = d.detectRenames(removed, added)
	for _, id := range d.base.order {
		b := d.base.res[id]
		h, ok := d.head.res[id]
		if ok {
			if b.unchanged {
				continue
			}
			if rc := d.compare(b, h); rc != nil {
				d.add(rc)
			}
			continue
		}
		if newID, ok := d.ren[id]; ok {
			rc := d.compare(b, d.head.res[newID])
			if rc == nil {
				rc = d.newChange(b, d.head.res[newID])
			}
			rc.Change = Renamed
			rc.PreviousLogicalID = id
			// CloudFormation creates the new logical ID and deletes the old:
			// a replacement, unless the change is applied with stack
			// refactoring, which templates cannot show.
			rc.Replacement = Always
			d.add(rc)
			continue
		}
		r := b.res
		d.add(&ResourceChange{LogicalID: id, Type: r.Type, Change: Removed, Stateful: spec.Stateful(r.Type),
			DeletionPolicy: r.DeletionPolicy, UpdateReplacePolicy: r.UpdateReplacePolicy, BasePos: d.pos(d.base.t, r.Pos)})
	}
	renamedTo := map[string]bool{}
	for _, n := range d.ren {
		renamedTo[n] = true
	}
	for _, id := range d.head.order {
		if _, ok := d.base.res[id]; ok || renamedTo[id] {
			continue
		}
		r := d.head.res[id].res
		d.add(&ResourceChange{LogicalID: id, Type: r.Type, Change: Added, Stateful: spec.Stateful(r.Type),
			DeletionPolicy: r.DeletionPolicy, UpdateReplacePolicy: r.UpdateReplacePolicy, Pos: d.pos(d.head.t, r.Pos)})
	}
}

func (d *differ) add(rc *ResourceChange) {
	d.sd.Resources = append(d.sd.Resources, rc)
	d.changes[rc.LogicalID] = rc
}

func (d *differ) newChange(b, h *resState) *ResourceChange {
	return &ResourceChange{LogicalID: h.res.LogicalID, Type: h.res.Type, Change: Modified, Replacement: Never,
		Stateful:       d.o.Spec.Stateful(h.res.Type) || d.o.Spec.Stateful(b.res.Type),
		DeletionPolicy: h.res.DeletionPolicy, UpdateReplacePolicy: h.res.UpdateReplacePolicy,
		BaseDeletionPolicy: b.res.DeletionPolicy, BaseUpdateReplacePolicy: b.res.UpdateReplacePolicy,
		Pos: d.pos(d.head.t, h.res.Pos), BasePos: d.pos(d.base.t, b.res.Pos)}
}

// compare diffs one resource present on both sides; nil when equal.
func (d *differ) compare(b, h *resState) *ResourceChange {
	var props []*PropertyChange
	if b.res.Type != h.res.Type {
		props = append(props, &PropertyChange{Path: "Type", Change: Modified, Replacement: Always,
			Before: b.res.Type, After: h.res.Type, Line: h.res.Pos.Line})
	}
	ctx := &ruleCtx{bProps: b.props, hProps: h.props, hAttrs: h.attrs}
	for _, a := range resourceAttrs {
		bv, hv := b.attrs[a], h.attrs[a]
		if equal(bv, hv, d.ren) {
			continue
		}
		pd := &propDiffer{ren: d.ren, typ: h.res.Type, spec: d.o.Spec, ctx: ctx, prefix: a}
		pd.diff(bv, hv, nil)
		props = append(props, pd.out...)
	}
	if !equal(b.props, h.props, d.ren) {
		pd := &propDiffer{ren: d.ren, typ: h.res.Type, spec: d.o.Spec, ctx: ctx}
		pd.diff(b.props, h.props, nil)
		props = append(props, pd.out...)
	}
	if len(props) == 0 {
		return nil
	}
	rc := d.newChange(b, h)
	if b.res.Type != h.res.Type {
		rc.PreviousType = b.res.Type
	}
	rc.Properties = props
	for _, p := range props {
		rc.Replacement = maxReplacement(rc.Replacement, p.Replacement)
	}
	return rc
}

func changeKind(b, h *val) string {
	switch {
	case b == nil:
		return Added
	case h == nil:
		return Removed
	}
	return Modified
}

func lineOf(v *val) int {
	if v == nil {
		return 0
	}
	return v.pos.Line
}

// renameThreshold is how alike (0..1) the properties of a removed and an
// added resource of the same type must be to be taken as one resource
// whose logical ID changed.
const renameThreshold = 0.75

// maxRenamePairs bounds the similarity comparisons per type; beyond it only
// resources with identical properties are paired.
const maxRenamePairs = 20000

// detectRenames pairs removed and added resources of the same type whose
// properties are the same or nearly so.
func (d *differ) detectRenames(removed, added []string) renames {
	ren := renames{}
	if len(removed) == 0 || len(added) == 0 {
		return ren
	}
	byType := map[string][]string{}
	for _, id := range added {
		t := d.head.res[id].res.Type
		byType[t] = append(byType[t], id)
	}
	taken := map[string]bool{}
	type cand struct {
		from, to string
		score    float64
	}
	var cands []cand
	for _, id := range removed {
		b := d.base.res[id]
		group := byType[b.res.Type]
		exactOnly := len(group)*len(removed) > maxRenamePairs
		for _, to := range group {
			h := d.head.res[to]
			s := propSimilarity(b.props, h.props, exactOnly)
			if s >= renameThreshold {
				cands = append(cands, cand{id, to, s})
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		if cands[i].from != cands[j].from {
			return cands[i].from < cands[j].from
		}
		return cands[i].to < cands[j].to
	})
	for _, c := range cands {
		if _, done := ren[c.from]; done || taken[c.to] {
			continue
		}
		ren[c.from] = c.to
		taken[c.to] = true
	}
	return ren
}

// propSimilarity is the share of top-level properties with equal values.
func propSimilarity(a, b *val, exactOnly bool) float64 {
	if a == nil && b == nil {
		return 1
	}
	if a == nil || b == nil || a.kind != vMap || b.kind != vMap {
		return 0
	}
	if a.hash == b.hash {
		return 1
	}
	if exactOnly {
		return 0
	}
	same := 0
	for _, f := range a.fields {
		if x := b.get(f.key); x != nil && x.hash == f.val.hash {
			same++
		}
	}
	total := len(a.fields) + len(b.fields) - same
	if total == 0 {
		return 1
	}
	return float64(same) / float64(total)
}

// sortResources puts what reviewers must see first: replacements, then
// removals, then the rest, each by logical ID.
func sortResources(rs []*ResourceChange) {
	changeRank := map[string]int{Removed: 0, Renamed: 1, Modified: 2, Added: 3}
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if ra, rb := a.Replacement.rank(), b.Replacement.rank(); ra != rb {
			return ra > rb
		}
		if ca, cb := changeRank[a.Change], changeRank[b.Change]; ca != cb {
			return ca < cb
		}
		return a.LogicalID < b.LogicalID
	})
}

// dropToolMetadata leaves out the Metadata keys that tools write for
// themselves (aws:cdk:path, aws:asset:*): they change when code moves and
// deploy nothing. Other metadata (AWS::CloudFormation::Init) is compared.
func dropToolMetadata(v *val) *val {
	if v == nil || v.kind != vMap {
		return v
	}
	out := &val{kind: vMap, pos: v.pos}
	for _, f := range v.fields {
		if strings.HasPrefix(f.key, "aws:cdk:") || strings.HasPrefix(f.key, "aws:asset:") {
			continue
		}
		out.fields = append(out.fields, f)
	}
	if len(out.fields) == 0 {
		return nil
	}
	return out.seal()
}
