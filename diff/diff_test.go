package diff

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/template"
)

var actionCount = regexp.MustCompile(`\(\d+ actions\)`)

func run(t *testing.T, base, head string) *StackDiff {
	t.Helper()
	data, err := iamdata.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	var b, h *template.Template
	if base != "" {
		b = template.Parse("stack.yaml", []byte(base))
	}
	if head != "" {
		h = template.Parse("stack.yaml", []byte(head))
	}
	return Templates(b, h, Options{Data: data})
}

// summary lists resource changes as "ID change replacement".
func summary(sd *StackDiff) []string {
	var out []string
	for _, r := range sd.Resources {
		s := r.LogicalID + " " + r.Change
		if r.Replacement != "" {
			s += " " + string(r.Replacement)
		}
		out = append(out, s)
	}
	return out
}

func TestNoiseIsNoChange(t *testing.T) {
	for _, tc := range []struct{ name, base, head string }{
		{"reordered keys are no change",
			"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {DelaySeconds: 5, VisibilityTimeout: 30}\n",
			"Resources:\n  Q:\n    Properties: {VisibilityTimeout: 30, DelaySeconds: 5}\n    Type: AWS::SQS::Queue\n"},
		{"YAML and JSON spellings of one template are no change",
			"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub '${AWS::StackName}-q'\n",
			`{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${AWS::StackName}-q"}}}}}`},
		{"Fn::Join and Fn::Sub producing the same string are no change",
			"Resources:\n  B: {Type: AWS::S3::Bucket}\n  P:\n    Type: AWS::SSM::Parameter\n    Properties: {Type: String, Value: !Join ['', ['arn:aws:s3:::', !Ref B, '/*']]}\n",
			"Resources:\n  B: {Type: AWS::S3::Bucket}\n  P:\n    Type: AWS::SSM::Parameter\n    Properties: {Type: String, Value: !Sub 'arn:aws:s3:::${B}/*'}\n"},
		{"a GetAtt in short, long and Sub form is no change",
			"Resources:\n  R: {Type: AWS::IAM::Role}\n  F:\n    Type: AWS::Lambda::Function\n    Properties: {Role: !GetAtt R.Arn}\n",
			"Resources:\n  R: {Type: AWS::IAM::Role}\n  F:\n    Type: AWS::Lambda::Function\n    Properties: {Role: !Sub '${R.Arn}'}\n"},
		{"a number written as a string is no change",
			"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {DelaySeconds: 5}\n",
			"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {DelaySeconds: '5'}\n"},
		{"a parameter default inlined is no change",
			"Parameters:\n  N: {Type: String, Default: orders}\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !Ref N}\n",
			"Parameters:\n  N: {Type: String, Default: orders}\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: orders}\n"},
		{"reordered tags are no change",
			"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags: [{Key: a, Value: '1'}, {Key: b, Value: '2'}]\n",
			"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags: [{Key: b, Value: '2'}, {Key: a, Value: '1'}]\n"},
		{"IAM \"a\" versus [\"a\"], reordered lists, action case and Principal \"*\" versus {AWS: \"*\"} are no change",
			`Resources:
  P:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [q]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: "*", Action: [sqs:SendMessage, sqs:ReceiveMessage], Resource: "*", Condition: {StringEquals: {"aws:SourceAccount": "123456789012"}}}
          - {Effect: Deny, Principal: {AWS: "*"}, Action: sqs:DeleteQueue, Resource: "*"}
`,
			`Resources:
  P:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [q]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Deny, Principal: "*", Action: [sqs:deletequeue], Resource: ["*"]}
          - {Effect: Allow, Principal: {AWS: ["*"]}, Action: [sqs:ReceiveMessage, sqs:SendMessage], Resource: ["*"], Condition: {StringEquals: {"AWS:SourceAccount": ["123456789012"]}}}
`},
		{"a policy written as a JSON string and as YAML is no change",
			"Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}'\n",
			"Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Principal: {Service: [lambda.amazonaws.com]}\n            Action: [sts:AssumeRole]\n"},
		{"an account ID and its root ARN are no change",
			"Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {AWS: '111122223333'}, Action: sts:AssumeRole}]}\n",
			"Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {AWS: 'arn:aws:iam::111122223333:root'}, Action: sts:AssumeRole}]}\n"},
		{"an undecidable Fn::If written twice alike is no change",
			"Parameters:\n  E: {Type: String}\nConditions:\n  P: !Equals [!Ref E, prod]\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {DelaySeconds: !If [P, 0, 5]}\n",
			"Parameters:\n  E: {Type: String}\nConditions:\n  P: !Equals [!Ref E, prod]\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      DelaySeconds:\n        Fn::If: [P, '0', 5]\n"},
		{"CDK's own metadata is no change",
			"Resources:\n  CDKMetadata:\n    Type: AWS::CDK::Metadata\n    Properties: {Analytics: v2:deflate64:AAA}\n  Q:\n    Type: AWS::SQS::Queue\n    Metadata: {aws:cdk:path: App/Q/Resource}\n",
			"Resources:\n  CDKMetadata:\n    Type: AWS::CDK::Metadata\n    Properties: {Analytics: v2:deflate64:BBB}\n  Q:\n    Type: AWS::SQS::Queue\n    Metadata: {aws:cdk:path: App/Queue/Resource}\n"},
		{"an empty Properties or Metadata and none are no change",
			"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {}\n    Metadata: {}\n",
			"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"},
		{"comments and blank lines are no change",
			"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n",
			"# queues\nResources:\n\n  Q:   # the queue\n    Type: AWS::SQS::Queue\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sd := run(t, tc.base, tc.head)
			if !sd.Empty() {
				t.Errorf("expected no change, got resources %v, iam %d, notes %v", summary(sd), len(sd.IAM), sd.Notes)
				for _, r := range sd.Resources {
					for _, p := range r.Properties {
						t.Logf("  %s.%s: %q -> %q", r.LogicalID, p.Path, p.Before, p.After)
					}
				}
			}
		})
	}
}

