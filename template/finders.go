package template

import (
	"fmt"
	"strconv"
	"strings"
)

// unchecked records a place whose access tollgate does not read.
func (x *extractor) unchecked(path string, pos Pos, reason string) {
	for _, u := range x.out.Unchecked {
		if u.Path == path && u.Reason == reason {
			return // the same place in another branch
		}
	}
	x.out.Unchecked = append(x.out.Unchecked, Unchecked{LogicalID: x.res.LogicalID, ResourceType: x.res.Type,
		Path: path, Pos: pos, Reason: reason})
}

// invalid records a malformed policy-bearing property.
func (x *extractor) invalid(path string, pos Pos, msg, fix string) {
	x.out.Invalid = append(x.out.Invalid, Invalid{LogicalID: x.res.LogicalID, ResourceType: x.res.Type,
		Path: path, Pos: pos, Branch: x.branch, Message: msg, Fix: fix})
}

// uncheckedTypes are resource types that declare access in a form tollgate
// does not read, with why. Each resource of one is listed in
// Extraction.Unchecked.
var uncheckedTypes = map[string]string{
	"AWS::IoT::Policy":                         "IoT Core policies authorize devices, not IAM principals, and are not checked",
	"AWS::OpenSearchServerless::AccessPolicy":  "OpenSearch Serverless data access policies have their own grammar and are not checked",
	"AWS::RAM::Permission":                     "a RAM permission is a policy template without principals or resources; it is not checked",
	"AWS::EC2::VerifiedAccessEndpoint":         "Verified Access policies are written in Cedar and are not checked",
	"AWS::EC2::VerifiedAccessGroup":            "Verified Access policies are written in Cedar and are not checked",
	"AWS::EntityResolution::PolicyStatement":   "Entity Resolution policy statements are not turned into policies yet and are not checked",
	"AWS::Signer::ProfilePermission":           "Signer profile permissions are not turned into policies yet and are not checked",
	"AWS::ACMPCA::Permission":                  "Private CA permissions are not turned into policies yet and are not checked",
	"AWS::EC2::VPCEndpointServicePermissions":  "the principals an endpoint service allows are not checked",
	"AWS::ODB::OdbNetwork":                     "the service access policies of an Oracle Database@AWS network are not checked",
	"AWS::VerifiedPermissions::Policy":         "Verified Permissions policies are written in Cedar and are not checked",
	"AWS::BedrockAgentCore::Policy":            "Bedrock AgentCore policies are written in Cedar and are not checked",
	"AWS::LakeFormation::Permissions":          "Lake Formation permissions are not checked",
	"AWS::LakeFormation::PrincipalPermissions": "Lake Formation permissions are not checked",
}

// unread records why a resource's access is not read when it has no
// finders (a type of uncheckedTypes) or no Properties (a required property
// is then missing).
func (out *Extraction) unread(t *Template, res *Resource) {
	x := &extractor{t: t, res: res, out: out}
	if reason, ok := uncheckedTypes[res.Type]; ok {
		x.unchecked("Resources."+res.LogicalID, res.Pos, reason)
		return
	}
	spec := SpecOf(res.Type)
	if spec == nil || res.Properties != nil || !checksRequired(t) {
		return
	}
	for _, p := range spec.Required {
		x.invalid("Resources."+res.LogicalID, res.Pos, fmt.Sprintf("%s %s has no Properties, so it has no %s; CloudFormation requires it.", res.Type, res.LogicalID, p),
			"add Properties with "+p)
		return
	}
}

// knownTransforms are the transforms whose output keeps the properties a
// template writes: with any other macro, a property may come from it.
var knownTransforms = map[string]bool{
	"AWS::Serverless-2016-10-31": true, "AWS::LanguageExtensions": true, "AWS::CodeDeployBlueGreen": true,
}

func checksRequired(t *Template) bool {
	for _, tr := range t.Transforms {
		if !knownTransforms[tr] {
			return false
		}
	}
	return true
}

