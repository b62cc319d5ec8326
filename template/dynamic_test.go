package template

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const dynamicSrc = `Parameters:
  Stage: {Type: String}
  Env: {Type: String, Default: prod}
  RoleArn: {Type: "AWS::SSM::Parameter::Value<String>", Default: /org/role-arn}
Resources:
  R:
    Type: AWS::IAM::Role
    Properties:
`

func resolveDynamic(t *testing.T, expr string) *Node {
	t.Helper()
	tpl := mustParse(t, "d.yaml", dynamicSrc+"      X: "+expr+"\n")
	return NewResolver(tpl, Values{}).Resolve(tpl.Resource("R").Properties.Get("X"), nil)
}

// parts renders a resolved value as its known text and its unknown parts'
// descriptions, e.g. "arn:aws:s3:::|<resolve:ssm:/b>|/*".
func parts(n *Node) string {
	if n.Kind != Unknown || len(n.Items) == 0 {
		return n.Kind.String() + ":" + n.Value
	}
	var out []string
	for _, p := range n.Items {
		out = append(out, p.Value)
	}
	return strings.Join(out, "|")
}

func TestDynamicReferencesAreDeployTimeUnknowns(t *testing.T) {
	cases := []struct{ name, expr, want string }{
		{"a whole string", `"{{resolve:ssm:/org/principal}}"`, "unknown:<resolve:ssm:/org/principal>"},
		{"part of a literal", `"arn:aws:s3:::{{resolve:ssm:/buckets/data:3}}/*"`, "arn:aws:s3:::|<resolve:ssm:/buckets/data:3>|/*"},
		{"two in one literal", `"{{resolve:ssm:/a}}-{{resolve:secretsmanager:s:SecretString:k}}"`,
			"<resolve:ssm:/a>|-|<resolve:secretsmanager:s:SecretString:k>"},
		{"a secure string", `"{{resolve:ssm-secure:/db/password:2}}"`, "unknown:<resolve:ssm-secure:/db/password:2>"},
		{"in Fn::Sub text", `!Sub "arn:${AWS::Partition}:iam::{{resolve:ssm:/org/account:1}}:root"`, "arn:aws:iam::|<resolve:ssm:/org/account:1>|:root"},
		{"in Fn::Sub list form", `!Sub ["{{resolve:ssm:/${Env}/role}}", {}]`, "unknown:<resolve:ssm:/prod/role>"},
		{"named by a Sub variable known only at deploy time", `!Sub "{{resolve:ssm:/app/${Stage}/role}}"`, "unknown:<resolve:ssm:/app/${Stage}/role>"},
		{"a Join part", `!Join ["", ["arn:aws:iam::", "{{resolve:ssm:/org/account:1}}", ":root"]]`, "arn:aws:iam::|<resolve:ssm:/org/account:1>|:root"},
		{"an unknown service stays text", `"{{resolve:vault:/x}}"`, "string:{{resolve:vault:/x}}"},
		{"an unclosed reference stays text", `"{{resolve:ssm:/x"`, "string:{{resolve:ssm:/x"},
		{"an SSM parameter type is unknown, never its name", `!Ref RoleArn`, "unknown:!Ref RoleArn"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := resolveDynamic(t, c.expr)
			if diff := cmp.Diff(c.want, parts(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c.expr, diff)
			}
		})
	}
}

func TestDynamicReferencesKeepTheirOrigin(t *testing.T) {
	got := resolveDynamic(t, `"{{resolve:ssm:arn:aws:ssm:eu-west-1:123456789012:parameter/org/x:7}}"`)
	if got.Origin == nil || got.Origin.Dynamic == nil {
		t.Fatalf("no dynamic origin: %+v", got)
	}
	want := DynamicRef{Service: "ssm", Reference: "arn:aws:ssm:eu-west-1:123456789012:parameter/org/x:7",
		Name: "arn:aws:ssm:eu-west-1:123456789012:parameter/org/x", Version: "7"}
	if diff := cmp.Diff(want, *got.Origin.Dynamic); diff != "" {
		t.Error(diff)
	}
	if got.Origin.Func != "resolve" {
		t.Errorf("Func = %q", got.Origin.Func)
	}
	if got.Pos.Line != 9 {
		t.Errorf("placed at line %d, want the value's line 9", got.Pos.Line)
	}
	if refs := DynamicRefs(resolveDynamic(t, `"a{{resolve:ssm:/x}}b{{resolve:ssm:/y:1}}"`)); len(refs) != 2 {
		t.Errorf("DynamicRefs found %d references, want 2", len(refs))
	}
}

func TestSecretsManagerVersions(t *testing.T) {
	cases := []struct{ ref, name, version string }{
		{"MySecret", "MySecret", ""},
		{"MySecret:SecretString:password", "MySecret", ""},
		{"MySecret:SecretString:password:AWSPREVIOUS", "MySecret", "AWSPREVIOUS"},
		{"MySecret:SecretString::AWSCURRENT:abc-123", "MySecret", "abc-123"},
		{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:SecretString:user", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf", ""},
	}
	for _, c := range cases {
		d, ok := parseDynamic("secretsmanager:" + c.ref)
		if !ok || d.Name != c.name || d.Version != c.version {
			t.Errorf("%s: got %+v, want name %q version %q", c.ref, d, c.name, c.version)
		}
	}
}

func TestDynamicReferenceInAJSONPolicyStringKeepsLines(t *testing.T) {
	src := `Resources:
  P:
    Type: AWS::Logs::ResourcePolicy
    Properties:
      PolicyName: p
      PolicyDocument: |
        {
          "Version": "2012-10-17",
          "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": "{{resolve:ssm:/org/reader}}"},
            "Action": "logs:PutLogEvents",
            "Resource": "*"
          }]
        }
`
	tpl := mustParse(t, "p.yaml", src)
	x := Extract(tpl, NewResolver(tpl, Values{}))
	if len(x.Problems) > 0 || len(x.Policies) != 1 {
		t.Fatalf("problems %+v, %d policies", x.Problems, len(x.Policies))
	}
	aws := x.Policies[0].Document.Get("Statement").Items[0].Get("Principal").Get("AWS")
	if aws.Kind != Unknown || aws.Origin == nil || aws.Origin.Dynamic == nil {
		t.Fatalf("principal %+v is not a dynamic reference", aws)
	}
	if aws.Pos.Line != 11 {
		t.Errorf("principal at line %d, want 11", aws.Pos.Line)
	}
}

func TestAnSSMParameterTypeStaysUnknownWhenItsNameIsGiven(t *testing.T) {
	tpl := mustParse(t, "d.yaml", dynamicSrc+"      X: !Ref RoleArn\n      Y: !Sub \"arn:aws:iam::${RoleArn}:root\"\n")
	r := NewResolver(tpl, Values{Parameters: map[string]string{"RoleArn": "/org/other-role-arn"}})
	props := tpl.Resource("R").Properties
	x := r.Resolve(props.Get("X"), nil)
	if x.Kind != Unknown || x.Origin == nil || x.Origin.Parameter != "RoleArn" || strings.Contains(Describe(x), "/org/") {
		t.Errorf("!Ref of an SSM parameter type resolved to %s; its value is read from SSM at deploy time", Describe(x))
	}
	y := r.Resolve(props.Get("Y"), nil)
	if y.Kind != Unknown || strings.Contains(parts(y), "/org/") {
		t.Errorf("in Fn::Sub it resolved to %s", parts(y))
	}
}
