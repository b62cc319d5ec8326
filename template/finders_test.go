package template

import (
	"strings"
	"testing"
)

func extractOne(t *testing.T, src string) *Extraction {
	t.Helper()
	tpl := mustParse(t, "f.yaml", src)
	return Extract(tpl, NewResolver(tpl, Values{}))
}

// TestBucketACLsAreJudgedWithOwnershipAndTheBlock covers every way a canned
// ACL can end: granted, rejected by S3 (an ERROR), ignored, or not public.
func TestBucketACLsAreJudgedWithOwnershipAndTheBlock(t *testing.T) {
	cases := []struct {
		name, props     string
		policy, invalid bool
	}{
		{"public, nothing switches it off", "{AccessControl: PublicRead}", true, false},
		{"public, ACLs enabled and the block off", "{AccessControl: PublicReadWrite, OwnershipControls: {Rules: [{ObjectOwnership: ObjectWriter}]}, PublicAccessBlockConfiguration: {BlockPublicAcls: false, IgnorePublicAcls: false}}", true, false},
		{"authenticated users", "{AccessControl: AuthenticatedRead}", true, false},
		{"ACLs disabled", "{AccessControl: PublicRead, OwnershipControls: {Rules: [{ObjectOwnership: BucketOwnerEnforced}]}}", false, true},
		{"public ACLs blocked", "{AccessControl: PublicRead, PublicAccessBlockConfiguration: {BlockPublicAcls: true}}", false, true},
		{"public ACLs ignored", "{AccessControl: PublicRead, PublicAccessBlockConfiguration: {IgnorePublicAcls: true}}", false, false},
		{"private", "{AccessControl: Private}", false, false},
		{"log delivery", "{AccessControl: LogDeliveryWrite}", false, false},
		{"from a parameter", "{AccessControl: !Ref Acl}", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := extractOne(t, "Parameters:\n  Acl: {Type: String}\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: "+c.props+"\n")
			if got := len(x.Policies) == 1; got != c.policy {
				t.Errorf("policy = %v, want %v", summarize(x.Policies), c.policy)
			}
			if got := len(x.Invalid) == 1; got != c.invalid {
				t.Errorf("invalid = %+v, want %v", x.Invalid, c.invalid)
			}
			if c.policy {
				p := x.Policies[0]
				if !p.Synthesized || p.Attachment != "AWS::S3::Bucket" || p.Pos.Line != 6 || p.Path != "Resources.B.Properties.AccessControl" {
					t.Errorf("policy %+v", p)
				}
			}
		})
	}
	x := extractOne(t, "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: {AccessControl: PublicReadWrite}\n")
	if got := Describe(x.Policies[0].Document.Get("Statement")); !strings.Contains(got, `"s3:PutObject"`) || !strings.Contains(got, `Principal: "*"`) {
		t.Errorf("PublicReadWrite statements = %s", got)
	}
}

func TestPermissionsBecomeStatements(t *testing.T) {
	x := extractOne(t, `Resources:
  Layer:
    Type: AWS::Lambda::LayerVersionPermission
    Properties: {Action: lambda:GetLayerVersion, LayerVersionArn: l, Principal: "*", OrganizationId: o-a1b2c3d4e5}
  Bus:
    Type: AWS::Events::EventBusPolicy
    Properties:
      StatementId: org
      Action: events:PutEvents
      Principal: "*"
      Condition: {Type: StringEquals, Key: aws:PrincipalOrgID, Value: o-a1b2c3d4e5}
`)
	want := []string{
		`{Version: "2012-10-17", Statement: [{Effect: "Allow", Principal: "*", Action: "lambda:GetLayerVersion", Resource: "l", Condition: {StringEquals: {aws:PrincipalOrgID: "o-a1b2c3d4e5"}}}]}`,
		`{Version: "2012-10-17", Statement: [{Effect: "Allow", Principal: "*", Action: "events:PutEvents", Resource: "*", Condition: {StringEquals: {aws:PrincipalOrgID: "o-a1b2c3d4e5"}}}]}`,
	}
	if len(x.Policies) != 2 {
		t.Fatalf("policies %+v", summarize(x.Policies))
	}
	for i, w := range want {
		if got := Describe(x.Policies[i].Document); got != w {
			t.Errorf("policy %d:\n got %s\nwant %s", i, got, w)
		}
	}
}

