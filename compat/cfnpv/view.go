// Package cfnpv models a template as cfn-policy-validator sees it: the
// principals (roles, users, groups, permission sets) with the policies
// attached to each, the resources with their resource policies, and the
// policies attached to nothing. It names every policy as that tool does
// (resourceName, policyName), orders them as it validates them, and
// builds its output shapes (the validate report and the parse output)
// from a tollgate result. It does no I/O; the command line that speaks its
// flags is compat/cfnpv/command.
package cfnpv

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/model"
	"github.com/tollgate-dev/tollgate/template"
)

// Kinds of target: what a policy is reported under.
const (
	KindOrphan        = "orphan"
	KindRole          = "role"
	KindUser          = "user"
	KindGroup         = "group"
	KindPermissionSet = "permission set"
	KindResource      = "resource"
)

// Orphan is the resourceName of policies attached to no principal of the
// template.
const Orphan = "No resource attached"

// View is a template as cfn-policy-validator's parsers read it.
type View struct {
	Roles, Users, Groups, PermissionSets []*Principal
	Resources                            []*Resource
	// Orphaned are identity policies attached to no principal of the
	// template (a managed policy nobody uses, a policy for a role of
	// another stack).
	Orphaned []*Attached
	// Problems are what cfn-policy-validator would refuse the template for
	// (a required property missing, a property of the wrong type).
	Problems []Problem
}

// Principal is a role, user, group or permission set of the template.
type Principal struct {
	Kind string
	// Name is the RoleName (UserName, GroupName, permission set Name),
	// else the logical ID; Path the IAM path ("/" by default).
	Name, Path string
	LogicalID  string
	// Trust is a role's trust policy.
	Trust *template.Policy
	// Policies are attached in the order cfn-policy-validator attaches
	// them: inline policies, ManagedPolicyArns, then the policies of other
	// resources that name the principal.
	Policies []*Attached
	// order is the principal's place in dependency order.
	order int
}

// Attached is one policy attached to a principal (or to none).
type Attached struct {
	// Name is the policy name cfn-policy-validator reports: the inline
	// policy's PolicyName, a managed policy's ManagedPolicyName or
	// logical ID, an AWS managed policy's name, InlinePolicy for a
	// permission set.
	Name string
	Path string
	// Policy is the template's policy; nil for a managed policy the
	// template does not declare (ARN holds its ARN, Document its document
	// when it is an AWS managed policy tollgate knows).
	Policy     *template.Policy
	ARN        string
	Document   *template.Node
	AWSManaged bool
	// order is the declaring resource's place in dependency order.
	order int
}

// Resource is a resource policy and the resource it governs, named as
// cfn-policy-validator names them.
type Resource struct {
	// Name is the governed resource's name (the bucket's, queue's,
	// function's); Type its resource type (AWS::S3::Bucket);
	// PolicyName what the tool calls the policy (BucketPolicy).
	Name, Type, PolicyName string
	// Parts are the template policies that make up the resource's policy:
	// one, or every AWS::Lambda::Permission of a function, merged in
	// order; Offsets the index of each part's first statement.
	Parts   []*template.Policy
	Offsets []int
	// ACL is the bucket ACL tollgate reads as a policy: findings on it
	// are the bucket's, but it is no part of the bucket policy's document.
	ACL *template.Policy
	// Configuration holds what the tool passes along (an access point's
	// VpcId).
	Configuration map[string]string
	order         int
}

// Problem is a reason cfn-policy-validator would reject the template,
// with tollgate's position.
type Problem struct {
	// Message is in the tool's wording ("'PolicyDocument' is a required
	// property, Path: Resources.P.Properties").
	Message string
	Pos     template.Pos
}

// Values are what names are resolved with: the account, Region and
// partition of the run.
type Values = template.Values

// cpvTypes are the resource types cfn-policy-validator parses, and the
// policy name it gives each type's resource policy. Types tollgate reads
// beyond these keep the name the resource-type table gives them.
var identityTypes = map[string]string{
	"AWS::IAM::Role": KindRole, "AWS::IAM::User": KindUser, "AWS::IAM::Group": KindGroup, "AWS::SSO::PermissionSet": KindPermissionSet,
	"AWS::Serverless::Function": KindRole, "AWS::Serverless::StateMachine": KindRole,
}

// nameProps are the properties that hold the name Ref returns for common
// resource types (the rest return their logical ID, or an ARN).
var nameProps = map[string]string{
	"AWS::S3::Bucket": "BucketName", "AWS::Lambda::Function": "FunctionName", "AWS::IAM::Role": "RoleName",
	"AWS::IAM::User": "UserName", "AWS::IAM::Group": "GroupName", "AWS::SQS::Queue": "QueueName",
	"AWS::SSM::Parameter": "Name", "AWS::Backup::BackupVault": "BackupVaultName", "AWS::S3Tables::TableBucket": "TableBucketName",
	"AWS::ApiGateway::RestApi": "Name", "AWS::CloudTrail::EventDataStore": "Name", "AWS::CloudTrail::Dashboard": "Name",
	"AWS::S3Express::AccessPoint": "Name", "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
}