func TestResourceChanges(t *testing.T) {
	for _, tc := range []struct {
		name       string
		base, head string
		want       []string
	}{
		{"a replacing property replaces the resource",
			"Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      KeySchema: [{AttributeName: id, KeyType: HASH}]\n",
			"Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      KeySchema: [{AttributeName: orderId, KeyType: HASH}]\n",
			[]string{"T modified always"}},
		{"a property updated in place does not replace",
			"Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties: {BillingMode: PROVISIONED}\n",
			"Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties: {BillingMode: PAY_PER_REQUEST}\n",
			[]string{"T modified never"}},
		{"a conditional property may replace",
			"Resources:\n  D:\n    Type: AWS::RDS::DBInstance\n    Properties: {Engine: mysql}\n",
			"Resources:\n  D:\n    Type: AWS::RDS::DBInstance\n    Properties: {Engine: postgres}\n",
			[]string{"D modified conditional"}},
		{"a custom resource's change is unknown",
			"Resources:\n  C:\n    Type: Custom::Thing\n    Properties: {ServiceToken: arn:x, Size: 1}\n",
			"Resources:\n  C:\n    Type: Custom::Thing\n    Properties: {ServiceToken: arn:x, Size: 2}\n",
			[]string{"C modified unknown"}},
		{"a type change replaces",
			"Resources:\n  X: {Type: AWS::SNS::Topic}\n",
			"Resources:\n  X: {Type: AWS::SQS::Queue}\n",
			[]string{"X modified always"}},
		{"added and removed resources are listed, removals first",
			"Resources:\n  Old: {Type: AWS::SNS::Topic, Properties: {TopicName: a}}\n",
			"Resources:\n  New: {Type: AWS::SQS::Queue}\n",
			[]string{"Old removed", "New added"}},
		{"a logical ID rename with the same properties is a replacement",
			"Resources:\n  Orders:\n    Type: AWS::SQS::Queue\n    Properties: {DelaySeconds: 5, VisibilityTimeout: 30, MessageRetentionPeriod: 600, MaximumMessageSize: 1024}\n",
			"Resources:\n  OrdersQueue:\n    Type: AWS::SQS::Queue\n    Properties: {DelaySeconds: 5, VisibilityTimeout: 30, MessageRetentionPeriod: 600, MaximumMessageSize: 1024}\n",
			[]string{"OrdersQueue renamed always"}},
		{"a rename whose references follow it changes nothing else",
			"Resources:\n  Old: {Type: AWS::SNS::Topic, Properties: {DisplayName: x}}\n  Sub:\n    Type: AWS::SNS::Subscription\n    Properties: {Protocol: email, Endpoint: a@b.c, TopicArn: !Ref Old}\n",
			"Resources:\n  New: {Type: AWS::SNS::Topic, Properties: {DisplayName: x}}\n  Sub:\n    Type: AWS::SNS::Subscription\n    Properties: {Protocol: email, Endpoint: a@b.c, TopicArn: !Ref New}\n",
			// TopicArn replaces the subscription: the topic is new.
			[]string{"New renamed always", "Sub modified always"}},
		{"a deletion policy change is a modification without replacement",
			"Resources:\n  B: {Type: AWS::S3::Bucket, DeletionPolicy: Retain}\n",
			"Resources:\n  B: {Type: AWS::S3::Bucket}\n",
			[]string{"B modified never"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sd := run(t, tc.base, tc.head)
			if d := cmp.Diff(tc.want, summary(sd)); d != "" {
				t.Errorf("resources (-want +got):\n%s", d)
			}
		})
	}
}

func TestReplacementFollowsRefs(t *testing.T) {
	base := `Parameters:
  Name: {Type: String, Default: orders}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Ref Name
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: !Sub "${Table}-throttles"
      Dimensions: [{Name: TableName, Value: !Ref Table}]
  Stream:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: f
      EventSourceArn: !GetAtt Table.StreamArn
Outputs:
  TableArn:
    Value: !GetAtt Table.Arn
`
	head := strings.Replace(base, "Default: orders", "Default: orders-v2", 1)
	sd := run(t, base, head)
	want := []string{"Alarm modified always", "Stream modified always", "Table modified always"}
	if d := cmp.Diff(want, summary(sd)); d != "" {
		t.Fatalf("resources (-want +got):\n%s", d)
	}
	for _, r := range sd.Resources {
		if r.LogicalID == "Table" {
			// Its text did not change: the value follows from the parameter.
			p := r.Properties[0]
			if !r.Indirect || p.Path != "TableName" || p.Before != "orders" || p.After != "orders-v2" ||
				p.Via == nil || p.Via.Kind != "parameter" || p.Via.Name != "Name" || !strings.Contains(p.Cause, "Default orders → orders-v2") {
				t.Errorf("Table: %+v", p)
			}
			continue
		}
		if !r.Indirect || r.Properties[0].Cause == "" {
			t.Errorf("%s should be an indirect change with a cause: %+v", r.LogicalID, r.Properties[0])
		}
	}
	if len(sd.Outputs) != 1 || sd.Outputs[0].Name != "TableArn" {
		t.Errorf("the output that refers to the replaced table should change: %+v", sd.Outputs)
	}
	if len(sd.Parameters) != 1 || sd.Parameters[0].Properties[0].Path != "Default" {
		t.Errorf("parameters: %+v", sd.Parameters)
	}
	if d := cmp.Diff([]string{"Table"}, sd.Parameters[0].Affects); d != "" {
		t.Errorf("the parameter should list the resources whose values it changes (-want +got):\n%s", d)
	}
}

