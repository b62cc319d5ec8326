package checks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

func TestEveryGlobalConditionKeyIsClassified(t *testing.T) {
	data := embeddedData(t)
	for _, k := range data.GlobalConditionKeys() {
		probe := k
		if i := strings.Index(k, "/"); i >= 0 {
			probe = k[:i+1] + "team"
		}
		if _, ok := lookupGlobal(probe); !ok {
			t.Errorf("the global condition key %s is not in the reviewed table (checks/condkeys.go): classify it", k)
		}
	}
	known := map[string]bool{}
	for _, k := range data.GlobalConditionKeys() {
		if i := strings.Index(k, "/"); i >= 0 {
			k = k[:i+1]
		}
		known[strings.ToLower(k)] = true
	}
	for k := range globalKeys {
		if !known[strings.ToLower(k)] {
			t.Errorf("the reviewed table classifies %s, which the service data does not list as global", k)
		}
	}
}

func TestServiceKeysAreClassifiedFromTheServiceData(t *testing.T) {
	data := embeddedData(t)
	cases := []struct {
		key  string
		want KeyClass
	}{
		{"s3:BucketTag/team", KeyResource},    // a condition key of the bucket resource type
		{"iam:ResourceTag/team", KeyResource}, // of the role and user resource types
		{"s3:prefix", KeyRequest},             // carried by ListBucket requests only
		{"s3:x-amz-server-side-encryption", KeyRequest},
		{"ec2:InstanceType", KeyResource},
		{"iam:PassedToService", KeySource}, // reviewed: it names who receives the role
		{"s3:NoSuchKey", KeyUnknown},
		{"saml:sub", KeyPrincipal},                                // an identity provider's key
		{"token.actions.githubusercontent.com:sub", KeyPrincipal}, // likewise
		{"aws:SecureTransport", KeyContext},
		{"aws:sourceip", KeyContext}, // keys compare without regard to case
		{"aws:PrincipalTag/team", KeyPrincipal},
		{"aws:ResourceTag/team", KeyResource},
		{"aws:RequestTag/team", KeyRequest},
		{"aws:NoSuchKey", KeyUnknown},
	}
	for _, c := range cases {
		if got := ClassifyKey(data, c.key); got != c.want {
			t.Errorf("ClassifyKey(%s) = %s; want %s", c.key, got, c.want)
		}
	}
}

// condStatement parses one statement with a Condition block written in YAML.
func condStatement(t *testing.T, effect, cond string) *policy.Statement {
	t.Helper()
	src := fmt.Sprintf("Statement:\n  - Effect: %s\n    Action: \"*\"\n    Resource: \"*\"\n    Condition: %s\n", effect, cond)
	tpl := template.Parse("p.yaml", []byte(src))
	if tpl.Root == nil {
		t.Fatalf("%s: %v", cond, tpl.Problems)
	}
	d := policy.Parse(tpl.Root)
	if len(d.Statements) != 1 {
		t.Fatalf("%s: %d statements", cond, len(d.Statements))
	}
	return d.Statements[0]
}

