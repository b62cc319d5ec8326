package cfnpv

import (
	"cmp"
	"net/url"
	"strings"

	"github.com/tollgate-dev/tollgate/iamdata/managed"
	"github.com/tollgate-dev/tollgate/template"
)

// resourceKinds say, per resource type cfn-policy-validator reads, what it
// calls the governed resource's type and which property names the
// resource ("" for the declaring resource itself, with nameProp its
// optional name). The policy's name is the resource-type table's
// (template.ResourceSpec.PolicyName), which follows it.
var resourceKinds = map[string]struct {
	target string
	// ref is the property that refers to the governed resource; list is
	// set when it is a list (one resource each).
	ref  string
	list bool
	// nameProp names the declaring resource when ref is "".
	nameProp string
}{
	"AWS::S3::BucketPolicy":                 {"AWS::S3::Bucket", "Bucket", false, ""},
	"AWS::S3::AccessPoint":                  {"AWS::S3::AccessPoint", "", false, "Name"},
	"AWS::S3::MultiRegionAccessPointPolicy": {"AWS::S3::MultiRegionAccessPoint", "MrapName", false, ""},
	"AWS::SQS::QueuePolicy":                 {"AWS::SQS::Queue", "Queues", true, ""},
	"AWS::SNS::TopicPolicy":                 {"AWS::SNS::Topic", "Topics", true, ""},
	"AWS::KMS::Key":                         {"AWS::KMS::Key", "", false, ""},
	"AWS::SecretsManager::ResourcePolicy":   {"AWS::SecretsManager::Secret", "SecretId", false, ""},
	"AWS::ApiGateway::RestApi":              {"AWS::ApiGateway::RestApi", "", false, "Name"},
	"AWS::CodeArtifact::Domain":             {"AWS::CodeArtifact::Domain", "", false, "DomainName"},
	"AWS::Backup::BackupVault":              {"AWS::Backup::BackupVault", "", false, "BackupVaultName"},
	"AWS::S3Express::AccessPoint":           {"AWS::S3Express::AccessPoint", "", false, "Name"},
	"AWS::S3Tables::TableBucketPolicy":      {"AWS::S3Tables::TableBucket", "TableBucketARN", false, ""},
	"AWS::CloudTrail::ResourcePolicy":       {"", "ResourceArn", false, ""},
	// Types cfn-policy-validator does not read; tollgate names them alike.
	"AWS::SQS::QueueInlinePolicy":    {"AWS::SQS::Queue", "Queue", false, ""},
	"AWS::SNS::TopicInlinePolicy":    {"AWS::SNS::Topic", "TopicArn", false, ""},
	"AWS::KMS::ReplicaKey":           {"AWS::KMS::Key", "", false, ""},
	"AWS::ECR::Repository":           {"AWS::ECR::Repository", "", false, "RepositoryName"},
	"AWS::OpenSearchService::Domain": {"AWS::OpenSearchService::Domain", "", false, "DomainName"},
	"AWS::Elasticsearch::Domain":     {"AWS::Elasticsearch::Domain", "", false, "DomainName"},
	"AWS::Glacier::Vault":            {"AWS::Glacier::Vault", "", false, "VaultName"},
	"AWS::CodeArtifact::Repository":  {"AWS::CodeArtifact::Repository", "", false, "RepositoryName"},
	"AWS::Events::EventBus":          {"AWS::Events::EventBus", "", false, "Name"},
	"AWS::Logs::Destination":         {"AWS::Logs::Destination", "", false, "DestinationName"},
	"AWS::DynamoDB::Table":           {"AWS::DynamoDB::Table", "", false, "TableName"},
	"AWS::Kinesis::ResourcePolicy":   {"AWS::Kinesis::Stream", "ResourceArn", false, ""},
}