// refReturnsARN lists the types whose Ref is an ARN (named after the
// logical ID when the tool makes one up).
var refReturnsARN = map[string]bool{
	"AWS::SNS::Topic": true, "AWS::SecretsManager::Secret": true, "AWS::IAM::ManagedPolicy": true,
	"AWS::Lambda::LayerVersion": true, "AWS::Lambda::Version": true, "AWS::Lambda::Alias": true,
	"AWS::IAM::OIDCProvider": true, "AWS::IAM::SAMLProvider": true, "AWS::StepFunctions::StateMachine": true,
}

// Build reads a template as cfn-policy-validator would, from tollgate's
// extraction of it; exclude are the resource types left out
// (--exclude-resource-types).
func Build(t *template.Template, v Values, x *template.Extraction, exclude []string) *View {
	b := newBuilder(t, v, x, exclude)
	b.checkSchemas()
	return b.view
}

// newBuilder reads the principals, their policies and the resource
// policies of a template.
func newBuilder(t *template.Template, v Values, x *template.Extraction, exclude []string) *builder {
	return newBuilderWith(&builder{}, t, v, x, exclude)
}

// newBuilderWith builds on b's settings (origins).
func newBuilderWith(b *builder, t *template.Template, v Values, x *template.Extraction, exclude []string) *builder {
	if v.Partition == "" {
		v.Partition = template.PartitionOf(v.Region)
	}
	b.t, b.r, b.v, b.x, b.byPath = t, template.NewResolver(t, v), v, x, map[string][]*template.Policy{}
	b.order, b.principals, b.exclude, b.view = dependencyOrder(t), map[string]*Principal{}, exclude, &View{}
	for _, p := range x.Policies {
		b.byPath[p.LogicalID] = append(b.byPath[p.LogicalID], p)
	}
	b.principalsOf()
	b.attachIdentityPolicies()
	b.resourcePolicies()
	return b
}

type builder struct {
	t     *template.Template
	r     *template.Resolver
	v     Values
	x     *template.Extraction
	view  *View
	order map[string]int
	// byPath holds the extracted policies of each logical ID.
	byPath     map[string][]*template.Policy
	principals map[string]*Principal
	attached   map[*template.Policy]bool
	exclude    []string
	// resolved caches each resource's resolved properties.
	resolved map[*template.Resource]*template.Node
	// origins names what only deployment can tell by its origin
	// ("app-<AWS::Region>") rather than as the tool would (tollgate
	// policies).
	origins bool
}

// props returns a resource's resolved properties (nil when it has none).
func (b *builder) props(res *template.Resource) *template.Node {
	if res == nil || res.Properties == nil {
		return nil
	}
	if n, ok := b.resolved[res]; ok {
		return n
	}
	if b.resolved == nil {
		b.resolved = map[*template.Resource]*template.Node{}
	}
	n := b.r.Resolve(res.Properties, nil)
	b.resolved[res] = n
	return n
}

// policiesOf returns the extracted policies of a resource whose path
// starts with prefix (relative to its Properties).
func (b *builder) policiesOf(logicalID, prop string) []*template.Policy {
	prefix := "Resources." + logicalID + ".Properties"
	if prop != "" {
		prefix += "." + prop
	}
	var out []*template.Policy
	for _, p := range b.byPath[logicalID] {
		if p.Path == prefix || strings.HasPrefix(p.Path, prefix+".") || strings.HasPrefix(p.Path, prefix+"[") {
			out = append(out, p)
		}
	}
	return out
}

// principalsOf collects the roles, users, groups and permission sets with
// the policies declared on them.
func (b *builder) principalsOf() {
	for _, res := range b.t.Resources {
		kind, ok := identityTypes[res.Type]
		if !ok || b.skipped(res) {
			continue
		}
		props := b.props(res)
		p := &Principal{Kind: kind, LogicalID: res.LogicalID, Path: "/", order: b.order[res.LogicalID]}
		nameProp := map[string]string{KindRole: "RoleName", KindUser: "UserName", KindGroup: "GroupName", KindPermissionSet: "Name"}[kind]
		p.Name = b.text(props.Get(nameProp), res.LogicalID)
		if path, ok := props.Get("Path").Str(); ok {
			p.Path = path
		}
		for _, pol := range b.byPath[res.LogicalID] {
			switch {
			case pol.Kind == template.Trust:
				p.Trust = pol
			case res.Type == "AWS::SSO::PermissionSet":
				p.Policies = append(p.Policies, &Attached{Name: "InlinePolicy", Path: "/", Policy: pol})
			default:
				p.Policies = append(p.Policies, &Attached{Name: b.inlineName(pol), Path: "/", Policy: pol})
			}
		}
		b.principals[res.LogicalID] = p
		switch kind {
		case KindRole:
			b.view.Roles = append(b.view.Roles, p)
		case KindUser:
			b.view.Users = append(b.view.Users, p)
		case KindGroup:
			b.view.Groups = append(b.view.Groups, p)
		case KindPermissionSet:
			b.view.PermissionSets = append(b.view.PermissionSets, p)
		}
	}
}

