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

// MissingParameter returns the first parameter, in the order
// cfn-policy-validator evaluates the resources it reads, that their
// properties refer to and that has neither a value (params) nor a
// default: the tool cannot evaluate the template without it. (It wants a
// value even when there is a default; tollgate takes the default.)
func MissingParameter(x *model.Extracted, params map[string]string, exclude []string) string {
	b := newBuilder(x.Template, x.Values, x.Extraction, exclude)
	missing := func(o *template.Origin) bool {
		if o == nil || o.Parameter == "" {
			return false
		}
		p := x.Template.Parameters[o.Parameter]
		_, given := params[o.Parameter]
		return !given && p != nil && p.Default == nil && !strings.HasPrefix(p.Type, "AWS::SSM::")
	}
	var walk func(n *template.Node, depth int) string
	walk = func(n *template.Node, depth int) string {
		if n == nil || depth > template.MaxDepth {
			return ""
		}
		if n.Kind == template.Unknown && missing(n.Origin) {
			return n.Origin.Parameter
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
		_, parsed := requirements[res.Type]
		_, named := nameProps[res.Type]
		if (!parsed && !named) || b.skipped(res) {
			continue
		}
		props := b.props(res)
		if named && !parsed {
			props = props.Get(nameProps[res.Type])
		}
		if s := walk(props, 0); s != "" {
			return s
		}
	}
	return ""
}
