package checks_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

func TestIgnoreSelectorsNameACodeAResourceOrBoth(t *testing.T) {
	sel := checks.ParseIgnore([]string{"PASS_ROLE_WITH_STAR_IN_RESOURCE, myrole", "Bucket.external_principal,", ""})
	if got := len(sel); got != 3 {
		t.Fatalf("%d selectors from %v", got, sel)
	}
	cases := []struct {
		resource, code string
		want           []bool
	}{
		{"Other", "PASS_ROLE_WITH_STAR_IN_RESOURCE", []bool{true, false, false}},
		{"MyRole", "INVALID_ACTION", []bool{false, true, false}},
		{"bucket", "EXTERNAL_PRINCIPAL", []bool{false, false, true}},
		{"Bucket", "MISSING_VERSION", []bool{false, false, false}},
		{"Queue", "EXTERNAL_PRINCIPAL", []bool{false, false, false}},
	}
	for _, c := range cases {
		for i, s := range sel {
			if got := s.Matches(c.resource, c.code); got != c.want[i] {
				t.Errorf("%s matches %s %s: %v, want %v", s, c.resource, c.code, got, c.want[i])
			}
		}
	}
}

func TestIgnoredFindingsAreSuppressedAndUnusedSelectorsReturned(t *testing.T) {
	fs := []checks.Finding{{Code: "A", Resource: "R1"}, {Code: "B", Resource: "R2"}, {Code: "C", Resource: "R1", Suppression: &checks.Suppression{Kind: "inline"}}}
	unused := checks.Ignore(fs, checks.ParseIgnore([]string{"R1,B,R9.A"}))
	if diff := cmp.Diff([]string{"A ignore-finding", "B ignore-finding", "C inline"}, summary(fs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(unused) != 1 || unused[0].String() != "R9.A" {
		t.Errorf("unused selectors %v, want R9.A", unused)
	}
}

const externalPolicies = `Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: arn:aws:iam::999999999999:role/Reader}
            Action: s3:GetObject
            Resource: !Sub "${Bucket.Arn}/*"
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: !Sub "${Bucket.Arn}/*"
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Federated: arn:aws:iam::999999999999:saml-provider/Corp}
            Action: sts:AssumeRoleWithSAML
            Condition: {StringEquals: {"SAML:aud": https://signin.aws.amazon.com/saml}}
`

func TestTrustedPrincipalsAreNotExternal(t *testing.T) {
	tpl := template.Parse("t.yaml", []byte(externalPolicies))
	external := func(trusted ...string) []int {
		o := fixtureOptions(t)
		o.TrustedPrincipals = trusted
		k, err := checks.NewChecker(o, nil)
		if err != nil {
			t.Fatal(err)
		}
		var lines []int
		for _, f := range k.Check(tpl).Findings {
			if f.Code == "EXTERNAL_PRINCIPAL" {
				lines = append(lines, f.Line)
			}
		}
		return lines
	}
	cases := []struct {
		name    string
		trusted []string
		want    []int
	}{
		{"nothing trusted: the other account's role, anyone, the other account's identity provider", nil, []int{12, 16, 26}},
		{"the role's ARN", []string{"arn:aws:iam::999999999999:role/Reader"}, []int{16, 26}},
		{"anonymous access", []string{"*"}, []int{12, 26}},
		{"the identity provider", []string{"arn:aws:iam::999999999999:saml-provider/Corp"}, []int{12, 16}},
		{"another role of the account", []string{"arn:aws:iam::999999999999:role/Writer"}, []int{12, 16, 26}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, external(c.trusted...)); diff != "" {
				t.Errorf("lines of EXTERNAL_PRINCIPAL (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExcludedResourceTypesAreNotChecked(t *testing.T) {
	o := fixtureOptions(t)
	o.ExcludeTypes = []string{"AWS::S3::BucketPolicy"}
	k, err := checks.NewChecker(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := k.Check(template.Parse("t.yaml", []byte(externalPolicies)))
	for _, f := range res.Findings {
		if f.Resource == "Policy" {
			t.Errorf("a finding of the excluded bucket policy: %s", f.Code)
		}
	}
	if res.Policies != 1 {
		t.Errorf("%d policies checked, want the trust policy only", res.Policies)
	}
}

func TestPublicStatementsLetAnyoneIn(t *testing.T) {
	o := fixtureOptions(t)
	cases := []struct {
		name, doc string
		want      []int
	}{
		{"a wildcard principal", `{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}`, []int{0}},
		{"AWS star among others", `{"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::123456789012:root", "*"]}, "Action": "sqs:*"}]}`, []int{0}},
		{"kept to the organization", `{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}`, nil},
		{"a deny", `{"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*"}]}`, nil},
		{"an account", `{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "s3:*"}]}`, nil},
		{"the second statement", `{"Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "s3:*"}, {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:*"}]}`, []int{1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl := template.Parse("p.json", []byte(c.doc))
			if diff := cmp.Diff(c.want, o.PublicStatements(policy.Parse(tpl.Root))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
