package checks_test

import (
	"slices"
	"testing"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/template"
)

// TestBroadSensitiveAccessFollowsItsSettings: each knob of
// broad-sensitive-access changes what is reported, and the defaults hold
// where a knob is left out.
func TestBroadSensitiveAccessFollowsItsSettings(t *testing.T) {
	src := `Resources:
  P:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: [ec2:*, sqs:SendMessage, secretsmanager:GetSecretValue, ec2:Describe*, iam:GetUser]
            Resource: "*"
          - Effect: Allow
            NotResource: arn:aws:s3:::audit/*
            Action: s3:Delete*
`
	cases := []struct {
		name string
		s    *checks.SensitiveAccess
		want []string
	}{
		{"defaults", nil, []string{"ec2:*", "secretsmanager:GetSecretValue", "s3:Delete*"}},
		{"single writes count too", &checks.SensitiveAccess{Actions: []string{"permissions-management", "write"}}, []string{"ec2:*", "sqs:SendMessage", "secretsmanager:GetSecretValue", "s3:Delete*"}},
		{"reads of wildcards count too", &checks.SensitiveAccess{Wildcards: []string{"read"}}, []string{"ec2:*", "secretsmanager:GetSecretValue"}},
		{"no secrets", &checks.SensitiveAccess{Secrets: []string{}}, []string{"ec2:*", "s3:Delete*"}},
		{"allowed", &checks.SensitiveAccess{Allow: []string{"ec2:*", "secretsmanager:*", "s3:DeleteObject*", "s3:DeleteBucket*", "s3:DeleteAccess*"}}, []string{"s3:Delete*"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := fixtureOptions(t)
			opts.Sensitive = c.s
			k, err := checks.NewChecker(opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range k.Check(template.Parse("b.yaml", []byte(src))).Findings {
				if f.Code == "BROAD_SENSITIVE_ACCESS" {
					got = append(got, f.PolicyPath)
				}
			}
			var want []string
			paths := map[string]string{"ec2:*": "Statement[0].Action[0]", "sqs:SendMessage": "Statement[0].Action[1]", "secretsmanager:GetSecretValue": "Statement[0].Action[2]", "s3:Delete*": "Statement[1].Action"}
			for _, w := range c.want {
				want = append(want, paths[w])
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("reported %v, want %v", got, want)
			}
		})
	}
}

// TestOnlyConditionsThatNarrowTheResourceSilenceBroadAccess: each key
// class, with and without IfExists.
func TestOnlyConditionsThatNarrowTheResourceSilenceBroadAccess(t *testing.T) {
	cases := []struct {
		cond     string
		reported bool
	}{
		{`{StringEquals: {aws:ResourceTag/team: payments}}`, false},
		{`{StringEqualsIfExists: {aws:ResourceTag/team: payments}}`, true},
		{`{StringEquals: {aws:ResourceAccount: "123456789012"}}`, false},
		{`{StringEquals: {kms:ViaService: secretsmanager.eu-west-1.amazonaws.com}}`, false},
		{`{StringEquals: {aws:CalledVia: cloudformation.amazonaws.com}}`, false},
		{`{Bool: {aws:SecureTransport: "true"}}`, true},
		{`{StringEquals: {aws:RequestedRegion: eu-west-1}}`, true},
		{`{Bool: {aws:MultiFactorAuthPresent: "true"}}`, true},
		{`{StringEquals: {aws:PrincipalTag/team: payments}}`, true},
		{`{StringNotEquals: {aws:ResourceTag/team: payments}}`, true},
	}
	k := newChecker(t)
	for _, c := range cases {
		src := "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n" +
			"          - {Effect: Allow, Action: secretsmanager:GetSecretValue, Resource: \"*\", Condition: " + c.cond + "}\n"
		got := false
		for _, f := range k.Check(template.Parse("c.yaml", []byte(src))).Findings {
			got = got || f.Code == "BROAD_SENSITIVE_ACCESS"
		}
		if got != c.reported {
			t.Errorf("%s: reported %v, want %v", c.cond, got, c.reported)
		}
	}
}
