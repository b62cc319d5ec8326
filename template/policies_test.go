package template

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
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
		{"AWS::IAM::RolePolicy", "{RoleName: r, PolicyName: p, PolicyDocument: " + stmt + "}", []extracted{{"identity", "Resources.R.Properties.PolicyDocument", "p", ""}}},
		{"AWS::IAM::UserPolicy", "{UserName: u, PolicyName: p, PolicyDocument: " + stmt + "}", []extracted{{"identity", "Resources.R.Properties.PolicyDocument", "p", ""}}},
		{"AWS::IAM::GroupPolicy", "{GroupName: g, PolicyName: p, PolicyDocument: " + stmt + "}", []extracted{{"identity", "Resources.R.Properties.PolicyDocument", "p", ""}}},
		{"AWS::SSO::PermissionSet", "{InstanceArn: i, Name: ps, InlinePolicy: " + stmt + "}", []extracted{{"identity", "Resources.R.Properties.InlinePolicy", "ps", ""}}},
		{"AWS::S3::BucketPolicy", "{Bucket: b, PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::S3::AccessPoint", "{Bucket: b, Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::S3::MultiRegionAccessPointPolicy", "{MrapName: m, Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::S3ObjectLambda::AccessPointPolicy", "{ObjectLambdaAccessPoint: o, PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::S3Express::BucketPolicy", "{Bucket: b, PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::S3Express::AccessPoint", "{Bucket: b, Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::SQS::QueuePolicy", "{Queues: [q], PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::SQS::QueueInlinePolicy", "{Queue: q, PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::SNS::TopicPolicy", "{Topics: [t], PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::SNS::TopicInlinePolicy", "{TopicArn: t, PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::KMS::Key", "{KeyPolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.KeyPolicy", "", ""}}},
		{"AWS::KMS::ReplicaKey", "{PrimaryKeyArn: k, KeyPolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.KeyPolicy", "", ""}}},
		{"AWS::Lambda::Permission", "{Action: lambda:InvokeFunction, FunctionName: f, Principal: s3.amazonaws.com}", []extracted{{"resource", "Resources.R.Properties", "", ""}}},
		{"AWS::SecretsManager::ResourcePolicy", "{SecretId: s, ResourcePolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.ResourcePolicy", "", ""}}},
		{"AWS::ECR::Repository", "{RepositoryPolicyText: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.RepositoryPolicyText", "", ""}}},
		{"AWS::ECR::RegistryPolicy", "{PolicyText: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyText", "", ""}}},
		{"AWS::OpenSearchService::Domain", "{AccessPolicies: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.AccessPolicies", "", ""}}},
		{"AWS::Elasticsearch::Domain", "{AccessPolicies: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.AccessPolicies", "", ""}}},
		{"AWS::EFS::FileSystem", "{FileSystemPolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.FileSystemPolicy", "", ""}}},
		{"AWS::Glacier::Vault", "{AccessPolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.AccessPolicy", "", ""}}},
		{"AWS::Backup::BackupVault", "{BackupVaultName: b, AccessPolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.AccessPolicy", "", ""}}},
		{"AWS::CodeArtifact::Domain", "{DomainName: d, PermissionsPolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PermissionsPolicyDocument", "", ""}}},
		{"AWS::CodeArtifact::Repository", "{RepositoryName: r, DomainName: d, PermissionsPolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PermissionsPolicyDocument", "", ""}}},
		{"AWS::Events::EventBus", "{Name: e, Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::Logs::ResourcePolicy", `{PolicyName: l, PolicyDocument: '{"Version": "2012-10-17", "Statement": []}'}`, []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::Logs::Destination", "{DestinationName: d, TargetArn: t, RoleArn: r, DestinationPolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.DestinationPolicy", "", ""}}},
		{"AWS::DynamoDB::Table", "{KeySchema: [], ResourcePolicy: {PolicyDocument: " + stmt + "}, StreamSpecification: {ResourcePolicy: {PolicyDocument: " + stmt + "}}}",
			[]extracted{{"resource", "Resources.R.Properties.ResourcePolicy.PolicyDocument", "", ""}, {"resource", "Resources.R.Properties.StreamSpecification.ResourcePolicy.PolicyDocument", "", ""}}},
		{"AWS::DynamoDB::GlobalTable", "{Replicas: [{Region: a, ResourcePolicy: {PolicyDocument: " + stmt + "}}, {Region: b, ReplicaStreamSpecification: {ResourcePolicy: {PolicyDocument: " + stmt + "}}}]}",
			[]extracted{{"resource", "Resources.R.Properties.Replicas[0].ResourcePolicy.PolicyDocument", "", ""}, {"resource", "Resources.R.Properties.Replicas[1].ReplicaStreamSpecification.ResourcePolicy.PolicyDocument", "", ""}}},
		{"AWS::ApiGateway::RestApi", "{Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::Kinesis::ResourcePolicy", "{ResourceArn: x, ResourcePolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.ResourcePolicy", "", ""}}},
		{"AWS::S3::Bucket", "{AccessControl: PublicRead}", []extracted{{"resource", "Resources.R.Properties.AccessControl", "BucketAcl", ""}}},
		{"AWS::S3Outposts::BucketPolicy", "{Bucket: b, PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::S3Outposts::AccessPoint", "{Bucket: b, Name: n, VpcConfiguration: {VpcId: v}, Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::S3Tables::TableBucketPolicy", "{TableBucketARN: a, ResourcePolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.ResourcePolicy", "", ""}}},
		{"AWS::S3Tables::TablePolicy", "{TableARN: a, ResourcePolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.ResourcePolicy", "", ""}}},
		{"AWS::S3Vectors::VectorBucketPolicy", "{Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::S3Files::FileSystemPolicy", "{FileSystemId: f, Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::FSx::S3AccessPointAttachment", "{Name: n, Type: OPENZFS, S3AccessPoint: {Policy: " + stmt + "}}", []extracted{{"resource", "Resources.R.Properties.S3AccessPoint.Policy", "", ""}}},
		{"AWS::Omics::SequenceStore", "{Name: n, S3AccessPolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.S3AccessPolicy", "", ""}}},
		{"AWS::Lambda::LayerVersionPermission", "{Action: lambda:GetLayerVersion, LayerVersionArn: l, Principal: '*', OrganizationId: o-a1b2c3d4e5}", []extracted{{"resource", "Resources.R.Properties", "", ""}}},
		{"AWS::CloudTrail::ResourcePolicy", "{ResourceArn: 'arn:aws:cloudtrail:us-east-1:123456789012:eventdatastore/x', ResourcePolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.ResourcePolicy", "", ""}}},
		{"AWS::Events::EventBusPolicy", "{StatementId: s, Statement: {Effect: Allow, Principal: '*', Action: events:PutEvents, Resource: '*'}}", []extracted{{"resource", "Resources.R.Properties.Statement", "", ""}}},
		{"AWS::EC2::VPCEndpoint", "{VpcId: v, ServiceName: s, PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::ECR::PublicRepository", "{RepositoryPolicyText: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.RepositoryPolicyText", "", ""}}},
		{"AWS::ECR::RepositoryCreationTemplate", "{Prefix: p, AppliedFor: [PULL_THROUGH_CACHE], RepositoryPolicy: '" + `{"Version": "2012-10-17", "Statement": []}` + "'}", []extracted{{"resource", "Resources.R.Properties.RepositoryPolicy", "", ""}}},
		{"AWS::ApiGateway::DomainNameV2", "{Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::Backup::LogicallyAirGappedBackupVault", "{BackupVaultName: b, MinRetentionDays: 7, MaxRetentionDays: 30, AccessPolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.AccessPolicy", "", ""}}},
		{"AWS::Logs::LogGroup", "{ResourcePolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.ResourcePolicyDocument", "", ""}}},
		{"AWS::Logs::DeliveryDestination", "{Name: n, DeliveryDestinationPolicy: {DeliveryDestinationName: n, DeliveryDestinationPolicy: " + stmt + "}}", []extracted{{"resource", "Resources.R.Properties.DeliveryDestinationPolicy.DeliveryDestinationPolicy", "", ""}}},
		{"AWS::APS::ResourcePolicy", "{WorkspaceArn: w, PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::Bedrock::ResourcePolicy", "{ResourceArn: a, PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::DSQL::Cluster", "{PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::EventSchemas::RegistryPolicy", "{RegistryName: r, Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::Lex::ResourcePolicy", "{ResourceArn: a, Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::MSK::ClusterPolicy", "{ClusterArn: a, Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::MediaPackageV2::ChannelPolicy", "{ChannelGroupName: g, ChannelName: c, Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::MediaPackageV2::OriginEndpointPolicy", "{ChannelGroupName: g, ChannelName: c, OriginEndpointName: o, Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::MediaStore::Container", "{ContainerName: c, Policy: '" + `{"Version": "2012-10-17", "Statement": []}` + "'}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::MediaTailor::ChannelPolicy", "{ChannelName: c, Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::OSIS::Pipeline", "{MaxUnits: 2, MinUnits: 1, PipelineConfigurationBody: b, PipelineName: p, ResourcePolicy: {Policy: " + stmt + "}}", []extracted{{"resource", "Resources.R.Properties.ResourcePolicy.Policy", "", ""}}},
		{"AWS::Oam::Sink", "{Name: n, Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::RUM::AppMonitor", "{Name: n, ResourcePolicy: {PolicyDocument: '" + `{"Version": "2012-10-17", "Statement": []}` + "'}}", []extracted{{"resource", "Resources.R.Properties.ResourcePolicy.PolicyDocument", "", ""}}},
		{"AWS::SMSVOICE::ResourcePolicy", "{ResourceArn: a, PolicyDocument: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::SSM::ResourcePolicy", "{ResourceArn: a, Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::SageMaker::ModelPackageGroup", "{ModelPackageGroupName: m, ModelPackageGroupPolicy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.ModelPackageGroupPolicy", "", ""}}},
		{"AWS::VpcLattice::AuthPolicy", "{ResourceIdentifier: r, Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::VpcLattice::ResourcePolicy", "{ResourceArn: a, Policy: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Policy", "", ""}}},
		{"AWS::XRay::ResourcePolicy", "{PolicyName: x, PolicyDocument: '" + `{"Version": "2012-10-17", "Statement": []}` + "'}", []extracted{{"resource", "Resources.R.Properties.PolicyDocument", "", ""}}},
		{"AWS::AIOps::InvestigationGroup", "{Name: n, InvestigationGroupPolicy: '" + `{"Version": "2012-10-17", "Statement": []}` + "'}", []extracted{{"resource", "Resources.R.Properties.InvestigationGroupPolicy", "", ""}}},
		{"AWS::Comprehend::DocumentClassifier", "{DocumentClassifierName: d, DataAccessRoleArn: r, InputDataConfig: {}, LanguageCode: en, ModelPolicy: '" + `{"Version": "2012-10-17", "Statement": []}` + "'}", []extracted{{"resource", "Resources.R.Properties.ModelPolicy", "", ""}}},
		{"AWS::Organizations::ResourcePolicy", "{Content: " + stmt + "}", []extracted{{"resource", "Resources.R.Properties.Content", "", ""}}},
		{"AWS::Organizations::Policy", "{Name: n, Type: SERVICE_CONTROL_POLICY, Content: " + stmt + "}", []extracted{{"identity", "Resources.R.Properties.Content", "", ""}}},
		{"AWS::EKS::PodIdentityAssociation", "{ClusterName: c, RoleArn: r, Namespace: n, ServiceAccount: s, Policy: '" + `{"Version": "2012-10-17", "Statement": []}` + "'}", []extracted{{"identity", "Resources.R.Properties.Policy", "s", ""}}},
		{"AWS::Transfer::User", "{Role: r, ServerId: s, UserName: u, Policy: '" + `{"Version": "2012-10-17", "Statement": []}` + "'}", []extracted{{"identity", "Resources.R.Properties.Policy", "u", ""}}},
		{"AWS::RolesAnywhere::Profile", "{Name: n, RoleArns: [r], SessionPolicy: '" + `{"Version": "2012-10-17", "Statement": []}` + "'}", []extracted{{"identity", "Resources.R.Properties.SessionPolicy", "n", ""}}},
		{"AWS::CloudFormation::StackSet", "{StackSetName: s, PermissionModel: SELF_MANAGED, TemplateBody: 'Resources: {}'}", nil},
		{"AWS::CloudFormation::Stack", "{TemplateURL: nested.yaml}", nil},
		{"AWS::Serverless::Application", "{Location: app.yaml}", nil},
		{"AWS::Serverless::Api", "{StageName: prod}", nil},
		{"AWS::Serverless::Function", "{Policies: [AWSLambdaBasicExecutionRole, " + stmt + ", {S3ReadPolicy: {BucketName: b}}]}", []extracted{{"identity", "Resources.R.Properties.Policies[1]", "RRolePolicy1", ""}, {"identity", "Resources.R.Properties.Policies[2]", "RRolePolicy2", ""}}},
		{"AWS::Serverless::StateMachine", "{Policies: " + stmt + "}", []extracted{{"identity", "Resources.R.Properties.Policies", "RRolePolicy0", ""}}},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.typ] = true
		t.Run(c.typ, func(t *testing.T) {
			tpl := mustParse(t, "p.yaml", fmt.Sprintf("Resources:\n  R:\n    Type: %s\n    Properties: %s\n", c.typ, c.props))
			x := Extract(tpl, NewResolver(tpl, Values{}))
			if len(x.Problems) > 0 || len(x.Invalid) > 0 || len(x.Unchecked) > 0 {
				t.Fatalf("problems: %+v, invalid %+v, unchecked %+v", x.Problems, x.Invalid, x.Unchecked)
			}
			if diff := cmp.Diff(c.want, summarize(x.Policies), cmpopts.EquateEmpty()); diff != "" {
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

// TestJSONPoliciesInFnSubMapToTheirLines: a JSON policy written in a block
// scalar passed through Fn::Sub (short form, long form, list form; with
// values known or not) reports each element at its own line, as a plain
// block scalar does. A substituted value with a line break would shift the
// lines, so such a document stays at the string's line.
func TestJSONPoliciesInFnSubMapToTheirLines(t *testing.T) {
	src := `Parameters:
  Bucket: {Type: String}
  Multi: {Type: String, Default: "\n"}
Resources:
  Short:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: !Sub |
        {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow",
           "Action": "s3:GetObject",
           "Resource": "arn:${AWS::Partition}:s3:::${Bucket}/*"}]}
  Long:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Fn::Sub: |
          {"Statement": [{"Effect": "Allow",
            "Action": "s3:GetObject", "Resource": "arn:${AWS::Partition}:s3:::b/*"}]}
  List:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Fn::Sub:
          - |
            {"Statement": [{"Effect": "Allow",
              "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${Name}/*"}]}
          - Name: !Ref Bucket
  Shifted:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: !Sub |
        {"Statement": [${Multi}{"Effect": "Allow",
          "Action": "s3:GetObject"}]}
`
	tpl := mustParse(t, "s.yaml", src)
	x := Extract(tpl, NewResolver(tpl, Values{}))
	if len(x.Policies) != 4 {
		t.Fatalf("policies %+v problems %+v", summarize(x.Policies), x.Problems)
	}
	want := []struct {
		action, resource Pos
	}{
		{Pos{11, 22}, Pos{12, 24}},
		{Pos{19, 23}, Pos{19, 51}},
		{Pos{27, 25}, Pos{27, 53}},
		{Pos{32, 23}, Pos{32, 23}},
	}
	for i, w := range want {
		st := x.Policies[i].Document.Get("Statement").Items[0]
		if got := st.Get("Action").Pos; got != w.action {
			t.Errorf("%s: Action at %v, want %v", x.Policies[i].LogicalID, got, w.action)
		}
		if r := st.Get("Resource"); r != nil && r.Pos.Line != w.resource.Line {
			t.Errorf("%s: Resource at %v, want line %d", x.Policies[i].LogicalID, r.Pos, w.resource.Line)
		}
	}
	if r := x.Policies[0].Document.Get("Statement").Items[0].Get("Resource"); r.Kind != Unknown || r.Value != "arn:aws:s3:::${Bucket}/*" {
		t.Errorf("Short resource = %s", Describe(r))
	}
}

// TestAProblemInBothBranchesIsReportedInEachPlace: a value that differs
// between the branches of an Fn::If is placed where each branch writes it,
// so a problem present in both is reported at both lines.
func TestAProblemInBothBranchesIsReportedInEachPlace(t *testing.T) {
	src := `Parameters:
  Env: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  P:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: !If
        - IsProd
        - !Sub |
            {"Statement": [{"Effect": "Allow", "Resource": "*",
              "Action": "s3:GetObjekt"}]}
        - Statement:
            - Effect: Allow
              Resource: "*"
              Action: s3:GetObjekt
`
	tpl := mustParse(t, "b.yaml", src)
	x := Extract(tpl, NewResolver(tpl, Values{}))
	var lines []int
	for _, p := range x.Policies {
		lines = append(lines, p.Document.Get("Statement").Items[0].Get("Action").Pos.Line)
	}
	if len(lines) != 2 || lines[0] != 13 || lines[1] != 17 {
		t.Errorf("the two branches' actions are at lines %v, want [13 17]", lines)
	}
}
