package template

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const stmt = `{Version: "2012-10-17", Statement: [{Effect: Allow, Principal: "*", Action: "s3:GetObject", Resource: "*"}]}`

// extracted is the comparable summary of an extracted policy.
type extracted struct {
	Kind, Path, Name, Branch string
}

func summarize(ps []*Policy) []extracted {
	out := make([]extracted, len(ps))
	for i, p := range ps {
		out[i] = extracted{p.Kind.String(), p.Path, p.Name, p.Branch}
	}
	return out
}

func TestEveryRegisteredTypeYieldsItsPolicies(t *testing.T) {
	cases := []struct {
		typ   string
		props string
		want  []extracted
	}{
		{"AWS::IAM::Role", "{AssumeRolePolicyDocument: " + stmt + ", Policies: [{PolicyName: p1, PolicyDocument: " + stmt + "}], ManagedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]}",
			[]extracted{{"trust", "Resources.R.Properties.AssumeRolePolicyDocument", "", ""}, {"identity", "Resources.R.Properties.Policies[0].PolicyDocument", "p1", ""}}},
		{"AWS::IAM::User", "{Policies: [{PolicyName: u, PolicyDocument: " + stmt + "}]}", []extracted{{"identity", "Resources.R.Properties.Policies[0].PolicyDocument", "u", ""}}},
		{"AWS::IAM::Group", "{Policies: [{PolicyName: g, PolicyDocument: " + stmt + "}]}", []extracted{{"identity", "Resources.R.Properties.Policies[0].PolicyDocument", "g", ""}}},
		{"AWS::IAM::Policy", "{PolicyName: p, PolicyDocument: " + stmt + "}", []extracted{{"identity", "Resources.R.Properties.PolicyDocument", "p", ""}}},
		{"AWS::IAM::ManagedPolicy", "{ManagedPolicyName: m, PolicyDocument: " + stmt + "}", []extracted{{"identity", "Resources.R.Properties.PolicyDocument", "m", ""}}},
		{"AWS::IAM::RolePolicy", "{PolicyName: p, PolicyDocument: " + stmt + "}", []extracted{{"identity", "Resources.R.Properties.PolicyDocument", "p", ""}}},
		{"AWS::IAM::UserPolicy", "{PolicyName: p, PolicyDocument: " + stmt + "}", []extracted{{"identity", "Resources.R.Properties.PolicyDocument", "p", ""}}},
		{"AWS::IAM::GroupPolicy", "{PolicyName: p, PolicyDocument: " + stmt + "}", []extracted{{"identity", "Resources.R.Properties.PolicyDocument", "p", ""}}},
		{"AWS::SSO::PermissionSet", "{Name: ps, InlinePolicy: " + stmt + "}", []extracted{{"identity", "Resources.R.Properties.InlinePolicy", "ps", ""}}},
		{"AWS::S3::BucketPolicy", "{PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::S3::AccessPoint", "{Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::S3::MultiRegionAccessPointPolicy", "{Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::S3ObjectLambda::AccessPointPolicy", "{PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::S3Express::BucketPolicy", "{PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::S3Express::AccessPoint", "{Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::SQS::QueuePolicy", "{PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::SQS::QueueInlinePolicy", "{PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::SNS::TopicPolicy", "{PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::SNS::TopicInlinePolicy", "{PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::KMS::Key", "{KeyPolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.KeyPolicy", "", ""}}},
		{"AWS::KMS::ReplicaKey", "{KeyPolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.KeyPolicy", "", ""}}},
		{"AWS::Lambda::Permission", "{Action: lambda:InvokeFunction, FunctionName: f, Principal: s3.amazonaws.com}", []extracted{{"resource", "Resources.R.Properties", "", ""}}},
		{"AWS::SecretsManager::ResourcePolicy", "{SecretId: s, ResourcePolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.ResourcePolicy", "", ""}}},
		{"AWS::ECR::Repository", "{RepositoryPolicyText: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.RepositoryPolicyText", "", ""}}},
		{"AWS::ECR::RegistryPolicy", "{PolicyText: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyText", "", ""}}},
		{"AWS::OpenSearchService::Domain", "{AccessPolicies: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.AccessPolicies", "", ""}}},
		{"AWS::Elasticsearch::Domain", "{AccessPolicies: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.AccessPolicies", "", ""}}},
		{"AWS::EFS::FileSystem", "{FileSystemPolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.FileSystemPolicy", "", ""}}},
		{"AWS::Glacier::Vault", "{AccessPolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.AccessPolicy", "", ""}}},
		{"AWS::Backup::BackupVault", "{AccessPolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.AccessPolicy", "", ""}}},
		{"AWS::CodeArtifact::Domain", "{PermissionsPolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PermissionsPolicyDocument", "", ""}}},
		{"AWS::CodeArtifact::Repository", "{PermissionsPolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PermissionsPolicyDocument", "", ""}}},
		{"AWS::Events::EventBus", "{Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::Logs::ResourcePolicy", `{PolicyName: l, PolicyDocument: '{"Version": "2012-10-17", "Statement": []}'}`, []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::Logs::Destination", "{DestinationPolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.DestinationPolicy", "", ""}}},
		{"AWS::DynamoDB::Table", "{ResourcePolicy: {PolicyDocument: " + stmt + "}, StreamSpecification: {ResourcePolicy: {PolicyDocument: " + stmt + "}}}",
			[]extracted{{"resource", "Resources.R.Properties.ResourcePolicy.PolicyDocument", "", ""}, {"resource", "Resources.R.Properties.StreamSpecification.ResourcePolicy.PolicyDocument", "", ""}}},
		{"AWS::DynamoDB::GlobalTable", "{Replicas: [{Region: a, ResourcePolicy: {PolicyDocument: " + stmt + "}}, {Region: b, ReplicaStreamSpecification: {ResourcePolicy: {PolicyDocument: " + stmt + "}}}]}",
			[]extracted{{"resource", "Resources.R.Properties.Replicas[0].ResourcePolicy.PolicyDocument", "", ""}, {"resource", "Resources.R.Properties.Replicas[1].ReplicaStreamSpecification.ResourcePolicy.PolicyDocument", "", ""}}},
		{"AWS::ApiGateway::RestApi", "{Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::Kinesis::ResourcePolicy", "{ResourceArn: x, ResourcePolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.ResourcePolicy", "", ""}}},
		{"AWS::Serverless::Function", "{Policies: [AWSLambdaBasicExecutionRole, " + stmt + ", {S3ReadPolicy: {BucketName: b}}]}", []extracted{{"identity", "Resources.R.Properties.Policies[1]", "RRolePolicy1", ""}, {"identity", "Resources.R.Properties.Policies[2]", "RRolePolicy2", ""}}},
		{"AWS::Serverless::StateMachine", "{Policies: " + stmt + "}", []extracted{{"identity", "Resources.R.Properties.Policies", "RRolePolicy0", ""}}},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.typ] = true
		t.Run(c.typ, func(t *testing.T) {
			tpl := mustParse(t, "p.yaml", fmt.Sprintf("Resources:\n  R:\n    Type: %s\n    Properties: %s\n", c.typ, c.props))
			x := Extract(tpl, NewResolver(tpl, Values{}))
			if len(x.Problems) > 0 {
				t.Fatalf("problems: %+v", x.Problems)
			}
			if diff := cmp.Diff(c.want, summarize(x.Policies)); diff != "" {
				t.Errorf("policies (-want +got):\n%s", diff)
			}
			for _, p := range x.Policies {
				if p.LogicalID != "R" || p.ResourceType != c.typ || p.Document == nil || p.Pos.Line != 4 {
					t.Errorf("policy %+v", p)
				}
				specComplete(t, p)
			}
		})
	}
	var missing []string
	for _, typ := range PolicyResourceTypes() {
		if !covered[typ] {
			missing = append(missing, typ)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("registered types without a test case: %s", strings.Join(missing, ", "))
	}
}

