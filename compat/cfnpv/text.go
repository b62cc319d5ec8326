package cfnpv

import (
	"strings"

	"github.com/tollgate-dev/tollgate/template"
)

// text renders a resolved scalar as cfn-policy-validator would evaluate it:
// known text as is, pseudo parameters as it fills them in (StackName for
// AWS::StackName), a Ref or GetAtt of a template resource as the name or
// ARN it makes up for it. fallback is returned for anything it could not
// know either (a parameter without a value, an import).
func (b *builder) text(n *template.Node, fallback string) string {
	if s, ok := b.textOf(n, 0); ok {
		return s
	}
	if b.origins && n != nil && n.Kind == template.Unknown {
		return OriginText(n)
	}
	return fallback
}

func (b *builder) textOf(n *template.Node, depth int) (string, bool) {
	if n == nil || depth > 8 {
		return "", false
	}
	if s, ok := n.Str(); ok {
		return s, true
	}
	if n.Kind == template.Number || n.Kind == template.Bool {
		return n.Value, true
	}
	if n.Kind != template.Unknown {
		return "", false
	}
	if len(n.Items) > 0 {
		var sb strings.Builder
		for _, part := range n.Items {
			s, ok := b.textOf(part, depth+1)
			if !ok {
				return "", false
			}
			sb.WriteString(s)
		}
		return sb.String(), true
	}
	o := n.Origin
	if o == nil {
		return "", false
	}
	switch o.Pseudo {
	case "":
	case "AWS::StackName":
		return "StackName", true
	case "AWS::StackId":
		return b.arn("cloudformation", b.v.Region, "stack/StackName/00000000-0000-0000-0000-000000000000"), b.v.AccountID != ""
	case "AWS::AccountId":
		return b.v.AccountID, b.v.AccountID != ""
	case "AWS::Region":
		return b.v.Region, b.v.Region != ""
	default:
		return "", false
	}
	if o.Resource == "" {
		return "", false
	}
	res := b.t.Resource(o.Resource)
	if res == nil {
		return "", false
	}
	if o.Func == "Ref" && !refReturnsARN[res.Type] {
		if res.Type == "AWS::SQS::Queue" {
			return "https://sqs." + b.v.Region + ".amazonaws.com/" + b.v.AccountID + "/" + b.resourceName(res, "Ref"), true
		}
		return b.resourceName(res, "Ref"), true
	}
	if o.Func == "Ref" || strings.HasSuffix(o.Attribute, "Arn") {
		return b.fakeARN(res, o.Func), true
	}
	return "", false
}

// arn builds an ARN in the run's partition and account.
func (b *builder) arn(service, region, resource string) string {
	return "arn:" + b.v.Partition + ":" + service + ":" + region + ":" + b.v.AccountID + ":" + resource
}

// fakeARN makes up the ARN of a template resource, as well-formed as the
// ones cfn-policy-validator generates: the resource's name where it has
// one, its logical ID otherwise.
func (b *builder) fakeARN(res *template.Resource, fn string) string {
	name := b.resourceName(res, "Fn::GetAtt")
	if fn == "Ref" {
		name = res.LogicalID
	}
	r := b.v.Region
	path := func() string {
		if p, ok := b.props(res).Get("Path").Str(); ok {
			return strings.TrimPrefix(p, "/")
		}
		return ""
	}
	switch res.Type {
	case "AWS::S3::Bucket":
		return "arn:" + b.v.Partition + ":s3:::" + name
	case "AWS::IAM::Role":
		return b.arn("iam", "", "role/"+path()+name)
	case "AWS::IAM::User":
		return b.arn("iam", "", "user/"+path()+name)
	case "AWS::IAM::Group":
		return b.arn("iam", "", "group/"+path()+name)
	case "AWS::IAM::ManagedPolicy":
		return b.arn("iam", "", "policy/"+path()+b.resourceName(res, "Fn::GetAtt"))
	case "AWS::SQS::Queue":
		return b.arn("sqs", r, name)
	case "AWS::SNS::Topic":
		return b.arn("sns", r, res.LogicalID)
	case "AWS::Lambda::Function":
		return b.arn("lambda", r, "function:"+name)
	case "AWS::KMS::Key":
		return b.arn("kms", r, "key/"+res.LogicalID)
	case "AWS::SecretsManager::Secret":
		return b.arn("secretsmanager", r, "secret:"+res.LogicalID)
	case "AWS::DynamoDB::Table":
		return b.arn("dynamodb", r, "table/"+res.LogicalID)
	case "AWS::Logs::LogGroup":
		return b.arn("logs", r, "log-group:"+res.LogicalID)
	case "AWS::StepFunctions::StateMachine":
		return b.arn("states", r, "stateMachine:"+res.LogicalID)
	case "AWS::S3::AccessPoint":
		return b.arn("s3", r, "accesspoint/"+b.text(b.props(res).Get("Name"), res.LogicalID))
	}
	service, typ := "cloudformation", "resource"
	if parts := strings.Split(res.Type, "::"); len(parts) == 3 {
		service, typ = strings.ToLower(parts[1]), strings.ToLower(parts[2])
	}
	return b.arn(service, r, typ+"/"+res.LogicalID)
}

// OriginText shows a value known only at deploy time by where it comes
// from: "<GetAtt Queue.Arn>", "arn:aws:s3:::<Ref Bucket>/*",
// "<resolve:ssm:/app/role>", "<ImportValue shared-BucketArn>".
func OriginText(n *template.Node) string {
	if len(n.Items) > 0 {
		var sb strings.Builder
		for _, p := range n.Items {
			if s, ok := p.Str(); ok {
				sb.WriteString(s)
				continue
			}
			sb.WriteString(OriginText(p))
		}
		return sb.String()
	}
	switch o := n.Origin; {
	case o == nil:
	case o.Pseudo != "":
		return "<" + o.Pseudo + ">"
	case o.Resource != "" && o.Attribute != "":
		return "<GetAtt " + o.Resource + "." + o.Attribute + ">"
	case o.Resource != "":
		return "<Ref " + o.Resource + ">"
	case o.Parameter != "":
		return "<Ref " + o.Parameter + ">"
	}
	if strings.HasPrefix(n.Value, "<") && strings.HasSuffix(n.Value, ">") {
		return n.Value // already its origin: <resolve:ssm:/x>, <Rain::Constant c>
	}
	desc := strings.TrimPrefix(n.Value, "!")
	desc = strings.TrimSuffix(strings.TrimPrefix(desc, "{{"), "}}")
	if inner, ok := strings.CutPrefix(desc, "${"); ok {
		desc = "Ref " + strings.TrimSuffix(inner, "}")
	}
	return "<" + desc + ">"
}
