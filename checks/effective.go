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
	when    template.Assumption
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
				when, ok := mergeWhen(g.when, m.When)
				if !ok {
					continue
				}
				g.label = strings.Replace(g.label, "its inline policy", "the inline policy", 1) + " (through group " + groupName(m.Group) + ")"
				g.unit = fmt.Sprintf("group:%p", m.Group)
				g.at = place{pos: m.Pos, endLine: m.EndLine, resource: m.LogicalID, resourceType: m.ResourceType, path: m.Path}
				g.when, g.own = when, false
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
		c.judgePrincipal(e, p, grants)
	}
	return e
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

// mergeWhen combines two branches; ok is false when they cannot hold
// together.
func mergeWhen(a, b template.Assumption) (template.Assumption, bool) {
	if !agree(a, b) {
		return nil, false
	}
	return merge(a, b), true
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
				when, ok := mergeWhen(a.When, pol.When)
				if !ok {
					continue
				}
				out = append(out, grant{doc: pc.Doc, facts: c.facts(pc.Doc), label: grantLabel(pol, a), policy: policyName(pol), unit: fmt.Sprintf("policy:%p", pol), at: at, when: when, own: true})
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
		g := grant{doc: doc, facts: facts, label: l.text, managed: l.policy.Name, policy: l.policy.Name, at: at, when: a.When, own: true}
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
		docs[i] = grantDoc{facts: g.facts, src: i, when: g.when}
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
		r.Branch = fd.ways[0].when.String()
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
		Path: g.at.path, Subject: principalKey(p) + ":" + subject, Message: msg, Branch: g.when.String(), Policy: g.policy}
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