// required reports the required properties a resource leaves out. A
// Properties that is computed, or that a macro fills (Fn::Transform), is
// not judged.
func required(props []string) finder {
	return func(x *extractor, p *Node, prefix string) {
		if p == nil || p.Kind != Map || p.Get("Fn::Transform") != nil || !checksRequired(x.t) {
			return
		}
		pos := p.Pos
		if f := x.res.Node.Field("Properties"); f != nil {
			pos = f.KeyPos
		}
		for _, name := range props {
			if p.Get(name) == nil {
				x.invalid(prefix, pos, fmt.Sprintf("%s %s has no %s; CloudFormation requires it, and the deploy fails.", x.res.Type, x.res.LogicalID, name),
					"add "+name+" to the Properties of "+x.res.LogicalID)
			}
		}
	}
}

// isList reports whether the property prop of props is a list (false too
// when it may be one at deploy time); otherwise it records that it must be.
func (x *extractor) isList(props *Node, prop, prefix, what string) bool {
	f := props.Field(prop)
	if f == nil {
		return false
	}
	n, path := f.Value, prefix+"."+prop
	switch n.Kind {
	case Seq:
		return true
	case Unknown:
		return false
	}
	x.invalid(path, f.KeyPos, fmt.Sprintf("%s must be a list of %s; it is a %s, and CloudFormation rejects the resource.", lastSegment(path), what, n.Kind),
		"write it as a YAML list (each item on a line starting with -)")
	return false
}

func lastSegment(path string) string {
	return path[strings.LastIndexByte(path, '.')+1:]
}

// stmt builds the nodes of a synthesized policy statement.
type stmtBuilder struct {
	n *Node
}

func newStmt(pos Pos, end int) *stmtBuilder {
	return &stmtBuilder{n: &Node{Kind: Map, Pos: pos, EndLine: end}}
}

func (b *stmtBuilder) field(k string, v *Node) {
	b.n.Fields = append(b.n.Fields, Field{Key: k, KeyPos: v.Pos, Value: v})
}

func str(s string, pos Pos) *Node { return &Node{Kind: String, Value: s, Pos: pos, EndLine: pos.Line} }

func strs(pos Pos, ss ...string) *Node {
	l := &Node{Kind: Seq, Pos: pos, EndLine: pos.Line}
	for _, s := range ss {
		l.Items = append(l.Items, str(s, pos))
	}
	return l
}

// document wraps statements into a policy document placed at pos.
func document(pos Pos, end int, stmts ...*Node) *Node {
	return &Node{Kind: Map, Pos: pos, EndLine: end, Fields: []Field{
		{Key: "Version", KeyPos: pos, Value: str("2012-10-17", pos)},
		{Key: "Statement", KeyPos: pos, Value: &Node{Kind: Seq, Pos: pos, EndLine: end, Items: stmts}},
	}}
}

// principalOf turns a permission's Principal property into a policy
// principal: "*", a service, or an account or ARN.
func principalOf(p *Node) *Node {
	if s, ok := p.Str(); ok && s == "*" {
		return p
	}
	key := "AWS"
	if s, ok := p.Str(); ok && (strings.HasSuffix(s, ".amazonaws.com") || strings.HasSuffix(s, ".amazonaws.com.cn")) {
		key = "Service"
	}
	return &Node{Kind: Map, Pos: p.Pos, EndLine: p.lastLine(), Fields: []Field{{Key: key, KeyPos: p.Pos, Value: p}}}
}

// cannedACLs are the canned ACLs of AWS::S3::Bucket AccessControl that let
// principals outside the account in, with the bucket operations each
// grants: READ lists the bucket, WRITE creates, overwrites and deletes its
// objects. AuthenticatedUsers is any AWS account.
var cannedACLs = map[string]struct {
	everyone bool
	write    bool
}{
	"PublicRead":        {everyone: true},
	"PublicReadWrite":   {everyone: true, write: true},
	"AuthenticatedRead": {},
}

