package template

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// PrincipalKind is the kind of IAM identity that identity policies attach
// to.
type PrincipalKind uint8

// The kinds of principal.
const (
	RolePrincipal PrincipalKind = iota
	UserPrincipal
	GroupPrincipal
	// PermissionSetPrincipal is an IAM Identity Center permission set,
	// which becomes a role in each account it is provisioned to.
	PermissionSetPrincipal
)

func (k PrincipalKind) String() string {
	switch k {
	case UserPrincipal:
		return "user"
	case GroupPrincipal:
		return "group"
	case PermissionSetPrincipal:
		return "permission set"
	}
	return "role"
}

// Principal is a role, user, group or permission set that identity
// policies of the template attach to, with everything attached to it: what
// it can really do is the union of those policies (and, for a user, of its
// groups' policies).
type Principal struct {
	Kind PrincipalKind
	// LogicalID and ResourceType name the resource that declares the
	// principal, when this template declares it. A SAM function or state
	// machine stands for the role SAM creates for it.
	LogicalID    string
	ResourceType string
	// Name is the name the principal is known by, when known: its resolved
	// RoleName (UserName, GroupName), or the literal name an attachment
	// gives for a principal of another stack.
	Name string
	// External is the value that names a principal from outside the
	// template that cannot be known before deployment (an Fn::ImportValue,
	// a parameter without a value); its Origin says where it comes from.
	External *Node
	// Attached lists the policies attached to the principal, in template
	// order; Groups, for a user, the groups it is a member of.
	Attached []*Attachment
	Groups   []*Membership
	// Combinations are the ways the conditions that what is attached to
	// the principal depends on come out, that some accepted parameter
	// values reach, the most likely first; nil when nothing attached
	// depends on a condition. What the principal can do is judged per
	// combination: the union of the attachments (and documents) that hold
	// in it. Merged, when set, is how many conditions there are when their
	// combinations were more than are listed: the rest are judged in one
	// evaluation that takes every attachment at once.
	Combinations []Combination
	Merged       int
	// Total counts the combinations (saturating just past those listed).
	Total int
}

// Declared reports whether the template declares the principal.
func (p *Principal) Declared() bool { return p.LogicalID != "" }

// Describe names the principal for a message: "role AppRole", "the role
// SAM creates for function Fn", "role app-deployer (not in this
// template)", "role !ImportValue shared-AppRoleName (from another stack)".
func (p *Principal) Describe() string {
	switch {
	case p.ResourceType == "AWS::Serverless::Function":
		return "the role SAM creates for function " + p.LogicalID
	case p.ResourceType == "AWS::Serverless::StateMachine":
		return "the role SAM creates for state machine " + p.LogicalID
	case p.Declared():
		return p.Kind.String() + " " + p.LogicalID
	case p.External != nil:
		return p.Kind.String() + " " + p.External.Value + " (" + originText(p.External) + ")"
	}
	return p.Kind.String() + " " + p.Name + " (not in this template)"
}

// originText says where an external principal's name comes from.
func originText(n *Node) string {
	o := n.Origin
	switch {
	case o == nil:
		return "known only at deploy time"
	case o.Func == "Fn::ImportValue":
		return "from another stack"
	case o.Parameter != "":
		return "parameter " + o.Parameter + " has no value"
	case o.Resource != "":
		return "an attribute of " + o.Resource
	}
	return "known only at deploy time"
}

// Attachment is one policy attached to a principal, and where the
// attachment is written.
type Attachment struct {
	// Policies are the documents of this template that the attachment
	// brings, one per branch: the inline policy, the AWS::IAM::Policy, or
	// the template's AWS::IAM::ManagedPolicy a ManagedPolicyArns entry
	// refers to.
	Policies []*Policy
	// Ref is the ManagedPolicyArns entry (a SAM Policies name, a
	// permission set's ManagedPolicies entry) when the attachment is one.
	// Without Policies, it names a managed policy this template does not
	// declare: an AWS managed policy, or a customer managed one elsewhere.
	Ref *ManagedPolicyRef
	// LogicalID, ResourceType, Path, Pos and EndLine locate the attachment:
	// an inline policy's document, the ManagedPolicyArns entry, the Roles
	// entry of an AWS::IAM::Policy, the RoleName of an AWS::IAM::RolePolicy.
	LogicalID    string
	ResourceType string
	Path         string
	Pos          Pos
	EndLine      int
	// Holds says in which combinations of conditions the attachment
	// itself holds (its Roles entry, its ManagedPolicyArns entry); each of
	// Policies has its own Holds too. Branch and When name, among the
	// principal's Combinations, those in which it holds with some
	// document.
	Holds  Holds
	Branch string
	When   string
	// Inline is set when the policy is declared on the principal itself.
	Inline bool
}