func TestMalformedPolicyPropertiesAreInvalid(t *testing.T) {
	x := extractOne(t, `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      Policies: [arn:aws:iam::aws:policy/ReadOnlyAccess, {PolicyName: p}]
      ManagedPolicyArns: [ReadOnlyAccess, !Ref Custom, "{{resolve:ssm:/policy/arn}}"]
  Custom:
    Type: AWS::IAM::ManagedPolicy
  Empty:
    Type: AWS::IAM::Role
`)
	var got []string
	for _, p := range x.Invalid {
		got = append(got, p.LogicalID+" "+p.Path)
	}
	want := "Role Resources.Role.Properties, Role Resources.Role.Properties.Policies[0], Role Resources.Role.Properties.Policies[1], " +
		"Role Resources.Role.Properties.ManagedPolicyArns[0], Custom Resources.Custom, Empty Resources.Empty"
	if strings.Join(got, ", ") != want {
		t.Errorf("invalid:\n got %s\nwant %s", strings.Join(got, ", "), want)
	}
	if len(x.ManagedPolicies) != 2 {
		t.Errorf("managed policies %+v: the ARN-shaped ones are kept", x.ManagedPolicies)
	}
}

func TestRequiredPropertiesAreNotJudgedWhereAMacroMayWriteThem(t *testing.T) {
	for _, src := range []string{
		"Transform: MyCompanyMacro\nResources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties: {Description: d}\n",
		"Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      Fn::Transform: {Name: AWS::Include, Parameters: {Location: s3://b/role.yaml}}\n",
		"Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties: !ImportValue role-properties\n",
	} {
		if x := extractOne(t, src); len(x.Invalid) > 0 {
			t.Errorf("%s: invalid %+v", src, x.Invalid)
		}
	}
}

func TestStackSetTemplatesAndNestedStacksAreCollected(t *testing.T) {
	x := extractOne(t, `Resources:
  Set:
    Type: AWS::CloudFormation::StackSet
    Properties:
      StackSetName: s
      PermissionModel: SELF_MANAGED
      Parameters: [{ParameterKey: Env, ParameterValue: prod}]
      TemplateBody: |
        Resources:
          Q: {Type: AWS::SQS::Queue}
  Built:
    Type: AWS::CloudFormation::StackSet
    Properties: {StackSetName: b, PermissionModel: SELF_MANAGED, TemplateBody: !GetAtt Maker.Body}
  Child:
    Type: AWS::CloudFormation::Stack
    Properties: {TemplateURL: ./child.yaml}
  Remote:
    Type: AWS::CloudFormation::Stack
    Properties: {TemplateURL: "https://s3.amazonaws.com/b/t.yaml"}
  App:
    Type: AWS::Serverless::Application
    Properties: {Location: {ApplicationId: arn:aws:serverlessrepo:us-east-1:123456789012:applications/x, SemanticVersion: 1.0.0}}
`)
	if len(x.Templates) != 1 || x.Templates[0].Parameters["Env"] != "prod" || x.Templates[0].Body.Pos.Line != 8 {
		t.Errorf("templates %+v", x.Templates)
	}
	if len(x.Nested) != 1 || x.Nested[0].File != "./child.yaml" {
		t.Errorf("nested %+v", x.Nested)
	}
	var places []string
	for _, u := range x.Unchecked {
		places = append(places, u.Path)
	}
	if got := strings.Join(places, ", "); got != "Resources.Built.Properties.TemplateBody, Resources.Remote.Properties.TemplateURL, Resources.App.Properties.Location" {
		t.Errorf("unchecked: %s", got)
	}
}

func TestAttachmentsComeFromTheARNWhereTheTypeServesSeveral(t *testing.T) {
	x := extractOne(t, `Resources:
  Stream:
    Type: AWS::Kinesis::ResourcePolicy
    Properties: {ResourceArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/s", ResourcePolicy: {Statement: []}}
  Consumer:
    Type: AWS::Kinesis::ResourcePolicy
    Properties: {ResourceArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/s/consumer/c:1", ResourcePolicy: {Statement: []}}
  Dashboard:
    Type: AWS::CloudTrail::ResourcePolicy
    Properties: {ResourceArn: "arn:aws:cloudtrail:eu-west-1:123456789012:dashboard/d", ResourcePolicy: {Statement: []}}
  Channel:
    Type: AWS::CloudTrail::ResourcePolicy
    Properties: {ResourceArn: !GetAtt C.ChannelArn, ResourcePolicy: {Statement: []}}
`)
	var got []string
	for _, p := range x.Policies {
		got = append(got, p.Attachment)
	}
	if want := "AWS::Kinesis::Stream AWS::Kinesis::StreamConsumer AWS::CloudTrail::Dashboard "; strings.Join(got, " ") != want {
		t.Errorf("attachments %q, want %q", strings.Join(got, " "), want)
	}
}
