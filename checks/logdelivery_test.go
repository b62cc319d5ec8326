package checks_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/template"
)

// elbPolicy is an access-log bucket policy whose one statement takes the
// given principal, actions and resource lines (YAML flow values).
func elbPolicy(typ, principal, actions, resource string) string {
	return `AWSTemplateFormatVersion: "2010-09-09"
Mappings:
  Region2ELBAccountId:
    us-east-1: {AccountId: "127311923021"}
    us-west-2: {AccountId: "797873946194"}
    eu-west-1: {AccountId: "156460612806"}
  Mixed:
    us-east-1: {AccountId: "127311923021"}
    eu-west-1: {AccountId: "999999999999"}
Resources:
  Logs:
    Type: AWS::S3::Bucket
  Policy:
    Type: ` + typ + `
    Properties:
      Bucket: !Ref Logs
      Topics: [x]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: ` + principal + `}
            Action: ` + actions + `
            Resource: ` + resource + `
`
}

func TestLogDeliveryAccountsAreAWSNotExternal(t *testing.T) {
	const (
		bucket   = "AWS::S3::BucketPolicy"
		objects  = "!Sub 'arn:${AWS::Partition}:s3:::${Logs}/AWSLogs/${AWS::AccountId}/*'"
		fromMap  = "!FindInMap [Region2ELBAccountId, !Ref AWS::Region, AccountId]"
		elbUSE1  = "arn:aws:iam::127311923021:root"
		outsider = "'999999999999'"
	)
	for _, c := range []struct {
		name, typ, principal, actions, resource string
		region                                  string
		want                                    []string
	}{
		{"the ELB account of the Region, as its documentation asks", bucket, elbUSE1, "s3:PutObject", objects, "us-east-1",
			[]string{"LOG_DELIVERY_ACCOUNT_PRINCIPAL"}},
		{"as a bare account ID", bucket, "'127311923021'", "[s3:PutObject]", objects, "us-east-1", []string{"LOG_DELIVERY_ACCOUNT_PRINCIPAL"}},
		{"looked up for a known Region", bucket, fromMap, "s3:PutObject", objects, "us-west-2", []string{"LOG_DELIVERY_ACCOUNT_PRINCIPAL"}},
		{"looked up for an unknown Region in the documented table", bucket, fromMap, "s3:PutObject", objects, "",
			[]string{"LOG_DELIVERY_ACCOUNT_PRINCIPAL"}},
		{"looked up in a table with another account", bucket, "!FindInMap [Mixed, !Ref AWS::Region, AccountId]", "s3:PutObject", objects, "",
			nil},
		{"granted more than ELB needs", bucket, elbUSE1, "[s3:PutObject, s3:GetObject]", objects, "us-east-1", []string{"EXTERNAL_PRINCIPAL"}},
		{"granted the bucket, not its objects", bucket, elbUSE1, "s3:PutObject", "!GetAtt Logs.Arn", "us-east-1",
			[]string{"EXTERNAL_PRINCIPAL", "RESOURCE_MISMATCH"}},
		{"granted every resource", bucket, elbUSE1, "s3:PutObject", "'*'", "us-east-1", []string{"EXTERNAL_PRINCIPAL"}},
		{"in a topic policy", "AWS::SNS::TopicPolicy", elbUSE1, "sns:Publish", "'*'", "us-east-1", []string{"EXTERNAL_PRINCIPAL"}},
		{"another account is still external", bucket, outsider, "s3:PutObject", objects, "us-east-1", []string{"EXTERNAL_PRINCIPAL"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := fixtureOptions(t)
			o.Values.Region = c.region
			k, err := checks.NewChecker(o, nil)
			if err != nil {
				t.Fatal(err)
			}
			res := k.Check(template.Parse("elb.yaml", []byte(elbPolicy(c.typ, c.principal, c.actions, c.resource))))
			var got []string
			for _, f := range res.Findings {
				if f.Code != "MISSING_VERSION" {
					got = append(got, f.Code)
				}
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("codes (-want +got):\n%s", diff)
			}
		})
	}
}

// cfn-policy-validator and IAM Access Analyzer report the account as
// external; their compatibility mode can ask for the same.
func TestLogDeliveryAccountsCanStayExternal(t *testing.T) {
	o := fixtureOptions(t)
	o.Values.Region = "us-east-1"
	o.ExternalLogDeliveryAccounts = true
	k, err := checks.NewChecker(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := k.Check(template.Parse("elb.yaml", []byte(elbPolicy("AWS::S3::BucketPolicy", "arn:aws:iam::127311923021:root", "s3:PutObject", "arn:aws:s3:::logs/*"))))
	var codes []string
	for _, f := range res.Findings {
		codes = append(codes, f.Code)
	}
	if diff := cmp.Diff([]string{"MISSING_VERSION", "EXTERNAL_PRINCIPAL"}, codes); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
}

// The embedded list is data from AWS's documentation: every entry is a
// Region and a 12-digit account, none repeated, each list with its source.
func TestTheLogDeliveryListIsWellFormed(t *testing.T) {
	data, err := os.ReadFile("logdelivery.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services []struct {
			Service, ServicePrincipal, ResourceType string
			Actions, Sources                        []string
			Accounts                                map[string]string
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	region := regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]$`)
	account := regexp.MustCompile(`^[0-9]{12}$`)
	for _, s := range doc.Services {
		if s.Service == "" || !strings.HasSuffix(s.ServicePrincipal, ".amazonaws.com") || s.ResourceType == "" || len(s.Actions) == 0 || len(s.Sources) == 0 {
			t.Errorf("%s: incomplete entry", s.Service)
		}
		seen := map[string]string{}
		for r, a := range s.Accounts {
			if !region.MatchString(r) || !account.MatchString(a) {
				t.Errorf("%s: %s → %s", s.Service, r, a)
			}
			if prev, dup := seen[a]; dup {
				t.Errorf("%s: %s is the account of both %s and %s", s.Service, a, prev, r)
			}
			seen[a] = r
		}
		if s.Accounts["us-east-1"] != "127311923021" || len(s.Accounts) < 20 {
			t.Errorf("%s: %d accounts", s.Service, len(s.Accounts))
		}
	}
}