// Membership is a user's membership of a group, and where it is written
// (the user's Groups entry, an AWS::IAM::UserToGroupAddition).
type Membership struct {
	Group        *Principal
	LogicalID    string
	ResourceType string
	Path         string
	Pos          Pos
	EndLine      int
	Holds        Holds
	Branch       string
	When         string
}

// principalTypes are the resource types that declare a principal, and the
// property holding its name.
var principalTypes = map[string]struct {
	kind     PrincipalKind
	nameProp string
}{
	"AWS::IAM::Role":                {RolePrincipal, "RoleName"},
	"AWS::IAM::User":                {UserPrincipal, "UserName"},
	"AWS::IAM::Group":               {GroupPrincipal, "GroupName"},
	"AWS::SSO::PermissionSet":       {PermissionSetPrincipal, "Name"},
	"AWS::Serverless::Function":     {RolePrincipal, ""},
	"AWS::Serverless::StateMachine": {RolePrincipal, ""},
}

// attachingTypes are the policy resources that name the principals they
// attach to, by property.
var attachingTypes = map[string][]struct {
	prop string
	kind PrincipalKind
}{
	"AWS::IAM::Policy":        {{"Roles", RolePrincipal}, {"Users", UserPrincipal}, {"Groups", GroupPrincipal}},
	"AWS::IAM::ManagedPolicy": {{"Roles", RolePrincipal}, {"Users", UserPrincipal}, {"Groups", GroupPrincipal}},
	"AWS::IAM::RolePolicy":    {{"RoleName", RolePrincipal}},
	"AWS::IAM::UserPolicy":    {{"UserName", UserPrincipal}},
	"AWS::IAM::GroupPolicy":   {{"GroupName", GroupPrincipal}},
}

// principalBook builds the principals of one template.
type principalBook struct {
	t *Template
	// r is Extract's resolver, which explores conditions.
	r     *Resolver
	x     *Extraction
	list  []*Principal
	byKey map[string]*Principal
	// policies are the identity policies of each resource, by logical ID.
	policies map[string][]*Policy
	// managedNames maps the ManagedPolicyName of the template's managed
	// policies to their logical IDs.
	managedNames map[string]string
}

// principals builds the principal model of a template from its extracted
// policies: who each identity policy attaches to, by Ref, by literal name
// or through a value from another stack.
func principals(t *Template, r *Resolver, x *Extraction) []*Principal {
	b := &principalBook{t: t, r: r, x: x, byKey: map[string]*Principal{}, policies: map[string][]*Policy{}, managedNames: map[string]string{}}
	for _, p := range x.Policies {
		if p.Kind == Identity {
			b.policies[p.LogicalID] = append(b.policies[p.LogicalID], p)
		}
	}
	for _, res := range t.Resources {
		if !b.deployable(res) {
			continue
		}
		if res.Type == "AWS::IAM::ManagedPolicy" {
			if name, ok := r.Resolve(res.Properties.Get("ManagedPolicyName"), nil).Str(); ok {
				b.managedNames[name] = res.LogicalID
			}
		}
		pt, ok := principalTypes[res.Type]
		if !ok {
			continue
		}
		if strings.HasPrefix(res.Type, "AWS::Serverless::") && res.Properties.Get("Role") != nil {
			continue // SAM uses the given role and ignores Policies
		}
		p := &Principal{Kind: pt.kind, LogicalID: res.LogicalID, ResourceType: res.Type}
		if pt.nameProp != "" {
			p.Name, _ = r.Resolve(res.Properties.Get(pt.nameProp), nil).Str()
		}
		b.add(b.declaredKey(pt.kind, res.LogicalID), p)
	}
	b.inline(x)
	b.managed(x)
	for _, res := range t.Resources {
		if !b.deployable(res) {
			continue
		}
		for _, a := range attachingTypes[res.Type] {
			b.attaching(res, a.prop, a.kind)
		}
		switch res.Type {
		case "AWS::IAM::User":
			b.memberships(res, b.byKey[b.declaredKey(UserPrincipal, res.LogicalID)])
		case "AWS::IAM::UserToGroupAddition":
			b.groupAddition(res)
		}
	}
	for _, p := range b.list {
		b.combinations(p)
	}
	return b.list
}