func TestInPlaceChangesFollowReferences(t *testing.T) {
	t.Run("a parameter default used in five resources marks each as following from it", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("Parameters:\n  Retention: {Type: Number, Default: 7}\nResources:\n")
		for i := range 5 {
			fmt.Fprintf(&b, "  Logs%d:\n    Type: AWS::Logs::LogGroup\n    Properties: {RetentionInDays: !Ref Retention}\n", i)
		}
		b.WriteString("  Other:\n    Type: AWS::SQS::Queue\n")
		base := b.String()
		sd := run(t, base, strings.Replace(base, "Default: 7", "Default: 14", 1))
		if d := cmp.Diff([]string{"Logs0 modified never", "Logs1 modified never", "Logs2 modified never", "Logs3 modified never", "Logs4 modified never"}, summary(sd)); d != "" {
			t.Fatalf("resources (-want +got):\n%s", d)
		}
		for _, r := range sd.Resources {
			p := r.Properties[0]
			if !r.Indirect || p.Before != "7" || p.After != "14" || p.Via == nil || p.Via.Name != "Retention" {
				t.Errorf("%s: %+v", r.LogicalID, p)
			}
		}
		if d := cmp.Diff([]string{"Logs0", "Logs1", "Logs2", "Logs3", "Logs4"}, sd.Parameters[0].Affects); d != "" {
			t.Errorf("affects (-want +got):\n%s", d)
		}
	})
	t.Run("an attribute that follows a property changed in place reaches what reads it", func(t *testing.T) {
		base := "Resources:\n  Flag:\n    Type: AWS::SSM::Parameter\n    Properties: {Type: String, Value: 'on'}\n" +
			"  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: arn:aws:iam::111122223333:role/r\n      Code: {ZipFile: x}\n" +
			"      Environment: {Variables: {FLAG: !GetAtt Flag.Value, NAME: !Ref Flag}}\n"
		sd := run(t, base, strings.Replace(base, "Value: 'on'", "Value: 'off'", 1))
		if d := cmp.Diff([]string{"Flag modified never", "Fn modified never"}, summary(sd)); d != "" {
			t.Fatalf("resources (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]string{"Environment.Variables.FLAG modified never"}, props(sd, "Fn")); d != "" {
			t.Errorf("only the GetAtt changes; Ref is the unchanged name (-want +got):\n%s", d)
		}
		fn := sd.Resources[1]
		if !fn.Indirect || fn.Properties[0].Via == nil || fn.Properties[0].Via.Attribute != "Value" || !strings.Contains(fn.Properties[0].Cause, "Flag's Value changes in place") {
			t.Errorf("Fn: %+v %+v", fn, fn.Properties[0])
		}
	})
	t.Run("a new launch template version reaches the group that reads it, and on to an output", func(t *testing.T) {
		base := "Resources:\n  LT:\n    Type: AWS::EC2::LaunchTemplate\n    Properties: {LaunchTemplateData: {InstanceType: t3.micro}}\n" +
			"  ASG:\n    Type: AWS::AutoScaling::AutoScalingGroup\n    Properties:\n      MinSize: '1'\n      MaxSize: '2'\n" +
			"      LaunchTemplate: {LaunchTemplateId: !Ref LT, Version: !GetAtt LT.LatestVersionNumber}\n" +
			"Outputs:\n  Version:\n    Value: !GetAtt LT.LatestVersionNumber\n  Id:\n    Value: !Ref LT\n"
		sd := run(t, base, strings.Replace(base, "t3.micro", "t3.small", 1))
		if d := cmp.Diff([]string{"ASG modified never", "LT modified never"}, summary(sd)); d != "" {
			t.Fatalf("resources (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]string{"LaunchTemplate.Version modified never"}, props(sd, "ASG")); d != "" {
			t.Errorf("(-want +got):\n%s", d)
		}
		if len(sd.Outputs) != 1 || sd.Outputs[0].Name != "Version" {
			t.Errorf("outputs: %+v", sd.Outputs)
		}
	})
	t.Run("a custom resource that is updated may return new attributes", func(t *testing.T) {
		base := "Resources:\n  C:\n    Type: Custom::Lookup\n    Properties: {ServiceToken: arn:aws:lambda:us-east-1:111122223333:function:f, Key: a}\n" +
			"  T:\n    Type: AWS::SNS::Topic\n    Properties: {TopicName: !GetAtt C.Name}\n"
		sd := run(t, base, strings.Replace(base, "Key: a", "Key: b", 1))
		if d := cmp.Diff([]string{"T modified conditional", "C modified unknown"}, summary(sd)); d != "" {
			t.Errorf("the topic name may change, which would replace the topic (-want +got):\n%s", d)
		}
	})
}

func TestRefChainIsFollowedToTheEnd(t *testing.T) {
	for _, join := range []bool{false, true} {
		base, head := RefChain(50, join)
		sd := run(t, string(base), string(head))
		if len(sd.Resources) != 50 {
			t.Fatalf("join %v: %d resources changed, want the whole chain of 50", join, len(sd.Resources))
		}
		for _, r := range sd.Resources {
			if r.Replacement != Always {
				t.Errorf("join %v: %s: replacement %s, want always", join, r.LogicalID, r.Replacement)
			}
		}
	}
}

func TestHugeTemplates(t *testing.T) {
	base, head := Wide(7000)
	if len(head) <= template.DeployLimit {
		t.Fatalf("the template is %d bytes; the test needs one over 1 MB", len(head))
	}
	sd := run(t, string(base), string(head))
	if len(sd.Resources) != 350 {
		t.Errorf("%d resources changed, want 350", len(sd.Resources))
	}
	if len(sd.Notes) != 2 || !strings.Contains(sd.Notes[1], "over CloudFormation's 1 MB") {
		t.Errorf("notes %q", sd.Notes)
	}
}

func TestManyStatementsStayFast(t *testing.T) {
	// Thousands of statements without Sids must not pair each with each.
	var b, h strings.Builder
	for _, w := range []*strings.Builder{&b, &h} {
		w.WriteString("Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Statement:\n")
	}
	for i := range 3000 {
		fmt.Fprintf(&b, "          - {Effect: Allow, Action: s3:GetObject, Resource: 'arn:aws:s3:::b%d/*'}\n", i)
		fmt.Fprintf(&h, "          - {Effect: Allow, Action: s3:GetObject, Resource: 'arn:aws:s3:::c%d/*'}\n", i)
	}
	sd := run(t, b.String(), h.String())
	if len(sd.IAM) != 6000 {
		t.Errorf("%d IAM changes, want 3000 added and 3000 removed statements", len(sd.IAM))
	}
}

func TestBrokenSides(t *testing.T) {
	good := "Resources:\n  Q: {Type: AWS::SQS::Queue}\n"
	bad := "Resources:\n  Q: {Type: AWS::SQS::Queue\n"
	t.Run("a base that does not parse is noted and no resource is invented", func(t *testing.T) {
		sd := run(t, bad, good)
		if len(sd.Resources) != 0 || len(sd.Notes) == 0 || !strings.Contains(sd.Notes[0], "the base version cannot be parsed (stack.yaml:") {
			t.Errorf("notes %q, resources %v", sd.Notes, summary(sd))
		}
	})
	t.Run("a head that does not parse is noted", func(t *testing.T) {
		sd := run(t, good, bad)
		if len(sd.Notes) == 0 || !strings.Contains(sd.Notes[0], "the head version cannot be parsed") {
			t.Errorf("notes %q", sd.Notes)
		}
	})
	t.Run("a resource without a type does not stop the rest", func(t *testing.T) {
		sd := run(t, "Resources:\n  A: {Properties: {}}\n  Q: {Type: AWS::SQS::Queue}\n", "Resources:\n  A: {Properties: {}}\n  Q: {Type: AWS::SQS::Queue, Properties: {DelaySeconds: 1}}\n")
		if d := cmp.Diff([]string{"Q modified never"}, summary(sd)); d != "" {
			t.Error(d)
		}
	})
	t.Run("a template over the size limit is noted", func(t *testing.T) {
		sd := Templates(template.Unread("big.yaml", 5<<20), template.Parse("big.yaml", []byte(good)), Options{})
		if len(sd.Notes) == 0 || !strings.Contains(sd.Notes[0], "too large") {
			t.Errorf("notes %q", sd.Notes)
		}
	})
	t.Run("an added file lists its resources as added", func(t *testing.T) {
		sd := run(t, "", good)
		if sd.Status != StackAdded || len(sd.Resources) != 1 || sd.Resources[0].Change != Added {
			t.Errorf("status %s, resources %v", sd.Status, summary(sd))
		}
	})
	t.Run("a deleted file says the stack is not deleted by it", func(t *testing.T) {
		sd := run(t, good, "")
		if sd.Status != StackDeleted || len(sd.Notes) == 0 {
			t.Errorf("status %s, notes %q", sd.Status, sd.Notes)
		}
	})
}

func TestIAMChanges(t *testing.T) {
	role := func(stmt string) string {
		return "Resources:\n  AppRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]}\n" +
			"      Policies:\n        - PolicyName: app\n          PolicyDocument:\n            Statement:\n" + stmt
	}
	allow := func(action, resource string) string {
		return "              - {Effect: Allow, Action: " + action + ", Resource: " + resource + "}\n"
	}
	for _, tc := range []struct {
		name, base, head string
		want             []string
	}{
		{"a wildcard action that matches more actions widens",
			role(allow("s3:GetObject", "'arn:aws:s3:::orders/*'")), role(allow("'s3:*'", "'arn:aws:s3:::orders/*'")),
			[]string{"widened: actions s3:* (N actions) added"}},
		{"a wildcard replaced by the actions it matched narrows",
			role(allow("'s3:Get*'", "'*'")), role(allow("[s3:GetObject]", "'*'")),
			[]string{"narrowed: actions s3:Get* removed"}},
		{"a list of actions replaced by a wildcard matching exactly them is no change",
			role(allow("[sqs:SendMessage, sqs:SendMessageBatch]", "'*'")), role(allow("'sqs:SendMessage*'", "'*'")),
			nil},
		{"a broader resource widens",
			role(allow("s3:GetObject", "'arn:aws:s3:::orders/reports/*'")), role(allow("s3:GetObject", "'arn:aws:s3:::orders-*'")),
			[]string{"widened: resources arn:aws:s3:::orders-* added; resources arn:aws:s3:::orders/reports/* removed"}},
		{"a narrower resource narrows",
			role(allow("s3:GetObject", "'arn:aws:s3:::orders/*'")), role(allow("s3:GetObject", "'arn:aws:s3:::orders/reports/*'")),
			[]string{"narrowed: resources arn:aws:s3:::orders/* removed"}},
		{"a removed condition widens",
			role("              - {Effect: Allow, Action: s3:GetObject, Resource: '*', Condition: {StringEquals: {aws:ResourceAccount: '111122223333'}}}\n"),
			role(allow("s3:GetObject", "'*'")),
			[]string{"widened: condition StringEquals aws:ResourceAccount removed"}},
		{"a new allow statement widens",
			role(allow("s3:GetObject", "'*'")), role(allow("s3:GetObject", "'*'") + allow("dynamodb:PutItem", "'*'")),
			[]string{"widened: new statement allows dynamodb:PutItem on *"}},
		{"a removed deny widens",
			role(allow("'s3:*'", "'*'") + "              - {Effect: Deny, Action: s3:DeleteBucket, Resource: '*'}\n"), role(allow("'s3:*'", "'*'")),
			[]string{"widened: statement removed; it denied s3:DeleteBucket on *"}},
		{"a deny that covers more narrows",
			role(allow("'s3:*'", "'*'") + "              - {Effect: Deny, Action: s3:DeleteBucket, Resource: '*'}\n"),
			role(allow("'s3:*'", "'*'") + "              - {Effect: Deny, Action: 's3:Delete*', Resource: '*'}\n"),
			[]string{"narrowed: Deny: actions s3:Delete* (N actions) added"}},
		{"fewer NotAction exceptions widen",
			role("              - {Effect: Allow, NotAction: ['iam:*', 'organizations:*'], Resource: '*'}\n"),
			role("              - {Effect: Allow, NotAction: 'iam:*', Resource: '*'}\n"),
			[]string{"widened: excepted actions organizations:* (N actions) removed"}},
		{"more NotAction exceptions narrow",
			role("              - {Effect: Allow, NotAction: 'iam:*', Resource: '*'}\n"),
			role("              - {Effect: Allow, NotAction: ['iam:*', 'organizations:*'], Resource: '*'}\n"),
			[]string{"narrowed: excepted actions organizations:* added"}},
		{"Action turned into NotAction widens",
			role(allow("s3:GetObject", "'*'")),
			role("              - {Effect: Allow, NotAction: 'iam:*', Resource: '*'}\n"),
			[]string{"widened: now every action except iam:*"}},
		{"NotAction turned into Action is reported as a change",
			role("              - {Effect: Allow, NotAction: 'iam:*', Resource: '*'}\n"),
			role(allow("s3:GetObject", "'*'")),
			[]string{"changed: now only s3:GetObject instead of every action except iam:*"}},
		{"fewer NotResource exceptions widen",
			role("              - {Effect: Allow, Action: s3:GetObject, NotResource: ['arn:aws:s3:::secrets/*', 'arn:aws:s3:::keys/*']}\n"),
			role("              - {Effect: Allow, Action: s3:GetObject, NotResource: 'arn:aws:s3:::secrets/*'}\n"),
			[]string{"widened: excepted resources arn:aws:s3:::keys/* removed"}},
		{"Resource turned into NotResource widens",
			role(allow("s3:GetObject", "'arn:aws:s3:::orders/*'")),
			role("              - {Effect: Allow, Action: s3:GetObject, NotResource: 'arn:aws:s3:::secrets/*'}\n"),
			[]string{"widened: now every resource except arn:aws:s3:::secrets/*"}},
		{"NotResource turned into Resource is reported as a change",
			role("              - {Effect: Allow, Action: s3:GetObject, NotResource: 'arn:aws:s3:::secrets/*'}\n"),
			role(allow("s3:GetObject", "'arn:aws:s3:::orders/*'")),
			[]string{"changed: now only arn:aws:s3:::orders/* instead of every resource except arn:aws:s3:::secrets/*"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sd := run(t, tc.base, tc.head)
			var got []string
			for _, c := range sd.IAM {
				// Action counts follow the service data; the test pins the words.
				got = append(got, actionCount.ReplaceAllString(c.Change+": "+c.Summary, "(N actions)"))
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("IAM changes (-want +got):\n%s", d)
			}
		})
	}
	t.Run("a trust policy that lets any account in widens and names the principal", func(t *testing.T) {
		base := role(allow("s3:GetObject", "'*'"))
		head := strings.Replace(base, "Principal: {Service: ec2.amazonaws.com}", "Principal: {AWS: '*'}", 1)
		sd := run(t, base, head)
		if len(sd.IAM) != 1 || sd.IAM[0].Change != Widened || sd.IAM[0].Kind != "trust" || !strings.Contains(sd.IAM[0].Summary, "AWS principals * added") {
			t.Errorf("%+v", sd.IAM)
		}
	})
	t.Run("a NotPrincipal deny that excepts fewer principals narrows", func(t *testing.T) {
		bucketPolicy := func(except string) string {
			return "Resources:\n  Policy:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: orders\n" +
				"      PolicyDocument: {Statement: [{Effect: Deny, NotPrincipal: {AWS: " + except + "}, Action: 's3:*', Resource: 'arn:aws:s3:::orders/*'}]}\n"
		}
		sd := run(t, bucketPolicy("['arn:aws:iam::111122223333:role/app', 'arn:aws:iam::111122223333:role/ops']"), bucketPolicy("'arn:aws:iam::111122223333:role/app'"))
		if len(sd.IAM) != 1 || sd.IAM[0].Change != Narrowed || !strings.Contains(sd.IAM[0].Summary, "excepted AWS principals arn:aws:iam::111122223333:role/ops removed") {
			t.Errorf("IAM changes: %+v", sd.IAM)
		}
	})
	t.Run("attaching a managed policy widens", func(t *testing.T) {
		base := role(allow("s3:GetObject", "'*'"))
		head := base + "      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]\n"
		sd := run(t, base, head)
		if len(sd.IAM) != 1 || sd.IAM[0].Change != Widened || !strings.Contains(sd.IAM[0].Summary, "AdministratorAccess") {
			t.Errorf("%+v", sd.IAM)
		}
	})
}

func TestNetworkChanges(t *testing.T) {
	sg := func(rules string) string {
		return "Resources:\n  WebSG:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: web\n      SecurityGroupIngress:\n" + rules
	}
	rule := func(port, cidr string) string {
		return "        - {IpProtocol: tcp, FromPort: " + port + ", ToPort: " + port + ", CidrIp: " + cidr + "}\n"
	}
	for _, tc := range []struct {
		name, base, head string
		want             string
		public           bool
	}{
		{"opening a port to the internet widens and is public", sg(rule("443", "10.0.0.0/16")), sg(rule("443", "0.0.0.0/0")),
			"widened: ingress tcp port 443 from 0.0.0.0/0 allowed (open to the internet)", true},
		{"a narrower CIDR narrows", sg(rule("443", "10.0.0.0/8")), sg(rule("443", "10.1.0.0/16")),
			"narrowed: ingress tcp port 443 from 10.0.0.0/8 no longer allowed", false},
		{"a new port widens", sg(rule("443", "10.0.0.0/8")), sg(rule("443", "10.0.0.0/8") + rule("22", "10.0.0.0/8")),
			"widened: ingress tcp port 22 from 10.0.0.0/8 allowed", false},
		{"removing every egress rule allows all egress", sg(rule("443", "10.0.0.0/8")) + "      SecurityGroupEgress: [{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8}]\n",
			sg(rule("443", "10.0.0.0/8")), "widened: egress all traffic to 0.0.0.0/0 allowed", false},
		{"an IPv6 rule open to ::/0 is public", sg(rule("80", "10.0.0.0/8")), sg(rule("80", "10.0.0.0/8") + "        - {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIpv6: '::/0'}\n"),
			"widened: ingress tcp port 80 from ::/0 allowed (open to the internet)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sd := run(t, tc.base, tc.head)
			if len(sd.Network) != 1 {
				t.Fatalf("network changes: %+v", sd.Network)
			}
			c := sd.Network[0]
			if got := c.Change + ": " + c.Summary; got != tc.want || c.Public != tc.public {
				t.Errorf("got %q (public %v), want %q (public %v)", got, c.Public, tc.want, tc.public)
			}
		})
	}
	t.Run("a network ACL entry that turns from deny to allow widens", func(t *testing.T) {
		entry := "Resources:\n  E:\n    Type: AWS::EC2::NetworkAclEntry\n    Properties: {NetworkAclId: acl-1, RuleNumber: 100, Protocol: 6, PortRange: {From: 22, To: 22}, CidrBlock: 0.0.0.0/0, Egress: false, RuleAction: %s}\n"
		sd := run(t, strings.Replace(entry, "%s", "deny", 1), strings.Replace(entry, "%s", "allow", 1))
		if len(sd.Network) != 1 || sd.Network[0].Change != Widened || !sd.Network[0].Public {
			t.Errorf("%+v", sd.Network)
		}
	})
}

