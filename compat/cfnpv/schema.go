package cfnpv

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/model"
	"github.com/tollgate-dev/tollgate/template"
)

// requirements are the properties cfn-policy-validator requires of the
// resource types it reads (it refuses the template without them), and
// whether the type needs a Properties section at all.
var requirements = map[string]struct {
	properties bool
	required   []string
	// lists are list properties whose items need keys.
	lists map[string][]string
}{
	"AWS::IAM::Role":                        {true, []string{"AssumeRolePolicyDocument"}, map[string][]string{"Policies": {"PolicyDocument", "PolicyName"}}},
	"AWS::IAM::User":                        {false, nil, map[string][]string{"Policies": {"PolicyDocument", "PolicyName"}}},
	"AWS::IAM::Group":                       {false, nil, map[string][]string{"Policies": {"PolicyDocument", "PolicyName"}}},
	"AWS::SSO::PermissionSet":               {true, []string{"Name"}, nil},
	"AWS::IAM::ManagedPolicy":               {true, []string{"PolicyDocument"}, nil},
	"AWS::IAM::Policy":                      {true, []string{"PolicyDocument", "PolicyName"}, nil},
	"AWS::IAM::RolePolicy":                  {true, []string{"PolicyDocument", "PolicyName", "RoleName"}, nil},
	"AWS::IAM::UserPolicy":                  {true, []string{"PolicyDocument", "PolicyName", "UserName"}, nil},
	"AWS::IAM::GroupPolicy":                 {true, []string{"PolicyDocument", "PolicyName", "GroupName"}, nil},
	"AWS::S3::BucketPolicy":                 {true, []string{"Bucket", "PolicyDocument"}, nil},
	"AWS::S3::AccessPoint":                  {true, nil, nil},
	"AWS::S3::MultiRegionAccessPointPolicy": {true, []string{"MrapName", "Policy"}, nil},
	"AWS::SQS::QueuePolicy":                 {true, []string{"PolicyDocument", "Queues"}, nil},
	"AWS::SNS::TopicPolicy":                 {true, []string{"PolicyDocument", "Topics"}, nil},
	"AWS::KMS::Key":                         {true, []string{"KeyPolicy"}, nil},
	"AWS::Lambda::Permission":               {true, []string{"Action", "FunctionName", "Principal"}, nil},
	"AWS::SecretsManager::ResourcePolicy":   {true, []string{"ResourcePolicy", "SecretId"}, nil},
	"AWS::ApiGateway::RestApi":              {true, []string{"Name"}, nil},
	"AWS::CodeArtifact::Domain":             {true, []string{"DomainName"}, nil},
	"AWS::Backup::BackupVault":              {true, []string{"BackupVaultName"}, nil},
	"AWS::S3Express::AccessPoint":           {true, nil, nil},
	"AWS::S3Tables::TableBucketPolicy":      {true, []string{"ResourcePolicy", "TableBucketARN"}, nil},
	"AWS::CloudTrail::ResourcePolicy":       {true, []string{"ResourcePolicy", "ResourceArn"}, nil},
	"AWS::Lambda::LayerVersionPermission":   {true, []string{"Action", "LayerVersionArn", "Principal"}, nil},
}

// checkSchemas finds what cfn-policy-validator would refuse: a required
// property or Properties section missing, in the order it reads
// resources. It words each problem as its schema validation does.
func (b *builder) checkSchemas() {
	for _, res := range b.sorted() {
		req, ok := requirements[res.Type]
		if !ok || b.skipped(res) {
			continue
		}
		base := "Resources." + res.LogicalID
		props := b.props(res)
		if props == nil {
			if req.properties {
				b.problem("'Properties' is a required property, Path: "+base, res.Pos)
			}
			continue
		}
		for _, key := range req.required {
			if props.Get(key) == nil {
				b.problem(fmt.Sprintf("'%s' is a required property, Path: %s.Properties", key, base), props.Pos)
			}
		}
		for list, keys := range req.lists {
			for i, it := range items(props.Get(list)) {
				for _, key := range keys {
					if it.Kind == template.Map && it.Get(key) == nil {
						b.problem(fmt.Sprintf("'%s' is a required property, Path: %s.Properties.%s.%s", key, base, list, strconv.Itoa(i)), it.Pos)
					}
				}
			}
		}
		for _, key := range []string{"Queues", "Topics"} {
			if v := props.Get(key); v != nil && req.required != nil && (v.Kind != template.Seq && v.Kind != template.Unknown) {
				b.problem(fmt.Sprintf("%s is not of type 'array', Path: %s.Properties.%s", pyRepr(v), base, key), v.Pos)
			} else if v != nil && v.Kind == template.Seq && len(v.Items) == 0 {
				b.problem(fmt.Sprintf("[] should be non-empty, Path: %s.Properties.%s", base, key), v.Pos)
			}
		}
	}
}

func (b *builder) problem(msg string, pos template.Pos) {
	b.view.Problems = append(b.view.Problems, Problem{Message: msg, Pos: pos})
}

// pyRepr shows a scalar as Python's repr would in a schema message.
func pyRepr(n *template.Node) string {
	if s, ok := n.Str(); ok {
		return "'" + s + "'"
	}
	return n.Value
}

