package accessanalyzer

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/internal/fakeaws"
	"github.com/tollgate-dev/tollgate/template"
)

const tmpl = `Resources:
  Deployer:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: codebuild.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: deploy
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: s3:GetObjekt
                Resource: !Sub "${Bucket.Arn}/*"
              - Effect: Allow
                Action: [iam:PassRole, iam:CreateUser]
                Resource: "*"
  Bucket:
    Type: AWS::S3::Bucket
  BucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: !Sub "${Bucket.Arn}/*"
`

func extract(t *testing.T, src string) (*template.Template, []*template.Policy) {
	t.Helper()
	tpl := template.Parse("stacks/app.yaml", []byte(src))
	if tpl.Root == nil {
		t.Fatal(tpl.Problems)
	}
	return tpl, template.Extract(tpl, template.NewResolver(tpl, template.Values{AccountID: "123456789012"})).Policies
}

type brief struct {
	Code, Type, Source, Resource, Path string
	Line                               int
}

func briefs(fs []checks.Finding) []brief {
	out := make([]brief, len(fs))
	for i, f := range fs {
		out[i] = brief{f.Code, string(f.Type), f.Source, f.Resource, f.Path, f.Line}
	}
	return out
}

var standardRules = []fakeaws.Rule{
	{Needle: "s3:GetObjekt", Code: "INVALID_ACTION", Type: "ERROR", Details: "The action s3:GetObjekt does not exist."},
	{Needle: "iam:PassRole", Code: "PASS_ROLE_WITH_STAR_IN_RESOURCE", Type: "SECURITY_WARNING", Details: "Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive."},
}

