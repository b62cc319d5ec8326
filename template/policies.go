package template

import (
	"strconv"
	"strings"
)

// PolicyKind says what a policy governs.
type PolicyKind uint8

// Policy kinds.
const (
	// Identity policies grant their principal (a role, user or group) access.
	Identity PolicyKind = iota
	// Trust policies say who may assume a role.
	Trust
	// ResourcePolicy policies say who may access the resource they are attached to.
	ResourcePolicy
)

func (k PolicyKind) String() string {
	switch k {
	case Trust:
		return "trust"
	case ResourcePolicy:
		return "resource"
	}
	return "identity"
}

// Policy is one IAM policy declared in a template, resolved.
type Policy struct {
	Kind PolicyKind
	// ResourceType and LogicalID name the resource that declares the policy.
	ResourceType string
	LogicalID    string
	// Name is the inline policy name, when it has one.
	Name string
	// Path locates the document in the template, e.g.
	// "Resources.AppRole.Properties.Policies[0].PolicyDocument".
	Path string
	// Document is the resolved policy document, with template positions.
	Document *Node
	// Pos is where the document starts in the template.
	Pos Pos
	// Branch is set when the document depends on conditions that vary even
	// with every parameter at its default (a parameter without a default,
	// the Region): "when IsProd is true". Each branch is its own Policy.
	Branch string
	// When is set when only non-default parameter values reach this
	// document: one assignment that does, "Stage=sandbox". Policies the
	// defaults reach have none.
	When string
	// Merged is set on the policy checked in a merged evaluation, when its
	// combinations of conditions were too many to check one by one; Reach
	// says which conditions each of its values needs.
	Merged *Merge
	// Synthesized marks policies built from resource properties rather than
	// written as documents (AWS::Lambda::Permission).
	Synthesized bool
	// Attachment names the resource policy's target type as IAM Access
	// Analyzer knows it ("AWS::S3::Bucket"), when it has one.
	Attachment string

	// end is the last line of the document as written.
	end int
}

// ManagedPolicyRef is a managed policy ARN attached to a role, user or group.
type ManagedPolicyRef struct {
	LogicalID    string
	ResourceType string
	Path         string
	ARN          *Node
}

// Extraction is every policy of a template.
type Extraction struct {
	Policies        []*Policy
	ManagedPolicies []ManagedPolicyRef
	Problems        []Problem
	// Bounds lists resources whose combinations of conditions were more
	// than are checked one by one.
	Bounds []Bound
}

// policySpec says where the policies of one resource type live.
type policySpec struct {
	typ  string
	find []finder
}

// finder pulls policies out of a resolved Properties node.
type finder func(x *extractor, props *Node, path string)