// deployable reports whether a resource may be deployed: its Condition is
// not known to be false. (A resource without Properties is one: an
// AWS::IAM::Group needs none.)
func (b *principalBook) deployable(res *Resource) bool {
	if res.Condition == "" {
		return true
	}
	v, known := b.r.Condition(res.Condition, nil)
	return v || !known
}

func (b *principalBook) declaredKey(k PrincipalKind, id string) string {
	return strconv.Itoa(int(k)) + "\x00id\x00" + id
}

func (b *principalBook) add(key string, p *Principal) *Principal {
	if old := b.byKey[key]; old != nil {
		return old
	}
	b.byKey[key] = p
	b.list = append(b.list, p)
	return p
}

// inline attaches each principal's own identity policies (Policies,
// SAM Policies, a permission set's InlinePolicy), one attachment per
// document with its branches.
func (b *principalBook) inline(x *Extraction) {
	type key struct{ id, path string }
	seen := map[key]*Attachment{}
	for _, p := range x.Policies {
		if p.Kind != Identity {
			continue
		}
		pt, ok := principalTypes[p.ResourceType]
		if !ok {
			continue
		}
		owner := b.byKey[b.declaredKey(pt.kind, p.LogicalID)]
		if owner == nil {
			continue
		}
		k := key{p.LogicalID, p.Path}
		if a := seen[k]; a != nil {
			a.Policies = append(a.Policies, p)
			continue
		}
		// The document's branches carry their own Holds; the attachment
		// holds where any of them does.
		a := &Attachment{Policies: []*Policy{p}, LogicalID: p.LogicalID, ResourceType: p.ResourceType, Path: p.Path,
			Pos: p.Pos, EndLine: p.Document.lastLine(), Inline: true}
		seen[k] = a
		owner.Attached = append(owner.Attached, a)
	}
}

// managed attaches the ManagedPolicyArns entries (and SAM's managed policy
// names, a permission set's ManagedPolicies). An entry that refers to the
// template's own AWS::IAM::ManagedPolicy brings that policy's documents.
func (b *principalBook) managed(x *Extraction) {
	for i := range x.ManagedPolicies {
		m := &x.ManagedPolicies[i]
		pt, ok := principalTypes[m.ResourceType]
		if !ok {
			continue
		}
		owner := b.byKey[b.declaredKey(pt.kind, m.LogicalID)]
		if owner == nil {
			continue
		}
		// Extract has merged the branches that give the same value at the
		// same place into one reference, with the combinations it holds in.
		a := &Attachment{Ref: m, LogicalID: m.LogicalID, ResourceType: m.ResourceType, Path: m.Path,
			Pos: m.ARN.Pos, EndLine: m.ARN.lastLine(), Holds: m.Holds}
		if id := b.templatePolicy(m.ARN); id != "" {
			a.Policies = b.policies[id]
		}
		owner.Attached = append(owner.Attached, a)
	}
}