func TestExposureChanges(t *testing.T) {
	bucket := "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      PublicAccessBlockConfiguration: {BlockPublicAcls: %s, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true}\n" +
		"      BucketEncryption: {ServerSideEncryptionConfiguration: [{ServerSideEncryptionByDefault: {SSEAlgorithm: 'aws:kms'}}]}\n"
	t.Run("turning off a public access block widens", func(t *testing.T) {
		sd := run(t, strings.Replace(bucket, "%s", "true", 1), strings.Replace(bucket, "%s", "false", 1))
		if len(sd.Exposure) != 1 || sd.Exposure[0].Change != Widened || sd.Exposure[0].Kind != "public-access" {
			t.Errorf("%+v", sd.Exposure)
		}
	})
	t.Run("removing bucket encryption is reported", func(t *testing.T) {
		b := strings.Replace(bucket, "%s", "true", 1)
		h := b[:strings.Index(b, "      BucketEncryption")]
		sd := run(t, b, h)
		if len(sd.Exposure) != 1 || sd.Exposure[0].Kind != "encryption" || sd.Exposure[0].Change != Widened {
			t.Errorf("%+v", sd.Exposure)
		}
	})
	t.Run("a database made public widens", func(t *testing.T) {
		db := "Resources:\n  D:\n    Type: AWS::RDS::DBInstance\n    Properties: {Engine: mysql, PubliclyAccessible: %s, StorageEncrypted: true}\n"
		sd := run(t, strings.Replace(db, "%s", "false", 1), strings.Replace(db, "%s", "true", 1))
		if len(sd.Exposure) != 1 || sd.Exposure[0].Change != Widened {
			t.Errorf("%+v", sd.Exposure)
		}
	})
}