// bucketACL turns a public canned ACL of AWS::S3::Bucket into the bucket
// policy that grants the same, judged with the bucket's object ownership
// and public access block: BucketOwnerEnforced disables ACLs (and S3 then
// rejects a public one), BlockPublicAcls makes S3 reject it, and
// IgnorePublicAcls keeps it from taking effect. Without those settings
// written, a bucket created before April 2023 applies the ACL (newer ones
// refuse it), so the grant is reported.
func bucketACL(x *extractor, props *Node, prefix string) {
	ac := props.Get("AccessControl")
	acl, ok := ac.Str()
	if !ok {
		return
	}
	grant, public := cannedACLs[acl]
	if !public {
		return
	}
	path := prefix + ".AccessControl"
	for _, rule := range items(props.Get("OwnershipControls").Get("Rules")) {
		if o, _ := rule.Get("ObjectOwnership").Str(); o == "BucketOwnerEnforced" {
			x.invalid(path, ac.Pos, fmt.Sprintf("AccessControl %s cannot be applied: OwnershipControls BucketOwnerEnforced disables ACLs, so S3 rejects the bucket's ACL and the deploy fails.", acl),
				"remove AccessControl and grant access with a bucket policy")
			return
		}
	}
	block := props.Get("PublicAccessBlockConfiguration")
	if v, _ := block.Get("BlockPublicAcls").Str(); v == "true" {
		x.invalid(path, ac.Pos, fmt.Sprintf("AccessControl %s cannot be applied: PublicAccessBlockConfiguration BlockPublicAcls makes S3 refuse public ACLs, so the deploy fails.", acl),
			"remove AccessControl (the block is the safer setting)")
		return
	}
	if v, _ := block.Get("IgnorePublicAcls").Str(); v == "true" {
		return // the ACL is set and ignored
	}
	principal := str("*", ac.Pos)
	if !grant.everyone {
		principal = &Node{Kind: Map, Pos: ac.Pos, EndLine: ac.Pos.Line, Fields: []Field{{Key: "AWS", KeyPos: ac.Pos, Value: str("*", ac.Pos)}}}
	}
	stmts := []*Node{}
	read := newStmt(ac.Pos, ac.Pos.Line)
	read.field("Effect", str("Allow", ac.Pos))
	read.field("Principal", principal)
	read.field("Action", strs(ac.Pos, "s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"))
	read.field("Resource", str("*", ac.Pos))
	stmts = append(stmts, read.n)
	if grant.write {
		write := newStmt(ac.Pos, ac.Pos.Line)
		write.field("Effect", str("Allow", ac.Pos))
		write.field("Principal", principal)
		write.field("Action", strs(ac.Pos, "s3:PutObject", "s3:DeleteObject"))
		write.field("Resource", str("*", ac.Pos))
		stmts = append(stmts, write.n)
	}
	x.add(&Policy{Kind: ResourcePolicy, Path: path, Name: "BucketAcl", Noun: "bucket ACL " + acl, Synthesized: true,
		Attachment: "AWS::S3::Bucket", Narrow: "remove AccessControl (ACLs are legacy; BucketOwnerEnforced disables them) and grant the access that is meant in a bucket policy, " +
			"or keep PublicAccessBlockConfiguration on"}, document(ac.Pos, ac.Pos.Line, stmts...))
}

// layerPermission builds the statement an AWS::Lambda::LayerVersionPermission
// adds to its layer version's policy: Principal "*" with OrganizationId is
// the accounts of that organization, without it every account.
func layerPermission(x *extractor, props *Node, prefix string) {
	principal := props.Get("Principal")
	if principal == nil {
		return // INVALID_POLICY_PROPERTY reports it
	}
	s := newStmt(props.Pos, props.lastLine())
	s.field("Effect", str("Allow", props.Pos))
	s.field("Principal", principalOf(principal))
	if a := props.Get("Action"); a != nil {
		s.field("Action", a)
	}
	if arn := props.Get("LayerVersionArn"); arn != nil {
		s.field("Resource", arn)
	}
	if org := props.Get("OrganizationId"); org != nil {
		s.field("Condition", &Node{Kind: Map, Pos: org.Pos, EndLine: org.Pos.Line, Fields: []Field{{Key: "StringEquals", KeyPos: org.Pos,
			Value: &Node{Kind: Map, Pos: org.Pos, Fields: []Field{{Key: "aws:PrincipalOrgID", KeyPos: org.Pos, Value: org}}}}}})
	}
	x.add(&Policy{Kind: ResourcePolicy, Path: prefix, Noun: "layer permission", Synthesized: true,
		Narrow: "set OrganizationId to share the layer with your organization only, or name one account in Principal"}, document(props.Pos, props.lastLine(), s.n))
}