// resourcePolicies names every resource policy after the resource it
// governs; Lambda permissions of one function become one policy.
func (b *builder) resourcePolicies() {
	functions := map[string]*Resource{}
	acls := map[string]string{}
	aclPolicies := map[string]*template.Policy{}
	var aclOrder []string
	for _, res := range b.sorted() {
		if b.skipped(res) {
			continue
		}
		if res.Type == "AWS::S3::Bucket" {
			if acl, ok := b.props(res).Get("AccessControl").Str(); ok {
				name := b.resourceName(res, "Ref")
				acls[name] = acl
				aclOrder = append(aclOrder, name)
				for _, p := range b.byPath[res.LogicalID] {
					aclPolicies[name] = p
				}
			}
			continue
		}
		var pols []*template.Policy
		for _, p := range b.byPath[res.LogicalID] {
			if p.Kind == template.ResourcePolicy {
				pols = append(pols, p)
			}
		}
		if len(pols) == 0 {
			continue
		}
		props := b.props(res)
		switch res.Type {
		case "AWS::Lambda::Permission":
			b.lambdaPermission(res, props, pols[0], functions, "FunctionName", "AWS::Lambda::Function")
			continue
		case "AWS::Lambda::LayerVersionPermission":
			b.lambdaPermission(res, props, pols[0], functions, "LayerVersionArn", "AWS::Lambda::LayerVersion")
			continue
		}
		k := resourceKinds[res.Type]
		if k.target == "" {
			k.target = cmp.Or(pols[0].Attachment, res.Type)
		}
		policyName := "ResourcePolicy"
		if spec := template.SpecOf(res.Type); spec != nil && spec.PolicyName != "" {
			policyName = spec.PolicyName
		}
		names := []string{b.text(props.Get(k.nameProp), res.LogicalID)}
		if k.ref != "" {
			refs := []*template.Node{props.Get(k.ref)}
			if k.list {
				refs = items(props.Get(k.ref))
			}
			names = names[:0]
			for _, n := range refs {
				names = append(names, b.targetName(n, k.target, res.LogicalID))
			}
		}
		for _, name := range names {
			for _, p := range pols {
				r := &Resource{Name: name, Type: k.target, PolicyName: policyName, Parts: []*template.Policy{p}, Offsets: []int{0},
					order: b.order[res.LogicalID]}
				if vpc, ok := props.Get("VpcConfiguration").Get("VpcId").Str(); ok && strings.Contains(res.Type, "AccessPoint") {
					r.Configuration = map[string]string{"VpcId": vpc}
				}
				b.view.Resources = append(b.view.Resources, r)
			}
		}
	}
	b.bucketACLs(acls, aclPolicies, aclOrder)
}

// bucketACLs adds a bucket's canned ACL to its bucket policy, or makes it
// a resource of its own (with no policy) when it has none: access previews
// weigh both.
func (b *builder) bucketACLs(acls map[string]string, policies map[string]*template.Policy, order []string) {
	for _, name := range order {
		merged := false
		for _, r := range b.view.Resources {
			if r.Type == "AWS::S3::Bucket" && r.Name == name {
				if r.Configuration == nil {
					r.Configuration = map[string]string{}
				}
				r.Configuration["AccessControl"] = acls[name]
				r.ACL = policies[name]
				merged = true
			}
		}
		if !merged {
			b.view.Resources = append(b.view.Resources, &Resource{Name: name, Type: "AWS::S3::Bucket", PolicyName: "BucketAcl",
				Configuration: map[string]string{"AccessControl": acls[name]}, ACL: policies[name]})
		}
	}
}

// lambdaPermission merges a permission into its function's (or layer
// version's) policy: prop names it, target is its type.
func (b *builder) lambdaPermission(res *template.Resource, props *template.Node, p *template.Policy, merged map[string]*Resource, prop, target string) {
	fn := props.Get(prop)
	key, name := b.text(fn, ""), b.targetName(fn, target, res.LogicalID)
	if fn != nil && fn.Origin != nil && fn.Origin.Resource != "" {
		key = "resource " + fn.Origin.Resource
	}
	if key == "" {
		key = "permission " + res.LogicalID
	}
	key = target + " " + key
	r := merged[key]
	if r == nil {
		r = &Resource{Name: name, Type: target, PolicyName: template.SpecOf(res.Type).PolicyName, order: b.order[res.LogicalID]}
		merged[key] = r
		b.view.Resources = append(b.view.Resources, r)
	}
	r.Offsets = append(r.Offsets, len(r.Parts))
	r.Parts = append(r.Parts, p)
}

// targetName names the resource a reference points at, as
// cfn-policy-validator derives it: from a literal name, URL or ARN, or
// from the template resource a Ref or GetAtt names (its name property,
// else its logical ID). fallback names it when nothing else can.
func (b *builder) targetName(n *template.Node, targetType, fallback string) string {
	if n == nil {
		return fallback
	}
	if o := n.Origin; o != nil && o.Resource != "" {
		if res := b.t.Resource(o.Resource); res != nil {
			return b.resourceName(res, o.Func)
		}
	}
	text := b.text(n, "")
	if text == "" {
		return fallback
	}
	switch targetType {
	case "AWS::SQS::Queue":
		if u, err := url.Parse(text); err == nil && strings.Contains(text, "://") {
			if parts := strings.Split(u.Path, "/"); len(parts) > 2 {
				return parts[2]
			}
		}
		return lastField(text, ":")
	case "AWS::SNS::Topic":
		return lastField(text, ":")
	case "AWS::SecretsManager::Secret":
		if _, after, ok := strings.Cut(text, "secret:"); ok {
			return after
		}
	case "AWS::Lambda::Function":
		return functionName(text)
	case "AWS::S3::Bucket":
		if name, ok := strings.CutPrefix(text, "arn:"+b.v.Partition+":s3:::"); ok {
			return name
		}
	case "AWS::Kinesis::Stream":
		return lastField(text, "/")
	case "AWS::S3Tables::TableBucket":
		if _, after, ok := strings.Cut(text, ":bucket/"); ok {
			return after
		}
	case "AWS::CloudTrail::Dashboard", "AWS::CloudTrail::EventDataStore":
		fields := strings.SplitN(text, ":", 6)
		if len(fields) == 6 {
			if _, name, ok := strings.Cut(fields[5], "/"); ok {
				return strings.SplitN(name, "/", 2)[0]
			}
		}
	case "AWS::Lambda::LayerVersion":
		parts := strings.Split(text, ":")
		for i, p := range parts {
			if p == "layer" && i+1 < len(parts) {
				return strings.Join(parts[i+1:], ":")
			}
		}
	}
	return text
}