func TestSpec(t *testing.T) {
	s := EmbeddedSpec()
	if !strings.HasPrefix(s.Source, "@aws-cdk/aws-service-spec ") {
		t.Errorf("source %q", s.Source)
	}
	for _, tc := range []struct {
		name, typ string
		path      []string
		want      Replacement
	}{
		{"a create-only property replaces", "AWS::DynamoDB::Table", []string{"KeySchema"}, Always},
		{"a nested path under a create-only property replaces", "AWS::DynamoDB::Table", []string{"KeySchema", "AttributeName"}, Always},
		{"a mutable property does not", "AWS::DynamoDB::Table", []string{"BillingMode"}, Never},
		{"a nested create-only property under a mutable one replaces", "AWS::DynamoDB::Table", []string{"ImportSourceSpecification", "InputFormat"}, Always},
		{"a conditional property is conditional", "AWS::RDS::DBInstance", []string{"Engine"}, Conditional},
		{"an unknown type is unknown", "Custom::Mine", []string{"X"}, Unknown},
		{"an unknown property is unknown", "AWS::SQS::Queue", []string{"NoSuchProperty"}, Unknown},
		{"a reviewed rule decides where the spec says conditional", "AWS::EC2::Instance", []string{"BlockDeviceMappings", "Ebs", "VolumeSize"}, Always},
		{"a more specific reviewed rule wins", "AWS::EC2::Instance", []string{"BlockDeviceMappings", "Ebs", "DeleteOnTermination"}, Never},
		{"a reviewed rule that depends on the resource does not apply without it", "AWS::ElastiCache::ReplicationGroup", []string{"NumNodeGroups"}, Always},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := s.Replacement(tc.typ, tc.path); got != tc.want {
				t.Errorf("Replacement(%s, %v) = %s, want %s", tc.typ, tc.path, got, tc.want)
			}
		})
	}
	if !s.Stateful("AWS::RDS::DBCluster") || s.Stateful("AWS::SNS::Topic") || !s.Stateful("AWS::MSK::Cluster") || !s.Stateful("AWS::ElastiCache::ServerlessCache") {
		t.Error("stateful types are wrong")
	}
}

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"s3:*", "s3:get*", true}, {"s3:get?bject", "s3:getobject", true},
		{"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false}, {"abc", "ab", false}, {"", "a", false},
		{strings.Repeat("*a", 30), strings.Repeat("a", 100) + "b", false},
	} {
		if got := glob(tc.p, tc.s); got != tc.want {
			t.Errorf("glob(%q, %q) = %v, want %v", tc.p, tc.s, got, tc.want)
		}
	}
}