// eventBusPolicy reads an AWS::Events::EventBusPolicy: a Statement written
// out, or the older Action, Principal and Condition properties
// (Condition {Type: StringEquals, Key: aws:PrincipalOrgID, Value: o-...}).
func eventBusPolicy(x *extractor, props *Node, prefix string) {
	if st := props.Get("Statement"); st != nil {
		if st.Kind == String || (st.Kind == Unknown && len(st.Items) > 0) {
			if parsed, prob := x.t.EmbeddedJSON(st); prob != nil {
				x.out.Problems = append(x.out.Problems, *prob)
				return
			} else if parsed != nil {
				st = parsed
			}
		}
		if st.Kind == Unknown {
			x.add(&Policy{Kind: ResourcePolicy, Path: prefix + ".Statement"}, st)
			return
		}
		x.add(&Policy{Kind: ResourcePolicy, Path: prefix + ".Statement", Noun: "event bus policy"}, document(st.Pos, st.lastLine(), st))
		return
	}
	principal := props.Get("Principal")
	if principal == nil {
		x.invalid(prefix, props.Pos, fmt.Sprintf("AWS::Events::EventBusPolicy %s has neither Statement nor Principal; CloudFormation requires one of them.", x.res.LogicalID),
			"write the policy's Statement (Effect, Principal, Action, Resource)")
		return
	}
	s := newStmt(props.Pos, props.lastLine())
	s.field("Effect", str("Allow", props.Pos))
	s.field("Principal", principalOf(principal))
	if a := props.Get("Action"); a != nil {
		s.field("Action", a)
	}
	s.field("Resource", str("*", props.Pos))
	if c := props.Get("Condition"); c != nil {
		op, _ := c.Get("Type").Str()
		key, _ := c.Get("Key").Str()
		if v := c.Get("Value"); op != "" && key != "" && v != nil {
			s.field("Condition", &Node{Kind: Map, Pos: c.Pos, EndLine: c.lastLine(), Fields: []Field{{Key: op, KeyPos: c.Pos,
				Value: &Node{Kind: Map, Pos: c.Pos, Fields: []Field{{Key: key, KeyPos: c.Pos, Value: v}}}}}})
		}
	}
	x.add(&Policy{Kind: ResourcePolicy, Path: prefix, Noun: "event bus policy", Synthesized: true,
		Narrow: "name one account in Principal, or add Condition: {Type: StringEquals, Key: aws:PrincipalOrgID, Value: o-...}"}, document(props.Pos, props.lastLine(), s.n))
}

// cloudTrailPolicy reads an AWS::CloudTrail::ResourcePolicy; its ARN says
// whether it governs a channel, an event data store or a dashboard.
func cloudTrailPolicy(x *extractor, props *Node, prefix string) {
	attachment := ""
	if arn, ok := props.Get("ResourceArn").Str(); ok {
		fields := strings.SplitN(arn, ":", 6)
		if len(fields) == 6 {
			switch kind, _, _ := strings.Cut(fields[5], "/"); kind {
			case "eventdatastore":
				attachment = "AWS::CloudTrail::EventDataStore"
			case "dashboard":
				attachment = "AWS::CloudTrail::Dashboard"
			}
		}
	}
	doc("ResourcePolicy", ResourcePolicy, attachment)(x, props, prefix)
}

// kinesisPolicy reads an AWS::Kinesis::ResourcePolicy, which governs a
// stream or, when its ARN says so, a stream consumer.
func kinesisPolicy(x *extractor, props *Node, prefix string) {
	attachment := "AWS::Kinesis::Stream"
	if arn, ok := props.Get("ResourceArn").Str(); ok && strings.Contains(arn, "/consumer/") {
		attachment = "AWS::Kinesis::StreamConsumer"
	}
	doc("ResourcePolicy", ResourcePolicy, attachment)(x, props, prefix)
}

