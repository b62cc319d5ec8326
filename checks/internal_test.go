package checks

import (
	"net/url"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

func TestResourcePatternsIntersectWithARNFormats(t *testing.T) {
	object := "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
	bucket := "arn:${Partition}:s3:::${BucketName}"
	logGroup := "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}"
	cases := []struct {
		name, value, format string
		want                bool
	}{
		{"an object ARN is an object", "arn:aws:s3:::reports/2024/x.csv", object, true},
		{"a bucket ARN is not an object", "arn:aws:s3:::reports", object, false},
		{"a bucket ARN is a bucket", "arn:aws:s3:::reports", bucket, true},
		{"objects under a bucket are not the bucket", "arn:aws:s3:::reports/*", bucket, false},
		{"a wildcard bucket may be an object", "arn:aws:s3:::reports*", object, true},
		{"a star matches anything", "*", object, true},
		{"a policy variable matches anything", "arn:aws:s3:::reports/${aws:username}/*", object, true},
		{"a question mark is one character", "arn:aws:s3:::r?ports", bucket, true},
		{"an unknown part may be anything", "arn:aws:s3:::" + unknownAny, object, true},
		{"an unknown bucket name has no slash", "arn:" + unknownName + ":s3:::" + unknownName, object, false},
		{"an unknown partition cannot swallow colons", "arn:" + unknownName + ":s3:::" + unknownName, bucket, true},
		{"log group names hold slashes and colons", "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/x:*", logGroup, true},
		{"another service never matches", "arn:aws:sqs:eu-west-1:123456789012:orders", bucket, false},
		{"an empty resource part is no bucket", "arn:aws:s3:::", bucket, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := intersects(compileValue(c.value), compileFormat(c.format)); got != c.want {
				t.Errorf("intersects(%q, %q) = %v, want %v", c.value, c.format, got, c.want)
			}
		})
	}
}

func TestWildcardActionsCoverTheActionsTheyMatch(t *testing.T) {
	cases := []struct {
		super, sub string
		want       bool
	}{
		{"s3:get*", "s3:getobject", true},
		{"s3:*", "s3:get*", true},
		{"*", "iam:passrole", true},
		{"s3:get*", "s3:*", false},
		{"iam:get*", "iam:*credentialreport", false},
		{"s3:get?bject", "s3:getobject", true},
		{"s3:get?bject", "s3:get*bject", false},
		{"s3:getobject", "s3:getobject", true},
		{"s3:getobject", "s3:getobject*", false},
	}
	for _, c := range cases {
		if got := globCovers(c.super, c.sub); got != c.want {
			t.Errorf("globCovers(%q, %q) = %v, want %v", c.super, c.sub, got, c.want)
		}
	}
}

func TestConditionValuesAreReadAsIAMReadsThem(t *testing.T) {
	for _, s := range []string{"2025-01-31", "2025-01-31T23:59:59Z", "2025-01-31T23:59:59.5+01:00", "2025", "1700000000"} {
		if !isDate(s) {
			t.Errorf("isDate(%q) = false", s)
		}
	}
	for _, s := range []string{"31/01/2025", "2025-13-01", "2025-01-32", "tomorrow", "-5", "2025-01-31 23:59"} {
		if isDate(s) {
			t.Errorf("isDate(%q) = true", s)
		}
	}
	for _, s := range []string{"203.0.113.0/24", "203.0.113.7", "2001:db8::/32", " 10.0.0.0/8 "} {
		if !isIPRange(s) {
			t.Errorf("isIPRange(%q) = false", s)
		}
	}
	for _, s := range []string{"10.0.0.0/33", "10.0.0.0-10.0.0.255", "example.com", ""} {
		if isIPRange(s) {
			t.Errorf("isIPRange(%q) = true", s)
		}
	}
	if !isBool("TRUE") || isBool("yes") || !isNumber("1.5") || isNumber("1h") {
		t.Error("Booleans and numbers are misread")
	}
}

// statement parses one statement written as JSON.
func statement(t *testing.T, js string) *policy.Statement {
	t.Helper()
	tpl := template.Parse("s.json", []byte(`{"Version": "2012-10-17", "Statement": [`+js+`]}`))
	if tpl.Root == nil {
		t.Fatalf("bad statement %s: %v", js, tpl.Problems)
	}
	d := policy.Parse(tpl.Root)
	if len(d.Statements) != 1 {
		t.Fatalf("statement %s: %v", js, d.Problems)
	}
	return d.Statements[0]
}

