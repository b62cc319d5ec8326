package template

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func samFunction(policies string) string {
	return "Transform: AWS::Serverless-2016-10-31\nParameters:\n  Stage: {Type: String, AllowedValues: [prod, sandbox]}\n" +
		"Conditions:\n  IsProd: !Equals [!Ref Stage, prod]\nResources:\n  Uploads:\n    Type: AWS::S3::Bucket\n" +
		"  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: index.handler\n      Policies:" + policies
}

// samSummary lists what SAM Policies became: policies (with the template
// they were expanded from and their line), managed references and
// problems.
func samSummary(x *Extraction) []string {
	var out []string
	for _, p := range x.Policies {
		s := fmt.Sprintf("policy %s %s @%d", p.Path, p.Name, p.Pos.Line)
		if p.Expanded != "" {
			s += " from " + p.Expanded
		}
		if p.Branch != "" {
			s += " " + p.Branch
		}
		out = append(out, s)
	}
	for _, m := range x.ManagedPolicies {
		v, _ := m.ARN.Str()
		s := fmt.Sprintf("managed %s %s @%d", m.Path, v, m.ARN.Pos.Line)
		if m.Branch != "" {
			s += " " + m.Branch
		}
		out = append(out, s)
	}
	for _, p := range x.SAMProblems {
		out = append(out, fmt.Sprintf("problem %s @%d: %s", p.Path, p.Pos.Line, p.Message))
	}
	return out
}

func TestSAMPoliciesAreReadAsTheTransformReadsThem(t *testing.T) {
	cases := []struct {
		name, policies string
		want           []string
	}{
		{"one name", " AdministratorAccess\n", []string{"managed Resources.Fn.Properties.Policies AdministratorAccess @13"}},
		{"a list of names", " [PowerUserAccess, AmazonS3FullAccess]\n", []string{
			"managed Resources.Fn.Properties.Policies[0] PowerUserAccess @13",
			"managed Resources.Fn.Properties.Policies[1] AmazonS3FullAccess @13"}},
		{"an ARN", "\n        - !Sub arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess\n", []string{
			"managed Resources.Fn.Properties.Policies[0] arn:aws:iam::aws:policy/ReadOnlyAccess @14"}},
		{"a statement", "\n        - Statement:\n            - {Effect: Allow, Action: s3:GetObject, Resource: '*'}\n", []string{
			"policy Resources.Fn.Properties.Policies[0] FnRolePolicy0 @14"}},
		{"a policy template, placed at its entry", "\n        - AWSLambdaBasicExecutionRole\n        - S3CrudPolicy:\n            BucketName: !Ref Uploads\n", []string{
			"policy Resources.Fn.Properties.Policies[1] FnRolePolicy1 @15 from S3CrudPolicy",
			"managed Resources.Fn.Properties.Policies[0] AWSLambdaBasicExecutionRole @14"}},
		{"Fn::If around entries", "\n        - !If [IsProd, AmazonS3ReadOnlyAccess, AmazonS3FullAccess]\n        - !If [IsProd, !Ref AWS::NoValue, {S3ReadPolicy: {BucketName: logs}}]\n", []string{
			"policy Resources.Fn.Properties.Policies[1] FnRolePolicy1 @15 from S3ReadPolicy when IsProd is false",
			"managed Resources.Fn.Properties.Policies[0] AmazonS3ReadOnlyAccess @14 when IsProd is true",
			"managed Resources.Fn.Properties.Policies[0] AmazonS3FullAccess @14 when IsProd is false"}},
		{"an unknown template", "\n        - S3CrudPolicyy: {BucketName: x}\n", []string{
			`problem Resources.Fn.Properties.Policies[0] @14: "S3CrudPolicyy" is not a SAM policy template, nor is the entry a policy document (it has no Statement); the SAM transform rejects it.`}},
		{"a missing parameter", "\n        - S3CrudPolicy: {Bucket: x}\n", []string{
			"problem Resources.Fn.Properties.Policies[0] @14: SAM policy template S3CrudPolicy has no value for its parameter BucketName, so the SAM transform rejects it. (Bucket is not one of its parameters.)"}},
		{"values that are not a mapping", "\n        - S3CrudPolicy: x\n", []string{
			"problem Resources.Fn.Properties.Policies[0] @14: The value of SAM policy template S3CrudPolicy must be a mapping of its parameters' values (S3CrudPolicy: {} when it has none)."}},
		{"a number", "\n        - 42\n", []string{
			"problem Resources.Fn.Properties.Policies[0] @14: Policy at index 0 of Policies is neither a managed policy name or ARN, a policy document with Statement, nor a SAM policy template; the SAM transform rejects it."}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl := mustParse(t, "sam.yaml", samFunction(c.policies))
			x := Extract(tpl, NewResolver(tpl, Values{Region: "eu-west-1", AccountID: "123456789012"}))
			if diff := cmp.Diff(c.want, samSummary(x)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestAnExpandedSAMPolicyTemplateKeepsTheUsersValuesWhereTheyAreWritten(t *testing.T) {
	tpl := mustParse(t, "sam.yaml", samFunction("\n        - SQSSendMessagePolicy:\n            QueueName: !GetAtt\n              - Jobs\n              - QueueName\n"))
	x := Extract(tpl, NewResolver(tpl, Values{Region: "eu-west-1", AccountID: "123456789012"}))
	if len(x.Policies) != 1 {
		t.Fatalf("%d policies", len(x.Policies))
	}
	doc := x.Policies[0].Document
	st := doc.Get("Statement").Items[0]
	if st.Get("Action").Pos.Line != 14 {
		t.Errorf("the template's actions are at %+v; want the entry, line 14", st.Get("Action").Pos)
	}
	res := st.Get("Resource")
	if res.Kind != Unknown || len(res.Items) < 2 || res.Items[0].Value != "arn:aws:sqs:eu-west-1:123456789012:" ||
		!strings.Contains(res.Items[1].Value, "Jobs.QueueName") || res.Items[1].Pos.Line != 15 {
		t.Errorf("resource %s %+v; want the queue's ARN built by the template, known up to the queue name, which stays at line 15", Describe(res), res.Items)
	}
}
