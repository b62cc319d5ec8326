package checks_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/template"
)

// An action of another service in a resource policy is one mistake: it is
// UNSUPPORTED_ACTION_IN_POLICY, not also a RESOURCE_MISMATCH about the
// resource types of a service the policy does not govern.
func TestAForeignActionIsReportedOnce(t *testing.T) {
	doc := func(action, resource string) string {
		return `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Policy:
    Type: AWS::S3Tables::TableBucketPolicy
    Properties:
      TableBucketARN: arn:aws:s3tables:us-east-2:123456789012:bucket/tables
      ResourcePolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: arn:aws:iam::123456789012:root}
            Action: ` + action + `
            Resource: ` + resource + `
`
	}
	for _, c := range []struct {
		name, action, resource string
		want                   []string
	}{
		{"another service's action", "s3:GetObject", "arn:aws:s3tables:us-east-2:123456789012:bucket/tables/*", []string{"UNSUPPORTED_ACTION_IN_POLICY"}},
		{"its own service's action on a matching resource", "s3tables:GetTableData", "arn:aws:s3tables:us-east-2:123456789012:bucket/tables/table/*", nil},
		{"its own service's action on the wrong resource", "s3tables:GetTableData", "arn:aws:s3:::bucket/key", []string{"RESOURCE_MISMATCH"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := fixtureOptions(t)
			o.Values.AccountID = "123456789012"
			k, err := checks.NewChecker(o, nil)
			if err != nil {
				t.Fatal(err)
			}
			res := k.Check(template.Parse("tables.yaml", []byte(doc(c.action, c.resource))))
			var got []string
			for _, f := range res.Findings {
				got = append(got, f.Code)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("codes (-want +got):\n%s", diff)
			}
		})
	}
}