func FuzzTemplates(f *testing.F) {
	f.Add([]byte("Resources:\n  Q: {Type: AWS::SQS::Queue}\n"), []byte("Resources:\n  Q: {Type: AWS::SQS::Queue, Properties: {DelaySeconds: 1}}\n"))
	data, err := iamdata.Embedded()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, base, head []byte) {
		bt := template.Parse("stack.yaml", base)
		ht := template.Parse("stack.yaml", head)
		sd := Templates(bt, ht, Options{Data: data})
		if sd.Status != StackModified {
			t.Fatalf("status %q", sd.Status)
		}
		// A template compared with itself never changes: no noise.
		if self := Templates(ht, template.Parse("stack.yaml", head), Options{Data: data, exhaustive: true}); len(self.Resources)+len(self.IAM)+len(self.Network)+len(self.Exposure) > 0 {
			t.Fatalf("a template differs from itself: %+v", self.Resources)
		}
		for _, r := range sd.Resources {
			switch r.Change {
			case Added, Removed, Modified, Renamed:
			default:
				t.Fatalf("change %q", r.Change)
			}
		}
	})
}

func TestSkippingIdenticalResourcesChangesNothing(t *testing.T) {
	data, _ := iamdata.Embedded()
	wb, wh := Wide(400)
	cb, ch := RefChain(60, true)
	pb := []byte("Parameters:\n  N: {Type: String, Default: a}\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !Ref N}\n  T: {Type: AWS::SNS::Topic}\n")
	ph := []byte(strings.Replace(string(pb), "Default: a", "Default: b", 1))
	for _, tc := range []struct {
		name       string
		base, head []byte
	}{{"a wide template", wb, wh}, {"a chain through Fn::Join", cb, ch}, {"a changed parameter default", pb, ph}} {
		t.Run(tc.name, func(t *testing.T) {
			fast := Templates(template.Parse("t", tc.base), template.Parse("t", tc.head), Options{Data: data})
			full := Templates(template.Parse("t", tc.base), template.Parse("t", tc.head), Options{Data: data, exhaustive: true})
			if d := cmp.Diff(full, fast); d != "" {
				t.Errorf("skipping identical resources changed the diff (-full +fast):\n%s", d)
			}
		})
	}
}

// props lists a resource's property changes as "path change replacement".
func props(sd *StackDiff, id string) []string {
	var out []string
	for _, r := range sd.Resources {
		if r.LogicalID != id {
			continue
		}
		for _, p := range r.Properties {
			out = append(out, p.Path+" "+p.Change+" "+string(p.Replacement))
		}
	}
	return out
}