// templatePolicy returns the logical ID of the template's managed policy a
// ManagedPolicyArns value refers to: a Ref or GetAtt PolicyArn to it, or
// an ARN in an account whose name is its ManagedPolicyName.
func (b *principalBook) templatePolicy(v *Node) string {
	if v == nil {
		return ""
	}
	if o := v.Origin; v.Kind == Unknown && o != nil && o.ResourceType == "AWS::IAM::ManagedPolicy" &&
		(o.Func == "Ref" || o.Func == "Fn::GetAtt" && o.Attribute == "PolicyArn") {
		return o.Resource
	}
	s, ok := v.Str()
	if !ok {
		// arn:aws:iam::${AWS::AccountId}:policy/NAME with the account unknown
		if v.Kind == Unknown && len(v.Items) > 0 {
			if last, ok := v.Items[len(v.Items)-1].Str(); ok && strings.HasPrefix(last, ":policy/") {
				return b.managedNames[last[strings.LastIndexByte(last, '/')+1:]]
			}
		}
		return ""
	}
	if strings.Contains(s, ":iam::aws:") {
		return ""
	}
	if i := strings.Index(s, ":policy/"); i >= 0 {
		return b.managedNames[s[strings.LastIndexByte(s, '/')+1:]]
	}
	return ""
}

// attaching reads the principals a policy resource names in prop (Roles,
// Users, Groups; RoleName, …), in every combination of the conditions of
// that property that some accepted parameter values reach.
func (b *principalBook) attaching(res *Resource, prop string, kind PrincipalKind) {
	raw := res.Properties.Get(prop)
	if raw == nil {
		return
	}
	type key struct {
		p    *Principal
		path string
	}
	seen := map[key]*Attachment{}
	holds := map[*Attachment]*holdsBuilder{}
	sc := b.entries(res, prop, raw)
	for _, e := range sc.entries {
		p := b.target(kind, e.v)
		if p == nil {
			continue
		}
		k := key{p, e.path}
		at := seen[k]
		if at == nil {
			at = &Attachment{Policies: b.policies[res.LogicalID], LogicalID: res.LogicalID, ResourceType: res.Type,
				Path: e.path, Pos: e.v.Pos, EndLine: e.v.lastLine()}
			seen[k] = at
			holds[at] = newHolds(sc.conds)
			p.Attached = append(p.Attached, at)
		}
		sc.record(holds[at], e)
	}
	for at, hb := range holds {
		at.Holds = hb.holds()
	}
}

// entryScan is what entries found: each value of a property that names
// principals, with the combinations of conditions it is found in.
type entryScan struct {
	// conds are the conditions the property (and the resource's own
	// Condition) depends on; checked the combinations resolved one by one.
	conds   []string
	fixed   Assumption
	checked []Assumption
	entries []*entry
}

type entry struct {
	v    *Node
	path string
	in   []Assumption
	// rest: found in the merged evaluation past the combinations checked.
	rest bool
}

// record adds where e is found to hb.
func (sc *entryScan) record(hb *holdsBuilder, e *entry) {
	for _, a := range e.in {
		hb.add(a)
	}
	if e.rest {
		hb.addRest(sc.fixed, sc.checked)
	}
}

