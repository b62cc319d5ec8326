package engine

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/diff"
	"github.com/tollgate-dev/tollgate/internal/gittest"
	goldenfile "github.com/tollgate-dev/tollgate/internal/golden"
	"github.com/tollgate-dev/tollgate/report"
)

// diffCase is a pull request as two commits of a repository built with
// go-git; its diff is compared with golden JSON, text and Markdown under
// testdata/diff/NAME.
type diffCase struct {
	name       string
	base, head map[string]string
	check      func(t *testing.T, res *report.Result)
}

const trust = "      AssumeRolePolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]}\n"

var diffCases = []diffCase{
	{name: "sections-appear",
		base: map[string]string{"stacks/app.yaml": `Resources:
  Logs:
    Type: AWS::S3::Bucket
  Worker:
    Type: AWS::IAM::Role
    Properties:
` + trust + `  Jobs:
    Type: AWS::SQS::Queue
  Host:
    Type: AWS::EC2::Instance
    Properties: {ImageId: ami-0123456789abcdef0, InstanceType: t3.micro}
`},
		head: map[string]string{"stacks/app.yaml": `Resources:
  Logs:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration: {Status: Enabled}
  Worker:
    Type: AWS::IAM::Role
    Properties:
` + trust + `      Policies:
        - PolicyName: read-jobs
          PolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Action: sqs:ReceiveMessage, Resource: !GetAtt Jobs.Arn}]}
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      Tags: [{Key: team, Value: billing}, {Key: cost-center, Value: '4711'}]
  Host:
    Type: AWS::EC2::Instance
    Metadata:
      AWS::CloudFormation::Init:
        config:
          packages: {yum: {httpd: []}}
    Properties: {ImageId: ami-0123456789abcdef0, InstanceType: t3.micro}
`},
		check: func(t *testing.T, res *report.Result) {
			s := res.Diffs.Stacks[0]
			for _, r := range s.Resources {
				for _, p := range r.Properties {
					if p.Path == "Properties" {
						t.Errorf("%s: the whole Properties section is reported instead of the properties in it", r.LogicalID)
					}
				}
			}
		}},
	{name: "nested-rules",
		base: map[string]string{"stacks/data.yaml": `Resources:
  Host:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0123456789abcdef0
      BlockDeviceMappings:
        - DeviceName: /dev/xvda
          Ebs: {VolumeSize: 8, DeleteOnTermination: true}
  Scratch:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0123456789abcdef0
      BlockDeviceMappings:
        - DeviceName: /dev/xvda
          Ebs: {VolumeSize: 8, DeleteOnTermination: true}
  Search:
    Type: AWS::OpenSearchService::Domain
    Properties: {EngineVersion: OpenSearch_2.11}
  Cache:
    Type: AWS::ElastiCache::ReplicationGroup
    Properties: {ReplicationGroupDescription: sessions, TransitEncryptionEnabled: true}
`},
		head: map[string]string{"stacks/data.yaml": `Resources:
  Host:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0123456789abcdef0
      BlockDeviceMappings:
        - DeviceName: /dev/xvda
          Ebs: {VolumeSize: 16, DeleteOnTermination: true}
  Scratch:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0123456789abcdef0
      BlockDeviceMappings:
        - DeviceName: /dev/xvda
          Ebs: {VolumeSize: 8, DeleteOnTermination: false}
  Search:
    Type: AWS::OpenSearchService::Domain
    Properties: {EngineVersion: OpenSearch_2.13}
  Cache:
    Type: AWS::ElastiCache::ReplicationGroup
    Properties: {ReplicationGroupDescription: sessions, TransitEncryptionEnabled: true, AuthToken: '{{resolve:secretsmanager:cache-token}}'}
`},
		check: func(t *testing.T, res *report.Result) {
			got := map[string]diff.Replacement{}
			for _, r := range res.Diffs.Stacks[0].Resources {
				got[r.LogicalID] = r.Replacement
			}
			want := map[string]diff.Replacement{"Host": diff.Always, "Scratch": diff.Never, "Search": diff.Always, "Cache": diff.Always}
			for id, w := range want {
				if got[id] != w {
					t.Errorf("%s: replacement %s, want %s", id, got[id], w)
				}
			}
		}},
	{name: "format-rename",
		base: map[string]string{
			"stacks/mail.yaml": `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Env: {Type: String, Default: prod}
Resources:
  Inbox:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub 'mail-${Env}-inbox'
      VisibilityTimeout: 30
      MessageRetentionPeriod: 345600
  Bounces:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub 'mail-${Env}-bounces'
  Archive:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration: {Status: Enabled}
Outputs:
  InboxUrl:
    Value: !Ref Inbox
`,
			"stacks/web.yml": "Resources:\n  Site:\n    Type: AWS::S3::Bucket\n    Properties:\n      WebsiteConfiguration: {IndexDocument: index.html}\n",
		},
		head: map[string]string{
			"stacks/mail.yaml": "",
			"stacks/mail.json": `{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Parameters": {"Env": {"Type": "String", "Default": "prod"}},
  "Resources": {
    "Inbox": {
      "Type": "AWS::SQS::Queue",
      "Properties": {
        "QueueName": {"Fn::Join": ["", ["mail-", {"Ref": "Env"}, "-inbox"]]},
        "VisibilityTimeout": 60,
        "MessageRetentionPeriod": "345600"
      }
    },
    "Bounces": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Sub": "mail-${Env}-bounces"}}},
    "Archive": {"Type": "AWS::S3::Bucket", "Properties": {"VersioningConfiguration": {"Status": "Enabled"}}}
  },
  "Outputs": {"InboxUrl": {"Value": {"Ref": "Inbox"}}}
}
`,
			"stacks/web.yml":   "",
			"stacks/web.json":  `{"Resources": {"Site": {"Type": "AWS::S3::Bucket", "Properties": {"WebsiteConfiguration": {"IndexDocument": "index.html"}}}}}` + "\n",
			"stacks/other.yml": "Resources:\n  Site:\n    Type: AWS::SNS::Topic\n",
		},
		check: func(t *testing.T, res *report.Result) {
			var got []string
			for _, s := range res.Diffs.Stacks {
				got = append(got, s.Status+" "+s.File+" "+s.PreviousFile)
			}
			want := "renamed stacks/mail.json stacks/mail.yaml|added stacks/other.yml |renamed stacks/web.json stacks/web.yml"
			if strings.Join(got, "|") != want {
				t.Errorf("stacks %q, want %q", got, want)
			}
			for _, f := range res.Findings {
				if f.Code == "DATA_LOSS" {
					t.Errorf("a stack converted to JSON deletes nothing: %s", f.Message)
				}
			}
		}},
	{name: "in-place-refs",
		base: map[string]string{"stacks/app.yaml": `Parameters:
  Retention: {Type: Number, Default: 7}
Resources:
  ApiLogs: {Type: AWS::Logs::LogGroup, Properties: {RetentionInDays: !Ref Retention}}
  WorkerLogs: {Type: AWS::Logs::LogGroup, Properties: {RetentionInDays: !Ref Retention}}
  BatchLogs: {Type: AWS::Logs::LogGroup, Properties: {RetentionInDays: !Ref Retention}}
  AuditLogs: {Type: AWS::Logs::LogGroup, Properties: {RetentionInDays: !Ref Retention}}
  EdgeLogs: {Type: AWS::Logs::LogGroup, Properties: {RetentionInDays: !Ref Retention}}
  Flag:
    Type: AWS::SSM::Parameter
    Properties: {Type: String, Value: 'off'}
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::111122223333:role/api
      Runtime: python3.12
      Handler: index.handler
      Code: {ZipFile: 'def handler(e, c): return e'}
      Environment: {Variables: {FEATURE: !GetAtt Flag.Value, FLAG_NAME: !Ref Flag}}
  Template:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData: {InstanceType: t3.micro, ImageId: ami-0123456789abcdef0}
  Fleet:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MinSize: '1'
      MaxSize: '4'
      AvailabilityZones: [eu-west-1a]
      LaunchTemplate: {LaunchTemplateId: !Ref Template, Version: !GetAtt Template.LatestVersionNumber}
Outputs:
  TemplateVersion:
    Value: !GetAtt Template.LatestVersionNumber
`},
		head: map[string]string{"stacks/app.yaml": `Parameters:
  Retention: {Type: Number, Default: 30}
Resources:
  ApiLogs: {Type: AWS::Logs::LogGroup, Properties: {RetentionInDays: !Ref Retention}}
  WorkerLogs: {Type: AWS::Logs::LogGroup, Properties: {RetentionInDays: !Ref Retention}}
  BatchLogs: {Type: AWS::Logs::LogGroup, Properties: {RetentionInDays: !Ref Retention}}
  AuditLogs: {Type: AWS::Logs::LogGroup, Properties: {RetentionInDays: !Ref Retention}}
  EdgeLogs: {Type: AWS::Logs::LogGroup, Properties: {RetentionInDays: !Ref Retention}}
  Flag:
    Type: AWS::SSM::Parameter
    Properties: {Type: String, Value: 'on'}
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::111122223333:role/api
      Runtime: python3.12
      Handler: index.handler
      Code: {ZipFile: 'def handler(e, c): return e'}
      Environment: {Variables: {FEATURE: !GetAtt Flag.Value, FLAG_NAME: !Ref Flag}}
  Template:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData: {InstanceType: t3.small, ImageId: ami-0123456789abcdef0}
  Fleet:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MinSize: '1'
      MaxSize: '4'
      AvailabilityZones: [eu-west-1a]
      LaunchTemplate: {LaunchTemplateId: !Ref Template, Version: !GetAtt Template.LatestVersionNumber}
Outputs:
  TemplateVersion:
    Value: !GetAtt Template.LatestVersionNumber
`},
		check: func(t *testing.T, res *report.Result) {
			s := res.Diffs.Stacks[0]
			indirect := 0
			for _, r := range s.Resources {
				if r.Indirect {
					indirect++
				}
			}
			if indirect != 7 || len(s.Parameters) != 1 || len(s.Parameters[0].Affects) != 5 || len(s.Outputs) != 1 {
				t.Errorf("%d indirect changes (want 5 log groups, the function and the group), parameters %+v, outputs %+v", indirect, s.Parameters, s.Outputs)
			}
		}},
	{name: "noise",
		base: map[string]string{
			"stacks/order.yaml":   "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {DelaySeconds: 5, VisibilityTimeout: 30, Tags: [{Key: a, Value: '1'}, {Key: b, Value: '2'}]}\n",
			"stacks/empty.yaml":   "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {}\n    Metadata: {}\n",
			"stacks/strings.yaml": "Resources:\n  B: {Type: AWS::S3::Bucket}\n  P:\n    Type: AWS::SSM::Parameter\n    Properties: {Type: String, Value: !Join ['', ['arn:aws:s3:::', !Ref B, '/*']]}\n",
			"stacks/iam.yaml":     "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {AWS: '111122223333'}, Action: [sts:AssumeRole]}]}\n",
		},
		head: map[string]string{
			"stacks/order.yaml":   "Resources:\n  Q:\n    Properties: {Tags: [{Key: b, Value: '2'}, {Key: a, Value: '1'}], VisibilityTimeout: '30', DelaySeconds: 5}\n    Type: AWS::SQS::Queue\n",
			"stacks/empty.yaml":   "# a queue\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n",
			"stacks/strings.yaml": "Resources:\n  B: {Type: AWS::S3::Bucket}\n  P:\n    Type: AWS::SSM::Parameter\n    Properties: {Type: String, Value: !Sub 'arn:aws:s3:::${B}/*'}\n",
			"stacks/iam.yaml":     "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {Statement: {Effect: Allow, Principal: {AWS: 'arn:aws:iam::111122223333:root'}, Action: STS:assumerole}}\n",
		},
		check: func(t *testing.T, res *report.Result) {
			for _, s := range res.Diffs.Stacks {
				if !s.Empty() || len(s.ChangeSet) > 0 {
					t.Errorf("%s: noise reported as a change", s.File)
				}
			}
		}},
}