// resourceName is the name a Ref or GetAtt of a template resource
// carries: its name property for the types whose Ref returns the name,
// else its logical ID.
func (b *builder) resourceName(res *template.Resource, fn string) string {
	if fn == "Ref" && refReturnsARN[res.Type] {
		return res.LogicalID
	}
	if prop, ok := nameProps[res.Type]; ok {
		return b.text(b.props(res).Get(prop), res.LogicalID)
	}
	return res.LogicalID
}

// functionName reads a function's name from its name, partial ARN
// (123456789012:function:name) or ARN.
func functionName(s string) string {
	parts := strings.Split(s, ":")
	for i, p := range parts {
		if strings.EqualFold(p, "function") && i+1 < len(parts) {
			return parts[i+1]
		}
	}
	return s
}

func lastField(s, sep string) string {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[i+len(sep):]
	}
	return s
}

// awsManaged is an AWS managed policy attached by ARN, with its document
// from the embedded data; nil for any other ARN (a customer managed policy
// of the account, which the template does not show).
func (b *builder) awsManaged(arn *template.Node) *Attached {
	text := b.text(arn, "")
	set, err := managed.Embedded()
	if text == "" || err != nil {
		return nil
	}
	p, err := set.Lookup(text)
	if err != nil {
		return nil
	}
	doc, err := p.Node()
	if err != nil {
		return nil
	}
	return &Attached{Name: p.Name, Path: p.Path, ARN: p.ARN(b.v.Partition), Document: doc, AWSManaged: true}
}

// sorted lists the resources in dependency order.
func (b *builder) sorted() []*template.Resource {
	out := make([]*template.Resource, len(b.t.Resources))
	for _, res := range b.t.Resources {
		out[b.order[res.LogicalID]] = res
	}
	return out
}

// dependencyOrder orders resources as cfn-policy-validator processes them:
// each after the resources it references (Ref, Fn::GetAtt, Fn::Sub), in
// template order otherwise. (It visits the references of one resource in
// an order Python's string hashing decides; here they go in the order
// they are written.)
func dependencyOrder(t *template.Template) map[string]int {
	order := make(map[string]int, len(t.Resources))
	visiting := map[string]bool{}
	var visit func(res *template.Resource)
	visit = func(res *template.Resource) {
		if _, done := order[res.LogicalID]; done || visiting[res.LogicalID] {
			return
		}
		visiting[res.LogicalID] = true
		for _, dep := range references(t, res.Node) {
			if d := t.Resource(dep); d != nil && d != res {
				visit(d)
			}
		}
		order[res.LogicalID] = len(order)
	}
	for _, res := range t.Resources {
		visit(res)
	}
	return order
}

// references lists the resources a node refers to, in order of writing.
func references(t *template.Template, n *template.Node) []string {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" && !seen[id] && t.Resource(id) != nil {
			seen[id] = true
			out = append(out, id)
		}
	}
	var walk func(n *template.Node, depth int)
	walk = func(n *template.Node, depth int) {
		if n == nil || depth > template.MaxDepth {
			return
		}
		if fn, arg, ok := n.Intrinsic(); ok {
			switch fn {
			case "Ref":
				id, _ := arg.Str()
				add(id)
			case "Fn::GetAtt":
				if s, ok := arg.Str(); ok {
					id, _, _ := strings.Cut(s, ".")
					add(id)
				} else if arg != nil && arg.Kind == template.Seq && len(arg.Items) > 0 {
					id, _ := arg.Items[0].Str()
					add(id)
				}
			case "Fn::Sub":
				s, ok := arg.Str()
				if !ok && arg != nil && arg.Kind == template.Seq && len(arg.Items) > 0 {
					s, _ = arg.Items[0].Str()
				}
				for _, v := range subVariables(s) {
					id, _, _ := strings.Cut(v, ".")
					add(id)
				}
			}
		}
		for _, f := range n.Fields {
			walk(f.Value, depth+1)
		}
		for _, it := range n.Items {
			walk(it, depth+1)
		}
	}
	walk(n, 0)
	return out
}

// subVariables lists the ${Name} variables of an Fn::Sub string.
func subVariables(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out
		}
		s = s[i+2:]
		j := strings.IndexByte(s, '}')
		if j < 0 {
			return out
		}
		if !strings.HasPrefix(s, "!") {
			out = append(out, s[:j])
		}
		s = s[j+1:]
	}
}