// policySpecs is the registry of resource types that carry policies. Adding
// a type is one line.
var policySpecs = []policySpec{
	{"AWS::IAM::Role", []finder{doc("AssumeRolePolicyDocument", Trust, ""), inline("Policies", Identity), managed("ManagedPolicyArns")}},
	{"AWS::IAM::User", []finder{inline("Policies", Identity), managed("ManagedPolicyArns")}},
	{"AWS::IAM::Group", []finder{inline("Policies", Identity), managed("ManagedPolicyArns")}},
	{"AWS::IAM::Policy", []finder{named("PolicyDocument", "PolicyName", Identity)}},
	{"AWS::IAM::ManagedPolicy", []finder{named("PolicyDocument", "ManagedPolicyName", Identity)}},
	{"AWS::IAM::RolePolicy", []finder{named("PolicyDocument", "PolicyName", Identity)}},
	{"AWS::IAM::UserPolicy", []finder{named("PolicyDocument", "PolicyName", Identity)}},
	{"AWS::IAM::GroupPolicy", []finder{named("PolicyDocument", "PolicyName", Identity)}},
	{"AWS::SSO::PermissionSet", []finder{named("InlinePolicy", "Name", Identity), managed("ManagedPolicies")}},
	{"AWS::S3::BucketPolicy", []finder{doc("PolicyDocument", ResourcePolicy, "AWS::S3::Bucket")}},
	{"AWS::S3::AccessPoint", []finder{doc("Policy", ResourcePolicy, "AWS::S3::AccessPoint")}},
	{"AWS::S3::MultiRegionAccessPointPolicy", []finder{doc("Policy", ResourcePolicy, "AWS::S3::MultiRegionAccessPoint")}},
	{"AWS::S3ObjectLambda::AccessPointPolicy", []finder{doc("PolicyDocument", ResourcePolicy, "AWS::S3ObjectLambda::AccessPoint")}},
	{"AWS::S3Express::BucketPolicy", []finder{doc("PolicyDocument", ResourcePolicy, "AWS::S3Express::DirectoryBucket")}},
	{"AWS::S3Express::AccessPoint", []finder{doc("Policy", ResourcePolicy, "")}},
	{"AWS::SQS::QueuePolicy", []finder{doc("PolicyDocument", ResourcePolicy, "")}},
	{"AWS::SQS::QueueInlinePolicy", []finder{doc("PolicyDocument", ResourcePolicy, "")}},
	{"AWS::SNS::TopicPolicy", []finder{doc("PolicyDocument", ResourcePolicy, "")}},
	{"AWS::SNS::TopicInlinePolicy", []finder{doc("PolicyDocument", ResourcePolicy, "")}},
	{"AWS::KMS::Key", []finder{doc("KeyPolicy", ResourcePolicy, "")}},
	{"AWS::KMS::ReplicaKey", []finder{doc("KeyPolicy", ResourcePolicy, "")}},
	{"AWS::Lambda::Permission", []finder{lambdaPermission}},
	{"AWS::SecretsManager::ResourcePolicy", []finder{doc("ResourcePolicy", ResourcePolicy, "")}},
	{"AWS::ECR::Repository", []finder{doc("RepositoryPolicyText", ResourcePolicy, "")}},
	{"AWS::ECR::RegistryPolicy", []finder{doc("PolicyText", ResourcePolicy, "")}},
	{"AWS::OpenSearchService::Domain", []finder{doc("AccessPolicies", ResourcePolicy, "")}},
	{"AWS::Elasticsearch::Domain", []finder{doc("AccessPolicies", ResourcePolicy, "")}},
	{"AWS::EFS::FileSystem", []finder{doc("FileSystemPolicy", ResourcePolicy, "")}},
	{"AWS::Glacier::Vault", []finder{doc("AccessPolicy", ResourcePolicy, "")}},
	{"AWS::Backup::BackupVault", []finder{doc("AccessPolicy", ResourcePolicy, "")}},
	{"AWS::CodeArtifact::Domain", []finder{doc("PermissionsPolicyDocument", ResourcePolicy, "")}},
	{"AWS::CodeArtifact::Repository", []finder{doc("PermissionsPolicyDocument", ResourcePolicy, "")}},
	{"AWS::Events::EventBus", []finder{doc("Policy", ResourcePolicy, "")}},
	{"AWS::Logs::ResourcePolicy", []finder{doc("PolicyDocument", ResourcePolicy, "")}},
	{"AWS::Logs::Destination", []finder{doc("DestinationPolicy", ResourcePolicy, "")}},
	{"AWS::DynamoDB::Table", []finder{doc("ResourcePolicy.PolicyDocument", ResourcePolicy, "AWS::DynamoDB::Table"),
		doc("StreamSpecification.ResourcePolicy.PolicyDocument", ResourcePolicy, "AWS::DynamoDB::Stream")}},
	{"AWS::DynamoDB::GlobalTable", []finder{doc("Replicas[].ResourcePolicy.PolicyDocument", ResourcePolicy, "AWS::DynamoDB::Table"),
		doc("Replicas[].ReplicaStreamSpecification.ResourcePolicy.PolicyDocument", ResourcePolicy, "AWS::DynamoDB::Stream")}},
	{"AWS::ApiGateway::RestApi", []finder{doc("Policy", ResourcePolicy, "")}},
	{"AWS::Kinesis::ResourcePolicy", []finder{doc("ResourcePolicy", ResourcePolicy, "")}},
	{"AWS::Serverless::Function", []finder{samPolicies}},
	{"AWS::Serverless::StateMachine", []finder{samPolicies}},
}