func TestManagedPolicyArnsAreNoted(t *testing.T) {
	tpl := mustParse(t, "m.yaml", "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      ManagedPolicyArns:\n        - arn:aws:iam::aws:policy/AdministratorAccess\n        - !Ref Custom\n  Custom:\n    Type: AWS::IAM::ManagedPolicy\n")
	x := Extract(tpl, NewResolver(tpl, Values{}))
	if len(x.ManagedPolicies) != 2 {
		t.Fatalf("got %d managed policies", len(x.ManagedPolicies))
	}
	if s, _ := x.ManagedPolicies[0].ARN.Str(); s != "arn:aws:iam::aws:policy/AdministratorAccess" || x.ManagedPolicies[0].Path != "Resources.R.Properties.ManagedPolicyArns[0]" {
		t.Errorf("first = %+v", x.ManagedPolicies[0])
	}
	if o := x.ManagedPolicies[1].ARN.Origin; o == nil || o.Resource != "Custom" {
		t.Errorf("second origin = %+v", o)
	}
}

func TestLambdaPermissionBecomesAStatement(t *testing.T) {
	tpl := mustParse(t, "l.yaml", `Resources:
  P:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !GetAtt Fn.Arn
      Principal: events.amazonaws.com
      SourceArn: !GetAtt Rule.Arn
      SourceAccount: !Ref AWS::AccountId
`)
	x := Extract(tpl, NewResolver(tpl, Values{}))
	if len(x.Policies) != 1 {
		t.Fatalf("got %d policies", len(x.Policies))
	}
	p := x.Policies[0]
	got := Describe(p.Document)
	want := `{Version: "2012-10-17", Statement: [{Effect: "Allow", Principal: {Service: "events.amazonaws.com"}, Action: "lambda:InvokeFunction", Resource: !GetAtt Fn.Arn, Condition: {ArnLike: {aws:SourceArn: !GetAtt Rule.Arn}, StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}}}]}`
	if got != want {
		t.Errorf("document:\n got %s\nwant %s", got, want)
	}
	principal := p.Document.Get("Statement").Items[0].Get("Principal").Get("Service")
	if principal.Pos.Line != 7 || !p.Synthesized || p.Attachment != "AWS::Lambda::Function" {
		t.Errorf("principal at %v, synthesized %v, attachment %q", principal.Pos, p.Synthesized, p.Attachment)
	}
	acct := mustParse(t, "l2.yaml", "Resources:\n  P:\n    Type: AWS::Lambda::Permission\n    Properties: {Action: lambda:InvokeFunction, FunctionName: f, Principal: \"111122223333\"}\n")
	doc := Extract(acct, NewResolver(acct, Values{})).Policies[0].Document
	if got := Describe(doc.Get("Statement").Items[0].Get("Principal")); got != `{AWS: "111122223333"}` {
		t.Errorf("account principal = %s", got)
	}
}