// entries resolves prop of a resource in every combination of its
// conditions that some accepted parameter values reach (the same
// enumeration as policies: up to maxVariants one by one, the rest in one
// merged evaluation where each Fn::If gives both branches), and lists each
// entry of the list (or the single value) with its path as written.
func (b *principalBook) entries(res *Resource, prop string, raw *Node) *entryScan {
	sc := &entryScan{fixed: Assumption{}}
	if res.Condition != "" {
		if _, known := b.r.Condition(res.Condition, nil); !known {
			sc.fixed[res.Condition] = true
		}
	}
	set := map[string]bool{}
	b.r.collectUndecided(raw, set, 0)
	for c := range sc.fixed {
		delete(set, c)
	}
	for c := range set {
		sc.conds = append(sc.conds, c)
	}
	for c := range sc.fixed {
		sc.conds = append(sc.conds, c)
	}
	sort.Strings(sc.conds)
	prefix := "Resources." + res.LogicalID + ".Properties." + prop
	byKey := map[string]*entry{}
	visit := func(v *Node, a Assumption, rest bool) {
		if v == nil {
			return
		}
		list, paths := []*Node{v}, []string{prefix}
		if v.Kind == Seq {
			list, paths = v.Items, make([]string, len(v.Items))
			for i := range v.Items {
				paths[i] = prefix + "[" + strconv.Itoa(b.r.ItemIndex(v, i)) + "]"
			}
		}
		for i, it := range list {
			k := paths[i] + "\x00" + Describe(it)
			e := byKey[k]
			if e == nil {
				e = &entry{v: it, path: paths[i]}
				byKey[k] = e
				sc.entries = append(sc.entries, e)
			}
			if rest {
				e.rest = true
			} else if a != nil {
				e.in = append(e.in, a)
			}
		}
	}
	if len(sc.conds) == 0 {
		visit(b.r.Resolve(raw, nil), nil, false)
		return sc
	}
	sp := b.r.space()
	vs, total := sp.variants(sc.conds, sc.fixed, maxVariants)
	for _, v := range vs {
		b.r.unset = v.Unset
		val := b.r.Resolve(raw, v.Conds)
		b.r.unset = nil
		visit(val, v.Conds, false)
		sc.checked = append(sc.checked, v.Conds)
	}
	if total > maxVariants {
		unset := map[string]bool{}
		for c := range set {
			for prm := range sp.cond(c).params {
				if sp.params[prm].dom.hasDef {
					unset[prm] = true
				}
			}
		}
		b.r.union, b.r.unset = &unionState{conds: set, guards: map[*Node][]guardLit{}}, unset
		val := b.r.Resolve(raw, sc.fixed)
		b.r.union, b.r.unset = nil, nil
		visit(val, nil, true)
		b.x.Bounds = append(b.x.Bounds, Bound{LogicalID: res.LogicalID, ResourceType: res.Type, Pos: res.Pos,
			Message: fmt.Sprintf("%s of %s depends on %d conditions: %d of %s combinations were checked one by one, the rest merged into one evaluation that takes every branch at once",
				prop, res.LogicalID, len(set), len(vs), combos(len(set), total))})
	}
	return sc
}

// target finds the principal an attachment names: a Ref to a resource of
// the template, the literal name of one (its RoleName), a literal name of
// a principal elsewhere, or a value known only at deploy time.
func (b *principalBook) target(kind PrincipalKind, v *Node) *Principal {
	switch {
	case v == nil || v.Kind == Null:
		return nil
	case v.Kind == Unknown && v.Origin != nil && v.Origin.Func == "Ref" && v.Origin.Resource != "":
		if p := b.byKey[b.declaredKey(kind, v.Origin.Resource)]; p != nil {
			return p
		}
		return b.add(strconv.Itoa(int(kind))+"\x00ext\x00"+v.Value, &Principal{Kind: kind, External: v})
	case v.Kind == Unknown:
		return b.add(strconv.Itoa(int(kind))+"\x00ext\x00"+v.Value, &Principal{Kind: kind, External: v})
	}
	name, ok := v.Str()
	if !ok || name == "" {
		return nil
	}
	for _, p := range b.list {
		if p.Kind == kind && p.Declared() && p.Name == name {
			return p
		}
	}
	return b.add(strconv.Itoa(int(kind))+"\x00name\x00"+name, &Principal{Kind: kind, Name: name})
}

// memberships reads a user's Groups.
func (b *principalBook) memberships(res *Resource, u *Principal) {
	raw := res.Properties.Get("Groups")
	if raw == nil || u == nil {
		return
	}
	sc := b.entries(res, "Groups", raw)
	holds := map[*Membership]*holdsBuilder{}
	for _, e := range sc.entries {
		b.join(u, b.target(GroupPrincipal, e.v), res, e, sc, holds)
	}
	for m, hb := range holds {
		m.Holds = hb.holds()
	}
}

// groupAddition reads an AWS::IAM::UserToGroupAddition: each of its Users
// joins GroupName.
func (b *principalBook) groupAddition(res *Resource) {
	group := b.r.Resolve(res.Properties.Get("GroupName"), nil)
	if group == nil {
		return
	}
	raw := res.Properties.Get("Users")
	if raw == nil {
		return
	}
	gp := b.target(GroupPrincipal, group)
	sc := b.entries(res, "Users", raw)
	holds := map[*Membership]*holdsBuilder{}
	for _, e := range sc.entries {
		b.join(b.target(UserPrincipal, e.v), gp, res, e, sc, holds)
	}
	for m, hb := range holds {
		m.Holds = hb.holds()
	}
}