// TestOnlyConditionsOnWhoOrWhatNarrowABroadGrant tests every class of key
// with and without IfExists, with negated operators, Null, ForAllValues
// and wildcard values.
func TestOnlyConditionsOnWhoOrWhatNarrowABroadGrant(t *testing.T) {
	data := embeddedData(t)
	cases := []struct {
		name, cond string
		narrows    bool
	}{
		// Context keys never narrow, with or without IfExists.
		{"transport", "{Bool: {aws:SecureTransport: 'true'}}", false},
		{"transport IfExists", "{BoolIfExists: {aws:SecureTransport: 'true'}}", false},
		{"region", "{StringEquals: {aws:RequestedRegion: [eu-west-1]}}", false},
		{"region IfExists", "{StringEqualsIfExists: {aws:RequestedRegion: eu-west-1}}", false},
		{"MFA", "{Bool: {aws:MultiFactorAuthPresent: 'true'}}", false},
		{"MFA IfExists", "{BoolIfExists: {aws:MultiFactorAuthPresent: 'true'}}", false},
		{"MFA age", "{NumericLessThan: {aws:MultiFactorAuthAge: 3600}}", false},
		{"time", "{DateLessThan: {aws:CurrentTime: '2030-01-01T00:00:00Z'}}", false},
		{"time IfExists", "{DateLessThanIfExists: {aws:CurrentTime: '2030-01-01T00:00:00Z'}}", false},
		{"user agent", "{StringLike: {aws:UserAgent: '*terraform*'}}", false},
		{"source IP", "{IpAddress: {aws:SourceIp: 203.0.113.0/24}}", false},
		{"source IP IfExists", "{IpAddressIfExists: {aws:SourceIp: 203.0.113.0/24}}", false},
		{"source VPC", "{StringEquals: {aws:SourceVpc: vpc-111bbb22}}", false},
		{"source VPC endpoint", "{StringEquals: {aws:SourceVpce: vpce-1a2b3c4d}}", false},
		// Principal keys narrow; IfExists undoes that unless every request has the key.
		{"principal org", "{StringEquals: {aws:PrincipalOrgID: o-a1b2c3d4e5}}", true},
		{"principal org IfExists", "{StringEqualsIfExists: {aws:PrincipalOrgID: o-a1b2c3d4e5}}", false},
		{"principal ARN", "{ArnLike: {aws:PrincipalArn: 'arn:aws:iam::123456789012:role/ops-*'}}", true},
		{"principal ARN IfExists (always present)", "{ArnLikeIfExists: {aws:PrincipalArn: 'arn:aws:iam::123456789012:role/ops-*'}}", true},
		{"principal tag", "{StringEquals: {aws:PrincipalTag/team: payments}}", true},
		{"principal tag IfExists", "{StringEqualsIfExists: {aws:PrincipalTag/team: payments}}", false},
		// Resource keys.
		{"resource tag", "{StringEquals: {aws:ResourceTag/team: payments}}", true},
		{"resource tag IfExists", "{StringEqualsIfExists: {aws:ResourceTag/team: payments}}", false},
		{"resource account", "{StringEquals: {aws:ResourceAccount: '123456789012'}}", true},
		{"service resource key", "{StringEquals: {s3:BucketTag/team: payments}}", true},
		{"service resource key IfExists", "{StringEqualsIfExists: {s3:BucketTag/team: payments}}", false},
		// Source keys.
		{"source ARN", "{ArnLike: {aws:SourceArn: 'arn:aws:s3:::uploads'}}", true},
		{"source account IfExists", "{StringEqualsIfExists: {aws:SourceAccount: '123456789012'}}", false},
		{"called via", "{ForAnyValue:StringEquals: {aws:CalledVia: cloudformation.amazonaws.com}}", true},
		{"via AWS service true", "{Bool: {aws:ViaAWSService: 'true'}}", true},
		{"via AWS service false", "{Bool: {aws:ViaAWSService: 'false'}}", false},
		// Request keys: only requests that carry them.
		{"request tag", "{StringEquals: {aws:RequestTag/team: payments}}", true},
		{"service request key", "{StringLike: {s3:prefix: 'home/*'}}", true},
		{"service request key IfExists", "{StringLikeIfExists: {s3:prefix: 'home/*'}}", false},
		// An unknown key is never met.
		{"unknown key", "{StringEquals: {aws:NoSuchKey: x}}", true},
		// Operators.
		{"negated on a principal key", "{StringNotEquals: {aws:PrincipalOrgID: o-a1b2c3d4e5}}", false},
		{"negated ARN", "{ArnNotLike: {aws:PrincipalArn: 'arn:aws:iam::*:role/guest'}}", false},
		{"Null false on a resource tag", "{'Null': {aws:ResourceTag/team: 'false'}}", false},
		{"Null true", "{'Null': {aws:PrincipalTag/team: 'true'}}", false},
		{"ForAllValues", "{ForAllValues:StringEquals: {aws:TagKeys: [team]}}", false},
		{"wildcard value", "{StringLike: {aws:PrincipalArn: '*'}}", false},
		{"one narrowing among loose ones", "{Bool: {aws:SecureTransport: 'true'}, StringEquals: {aws:ResourceTag/team: payments}}", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := condStatement(t, "Allow", c.cond)
			n := conditionsOf(data, s, nil)
			if n.narrowed() != c.narrows {
				t.Errorf("narrowed = %v; want %v (loose: %+v)", n.narrowed(), c.narrows, n.loose)
			}
			if !c.narrows && !strings.Contains(n.looseNote(), s.Conditions[0].Key) {
				t.Errorf("the note %q does not name the key", n.looseNote())
			}
		})
	}
}

