package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// effective holds what the principals of a template can really do, judged
// on the union of what is attached to each: the findings that no single
// policy of the template shows, by the rule that reports them.
type effective struct {
	admin      []Report
	escalation []Report
	passRole   map[string][]Report
	// external lists the principals of other stacks policies attach to.
	external []string
	// bounds are the principals whose combinations of conditions were more
	// than are judged one by one, where the evaluation that takes every
	// attachment at once found what the others did not (BRANCHES_MERGED).
	bounds []Report
}

// grant is one policy document a principal holds, and where it comes from.
type grant struct {
	doc   *policy.Document
	facts *docFacts
	// label names the source in messages: "AppPolicy",
	// "arn:aws:iam::aws:policy/IAMFullAccess", "its inline policy Logs".
	label string
	// unit is what already judges the document alone ("" for nothing: an
	// AWS managed policy): a template policy is judged by the policy
	// rules, and a user's grants through a group at the group.
	unit string
	// managed is the AWS managed policy's name, when the grant is one;
	// policy names the policy as cfn-policy-validator does.
	managed string
	policy  string
	at      place
	// holds says in which combinations of conditions the grant holds.
	holds template.Holds
	// own is false for a user's grants through a group.
	own bool
}

// place is where an attachment is written.
type place struct {
	pos                          template.Pos
	endLine                      int
	resource, resourceType, path string
}

func (p place) after(q place) bool {
	if p.pos.Line != q.pos.Line {
		return p.pos.Line > q.pos.Line
	}
	return p.pos.Col > q.pos.Col
}

// effective judges the template's principals once.
func (c *TemplateContext) effective() *effective {
	if c.eff != nil {
		return c.eff
	}
	e := &effective{passRole: map[string][]Report{}}
	c.eff = e
	if c.Extraction == nil {
		return e
	}
	if c.managed == nil {
		c.managed = newManagedDocs(c.Options.Managed)
	}
	c.contexts = make(map[*template.Policy]*PolicyContext, len(c.Policies))
	for _, pc := range c.Policies {
		c.contexts[pc.Policy] = pc
	}
	own := map[*template.Principal][]grant{}
	for _, p := range c.Extraction.Principals {
		own[p] = c.ownGrants(p)
	}
	for _, p := range c.Extraction.Principals {
		grants := own[p]
		for _, m := range p.Groups {
			for _, g := range own[m.Group] {
				g.label = strings.Replace(g.label, "its inline policy", "the inline policy", 1) + " (through group " + groupName(m.Group) + ")"
				g.unit = fmt.Sprintf("group:%p", m.Group)
				g.at = place{pos: m.Pos, endLine: m.EndLine, resource: m.LogicalID, resourceType: m.ResourceType, path: m.Path}
				g.holds, g.own = m.Holds.And(g.holds), false
				grants = append(grants, g)
			}
		}
		if len(grants) == 0 {
			continue
		}
		if !p.Declared() {
			var labels []string
			for _, g := range grants {
				if !slices.Contains(labels, g.label) {
					labels = append(labels, g.label)
				}
			}
			e.external = append(e.external, p.Describe()+" ← "+strings.Join(labels, ", "))
		}
		c.judgeCombinations(e, p, grants)
	}
	return e
}

// judgeCombinations judges what a principal can do in each combination of
// the conditions its attachments depend on: the union of the grants that
// hold in it. Combinations that select the same grants are judged once,
// and each finding is labelled with the combinations it holds in, as a
// policy's branches are. Past the combinations listed, one evaluation
// takes every grant at once: whatever any combination allows, it allows.
func (c *TemplateContext) judgeCombinations(e *effective, p *template.Principal, grants []grant) {
	if len(p.Combinations) == 0 {
		c.judgePrincipal(e, p, grants)
		return
	}
	mergedOnly := false
	for _, f := range c.judgeSelections(p, selectionsOf(p, grants)) {
		r := f.r
		if f.merged {
			r.Branch, r.When, r.merged = template.MergedLabel(p.Merged), "", true
			mergedOnly = true
		} else {
			slices.Sort(f.in)
			r.Branch, r.When = template.LabelOf(p.Combinations, slices.Compact(f.in))
		}
		switch {
		case f.to == "":
			e.admin = append(e.admin, r)
		case f.to == "escalation":
			e.escalation = append(e.escalation, r)
		default:
			code := strings.TrimPrefix(f.to, "passrole:")
			e.passRole[code] = append(e.passRole[code], r)
		}
	}
	if mergedOnly {
		e.bounds = append(e.bounds, c.mergedBound(p))
	}
}

// selection is the grants that hold in some combinations of a principal's
// conditions (in), or all of them in the merged evaluation.
type selection struct {
	grants []grant
	in     []int
	merged bool
}