var specByType = func() map[string][]finder {
	m := make(map[string][]finder, len(policySpecs))
	for _, s := range policySpecs {
		m[s.typ] = s.find
	}
	return m
}()

// PolicyResourceTypes lists the resource types whose policies are extracted.
func PolicyResourceTypes() []string {
	out := make([]string, len(policySpecs))
	for i, s := range policySpecs {
		out[i] = s.typ
	}
	return out
}

type extractor struct {
	t      *Template
	res    *Resource
	branch string
	out    *Extraction
}

func (x *extractor) add(p *Policy, raw *Node) {
	if raw == nil {
		return
	}
	doc := raw
	if raw.Kind == String || raw.Kind == Unknown {
		parsed, prob := x.t.EmbeddedJSON(raw)
		if prob != nil {
			x.out.Problems = append(x.out.Problems, *prob)
			return
		}
		if parsed != nil {
			doc = parsed
		}
	}
	p.ResourceType = x.res.Type
	p.LogicalID = x.res.LogicalID
	p.Document = doc
	p.Pos = raw.Pos
	p.end = raw.lastLine()
	p.Branch = x.branch
	x.out.Policies = append(x.out.Policies, p)
}

// Extract returns every policy declared in t, resolved with r's values.
// Resources whose Condition no accepted parameter value makes true are
// skipped; a document that depends on conditions yields one policy per
// distinct outcome, labelled with the conditions (Branch) and, when only
// non-default parameter values reach it, with one such assignment (When).
// See variants.go.
func Extract(t *Template, r *Resolver) *Extraction {
	out := &Extraction{}
	e := r.explorer()
	for _, res := range t.Resources {
		finders := specByType[res.Type]
		if finders == nil || res.Properties == nil {
			continue
		}
		e.extractResource(res, finders, out)
	}
	out.Problems = append(out.Problems, selectProblems(t, r)...)
	return out
}

// walkPath visits the values at a dotted property path; a segment ending in
// "[]" visits every item of a list.
func walkPath(n *Node, path, prefix string, visit func(v *Node, path string)) {
	if n == nil {
		return
	}
	if path == "" {
		visit(n, prefix)
		return
	}
	seg, rest, _ := strings.Cut(path, ".")
	if name, ok := strings.CutSuffix(seg, "[]"); ok {
		list := n.Get(name)
		if list == nil || list.Kind != Seq {
			return
		}
		for i, it := range list.Items {
			walkPath(it, rest, prefix+"."+name+"["+strconv.Itoa(i)+"]", visit)
		}
		return
	}
	walkPath(n.Get(seg), rest, prefix+"."+seg, visit)
}

// doc finds one policy document at a property path.
func doc(path string, kind PolicyKind, attachment string) finder {
	return func(x *extractor, props *Node, prefix string) {
		walkPath(props, path, prefix, func(v *Node, p string) {
			x.add(&Policy{Kind: kind, Path: p, Attachment: attachment}, v)
		})
	}
}

// named finds one policy document with a name in a sibling property.
func named(path, nameProp string, kind PolicyKind) finder {
	return func(x *extractor, props *Node, prefix string) {
		name, _ := props.Get(nameProp).Str()
		walkPath(props, path, prefix, func(v *Node, p string) {
			x.add(&Policy{Kind: kind, Path: p, Name: name}, v)
		})
	}
}

// inline finds a list of {PolicyName, PolicyDocument} entries.
func inline(prop string, kind PolicyKind) finder {
	return func(x *extractor, props *Node, prefix string) {
		list := props.Get(prop)
		if list == nil || list.Kind != Seq {
			return
		}
		for i, it := range list.Items {
			name, _ := it.Get("PolicyName").Str()
			d := it.Get("PolicyDocument")
			x.add(&Policy{Kind: kind, Name: name, Path: prefix + "." + prop + "[" + strconv.Itoa(i) + "].PolicyDocument"}, d)
		}
	}
}

// managed records managed policy ARNs attached by a property.
func managed(prop string) finder {
	return func(x *extractor, props *Node, prefix string) {
		list := props.Get(prop)
		if list == nil || list.Kind != Seq {
			return
		}
		for i, it := range list.Items {
			x.out.ManagedPolicies = append(x.out.ManagedPolicies, ManagedPolicyRef{
				LogicalID: x.res.LogicalID, ResourceType: x.res.Type, ARN: it,
				Path: prefix + "." + prop + "[" + strconv.Itoa(i) + "]",
			})
		}
	}
}