// evaluated are the properties cfn-policy-validator evaluates of each
// type it reads: a parameter elsewhere in the template does not matter to
// it.
var evaluated = map[string][]string{
	"AWS::IAM::Role":                        {"Path", "RoleName", "AssumeRolePolicyDocument", "Policies", "ManagedPolicyArns"},
	"AWS::IAM::User":                        {"Path", "UserName", "Policies", "ManagedPolicyArns"},
	"AWS::IAM::Group":                       {"Path", "GroupName", "Policies", "ManagedPolicyArns"},
	"AWS::SSO::PermissionSet":               {"Name", "InlinePolicy", "ManagedPolicies"},
	"AWS::IAM::ManagedPolicy":               {"ManagedPolicyName", "PolicyDocument", "Path", "Roles", "Users", "Groups"},
	"AWS::IAM::Policy":                      {"PolicyName", "PolicyDocument", "Roles", "Users", "Groups"},
	"AWS::IAM::RolePolicy":                  {"PolicyName", "PolicyDocument", "RoleName"},
	"AWS::IAM::UserPolicy":                  {"PolicyName", "PolicyDocument", "UserName"},
	"AWS::IAM::GroupPolicy":                 {"PolicyName", "PolicyDocument", "GroupName"},
	"AWS::S3::Bucket":                       {"BucketName", "AccessControl"},
	"AWS::S3::BucketPolicy":                 {"Bucket", "PolicyDocument"},
	"AWS::S3::AccessPoint":                  {"Name", "Policy", "VpcConfiguration"},
	"AWS::S3::MultiRegionAccessPointPolicy": {"MrapName", "Policy"},
	"AWS::SQS::QueuePolicy":                 {"PolicyDocument", "Queues"},
	"AWS::SNS::TopicPolicy":                 {"PolicyDocument", "Topics"},
	"AWS::KMS::Key":                         {"KeyPolicy"},
	"AWS::Lambda::Permission":               {"Action", "FunctionName", "Principal", "SourceAccount", "SourceArn"},
	"AWS::SecretsManager::ResourcePolicy":   {"ResourcePolicy", "SecretId"},
	"AWS::ApiGateway::RestApi":              {"Policy", "Name"},
	"AWS::CodeArtifact::Domain":             {"PermissionsPolicyDocument", "DomainName"},
	"AWS::Backup::BackupVault":              {"AccessPolicy", "BackupVaultName"},
	"AWS::S3Express::AccessPoint":           {"Policy", "Name", "VpcConfiguration"},
	"AWS::S3Tables::TableBucketPolicy":      {"ResourcePolicy", "TableBucketARN"},
	"AWS::CloudTrail::ResourcePolicy":       {"ResourcePolicy", "ResourceArn"},
	"AWS::Lambda::LayerVersionPermission":   {"Action", "LayerVersionArn", "Principal", "OrganizationId"},
}

// MissingParameter returns the first parameter, in the order
// cfn-policy-validator evaluates the resources it reads, that the
// properties it evaluates refer to (directly, or through the name of a
// resource they Ref or GetAtt) and that has neither a value (params) nor a
// default: the tool cannot evaluate the template without it. (It wants a
// value even when there is a default; tollgate takes the default.)
func MissingParameter(x *model.Extracted, params map[string]string, exclude []string) string {
	t := x.Template
	b := newBuilder(t, x.Values, x.Extraction, exclude)
	missing := func(name string) bool {
		p := t.Parameters[name]
		_, given := params[name]
		return !given && p != nil && p.Default == nil && !strings.HasPrefix(p.Type, "AWS::SSM::")
	}
	followed := map[string]bool{}
	var walk func(n *template.Node, depth int) string
	// follow walks the name property of a resource a Ref or GetAtt names.
	follow := func(id string, depth int) string {
		res := t.Resource(id)
		if res == nil || followed[id] {
			return ""
		}
		followed[id] = true
		if prop, ok := nameProps[res.Type]; ok {
			return walk(res.Properties.Get(prop), depth+1)
		}
		return ""
	}
	walk = func(n *template.Node, depth int) string {
		if n == nil || depth > template.MaxDepth {
			return ""
		}
		if fn, arg, ok := n.Intrinsic(); ok {
			var names []string
			switch fn {
			case "Ref":
				name, _ := arg.Str()
				names = []string{name}
			case "Fn::GetAtt":
				if s, ok := arg.Str(); ok {
					id, _, _ := strings.Cut(s, ".")
					names = []string{id}
				} else if arg != nil && arg.Kind == template.Seq && len(arg.Items) > 0 {
					id, _ := arg.Items[0].Str()
					names = []string{id}
				}
			case "Fn::Sub":
				str, ok := arg.Str()
				if !ok && arg != nil && arg.Kind == template.Seq && len(arg.Items) > 0 {
					str, _ = arg.Items[0].Str()
				}
				for _, v := range subVariables(str) {
					if arg.Kind == template.Seq && len(arg.Items) > 1 && arg.Items[1].Get(v) != nil {
						continue // a variable of the Sub's own map
					}
					id, _, _ := strings.Cut(v, ".")
					names = append(names, id)
				}
			}
			for _, name := range names {
				if missing(name) {
					return name
				}
				if s := follow(name, depth); s != "" {
					return s
				}
			}
		}
		for _, it := range n.Items {
			if s := walk(it, depth+1); s != "" {
				return s
			}
		}
		for _, f := range n.Fields {
			if s := walk(f.Value, depth+1); s != "" {
				return s
			}
		}
		return ""
	}
	for _, res := range b.sorted() {
		props, ok := evaluated[res.Type]
		if !ok || b.skipped(res) {
			continue
		}
		for _, prop := range props {
			if s := walk(res.Properties.Get(prop), 0); s != "" {
				return s
			}
		}
	}
	return ""
}