func TestConditionsThatLimitTheCaller(t *testing.T) {
	o := &Options{Values: template.Values{AccountID: "123456789012"}, TrustedAccounts: []string{"111122223333"}, TrustedOrgs: []string{"o-a1b2c3d4e5"}}
	cases := []struct {
		name, cond string
		limited    bool
		external   string
	}{
		{"no condition", `{}`, false, ""},
		{"the organization", `{"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}`, true, ""},
		{"another organization", `{"StringEquals": {"aws:PrincipalOrgID": "o-zzzzzzzzzz"}}`, false, "o-zzzzzzzzzz"},
		{"the organization or another", `{"StringEquals": {"aws:PrincipalOrgID": ["o-a1b2c3d4e5", "o-zzzzzzzzzz"]}}`, false, "o-zzzzzzzzzz"},
		{"IfExists lets callers without the key in", `{"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}`, false, ""},
		{"ForAllValues lets callers without the key in", `{"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}`, false, ""},
		{"a negated operator lets everyone else in", `{"StringNotEquals": {"aws:PrincipalAccount": "999999999999"}}`, false, ""},
		{"the deploy account", `{"StringEquals": {"aws:PrincipalAccount": "123456789012"}}`, true, ""},
		{"a trusted account", `{"StringEquals": {"aws:SourceAccount": "111122223333"}}`, true, ""},
		{"an outside account", `{"StringEquals": {"aws:SourceAccount": "999999999999"}}`, false, "999999999999"},
		{"an outside account and the organization", `{"StringEquals": {"aws:SourceAccount": "999999999999", "aws:PrincipalOrgID": "o-a1b2c3d4e5"}}`, true, ""},
		{"a role ARN of an outside account", `{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::999999999999:role/x"}}`, false, "999999999999"},
		{"an ARN of any account", `{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/x"}}`, false, ""},
		{"a bucket ARN names no account", `{"ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads"}}`, true, ""},
		{"a wildcard organization is everyone", `{"StringLike": {"aws:PrincipalOrgID": "*"}}`, false, ""},
		{"an organization path", `{"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/*"}}`, true, ""},
		{"a network", `{"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}`, true, ""},
		{"AWS services only", `{"Bool": {"aws:PrincipalIsAWSService": "true"}}`, true, ""},
		{"not AWS services", `{"Bool": {"aws:PrincipalIsAWSService": "false"}}`, false, ""},
		{"a key unrelated to the caller", `{"Bool": {"aws:SecureTransport": "true"}}`, false, ""},
		{"the KMS caller account", `{"StringEquals": {"kms:CallerAccount": "123456789012"}}`, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := statement(t, `{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*", "Condition": `+c.cond+`}`)
			r := o.callerRestriction(s)
			if r.limited != c.limited || strings.Join(r.external, ",") != c.external {
				t.Errorf("limited %v external %v; want %v %q", r.limited, r.external, c.limited, c.external)
			}
		})
	}
}

func TestGitHubSubjectsAreJudgedByTheRepositoriesTheyLetIn(t *testing.T) {
	cases := []struct {
		name, cond string
		want       subjectScope
	}{
		{"no sub condition", `{"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}`, subAnyRepo},
		{"one repository", `{"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/shop:*"}}`, subPinned},
		{"one environment", `{"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/shop:environment:prod"}}`, subPinned},
		{"every repository of the owner", `{"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}}`, subOrgWide},
		{"any repository", `{"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}`, subAnyRepo},
		{"any owner", `{"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*/shop:*"}}`, subAnyRepo},
		{"a star", `{"StringLike": {"token.actions.githubusercontent.com:sub": "*"}}`, subAnyRepo},
		{"a pinned value beside a wide one", `{"StringLike": {"token.actions.githubusercontent.com:sub": ["repo:acme/shop:*", "repo:acme/*"]}}`, subOrgWide},
		{"a star under StringEquals is literal", `{"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}}`, subPinned},
		{"IfExists pins nothing", `{"StringLikeIfExists": {"token.actions.githubusercontent.com:sub": "repo:acme/shop:*"}}`, subAnyRepo},
		{"a narrow and a wide condition together", `{"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}, "StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/shop:ref:refs/heads/main"}}`, subPinned},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := statement(t, `{"Effect": "Allow", "Principal": {"Federated": "x"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": `+c.cond+`}`)
			if got, _ := githubSubject(s, "token.actions.githubusercontent.com"); got != c.want {
				t.Errorf("scope %d, want %d", got, c.want)
			}
		})
	}
}