func TestFindingsMapToTheTemplateLines(t *testing.T) {
	fake := fakeaws.NewAnalyzer(t, standardRules...)
	tpl, policies := extract(t, tmpl)
	res := Run(context.Background(), Options{Client: fake.Client(), Values: template.Values{AccountID: "123456789012"},
		SensitiveActions: []string{"iam:CreateUser"}}, tpl, policies)
	want := []brief{
		{"INVALID_ACTION", "ERROR", "access-analyzer", "Deployer", "Resources.Deployer.Properties.Policies[0].PolicyDocument.Statement[0].Action", 16},
		{"SENSITIVE_ACCESS_GRANTED", "SECURITY_WARNING", "access-analyzer", "Deployer", "Resources.Deployer.Properties.Policies[0].PolicyDocument.Statement[1]", 18},
		{"PASS_ROLE_WITH_STAR_IN_RESOURCE", "SECURITY_WARNING", "access-analyzer", "Deployer", "Resources.Deployer.Properties.Policies[0].PolicyDocument.Statement[1].Action[0]", 19},
		{"PUBLIC_ACCESS", "SECURITY_WARNING", "access-analyzer", "BucketPolicy", "Resources.BucketPolicy.Properties.PolicyDocument.Statement[0]", 29},
	}
	if diff := cmp.Diff(want, briefs(res.Findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if len(res.Notices) != 0 {
		t.Errorf("notices: %q", res.Notices)
	}
	// The trust policy is validated as a role trust policy, the inline
	// policy as an identity policy, the bucket policy as a bucket's.
	var shapes []string
	for _, r := range fake.Requests {
		if r.Op == "ValidatePolicy" {
			shapes = append(shapes, fmt.Sprintf("%v/%v", r.Body["policyType"], r.Body["validatePolicyResourceType"]))
		}
	}
	sort.Strings(shapes)
	wantShapes := []string{"IDENTITY_POLICY/<nil>", "IDENTITY_POLICY/<nil>", "RESOURCE_POLICY/AWS::IAM::AssumeRolePolicyDocument", "RESOURCE_POLICY/AWS::S3::Bucket"}
	if diff := cmp.Diff(wantShapes, shapes); diff != "" {
		t.Errorf("ValidatePolicy request shapes (-want +got):\n%s", diff)
	}
}

func TestFindingsOnPlaceholdersAreDropped(t *testing.T) {
	// The fake flags any value that looks like our made-up ARN; such a
	// finding says nothing about the template.
	fake := fakeaws.NewAnalyzer(t, fakeaws.Rule{Needle: "arn:aws:s3:::tollgate-unresolved-", Code: "INVALID_ARN_RESOURCE", Type: "ERROR", Details: "bad ARN"})
	tpl, policies := extract(t, tmpl)
	res := Run(context.Background(), Options{Client: fake.Client()}, tpl, policies[1:2])
	if len(res.Findings) != 0 {
		t.Errorf("findings: %+v", briefs(res.Findings))
	}
	var sent string
	for _, r := range fake.Requests {
		if r.Op == "ValidatePolicy" {
			sent = r.Body["policyDocument"].(string)
		}
	}
	if !regexp.MustCompile(`"Resource":"arn:aws:s3:::tollgate-unresolved-[0-9a-f]{12}/\*"`).MatchString(sent) {
		t.Errorf("the document sent was %s", sent)
	}
}

func TestPlaceholdersDependOnTheExpressionOnly(t *testing.T) {
	// The parallel jobs of a run render documents at the same time, so
	// placeholders hold no counter; and the same expression must read the
	// same in the base and head documents that CheckNoNewAccess compares.
	ph := &placeholders{partition: "aws", region: "us-east-1", account: "123456789012"}
	getAtt := func() *template.Node {
		return &template.Node{Kind: template.Unknown, Value: "!GetAtt Bucket.Arn",
			Origin: &template.Origin{Func: "Fn::GetAtt", Resource: "Bucket", Attribute: "Arn", ResourceType: "AWS::S3::Bucket"}}
	}
	a, b := ph.value(getAtt()), ph.value(getAtt())
	if a != b {
		t.Errorf("the same GetAtt rendered as %q and %q", a, b)
	}
	other := ph.value(&template.Node{Kind: template.Unknown, Value: "!GetAtt Logs.Arn",
		Origin: &template.Origin{Func: "Fn::GetAtt", Resource: "Logs", Attribute: "Arn", ResourceType: "AWS::S3::Bucket"}})
	if other == a {
		t.Errorf("two different GetAtts rendered alike: %q", a)
	}
	if !strings.HasPrefix(a, "arn:aws:s3:::tollgate-unresolved-") {
		t.Errorf("a bucket ARN placeholder is %q", a)
	}
}

func TestNoNewAccessComparesWithTheBaseRevision(t *testing.T) {
	fake := fakeaws.NewAnalyzer(t)
	baseSrc := strings.Replace(tmpl, "[iam:PassRole, iam:CreateUser]", "iam:PassRole", 1)
	_, basePolicies := extract(t, baseSrc)
	base := map[string]*template.Policy{}
	for _, p := range basePolicies {
		base[Key(p)] = p
	}
	tpl, policies := extract(t, tmpl)
	res := Run(context.Background(), Options{Client: fake.Client(), Base: base}, tpl, policies)
	var got []brief
	for _, f := range briefs(res.Findings) {
		if f.Code == CodeNewAccess {
			got = append(got, f)
		}
	}
	want := []brief{{"NEW_ACCESS", "SECURITY_WARNING", "access-analyzer", "Deployer", "Resources.Deployer.Properties.Policies[0].PolicyDocument.Statement[1]", 18}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("NEW_ACCESS findings (-want +got):\n%s", diff)
	}
}

func TestFaultsBecomeNoticesAndTheRestShips(t *testing.T) {
	tpl, policies := extract(t, tmpl)
	t.Run("throttling is retried", func(t *testing.T) {
		fake := fakeaws.NewAnalyzer(t, standardRules...)
		fake.Throttle = 3
		res := Run(context.Background(), Options{Client: fake.Client(), Concurrency: 1}, tpl, policies)
		if len(res.Notices) != 0 || len(res.Findings) < 2 {
			t.Errorf("notices %q, %d findings", res.Notices, len(res.Findings))
		}
	})
	t.Run("a failing API is one notice", func(t *testing.T) {
		fake := fakeaws.NewAnalyzer(t, standardRules...)
		fake.Fail = "ValidatePolicy"
		res := Run(context.Background(), Options{Client: fake.Client()}, tpl, policies)
		if len(res.Notices) != 1 || !strings.Contains(res.Notices[0].Message, "ValidatePolicy failed (InternalServerException: internal failure)") {
			t.Errorf("notices %q", res.Notices)
		}
		if len(res.Findings) != 1 || res.Findings[0].Code != CodePublicAccess {
			t.Errorf("the other checks' findings were lost: %+v", briefs(res.Findings))
		}
	})
	t.Run("a slow API times out", func(t *testing.T) {
		fake := fakeaws.NewAnalyzer(t)
		fake.Slow = 200 * time.Millisecond
		res := Run(context.Background(), Options{Client: fake.Client(), CallTimeout: 20 * time.Millisecond}, tpl, policies)
		if len(res.Notices) == 0 || !strings.Contains(res.Notices[0].Message, "timed out") {
			t.Errorf("notices %q", res.Notices)
		}
	})
}

func TestOnlineFindingsMergeWithOfflineOnes(t *testing.T) {
	data, err := iamdata.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	k, _ := checks.NewChecker(checks.Options{Data: data}, nil)
	tpl, policies := extract(t, tmpl)
	offline := k.Check(tpl).Findings
	fake := fakeaws.NewAnalyzer(t, standardRules...)
	online := Run(context.Background(), Options{Client: fake.Client()}, tpl, policies)
	merged := checks.Merge(offline, online.Findings)
	var invalid []checks.Finding
	for _, f := range merged {
		if f.Code == "INVALID_ACTION" {
			invalid = append(invalid, f)
		}
	}
	if len(invalid) != 1 || invalid[0].Source != checks.SourceBoth || !strings.Contains(invalid[0].Message, "Did you mean") {
		t.Errorf("INVALID_ACTION after merge: %+v", invalid)
	}
	for _, f := range merged {
		if f.Fingerprint == "" {
			t.Errorf("finding without a fingerprint: %+v", f)
		}
	}
}

func TestDocumentsRenderWithSpansForEveryValue(t *testing.T) {
	_, policies := extract(t, tmpl)
	d := render(policies[1].Document, &placeholders{partition: "aws", region: "eu-west-1", account: "123456789012"})
	var parsed any
	if err := json.Unmarshal([]byte(d.text), &parsed); err != nil {
		t.Fatalf("rendered document is not JSON: %v\n%s", err, d.text)
	}
	sp := d.byPath["Statement[1].Action[0]"]
	if sp == nil || d.text[sp.start:sp.end] != `"iam:PassRole"` || sp.node.Pos.Line != 19 {
		t.Errorf("span = %+v", sp)
	}
	if got := d.at(sp.start + 3); got != sp {
		t.Errorf("offset lookup = %+v", got)
	}
	u := render(&template.Node{Kind: template.String, Value: "é😀\"\\\n"}, &placeholders{})
	if u.text != `"\u00e9\ud83d\ude00\"\\\u000a"` {
		t.Errorf("escaping: %s", u.text)
	}
}

// TestPoliciesThatOnlyLimitAreValidatedOnly: service and resource control
// policies are validated as such; they, and VPC endpoint policies, grant
// nothing, so no access check runs on them.
func TestPoliciesThatOnlyLimitAreValidatedOnly(t *testing.T) {
	fake := fakeaws.NewAnalyzer(t)
	doc := `{Version: "2012-10-17", Statement: [{Effect: Allow, Principal: "*", Action: "*", Resource: "*"}]}`
	idoc := `{Version: "2012-10-17", Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}`
	tpl, policies := extract(t, `Resources:
  Scp:
    Type: AWS::Organizations::Policy
    Properties: {Name: s, Type: SERVICE_CONTROL_POLICY, Content: `+idoc+`}
  Rcp:
    Type: AWS::Organizations::Policy
    Properties: {Name: r, Type: RESOURCE_CONTROL_POLICY, Content: `+doc+`}
  Endpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties: {VpcId: v, ServiceName: s, PolicyDocument: `+doc+`}
`)
	Run(context.Background(), Options{Client: fake.Client(), Values: template.Values{AccountID: "123456789012"},
		SensitiveActions: []string{"iam:CreateUser"}}, tpl, policies)
	var ops []string
	for _, r := range fake.Requests {
		ops = append(ops, fmt.Sprintf("%s %v", r.Op, r.Body["policyType"]))
	}
	sort.Strings(ops)
	want := []string{"ValidatePolicy RESOURCE_CONTROL_POLICY", "ValidatePolicy RESOURCE_POLICY", "ValidatePolicy SERVICE_CONTROL_POLICY"}
	if diff := cmp.Diff(want, ops); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}
