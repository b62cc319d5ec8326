package template

import (
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
	// Branch and When say in which branch the attachment holds.
	Branch string
	When   Assumption
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
	Branch       string
	When         Assumption
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
	t     *Template
	r     *Resolver
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
	b := &principalBook{t: t, r: r, byKey: map[string]*Principal{}, policies: map[string][]*Policy{}, managedNames: map[string]string{}}
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
	return b.list
}

// deployable reports whether a resource may be deployed: its Condition is
// not known to be false.
func (b *principalBook) deployable(res *Resource) bool {
	if res.Properties == nil {
		return false
	}
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
			a.When = intersect(a.When, p.When)
			a.Branch = a.When.String()
			continue
		}
		// The document's branches carry their own assumptions; the
		// attachment holds where any of them does.
		a := &Attachment{Policies: []*Policy{p}, LogicalID: p.LogicalID, ResourceType: p.ResourceType, Path: p.Path,
			Pos: p.Pos, EndLine: p.Document.lastLine(), Inline: true, When: p.When, Branch: p.Branch}
		seen[k] = a
		owner.Attached = append(owner.Attached, a)
	}
}

// managed attaches the ManagedPolicyArns entries (and SAM's managed policy
// names, a permission set's ManagedPolicies). An entry that refers to the
// template's own AWS::IAM::ManagedPolicy brings that policy's documents.
func (b *principalBook) managed(x *Extraction) {
	type key struct{ id, path string }
	seen := map[key][]*Attachment{}
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
		k := key{m.LogicalID, m.Path}
		if merged := mergeSame(seen[k], m.ARN, m.When); merged {
			continue
		}
		a := &Attachment{Ref: m, LogicalID: m.LogicalID, ResourceType: m.ResourceType, Path: m.Path,
			Pos: m.ARN.Pos, EndLine: m.ARN.lastLine(), When: m.When}
		if id := b.templatePolicy(m.ARN); id != "" {
			a.Policies = b.policies[id]
		}
		seen[k] = append(seen[k], a)
		owner.Attached = append(owner.Attached, a)
	}
	for _, as := range seen {
		for _, a := range as {
			a.Branch = a.When.String()
		}
	}
}

// mergeSame folds another branch of an attachment into the one already
// recorded for the same place and value: it then holds under the
// conditions both branches agree on.
func mergeSame(as []*Attachment, v *Node, when Assumption) bool {
	for _, a := range as {
		if Equal(a.Ref.ARN, v) {
			a.When = intersect(a.When, when)
			return true
		}
	}
	return false
}

// intersect keeps the assumptions two branches share; nil (every branch)
// absorbs everything.
func intersect(a, b Assumption) Assumption {
	if a == nil || b == nil {
		return nil
	}
	out := Assumption{}
	for k, v := range a {
		if w, ok := b[k]; ok && w == v {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
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
// Users, Groups; RoleName, …), in every branch of that property.
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
	var order []*Attachment
	b.entries(res, prop, raw, func(v *Node, path string, a Assumption) {
		p := b.target(kind, v)
		if p == nil {
			return
		}
		k := key{p, path}
		if old := seen[k]; old != nil {
			old.When = intersect(old.When, a)
			return
		}
		at := &Attachment{Policies: b.policies[res.LogicalID], LogicalID: res.LogicalID, ResourceType: res.Type,
			Path: path, Pos: v.Pos, EndLine: v.lastLine(), When: a}
		seen[k] = at
		order = append(order, at)
		p.Attached = append(p.Attached, at)
	})
	for _, at := range order {
		at.Branch = at.When.String()
	}
}

// entries resolves prop of a resource in every branch its Fn::Ifs allow
// (within the same bound as policies), and visits each entry of the list
// (or the single value) with its path and the branch's assumption (nil
// when it needs none).
func (b *principalBook) entries(res *Resource, prop string, raw *Node, visit func(v *Node, path string, a Assumption)) {
	base := Assumption{}
	if res.Condition != "" {
		if _, known := b.r.Condition(res.Condition, nil); !known {
			base[res.Condition] = true
		}
	}
	prefix := "Resources." + res.LogicalID + ".Properties." + prop
	for _, a := range Assumptions(b.r.Undecided(raw), maxBranchConditions) {
		for k, v := range base {
			a[k] = v
		}
		v := b.r.Resolve(raw, a)
		if v == nil {
			continue
		}
		var when Assumption
		if len(a) > 0 {
			when = a
		}
		if v.Kind != Seq {
			visit(v, prefix, when)
			continue
		}
		for i, it := range v.Items {
			visit(it, prefix+"["+strconv.Itoa(i)+"]", when)
		}
	}
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
	b.entries(res, "Groups", raw, func(v *Node, path string, a Assumption) {
		b.join(u, b.target(GroupPrincipal, v), res, path, v, a)
	})
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
	b.entries(res, "Users", raw, func(v *Node, path string, a Assumption) {
		b.join(b.target(UserPrincipal, v), gp, res, path, v, a)
	})
}

// join records that user u is a member of group gp, as written at at.
func (b *principalBook) join(u, gp *Principal, res *Resource, path string, at *Node, a Assumption) {
	if u == nil || gp == nil {
		return
	}
	for _, m := range u.Groups {
		if m.Group == gp && m.Path == path {
			m.When = intersect(m.When, a)
			m.Branch = m.When.String()
			return
		}
	}
	u.Groups = append(u.Groups, &Membership{Group: gp, LogicalID: res.LogicalID, ResourceType: res.Type, Path: path,
		Pos: at.Pos, EndLine: at.lastLine(), When: a, Branch: a.String()})
}