// inlineName is the name of a policy declared on a principal or by a
// policy resource: its PolicyName (ManagedPolicyName) as the tool
// evaluates it, else the logical ID.
func (b *builder) inlineName(p *template.Policy) string {
	if p.Name != "" {
		return p.Name
	}
	res := b.t.Resource(p.LogicalID)
	props := b.props(res)
	rel := strings.TrimPrefix(p.Path, "Resources."+p.LogicalID+".Properties.")
	var name *template.Node
	switch {
	case strings.HasPrefix(rel, "Policies["):
		i, err := strconv.Atoi(rel[len("Policies["):max(strings.IndexByte(rel, ']'), len("Policies["))])
		if list := items(props.Get("Policies")); err == nil && i < len(list) {
			name = list[i].Get("PolicyName")
		}
	case rel == "PolicyDocument":
		name = props.Get("PolicyName")
		if res != nil && res.Type == "AWS::IAM::ManagedPolicy" {
			name = props.Get("ManagedPolicyName")
		}
	}
	return b.text(name, p.LogicalID)
}

// skipped reports whether a resource is not created (its Condition is
// false) or not read (its type is excluded).
func (b *builder) skipped(res *template.Resource) bool {
	if slices.Contains(b.exclude, res.Type) {
		return true
	}
	if res.Condition != "" {
		if v, known := b.r.Condition(res.Condition, nil); known && !v {
			return true
		}
	}
	return false
}

// attachIdentityPolicies attaches ManagedPolicyArns entries, and the
// policies of AWS::IAM::Policy, ManagedPolicy and Role/User/GroupPolicy
// resources, to the principals they name; the rest are orphans.
func (b *builder) attachIdentityPolicies() {
	b.attached = map[*template.Policy]bool{}
	managed := map[string]*Attached{} // a template managed policy by logical ID
	for _, res := range b.t.Resources {
		if res.Type != "AWS::IAM::ManagedPolicy" {
			continue
		}
		for _, pol := range b.byPath[res.LogicalID] {
			path := "/"
			if s, ok := b.props(res).Get("Path").Str(); ok {
				path = s
			}
			managed[res.LogicalID] = &Attached{Name: b.inlineName(pol), Path: path, Policy: pol, order: b.order[res.LogicalID]}
		}
	}
	for _, m := range b.x.ManagedPolicies {
		p := b.principals[m.LogicalID]
		if p == nil {
			continue
		}
		if o := m.ARN.Origin; o != nil && o.Resource != "" && managed[o.Resource] != nil {
			b.attach(p, managed[o.Resource])
			continue
		}
		if a := b.awsManaged(m.ARN); a != nil {
			p.Policies = append(p.Policies, a)
		}
	}
	for _, res := range b.t.Resources {
		switch res.Type {
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
			pols := b.byPath[res.LogicalID]
			if len(pols) == 0 {
				continue
			}
			props := b.props(res)
			a := managed[res.LogicalID]
			if a == nil {
				a = &Attached{Name: b.inlineName(pols[0]), Path: "/", Policy: pols[0], order: b.order[res.LogicalID]}
			}
			for _, key := range []string{"Roles", "Users", "Groups"} {
				for _, it := range items(props.Get(key)) {
					if p := b.principalNamed(it, map[string]string{"Roles": KindRole, "Users": KindUser, "Groups": KindGroup}[key]); p != nil {
						b.attach(p, a)
					}
				}
			}
			b.orphan(a)
		case "AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy", "AWS::IAM::GroupPolicy":
			pols := b.byPath[res.LogicalID]
			if len(pols) == 0 {
				continue
			}
			kind := map[string]string{"AWS::IAM::RolePolicy": KindRole, "AWS::IAM::UserPolicy": KindUser, "AWS::IAM::GroupPolicy": KindGroup}[res.Type]
			prop := map[string]string{KindRole: "RoleName", KindUser: "UserName", KindGroup: "GroupName"}[kind]
			a := &Attached{Name: b.inlineName(pols[0]), Path: "/", Policy: pols[0], order: b.order[res.LogicalID]}
			if p := b.principalNamed(b.props(res).Get(prop), kind); p != nil {
				b.attach(p, a)
			}
			b.orphan(a)
		}
	}
}