// selectionsOf groups the combinations by the grants that hold in them, so
// each distinct set of attached policies is judged once.
func selectionsOf(p *template.Principal, grants []grant) []*selection {
	var sels []*selection
	byKey := map[string]*selection{}
	for i, comb := range p.Combinations {
		var key strings.Builder
		var gs []grant
		for j, g := range grants {
			if g.holds.In(comb.Conds) {
				gs = append(gs, g)
				fmt.Fprintf(&key, "%d,", j)
			}
		}
		if len(gs) == 0 {
			continue
		}
		sel := byKey[key.String()]
		if sel == nil {
			sel = &selection{grants: gs}
			byKey[key.String()] = sel
			sels = append(sels, sel)
		}
		sel.in = append(sel.in, i)
	}
	if p.Merged > 0 {
		sels = append(sels, &selection{grants: grants, merged: true})
	}
	return sels
}

// selectionFinding is one finding of a principal's union, with the
// combinations that make it; merged when only the merged evaluation does.
type selectionFinding struct {
	r      Report
	to     string
	in     []int
	merged bool
}

// judgeSelections judges each selection. A finding is one per rule (and
// PassRole code), place and message, whatever selections make it.
func (c *TemplateContext) judgeSelections(p *template.Principal, sels []*selection) []*selectionFinding {
	var order []*selectionFinding
	byReport := map[string]*selectionFinding{}
	note := func(to string, rs []Report, sel *selection) {
		for _, r := range rs {
			k := fmt.Sprintf("%s|%d:%d|%s|%s|%s|%s", to, r.Pos.Line, r.Pos.Col, r.Path, r.Subject, r.Message, r.Type)
			f := byReport[k]
			if f == nil {
				f = &selectionFinding{r: r, to: to, merged: true}
				byReport[k] = f
				order = append(order, f)
			}
			if !sel.merged {
				f.in, f.merged = append(f.in, sel.in...), false
			}
		}
	}
	for _, sel := range sels {
		tmp := &effective{passRole: map[string][]Report{}}
		c.judgePrincipal(tmp, p, sel.grants)
		note("", tmp.admin, sel)
		note("escalation", tmp.escalation, sel)
		for _, code := range sortedKeys(tmp.passRole) {
			note("passrole:"+code, tmp.passRole[code], sel)
		}
	}
	return order
}

// mergedBound is the BRANCHES_MERGED report of a principal whose merged
// evaluation finds what no combination judged one by one does.
func (c *TemplateContext) mergedBound(p *template.Principal) Report {
	pos, id, typ := template.Pos{Line: 1, Col: 1}, p.LogicalID, p.ResourceType
	if res := c.Template.Resource(p.LogicalID); res != nil {
		pos = res.Pos
	} else if len(p.Attached) > 0 {
		a := p.Attached[0]
		pos, id, typ = a.Pos, a.LogicalID, a.ResourceType
	}
	msg := fmt.Sprintf("What is attached to %s depends on %d conditions: %d of %s combinations were judged one by one, "+
		"the rest in one evaluation that takes every attachment at once, and that evaluation finds what no combination judged one by one does",
		p.Describe(), p.Merged, len(p.Combinations), totalText(p.Merged, p.Total))
	return Report{Pos: pos, Resource: id, ResourceType: typ, Path: "Resources." + id, Subject: msg, Message: msg + "."}
}