// join records that user u is a member of group gp, as written at e.
func (b *principalBook) join(u, gp *Principal, res *Resource, e *entry, sc *entryScan, holds map[*Membership]*holdsBuilder) {
	if u == nil || gp == nil {
		return
	}
	var m *Membership
	for _, old := range u.Groups {
		if old.Group == gp && old.Path == e.path {
			m = old
		}
	}
	if m == nil {
		m = &Membership{Group: gp, LogicalID: res.LogicalID, ResourceType: res.Type, Path: e.path,
			Pos: e.v.Pos, EndLine: e.v.lastLine()}
		u.Groups = append(u.Groups, m)
	}
	if holds[m] == nil {
		holds[m] = newHolds(sc.conds)
	}
	sc.record(holds[m], e)
}

// combinations lists the combinations of the conditions what is attached
// to p depends on (through its groups too, for a user), and names in
// which of them each attachment and membership holds.
func (b *principalBook) combinations(p *Principal) {
	set := map[string]bool{}
	note := func(h Holds) {
		for _, c := range h.Conds() {
			set[c] = true
		}
	}
	var witnesses []Assumption
	noteAll := func(h Holds) {
		note(h)
		witnesses = append(witnesses, h.witnesses()...)
	}
	attached := func(q *Principal) {
		for _, a := range q.Attached {
			noteAll(a.Holds)
			for _, pol := range a.Policies {
				noteAll(pol.Holds)
			}
		}
	}
	attached(p)
	for _, m := range p.Groups {
		noteAll(m.Holds)
		attached(m.Group)
	}
	if len(set) == 0 {
		return
	}
	conds := make([]string, 0, len(set))
	for c := range set {
		conds = append(conds, c)
	}
	sort.Strings(conds)
	sp := b.r.space()
	vs, total := sp.variants(conds, nil, maxVariants)
	listed := map[string]bool{}
	for _, v := range vs {
		p.Combinations = append(p.Combinations, combinationOf(v))
		listed[comboKey(conds, v.Conds)] = true
	}
	if total > maxVariants {
		// What a merged evaluation found in one branch is judged in the
		// most likely combination of that branch too, one by one: its
		// findings then name the combination, not the merge.
		for _, w := range witnesses {
			ws, _ := sp.variants(conds, w, 1)
			if len(ws) == 1 && !listed[comboKey(conds, ws[0].Conds)] {
				listed[comboKey(conds, ws[0].Conds)] = true
				p.Combinations = append(p.Combinations, combinationOf(ws[0]))
			}
		}
	}
	if total > maxVariants {
		// The rest are judged in one evaluation that takes every
		// attachment at once; the checks say so when it finds something
		// the combinations listed do not.
		p.Merged = len(conds)
		p.Total = total
	}
	label := func(in []int) (string, string) {
		if len(in) == 0 && p.Merged > 0 {
			return MergedLabel(p.Merged), ""
		}
		return LabelOf(p.Combinations, in)
	}
	for _, a := range p.Attached {
		var in []int
		for i, c := range p.Combinations {
			if a.HoldsIn(c.Conds) {
				in = append(in, i)
			}
		}
		a.Branch, a.When = label(in)
	}
	for _, m := range p.Groups {
		var in []int
		for i, c := range p.Combinations {
			if m.Holds.In(c.Conds) {
				in = append(in, i)
			}
		}
		m.Branch, m.When = label(in)
	}
}

// HoldsIn reports whether the attachment holds, with one of its
// documents, in the combination c.
func (a *Attachment) HoldsIn(c Assumption) bool {
	if !a.Holds.In(c) {
		return false
	}
	if len(a.Policies) == 0 {
		return true
	}
	for _, pol := range a.Policies {
		if pol.Holds.In(c) {
			return true
		}
	}
	return false
}