// lambdaPermission builds the resource policy statement that an
// AWS::Lambda::Permission adds to its function's policy.
func lambdaPermission(x *extractor, props *Node, prefix string) {
	principal := props.Get("Principal")
	if principal == nil {
		return
	}
	key := "AWS"
	if s, ok := principal.Str(); ok && (strings.HasSuffix(s, ".amazonaws.com") || strings.HasSuffix(s, ".amazonaws.com.cn")) {
		key = "Service"
	}
	str := func(s string, pos Pos) *Node { return &Node{Kind: String, Value: s, Pos: pos, EndLine: pos.Line} }
	stmt := &Node{Kind: Map, Pos: props.Pos, EndLine: props.lastLine()}
	field := func(k string, v *Node) {
		stmt.Fields = append(stmt.Fields, Field{Key: k, KeyPos: v.Pos, Value: v})
	}
	field("Effect", str("Allow", props.Pos))
	field("Principal", &Node{Kind: Map, Pos: principal.Pos, EndLine: principal.lastLine(),
		Fields: []Field{{Key: key, KeyPos: principal.Pos, Value: principal}}})
	if a := props.Get("Action"); a != nil {
		field("Action", a)
	}
	if fn := props.Get("FunctionName"); fn != nil {
		field("Resource", fn)
	}
	cond := &Node{Kind: Map, Pos: props.Pos}
	addCond := func(op, key, prop string) {
		v := props.Get(prop)
		if v == nil {
			return
		}
		opNode := cond.Get(op)
		if opNode == nil {
			cond.Fields = append(cond.Fields, Field{Key: op, KeyPos: v.Pos, Value: &Node{Kind: Map, Pos: v.Pos}})
			opNode = cond.Fields[len(cond.Fields)-1].Value
		}
		opNode.Fields = append(opNode.Fields, Field{Key: key, KeyPos: v.Pos, Value: v})
	}
	addCond("ArnLike", "aws:SourceArn", "SourceArn")
	addCond("StringEquals", "aws:SourceAccount", "SourceAccount")
	addCond("StringEquals", "aws:PrincipalOrgID", "PrincipalOrgID")
	addCond("StringEquals", "lambda:FunctionUrlAuthType", "FunctionUrlAuthType")
	if len(cond.Fields) > 0 {
		field("Condition", cond)
	}
	docNode := &Node{Kind: Map, Pos: props.Pos, EndLine: props.lastLine(), Fields: []Field{
		{Key: "Version", KeyPos: props.Pos, Value: str("2012-10-17", props.Pos)},
		{Key: "Statement", KeyPos: props.Pos, Value: &Node{Kind: Seq, Pos: props.Pos, Items: []*Node{stmt}}},
	}}
	x.add(&Policy{Kind: ResourcePolicy, Path: prefix, Synthesized: true, Attachment: "AWS::Lambda::Function"}, docNode)
}

// samPolicies reads the Policies property of SAM functions and state
// machines: a managed policy name, a document, or a list of either (SAM
// policy templates such as S3ReadPolicy are expanded by SAM and skipped).
func samPolicies(x *extractor, props *Node, prefix string) {
	pol := props.Get("Policies")
	if pol == nil {
		return
	}
	items := []*Node{pol}
	paths := []string{prefix + ".Policies"}
	if pol.Kind == Seq {
		items = pol.Items
		paths = paths[:0]
		for i := range pol.Items {
			paths = append(paths, prefix+".Policies["+strconv.Itoa(i)+"]")
		}
	}
	for i, it := range items {
		switch {
		case it.Kind == String || it.Kind == Unknown:
			x.out.ManagedPolicies = append(x.out.ManagedPolicies, ManagedPolicyRef{
				LogicalID: x.res.LogicalID, ResourceType: x.res.Type, ARN: it, Path: paths[i]})
		case it.Kind == Map && it.Get("Statement") != nil:
			x.add(&Policy{Kind: Identity, Path: paths[i]}, it)
		}
	}
}