func TestConditionsDecideWhichPoliciesExist(t *testing.T) {
	src := `Parameters:
  Env: {Type: String, Default: dev}
  Extra: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  HasExtra: !Not [!Equals [!Ref Extra, ""]]
Resources:
  ProdOnly:
    Type: AWS::IAM::ManagedPolicy
    Condition: IsProd
    Properties: {PolicyDocument: ` + stmt + `}
  Maybe:
    Type: AWS::IAM::ManagedPolicy
    Condition: HasExtra
    Properties: {PolicyDocument: ` + stmt + `}
  Branches:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Description: !If [HasExtra, with, without]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: !If [HasExtra, "s3:*", s3:GetObject]
            Resource: "*"
  SameBranches:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Description: !If [HasExtra, with, without]
      PolicyDocument: ` + stmt + `
`
	tpl := mustParse(t, "c.yaml", src)
	x := Extract(tpl, NewResolver(tpl, Values{}))
	want := []extracted{
		{"identity", "Resources.Maybe.Properties.PolicyDocument", "", "when HasExtra is true"},
		{"identity", "Resources.Branches.Properties.PolicyDocument", "", "when HasExtra is true"},
		{"identity", "Resources.Branches.Properties.PolicyDocument", "", "when HasExtra is false"},
		{"identity", "Resources.SameBranches.Properties.PolicyDocument", "", ""},
	}
	if diff := cmp.Diff(want, summarize(x.Policies)); diff != "" {
		t.Errorf("policies (-want +got):\n%s", diff)
	}
	if got := Describe(x.Policies[1].Document.Get("Statement").Items[0].Get("Action")); got != `"s3:*"` {
		t.Errorf("true branch action = %s", got)
	}
}