// attach adds a policy to a principal once.
func (b *builder) attach(p *Principal, a *Attached) {
	for _, have := range p.Policies {
		if have == a {
			return
		}
	}
	p.Policies = append(p.Policies, a)
	b.attached[a.Policy] = true
}

// orphan records a policy that no principal of the template took.
func (b *builder) orphan(a *Attached) {
	if !b.attached[a.Policy] {
		b.view.Orphaned = append(b.view.Orphaned, a)
	}
}

// principalNamed finds the principal of a kind that a Roles (Users,
// Groups, RoleName) entry names: by Ref, or by its name.
func (b *builder) principalNamed(n *template.Node, kind string) *Principal {
	if n == nil {
		return nil
	}
	if o := n.Origin; o != nil && o.Resource != "" {
		if p := b.principals[o.Resource]; p != nil && p.Kind == kind {
			return p
		}
		return nil
	}
	name, ok := n.Str()
	if !ok {
		return nil
	}
	for _, res := range b.t.Resources {
		if p := b.principals[res.LogicalID]; p != nil && p.Kind == kind && p.Name == name &&
			(kind != KindRole || res.Type == "AWS::IAM::Role") {
			return p
		}
	}
	return nil
}

// items returns a list's items; nil for anything else.
func items(n *template.Node) []*template.Node {
	if n == nil || n.Kind != template.Seq {
		return nil
	}
	return n.Items
}

// Attachment says where a policy applies, as cfn-policy-validator reports
// it: Kind is role, user, group, permission set, resource or orphan (for a
// policy attached to nothing, Name then being Orphan); Type is the
// principal's or governed resource's type; PolicyName what the policy is
// called there. Boundary marks a principal the policy is the permissions
// boundary of.
type Attachment struct {
	Kind, Name, Type, PolicyName string
	// LogicalID is the principal's or governed resource's, when the
	// template declares it.
	LogicalID string
	Boundary  bool
}

// Attachments lists, for every policy of a template, where it applies;
// names only deployment can tell are shown by their origin.
func Attachments(x *model.Extracted) map[*template.Policy][]Attachment {
	b := newBuilderWith(&builder{origins: true}, x.Template, x.Values, x.Extraction, nil)
	out := map[*template.Policy][]Attachment{}
	boundaries := map[string][]Attachment{}
	for _, list := range [][]*Principal{b.view.Roles, b.view.Users, b.view.Groups, b.view.PermissionSets} {
		for _, p := range list {
			typ := ""
			if res := x.Template.Resource(p.LogicalID); res != nil {
				typ = res.Type
			}
			if p.Trust != nil {
				out[p.Trust] = append(out[p.Trust], Attachment{Kind: p.Kind, Name: p.Name, Type: typ, PolicyName: "TrustPolicy", LogicalID: p.LogicalID})
			}
			if res := x.Template.Resource(p.LogicalID); res != nil {
				if fn, arg, ok := res.Properties.Get("PermissionsBoundary").Intrinsic(); ok && fn == "Ref" {
					id, _ := arg.Str()
					boundaries[id] = append(boundaries[id], Attachment{Kind: p.Kind, Name: p.Name, Type: typ, Boundary: true, LogicalID: p.LogicalID})
				}
			}
			for _, a := range p.Policies {
				if a.Policy != nil {
					out[a.Policy] = append(out[a.Policy], Attachment{Kind: p.Kind, Name: p.Name, Type: typ, PolicyName: a.Name, LogicalID: p.LogicalID})
				}
			}
		}
	}
	for _, r := range b.view.Resources {
		parts := r.Parts
		if r.ACL != nil {
			parts = append(parts[:len(parts):len(parts)], r.ACL)
		}
		for _, part := range parts {
			name := r.PolicyName
			if part == r.ACL {
				name = "BucketAcl"
			}
			out[part] = append(out[part], Attachment{Kind: KindResource, Name: r.Name, Type: r.Type, PolicyName: name})
		}
	}
	for _, a := range b.view.Orphaned {
		out[a.Policy] = append(out[a.Policy], Attachment{Kind: KindOrphan, Name: Orphan, PolicyName: a.Name})
	}
	for _, p := range x.Extraction.Policies {
		if p.ResourceType != "AWS::IAM::ManagedPolicy" || len(boundaries[p.LogicalID]) == 0 {
			continue
		}
		// A boundary is no orphan: it bounds the principals that name it.
		name := b.inlineName(p)
		out[p] = slices.DeleteFunc(out[p], func(a Attachment) bool { return a.Kind == KindOrphan })
		for _, a := range boundaries[p.LogicalID] {
			a.PolicyName = name
			out[p] = append(out[p], a)
		}
	}
	return out
}