func TestValuesThatAppearAreComparedWithEmpty(t *testing.T) {
	for _, tc := range []struct {
		name, base, head string
		want             []string
	}{
		{"a resource that gains Properties changes the properties inside",
			"Resources:\n  B:\n    Type: AWS::S3::Bucket\n",
			"Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      VersioningConfiguration: {Status: Enabled}\n      BucketName: logs\n",
			[]string{"BucketName added always", "VersioningConfiguration.Status added never"}},
		{"a resource that loses Properties changes each of them",
			"Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties: {TopicName: a, DisplayName: b}\n",
			"Resources:\n  T:\n    Type: AWS::SNS::Topic\n",
			[]string{"DisplayName removed never", "TopicName removed always"}},
		{"tags that appear are listed one by one",
			"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n",
			"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags: [{Key: team, Value: a}, {Key: cost, Value: b}]\n",
			[]string{"Tags[0] added never", "Tags[1] added never"}},
		{"inline policies that appear are listed one by one",
			"Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]}\n",
			"Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]}\n" +
				"      Policies:\n        - PolicyName: read\n          PolicyDocument: {Statement: [{Effect: Allow, Action: s3:GetObject, Resource: '*'}]}\n",
			[]string{"Policies[0] added never"}},
		{"metadata that appears is compared key by key",
			"Resources:\n  I:\n    Type: AWS::EC2::Instance\n    Properties: {ImageId: ami-1}\n",
			"Resources:\n  I:\n    Type: AWS::EC2::Instance\n    Properties: {ImageId: ami-1}\n    Metadata:\n      AWS::CloudFormation::Init:\n        config:\n          packages: {yum: {httpd: []}}\n          services: {sysvinit: {httpd: {enabled: true}}}\n",
			[]string{"Metadata.AWS::CloudFormation::Init.config.packages.yum.httpd added never",
				"Metadata.AWS::CloudFormation::Init.config.services.sysvinit.httpd.enabled added never"}},
		{"an empty map that appears inside properties is a change of its own",
			"Resources:\n  I:\n    Type: AWS::EC2::Instance\n    Properties:\n      ImageId: ami-1\n      BlockDeviceMappings: [{DeviceName: /dev/sdb}]\n",
			"Resources:\n  I:\n    Type: AWS::EC2::Instance\n    Properties:\n      ImageId: ami-1\n      BlockDeviceMappings: [{DeviceName: /dev/sdb, NoDevice: {}}]\n",
			[]string{"BlockDeviceMappings[0].NoDevice added always"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sd := run(t, tc.base, tc.head)
			id := ""
			if len(sd.Resources) == 1 {
				id = sd.Resources[0].LogicalID
			}
			if d := cmp.Diff(tc.want, props(sd, id)); d != "" {
				t.Errorf("properties (-want +got):\n%s\nresources %v", d, summary(sd))
			}
		})
	}
}

func TestReviewedUpdateRules(t *testing.T) {
	instance := func(bdm string) string {
		return "Resources:\n  I:\n    Type: AWS::EC2::Instance\n    Properties:\n      ImageId: ami-1\n      BlockDeviceMappings:\n" + bdm
	}
	vol := func(size, del string) string {
		return "        - {DeviceName: /dev/xvda, Ebs: {VolumeSize: " + size + ", DeleteOnTermination: " + del + "}}\n"
	}
	rg := func(extra, policy string) string {
		return "Resources:\n  R:\n    Type: AWS::ElastiCache::ReplicationGroup\n" + policy + "    Properties:\n      ReplicationGroupDescription: r\n" + extra
	}
	domain := func(version, policy string) string {
		return "Resources:\n  D:\n    Type: AWS::OpenSearchService::Domain\n" + policy + "    Properties: {EngineVersion: " + version + "}\n"
	}
	db := func(props string) string {
		return "Resources:\n  D:\n    Type: AWS::RDS::DBInstance\n    Properties: {Engine: mysql" + props + "}\n"
	}
	cache := func(props string) string {
		return "Resources:\n  C:\n    Type: AWS::ElastiCache::CacheCluster\n    Properties: {Engine: memcached, CacheNodeType: cache.t3.micro" + props + "}\n"
	}
	for _, tc := range []struct {
		name, base, head string
		want             []string
	}{
		{"an EBS volume size change replaces a running instance", instance(vol("8", "true")), instance(vol("16", "true")),
			[]string{"BlockDeviceMappings[0].Ebs.VolumeSize modified always"}},
		{"DeleteOnTermination updates a running instance in place", instance(vol("8", "true")), instance(vol("8", "false")),
			[]string{"BlockDeviceMappings[0].Ebs.DeleteOnTermination modified never"}},
		{"a new block device mapping replaces the instance", instance(vol("8", "true")), instance(vol("8", "true") + "        - {DeviceName: /dev/sdf, Ebs: {VolumeSize: 100}}\n"),
			[]string{"BlockDeviceMappings[1] added always"}},
		{"a DynamoDB attribute definition whose type changes replaces the table",
			"Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]\n",
			"Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      AttributeDefinitions: [{AttributeName: id, AttributeType: N}]\n",
			[]string{"AttributeDefinitions[0].AttributeType modified always"}},
		{"a new DynamoDB attribute definition does not replace the table",
			"Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]\n",
			"Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      AttributeDefinitions: [{AttributeName: id, AttributeType: S}, {AttributeName: sk, AttributeType: S}]\n",
			[]string{"AttributeDefinitions[1] added never"}},
		{"adding an AuthToken replaces a replication group", rg("", ""), rg("      AuthToken: abcdefghijklmnop1234\n", ""),
			[]string{"AuthToken added always"}},
		{"changing an AuthToken does not", rg("      AuthToken: abcdefghijklmnop1234\n", ""), rg("      AuthToken: abcdefghijklmnop5678\n", ""),
			[]string{"AuthToken modified never"}},
		{"resharding without UseOnlineResharding replaces", rg("      NumNodeGroups: 2\n", ""), rg("      NumNodeGroups: 3\n", ""),
			[]string{"NumNodeGroups modified always"}},
		{"resharding with UseOnlineResharding does not", rg("      NumNodeGroups: 2\n", "    UpdatePolicy: {UseOnlineResharding: true}\n"), rg("      NumNodeGroups: 3\n", "    UpdatePolicy: {UseOnlineResharding: true}\n"),
			[]string{"NumNodeGroups modified never"}},
		{"an OpenSearch version change replaces the domain by default", domain("OpenSearch_2.11", ""), domain("OpenSearch_2.13", ""),
			[]string{"EngineVersion modified always"}},
		{"with EnableVersionUpgrade it upgrades in place", domain("OpenSearch_2.11", "    UpdatePolicy: {EnableVersionUpgrade: true}\n"), domain("OpenSearch_2.13", "    UpdatePolicy: {EnableVersionUpgrade: true}\n"),
			[]string{"EngineVersion modified never"}},
		{"removing VPCOptions from a domain replaces it",
			"Resources:\n  D:\n    Type: AWS::OpenSearchService::Domain\n    Properties: {VPCOptions: {SubnetIds: [subnet-1]}}\n",
			"Resources:\n  D:\n    Type: AWS::OpenSearchService::Domain\n",
			[]string{"VPCOptions.SubnetIds removed always"}},
		{"changing VPCOptions' subnets does not",
			"Resources:\n  D:\n    Type: AWS::OpenSearchService::Domain\n    Properties: {VPCOptions: {SubnetIds: [subnet-1]}}\n",
			"Resources:\n  D:\n    Type: AWS::OpenSearchService::Domain\n    Properties: {VPCOptions: {SubnetIds: [subnet-2]}}\n",
			[]string{"VPCOptions.SubnetIds[0] modified never"}},
		{"another snapshot identifier replaces a DB instance", db(", DBSnapshotIdentifier: snap-1"), db(", DBSnapshotIdentifier: snap-2"),
			[]string{"DBSnapshotIdentifier modified always"}},
		{"removing the source of a read replica promotes it in place", db(", SourceDBInstanceIdentifier: primary"), db(""),
			[]string{"SourceDBInstanceIdentifier removed never"}},
		{"a license model change replaces an instance with DB security groups", db(", DBSecurityGroups: [g], LicenseModel: license-included"), db(", DBSecurityGroups: [g], LicenseModel: bring-your-own-license"),
			[]string{"LicenseModel modified always"}},
		{"a license model change updates other instances in place", db(", LicenseModel: license-included"), db(", LicenseModel: bring-your-own-license"),
			[]string{"LicenseModel modified never"}},
		{"more cache nodes without preferred zones replace a cache cluster", cache(", NumCacheNodes: 1"), cache(", NumCacheNodes: 2"),
			[]string{"NumCacheNodes modified always"}},
		{"more cache nodes with preferred zones do not", cache(", NumCacheNodes: 1, PreferredAvailabilityZones: [a]"), cache(", NumCacheNodes: 2, PreferredAvailabilityZones: [a, b]"),
			[]string{"NumCacheNodes modified never", "PreferredAvailabilityZones[1] added conditional"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sd := run(t, tc.base, tc.head)
			if len(sd.Resources) != 1 {
				t.Fatalf("resources %v", summary(sd))
			}
			if d := cmp.Diff(tc.want, props(sd, sd.Resources[0].LogicalID)); d != "" {
				t.Errorf("properties (-want +got):\n%s", d)
			}
		})
	}
	for _, o := range Overrides() {
		if !strings.HasPrefix(o.Doc, "https://docs.aws.amazon.com/AWSCloudFormation/") || o.Says == "" || !EmbeddedSpec().Known(o.Type) {
			t.Errorf("override %s %s: every row cites a CloudFormation page and says what it says, for a known type", o.Type, o.Path)
		}
	}
}