// totalText writes how many combinations n conditions have, as far as the
// enumeration counted them.
func totalText(n, total int) string {
	if n <= 16 {
		return fmt.Sprintf("%d (2^%d)", 1<<n, n)
	}
	return fmt.Sprintf("2^%d", n)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func groupName(g *template.Principal) string {
	if g.Declared() {
		return g.LogicalID
	}
	if g.External != nil {
		return g.External.Value
	}
	return g.Name
}

// ownGrants lists the documents attached to a principal itself.
func (c *TemplateContext) ownGrants(p *template.Principal) []grant {
	var out []grant
	for _, a := range p.Attached {
		at := place{pos: a.Pos, endLine: a.EndLine, resource: a.LogicalID, resourceType: a.ResourceType, path: a.Path}
		if len(a.Policies) > 0 {
			for _, pol := range a.Policies {
				pc := c.contexts[pol]
				if pc == nil || pc.IsBoundary() {
					continue
				}
				out = append(out, grant{doc: pc.Doc, facts: c.facts(pc.Doc), label: grantLabel(pol, a), policy: policyName(pol), unit: fmt.Sprintf("policy:%p", pol), at: at, holds: a.Holds.And(pol.Holds), own: true})
			}
			continue
		}
		if a.Ref == nil {
			continue
		}
		l := c.lookupManaged(a.Ref)
		if l.policy == nil {
			continue
		}
		doc, facts, err := c.managed.document(c.Options.Data, l.policy)
		if err != nil {
			continue // a defect of the data set, found by its own tests
		}
		g := grant{doc: doc, facts: facts, label: l.text, managed: l.policy.Name, policy: l.policy.Name, at: at, holds: a.Holds, own: true}
		if strings.HasSuffix(l.policy.Path, "service-role/") {
			// AWS's permissions for a service that acts on the account's
			// behalf (AWSBatchServiceRole passes roles to the instances
			// it starts): what it grants alone is AWS's design, judged
			// only in combination with the principal's other policies.
			g.unit = "service-role:" + l.policy.Name
		}
		out = append(out, g)
	}
	return out
}

// grantLabel names a template policy attached to a principal.
func grantLabel(pol *template.Policy, a *template.Attachment) string {
	switch {
	case pol.Expanded != "":
		return "SAM policy template " + pol.Expanded + " (" + lastSegment(pol.Path) + ")"
	case a.Inline && pol.Name != "" && !strings.HasPrefix(pol.ResourceType, "AWS::Serverless::"):
		return "its inline policy " + pol.Name
	case a.Inline:
		return "its inline policy " + lastSegment(pol.Path)
	}
	return pol.LogicalID
}

// lastSegment returns "Policies[1]" of "Resources.Fn.Properties.Policies[1]".
func lastSegment(path string) string {
	path = strings.TrimSuffix(path, ".PolicyDocument")
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// judgePrincipal reports what the union of a principal's grants allows
// that no single judged policy shows: an AWS managed policy that grants
// administrator access or iam:PassRole on every role, and escalation paths
// that several sources open together.
func (c *TemplateContext) judgePrincipal(e *effective, p *template.Principal, grants []grant) {
	data := c.Options.Data
	docs := make([]grantDoc, len(grants))
	cut := false
	for i, g := range grants {
		docs[i] = grantDoc{facts: g.facts, src: i}
		cut = cut || g.facts.cut
	}
	for i, g := range grants {
		if len(g.facts.admin) == 0 || cut {
			continue
		}
		if g.unit != "" || !g.own {
			continue // the policy rules (or the group) report it
		}
		for _, a := range g.facts.admin {
			msg, typ := adminMessage(data, a, fmt.Sprintf("The AWS managed policy %s gives %s every action on every resource", g.managed, p.Describe()))
			r := c.grantReport(grants[i], p, "*", msg)
			r.Type = typ
			e.admin = append(e.admin, r)
		}
	}
	for _, g := range grants {
		if g.unit != "" || !g.own {
			continue
		}
		for _, h := range g.facts.passRoles {
			sid := ""
			if h.s.Sid != "" {
				sid = " (statement " + h.s.Sid + ")"
			}
			r := c.grantReport(g, p, h.shape.code+":"+h.shape.subject,
				fmt.Sprintf("The AWS managed policy %s%s gives %s %s on every role.", g.managed, sid, p.Describe(), h.shape.subject))
			e.passRole[h.shape.code] = append(e.passRole[h.shape.code], r)
		}
	}
	if !cut && adminCovers(docs) {
		return // administrator access is reported as such
	}
	f := newPathFinder(data, docs, cut)
	judged := func(w escalationWay) bool {
		srcs := w.sources()
		unit := grants[srcs[0]].unit
		if unit == "" {
			return false
		}
		for _, s := range srcs[1:] {
			if grants[s].unit != unit {
				return false
			}
		}
		return true
	}
	prefer := func(w escalationWay) int {
		if judged(w) {
			return 0
		}
		return 1
	}
	type finding struct {
		at   int
		ways []escalationWay
	}
	var order []*finding
	byAt := map[int]*finding{}
	for _, w := range f.ways(prefer) {
		if judged(w) {
			continue
		}
		// the attachment that completes the path: the last one written
		last := w.parts[0].src
		for _, s := range w.sources() {
			if grants[s].at.after(grants[last].at) {
				last = s
			}
		}
		if byAt[last] == nil {
			byAt[last] = &finding{at: last}
			order = append(order, byAt[last])
		}
		byAt[last].ways = append(byAt[last].ways, w)
	}
	label := func(src int) string { return grants[src].label }
	for _, fd := range order {
		lead, lab := upperFirst(p.Describe())+" can escalate its privileges: ", label
		if single(fd.ways) {
			lead = upperFirst(p.Describe()) + " can escalate its privileges through " + grants[fd.at].label + ": "
			lab = nil
		}
		msg, typ := escalationMessage(data, fd.ways, lead, lab)
		r := c.grantReport(grants[fd.at], p, fd.ways[0].e.actions[0], msg)
		r.Type = typ
		e.escalation = append(e.escalation, r)
	}
}

// single reports whether every part of every way comes from one source.
func single(ways []escalationWay) bool {
	src := -1
	for _, w := range ways {
		for _, s := range w.sources() {
			if src >= 0 && s != src {
				return false
			}
			src = s
		}
	}
	return true
}

// grantReport is a finding at the attachment of a grant.
func (c *TemplateContext) grantReport(g grant, p *template.Principal, subject, msg string) Report {
	return Report{Pos: g.at.pos, EndLine: g.at.endLine, Resource: g.at.resource, ResourceType: g.at.resourceType,
		Path: g.at.path, Subject: principalKey(p) + ":" + subject, Message: msg, Policy: g.policy,
		Principal: principalKey(p)}
}

// principalKey names a principal in fingerprints.
func principalKey(p *template.Principal) string {
	switch {
	case p.Declared():
		return p.LogicalID
	case p.External != nil:
		return p.External.Value
	}
	return p.Name
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