func TestThePassRoleResourcesThatCoverEveryRole(t *testing.T) {
	for s, want := range map[string]bool{
		"*": true, "arn:aws:iam::123456789012:role/*": true, "arn:aws:iam::*:*": true, "arn:aws:iam::123456789012:*": true,
		"arn:aws:iam::123456789012:role/app-*": false, "arn:aws:s3:::*": false, "arn:aws:iam::123456789012:role/admin": false,
	} {
		if got := allRoles(s); got != want {
			t.Errorf("allRoles(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestPolicySizeIgnoresWhitespaceAndCountsUnknownsAsEmpty(t *testing.T) {
	tpl := template.Parse("p.json", []byte(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:Get Object"], "Resource": "*"}]}`))
	// {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"}]}
	if got, want := policySize(tpl.Root), 98; got != want {
		t.Errorf("policySize = %d, want %d", got, want)
	}
	u := &template.Node{Kind: template.Unknown, Items: []*template.Node{{Kind: template.String, Value: "arn:aws:s3:::"}, {Kind: template.Unknown}}}
	if got := policySize(u); got != len("arn:aws:s3:::")+2 {
		t.Errorf("an unknown string counts %d, want its known part and quotes", got)
	}
	if thousands(10240) != "10,240" || thousands(999) != "999" {
		t.Error("thousands")
	}
}

func TestTheRegistryDescribesEveryRuleFully(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.Code] {
			t.Errorf("code %s is registered twice", r.Code)
		}
		seen[r.Code] = true
		if r.Type.Rank() >= len(Types) {
			t.Errorf("%s has type %q", r.Code, r.Type)
		}
		for field, v := range map[string]string{"Title": r.Title, "Why": r.Why, "Fix": r.Fix, "LearnMore": r.LearnMore} {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s has no %s", r.Code, field)
			}
		}
		if r.Example == "" && r.Code != "TEMPLATE_TOO_LARGE" {
			t.Errorf("%s has no example", r.Code)
		}
		if u, err := url.Parse(r.LearnMore); err != nil || u.Scheme != "https" {
			t.Errorf("%s: learn-more %q is not an https URL", r.Code, r.LearnMore)
		}
		if r.Template == nil && r.Policy == nil && r.After == nil && r.Change == nil {
			t.Errorf("%s checks nothing", r.Code)
		}
		if strings.HasSuffix(r.Fix, ".") {
			t.Errorf("%s: fixes are phrases that messages end; drop the period", r.Code)
		}
	}
}

func TestCodesInConfigurationAndSuppressionsAreChecked(t *testing.T) {
	cases := []struct {
		code, suggestion string
		ok               bool
	}{
		{"EXTERNAL_PRINCIPAL", "", true},
		{"NEW_ACCESS", "", true},
		{"UNSUPPORTED_SID", "", true}, // an Access Analyzer code
		{"EXTERNAL_PRINCIPLE", "EXTERNAL_PRINCIPAL", false},
		{"external_principal", "EXTERNAL_PRINCIPAL", false},
		{"not a code", "", false},
	}
	for _, c := range cases {
		s, ok := CheckCode(c.code)
		if ok != c.ok || s != c.suggestion {
			t.Errorf("CheckCode(%q) = %q, %v; want %q, %v", c.code, s, ok, c.suggestion, c.ok)
		}
	}
}

func TestBranchesCoveringEveryCaseMergeAway(t *testing.T) {
	cases := []struct {
		labels []string
		want   string
	}{
		{[]string{"when A is true", "when A is false"}, ""},
		{[]string{"when A is true and B is true", "when A is false and B is true"}, "when B is true"},
		{[]string{"when A is true and B is true", "when A is false and B is true", "when A is true and B is false", "when A is false and B is false"}, ""},
		{[]string{"when A is true and B is true", "when A is false and B is false"}, "when A is true and B is true or when A is false and B is false"},
		{[]string{"when A is true", "when A is true and B is false"}, "when A is true or when A is true and B is false"},
	}
	for _, c := range cases {
		if got := simplifyBranches(c.labels); got != c.want {
			t.Errorf("simplifyBranches(%q) = %q, want %q", c.labels, got, c.want)
		}
	}
}