func TestChangeSetView(t *testing.T) {
	base := `Parameters:
  Name: {Type: String, Default: orders}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Ref Name
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: !Sub "${Table}-throttles"
      EvaluationPeriods: 1
  Old:
    Type: AWS::SNS::Topic
    Properties: {DisplayName: x, FifoTopic: false, ContentBasedDeduplication: false, TracingConfig: PassThrough}
  Q:
    Type: AWS::SQS::Queue
    DependsOn: Old
    Properties:
      Tags: [{Key: team, Value: a}]
`
	head := strings.NewReplacer("Default: orders", "Default: orders-v2", "EvaluationPeriods: 1", "EvaluationPeriods: 2",
		"  Old:", "  New:", "DependsOn: Old", "DependsOn: New", "Value: a}", "Value: b}").Replace(base)
	sd := run(t, base, head)
	var got []string
	for _, c := range sd.ChangeSet {
		line := c.Action + " " + c.LogicalID + " " + c.ResourceType + " " + c.Replacement + " [" + strings.Join(c.Scope, ",") + "]"
		for _, d := range c.Details {
			line += fmt.Sprintf(" %s.%s:%s/%s/%s/%s", d.Attribute, d.Name, d.RequiresRecreation, d.Evaluation, d.ChangeSource, d.CausingEntity)
		}
		got = append(got, line)
	}
	want := []string{
		"Modify Alarm AWS::CloudWatch::Alarm Conditional [Properties] Properties.EvaluationPeriods:Never/Static/DirectModification/ Properties.AlarmName:Always/Dynamic/ResourceReference/Table",
		"Add New AWS::SNS::Topic  []",
		"Remove Old AWS::SNS::Topic  []",
		"Modify Q AWS::SQS::Queue False [Tags] Tags.:Never/Static/DirectModification/",
		"Modify Table AWS::DynamoDB::Table True [Properties] Properties.TableName:Always/Static/ParameterReference/Name",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("change set (-want +got):\n%s", d)
	}
}

func TestPropertiesShapedLikeAPolicyAreComparedKeyByKey(t *testing.T) {
	bus := func(cond string) string {
		return "Resources:\n  P:\n    Type: AWS::Events::EventBusPolicy\n    Properties:\n      EventBusName: central\n      StatementId: all\n" +
			"      Statement: {Effect: Allow, Principal: '*', Action: events:PutEvents, Resource: '*'" + cond + "}\n"
	}
	sd := run(t, bus(", Condition: {StringEquals: {aws:PrincipalOrgID: o-1}}"), bus(""))
	got := props(sd, "P")
	if len(got) != 1 || !strings.HasPrefix(got[0], "Statement") {
		t.Errorf("properties %v, want the statement's change alone", got)
	}
}

func TestDocsListEveryReviewedRule(t *testing.T) {
	doc, err := os.ReadFile("../docs/diff.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range Overrides() {
		name := o.Path[strings.LastIndex(o.Path, ".")+1:]
		if !strings.Contains(string(doc), "`"+o.Type+"`") || !strings.Contains(string(doc), name) || !strings.Contains(string(doc), o.Doc) {
			t.Errorf("docs/diff.md does not list the reviewed rule %s %s (%s)", o.Type, o.Path, o.Doc)
		}
	}
}