func TestDiffCases(t *testing.T) {
	for _, tc := range diffCases {
		t.Run(tc.name, func(t *testing.T) {
			r := gittest.New(t)
			base := r.Commit("base", tc.base)
			r.Commit("head", tc.head)
			res, err := Diff(context.Background(), DiffOptions{Dir: r.Dir, Base: base, Checks: checksOptions(t),
				Block: checks.BlockPolicy{Types: checks.DefaultBlockTypes}, Tool: report.Tool{Name: "tollgate", Version: "v0.0.0-test"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Errors) > 0 {
				t.Fatalf("errors: %v", res.Errors)
			}
			res.Stats.Duration = 0
			if tc.check != nil {
				tc.check(t, res)
			}
			dir := filepath.Join("testdata", "diff", tc.name)
			for _, f := range []struct {
				file   string
				render func(*bytes.Buffer) error
			}{
				{"want.json", func(b *bytes.Buffer) error { return report.DiffJSON(b, res) }},
				{"want.txt", func(b *bytes.Buffer) error { return report.DiffText(b, res, report.TextOptions{}) }},
				{"want.md", func(b *bytes.Buffer) error {
					return report.DiffMarkdown(b, res, report.MarkdownOptions{BlobURL: "https://github.com/acme/shop/blob/" + res.Diffs.Head[:7] + "/"})
				}},
			} {
				var b bytes.Buffer
				if err := f.render(&b); err != nil {
					t.Fatal(err)
				}
				goldenfile.Check(t, filepath.Join(dir, f.file), b.Bytes())
			}
		})
	}
}