// findingsOf checks a template with every rule and returns "CODE TYPE@line".
func findingsOf(t *testing.T, src string) []string {
	t.Helper()
	k, err := NewChecker(Options{Data: embeddedData(t), Values: template.Values{AccountID: "123456789012", Region: "eu-west-1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := k.Check(template.Parse("t.yaml", []byte(src)))
	var out []string
	for _, f := range res.Findings {
		if f.Code == "ADMINISTRATOR_ACCESS" || f.Code == "PRIVILEGE_ESCALATION" {
			out = append(out, fmt.Sprintf("%s %s@%d", f.Code, f.Type, f.Line))
		}
	}
	return out
}

func policyTemplate(statements string) string {
	return "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n" + statements
}

func TestAdministratorAccessBehindConditions(t *testing.T) {
	admin := "          - Effect: Allow\n            Action: '*'\n            Resource: '*'\n"
	cases := []struct {
		name, statements string
		want             string
	}{
		{"unconditional", admin, "ADMINISTRATOR_ACCESS SECURITY_WARNING@9"},
		{"transport only", admin + "            Condition: {Bool: {aws:SecureTransport: 'true'}}\n", "ADMINISTRATOR_ACCESS SECURITY_WARNING@9"},
		{"narrowed by resource tag", admin + "            Condition: {StringEquals: {aws:ResourceTag/team: payments}}\n", "ADMINISTRATOR_ACCESS WARNING@9"},
		{"resource tag IfExists", admin + "            Condition: {StringEqualsIfExists: {aws:ResourceTag/team: payments}}\n", "ADMINISTRATOR_ACCESS SECURITY_WARNING@9"},
		{"a Deny with a condition does not take it away", admin +
			"          - Effect: Deny\n            Action: '*'\n            Resource: '*'\n            Condition: {Bool: {aws:MultiFactorAuthPresent: 'false'}}\n",
			"ADMINISTRATOR_ACCESS SECURITY_WARNING@9"},
		{"a Deny with Null does not take it away", admin +
			"          - Effect: Deny\n            Action: '*'\n            Resource: '*'\n            Condition: {'Null': {aws:MultiFactorAuthAge: 'true'}}\n",
			"ADMINISTRATOR_ACCESS SECURITY_WARNING@9"},
		{"an unconditional Deny of IAM leaves an escalation", admin +
			"          - Effect: Deny\n            Action: ['iam:*', 'organizations:*']\n            Resource: '*'\n",
			"PRIVILEGE_ESCALATION SECURITY_WARNING@9"},
		{"an unconditional Deny of all but S3 leaves neither", admin +
			"          - Effect: Deny\n            NotAction: ['s3:*']\n            Resource: '*'\n", ""},
		{"narrowed administrator access does not hide an open escalation", admin +
			"            Condition: {StringEquals: {aws:ResourceTag/team: payments}}\n" +
			"          - Effect: Allow\n            Action: iam:AttachRolePolicy\n            Resource: '*'\n",
			"ADMINISTRATOR_ACCESS WARNING@9, PRIVILEGE_ESCALATION SECURITY_WARNING@13"},
		{"a Deny statement alone is no grant", "          - Effect: Deny\n            Action: '*'\n            Resource: '*'\n            Condition: {Bool: {aws:SecureTransport: 'false'}}\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := strings.Join(findingsOf(t, policyTemplate(c.statements)), ", ")
			if got != c.want {
				t.Errorf("findings = %q; want %q", got, c.want)
			}
		})
	}
}

func TestPrivilegeEscalationBehindConditions(t *testing.T) {
	pass := func(cond string) string {
		s := "          - Effect: Allow\n            Action: iam:PassRole\n            Resource: '*'\n"
		if cond != "" {
			s += "            Condition: " + cond + "\n"
		}
		return s + "          - Effect: Allow\n            Action: [lambda:CreateFunction, lambda:InvokeFunction]\n            Resource: '*'\n"
	}
	cases := []struct {
		name, statements string
		want             string
	}{
		{"unconditional", pass(""), "PRIVILEGE_ESCALATION SECURITY_WARNING@9"},
		{"region does not narrow", pass("{StringEquals: {aws:RequestedRegion: eu-west-1}}"), "PRIVILEGE_ESCALATION SECURITY_WARNING@9"},
		{"passed to the service the path needs", pass("{StringEquals: {iam:PassedToService: lambda.amazonaws.com}}"), "PRIVILEGE_ESCALATION SECURITY_WARNING@9"},
		{"passed to services by pattern", pass("{StringLike: {iam:PassedToService: '*.amazonaws.com'}}"), "PRIVILEGE_ESCALATION SECURITY_WARNING@9"},
		{"passed to another service only", pass("{StringEquals: {iam:PassedToService: states.amazonaws.com}}"), ""},
		{"passed-to-service IfExists does not close it", pass("{StringEqualsIfExists: {iam:PassedToService: states.amazonaws.com}}"), "PRIVILEGE_ESCALATION SECURITY_WARNING@9"},
		{"narrowed by a resource tag", pass("{StringEquals: {aws:ResourceTag/team: payments}}"), "PRIVILEGE_ESCALATION WARNING@9"},
		{"narrowed by a resource tag IfExists", pass("{StringEqualsIfExists: {aws:ResourceTag/team: payments}}"), "PRIVILEGE_ESCALATION SECURITY_WARNING@9"},
		{"a Deny without condition closes it", pass("") + "          - Effect: Deny\n            Action: iam:PassRole\n            Resource: '*'\n", ""},
		{"a Deny with a condition does not", pass("") + "          - Effect: Deny\n            Action: iam:PassRole\n            Resource: '*'\n            Condition: {Bool: {aws:SecureTransport: 'false'}}\n",
			"PRIVILEGE_ESCALATION SECURITY_WARNING@9"},
		{"every role by ARN", "          - Effect: Allow\n            Action: iam:AttachRolePolicy\n            Resource: arn:aws:iam::123456789012:role/*\n", "PRIVILEGE_ESCALATION SECURITY_WARNING@9"},
		{"some roles", "          - Effect: Allow\n            Action: iam:AttachRolePolicy\n            Resource: arn:aws:iam::123456789012:role/app-*\n", ""},
		{"every resource of another service", "          - Effect: Allow\n            Action: '*'\n            Resource: arn:aws:quicksight:eu-west-1:123456789012:dataset/*\n", ""},
		{"every resource of another type", "          - Effect: Allow\n            Action: iam:CreatePolicyVersion\n            Resource: arn:aws:iam::123456789012:role/*\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := strings.Join(findingsOf(t, policyTemplate(c.statements)), ", ")
			if got != c.want {
				t.Errorf("findings = %q; want %q", got, c.want)
			}
		})
	}
}

func embeddedData(t testing.TB) *iamdata.Set {
	t.Helper()
	d, err := iamdata.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestManyStatementsOpeningOnePathAreOneFinding is the bad input of a
// policy with hundreds of statements that each open the same three-action
// paths: the search keeps one part per source and narrowing, so it stays
// linear, and the finding is the one a single statement gives.
func TestManyStatementsOpeningOnePathAreOneFinding(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "          - Effect: Allow\n            Action: [iam:PassRole, lambda:CreateFunction, lambda:InvokeFunction, glue:CreateJob, glue:StartJobRun]\n"+
			"            Resource: arn:aws:iam::*:role/*\n            Condition: {StringEquals: {aws:ResourceTag/t%d: x}}\n", i)
	}
	got := findingsOf(t, policyTemplate(b.String()))
	if strings.Join(got, ", ") != "PRIVILEGE_ESCALATION WARNING@9" {
		t.Errorf("findings = %v; want one softened escalation at the first statement", got)
	}
}

// TestASoftenedManagedAdministratorGrantDoesNotHideEscalation attaches an
// AWS managed policy whose administrator grant a condition narrows
// (AWSMcpServiceActionsFullAccess) together with IAMFullAccess.
func TestASoftenedManagedAdministratorGrantDoesNotHideEscalation(t *testing.T) {
	src := "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {Version: '2012-10-17', Statement: []}\n" +
		"      ManagedPolicyArns:\n        - arn:aws:iam::aws:policy/AWSMcpServiceActionsFullAccess\n        - arn:aws:iam::aws:policy/IAMFullAccess\n"
	got := strings.Join(findingsOf(t, src), ", ")
	if got != "ADMINISTRATOR_ACCESS WARNING@7, PRIVILEGE_ESCALATION SECURITY_WARNING@8" {
		t.Errorf("findings = %q", got)
	}
}
