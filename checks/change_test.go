package checks

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/diff"
	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/template"
)

func checkChange(t *testing.T, base, head string) []string {
	t.Helper()
	data, err := iamdata.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewChecker(Options{Data: data}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := template.Parse("t.yaml", []byte(base))
	h := template.Parse("t.yaml", []byte(head))
	d := diff.Templates(b, h, diff.Options{Data: data})
	var out []string
	for _, f := range k.CheckChange(b, h, d, nil).Findings {
		out = append(out, f.Code+" "+string(f.Type)+" "+f.Resource)
		if f.Line < 1 || f.Message == "" || f.Fix == "" {
			t.Errorf("finding without a place, message or fix: %+v", f)
		}
	}
	return out
}

func TestChangeRules(t *testing.T) {
	table := func(key, policies string) string {
		return "Resources:\n  Orders:\n    Type: AWS::DynamoDB::Table\n" + policies +
			"    Properties:\n      KeySchema: [{AttributeName: " + key + ", KeyType: HASH}]\n"
	}
	for _, tc := range []struct {
		name, base, head string
		want             []string
	}{
		{"replacing a table without a policy is data loss", table("id", ""), table("orderId", ""),
			[]string{"DATA_LOSS SECURITY_WARNING Orders"}},
		{"replacing a table whose UpdateReplacePolicy is Retain is not", table("id", "    UpdateReplacePolicy: Retain\n"), table("orderId", "    UpdateReplacePolicy: Retain\n"),
			nil},
		{"removing a table without a policy is data loss", table("id", "") + "  Q: {Type: AWS::SNS::Topic}\n", "Resources:\n  Q: {Type: AWS::SNS::Topic}\n",
			[]string{"DATA_LOSS SECURITY_WARNING Orders"}},
		{"removing a retained table is not", table("id", "    DeletionPolicy: Retain\n") + "  Q: {Type: AWS::SNS::Topic}\n", "Resources:\n  Q: {Type: AWS::SNS::Topic}\n",
			nil},
		{"removing an RDS cluster relies on its Snapshot default", "Resources:\n  Db: {Type: AWS::RDS::DBCluster, Properties: {Engine: aurora-postgresql}}\n  Q: {Type: AWS::SNS::Topic}\n",
			"Resources:\n  Q: {Type: AWS::SNS::Topic}\n", nil},
		{"renaming a table's logical ID is data loss", table("id", ""), strings.Replace(table("id", ""), "Orders:", "OrdersTable:", 1),
			[]string{"DATA_LOSS SECURITY_WARNING OrdersTable"}},
		{"removing DeletionPolicy: Retain is a warning", table("id", "    DeletionPolicy: Retain\n"), table("id", ""),
			[]string{"DELETION_POLICY_REMOVED WARNING Orders"}},
		{"a conditional replacement is a possible data loss", "Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties: {Engine: mysql}\n",
			"Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties: {Engine: postgres}\n",
			[]string{"POSSIBLE_DATA_LOSS WARNING Db"}},
		{"replacing a stateless resource is not data loss", "Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {TopicName: a}}\n",
			"Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {TopicName: b}}\n", nil},
		{"findings on unchanged resources are left out, those on changed ones kept",
			"Resources:\n  Old:\n    Type: AWS::IAM::Policy\n    Properties: {PolicyName: a, Roles: [r], PolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Action: s3:GetObjekt, Resource: '*'}]}}\n" +
				"  New:\n    Type: AWS::IAM::Policy\n    Properties: {PolicyName: b, Roles: [r], PolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Action: s3:GetObject, Resource: '*'}]}}\n",
			"Resources:\n  Old:\n    Type: AWS::IAM::Policy\n    Properties: {PolicyName: a, Roles: [r], PolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Action: s3:GetObjekt, Resource: '*'}]}}\n" +
				"  New:\n    Type: AWS::IAM::Policy\n    Properties: {PolicyName: b, Roles: [r], PolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Action: s3:PutObjekt, Resource: '*'}]}}\n",
			[]string{"INVALID_ACTION ERROR New"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, checkChange(t, tc.base, tc.head)); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}

func TestChangeFindingsCanBeSuppressed(t *testing.T) {
	data, _ := iamdata.Embedded()
	k, _ := NewChecker(Options{Data: data}, nil)
	table := func(key, meta string) string {
		return "Resources:\n  Orders:\n    Type: AWS::DynamoDB::Table\n" + meta +
			"    Properties:\n      KeySchema: [{AttributeName: " + key + ", KeyType: HASH}]\n"
	}
	b := template.Parse("t.yaml", []byte(table("id", "")))
	h := template.Parse("t.yaml", []byte(table("orderId", "    Metadata:\n      tollgate:\n        ignore:\n          - {code: DATA_LOSS, reason: the table is rebuilt from the event log}\n")))
	fs := k.CheckChange(b, h, diff.Templates(b, h, diff.Options{}), nil).Findings
	if len(fs) != 1 || fs[0].Code != "DATA_LOSS" || fs[0].Suppression == nil {
		t.Fatalf("findings: %+v", fs)
	}
	// A plain check does not run change rules, so the entry is not unmatched.
	for _, f := range k.Check(h).Findings {
		if f.Code == "UNMATCHED_SUPPRESSION" {
			t.Errorf("plain check reports %s: %s", f.Code, f.Message)
		}
	}
}