func TestJSONStringPoliciesMapToTemplateLines(t *testing.T) {
	src := `Resources:
  L:
    Type: AWS::Logs::ResourcePolicy
    Properties:
      PolicyName: x
      PolicyDocument: |
        {
          "Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Principal": {"Service": "es.amazonaws.com"},
                         "Action": "logs:PutLogEvents", "Resource": "*"}]
        }
  Q:
    Type: AWS::SQS::QueuePolicy
    Properties:
      PolicyDocument: '{"Statement": [{"Effect": "Allow", "Action": "sqs:*"}]}'
  Built:
    Type: AWS::SNS::TopicPolicy
    Properties:
      PolicyDocument: !Sub '{"Statement": [{"Effect": "Allow", "Resource": "${Topic}", "Action": "sns:Publish"}]}'
  Broken:
    Type: AWS::SQS::QueuePolicy
    Properties:
      PolicyDocument: |
        {"Statement": [
          {"Effect": "Allow",}
        ]}
`
	tpl := mustParse(t, "j.yaml", src)
	x := Extract(tpl, NewResolver(tpl, Values{}))
	if len(x.Policies) != 3 {
		t.Fatalf("got %d policies: %+v", len(x.Policies), summarize(x.Policies))
	}
	action := x.Policies[0].Document.Get("Statement").Items[0].Get("Action")
	if s, _ := action.Str(); s != "logs:PutLogEvents" || action.Pos != (Pos{Line: 10, Col: 36}) {
		t.Errorf("block scalar action %q at %v, want line 10 col 36", s, action.Pos)
	}
	q := x.Policies[1].Document.Get("Statement").Items[0].Get("Action")
	if q.Pos.Line != 15 {
		t.Errorf("quoted string action at %v, want line 15", q.Pos)
	}
	res := x.Policies[2].Document.Get("Statement").Items[0].Get("Resource")
	if res.Kind != Unknown || res.Value != "${Topic}" || res.Pos.Line != 19 {
		t.Errorf("built resource = %s at %v", Describe(res), res.Pos)
	}
	if len(x.Problems) != 1 || x.Problems[0].Pos.Line != 25 || !strings.Contains(x.Problems[0].Message, "not valid JSON") {
		t.Errorf("problems = %+v", x.Problems)
	}
}

// specComplete fails when the type's line in resourceSpecs leaves out a
// fact that a policy of this kind needs: every rule and backend reads them
// from there, so a missing one would silently skip a check.
func specComplete(t *testing.T, p *Policy) {
	t.Helper()
	s := SpecOf(p.ResourceType)
	if s == nil {
		t.Fatalf("%s has no resource spec", p.ResourceType)
	}
	switch p.Kind {
	case ResourcePolicy:
		if s.Services == nil {
			t.Errorf("%s: Services is not set: list the services its resource policies may name, or AnyService", s.Type)
		}
		if s.PolicyName == "" {
			t.Errorf("%s: PolicyName is not set: what cfn-policy-validator calls its policy (ResourcePolicy when nothing else)", s.Type)
		}
	case Identity:
		if s.Quota == nil {
			t.Errorf("%s: Quota is not set: the principal whose size quota its identity policies count against ([]QuotaTarget{} for none)", s.Type)
		}
	case Trust:
		if p.Attachment != "AWS::IAM::AssumeRolePolicyDocument" {
			t.Errorf("%s: a trust policy attaches to AWS::IAM::AssumeRolePolicyDocument, got %q", s.Type, p.Attachment)
		}
	}
	if a := p.Attachment; a != "" && strings.Count(a, "::") != 2 {
		t.Errorf("%s: attachment %q is not an IAM Access Analyzer resource type such as AWS::S3::Bucket", s.Type, a)
	}
}

func TestResourceSpecsAreUniqueAndFindPolicies(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range resourceSpecs {
		if seen[s.Type] || len(s.find) == 0 {
			t.Errorf("%s: listed twice or without a finder", s.Type)
		}
		seen[s.Type] = true
	}
}