// orgPolicy reads the policies of AWS::Organizations::Policy that are
// written in the IAM policy language: service control policies cap what
// the accounts' principals may do, resource control policies what may be
// done to their resources. Tag, backup and other policies are not IAM
// policies.
func orgPolicy(x *extractor, props *Node, prefix string) {
	typ, ok := props.Get("Type").Str()
	if !ok {
		return
	}
	switch typ {
	case "SERVICE_CONTROL_POLICY":
		x.add(&Policy{Kind: Identity, Path: prefix + ".Content", Noun: "service control policy"}, props.Get("Content"))
	case "RESOURCE_CONTROL_POLICY":
		x.add(&Policy{Kind: ResourcePolicy, Path: prefix + ".Content", Noun: "resource control policy"}, props.Get("Content"))
	}
}

// stackSet records the template an AWS::CloudFormation::StackSet deploys,
// to be checked as a template; one at a URL is listed as not checked.
func stackSet(x *extractor, props *Node, prefix string) {
	body := props.Get("TemplateBody")
	switch {
	case body != nil && body.Kind == String:
		et := EmbeddedTemplate{LogicalID: x.res.LogicalID, ResourceType: x.res.Type, Path: prefix + ".TemplateBody", Body: body}
		for _, p := range items(props.Get("Parameters")) {
			k, ok1 := p.Get("ParameterKey").Str()
			v, ok2 := p.Get("ParameterValue").Str()
			if ok1 && ok2 {
				if et.Parameters == nil {
					et.Parameters = map[string]string{}
				}
				et.Parameters[k] = v
			}
		}
		for _, e := range x.out.Templates {
			if e.Path == et.Path && Equal(e.Body, et.Body) {
				return // the same body in another branch
			}
		}
		x.out.Templates = append(x.out.Templates, et)
	case body != nil:
		x.unchecked(prefix+".TemplateBody", body.Pos, "the StackSet's template is built at deploy time ("+Describe(body)+"), so it is not checked; "+
			"write it as one string, or check the template file it comes from")
	case props.Get("TemplateURL") != nil:
		u := props.Get("TemplateURL")
		x.unchecked(prefix+".TemplateURL", u.Pos, "the StackSet's template is at "+Describe(u)+", so it is not checked; check that template where it is built")
	}
}

// nestedStack records the local template file a nested stack names, as it
// is before aws cloudformation package uploads it; a URL is listed as not
// checked.
func nestedStack(prop string) finder {
	return func(x *extractor, props *Node, prefix string) {
		u := props.Get(prop)
		if u == nil {
			return
		}
		path := prefix + "." + prop
		s, ok := u.Str()
		switch {
		case !ok && u.Kind == Map && prop == "Location":
			x.unchecked(path, u.Pos, "the application comes from the AWS Serverless Application Repository, so its template is not checked")
		case !ok:
			x.unchecked(path, u.Pos, "the nested stack's template is named at deploy time ("+Describe(u)+"), so it is not checked")
		case isURL(s):
			x.unchecked(path, u.Pos, "the nested stack's template is at "+s+", so it is not checked here; check the template file it is built from "+
				"(a local TemplateURL, as aws cloudformation package takes it, is checked)")
		default:
			for _, n := range x.out.Nested {
				if n.LogicalID == x.res.LogicalID && n.File == s {
					return // the same file in another branch
				}
			}
			x.out.Nested = append(x.out.Nested, NestedTemplate{LogicalID: x.res.LogicalID, ResourceType: x.res.Type, Path: path, Pos: u.Pos, File: s})
		}
	}
}

func isURL(s string) bool {
	i := strings.Index(s, "://")
	return i > 0 && !strings.ContainsAny(s[:i], "/.")
}

// samApiPolicy lists the resource policy SAM generates for an
// AWS::Serverless::Api from Auth.ResourcePolicy as not checked.
func samApiPolicy(x *extractor, props *Node, prefix string) {
	if rp := props.Get("Auth").Get("ResourcePolicy"); rp != nil {
		x.unchecked(prefix+".Auth.ResourcePolicy", rp.Pos, "SAM writes the API's resource policy from these settings at deploy time; it is not checked. "+
			"Run sam build and check .aws-sam/build/template.yaml, or write the policy in the API's DefinitionBody")
	}
}

// items returns the items of a list node, nil for anything else.
func items(n *Node) []*Node {
	if n == nil || n.Kind != Seq {
		return nil
	}
	return n.Items
}

// indexPath is a path with a list index.
func indexPath(prefix, prop string, i int) string {
	return prefix + "." + prop + "[" + strconv.Itoa(i) + "]"
}
