package command

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/fakeaws"
)

// readmeExamples are the command lines of cfn-policy-validator's README
// (its "Examples" and the usage of each command), verbatim.
var readmeExamples = []string{
	`cfn-policy-validator validate --template-path ./my-template.json --region us-east-1`,
	`cfn-policy-validator check-no-new-access --template-path ./my-template.json --region us-east-1 --reference-policy ./my-reference-policy.json --reference-policy-type identity`,
	`cfn-policy-validator check-access-not-granted --template-path ./my-template.json --region us-east-1 --actions "secretsmanager:DeleteSecret"`,
	`cfn-policy-validator check-no-public-access --template-path ./my-template.json --region us-east-1`,
	`cfn-policy-validator parse --template-path ./my-template.json --region us-east-1`,
	`cfn-policy-validator validate --template-path ./my-template.json --region us-east-1 --parameters MyParameter1=MyValue1 MyParameter2=MyValue2`,
	`cfn-policy-validator check-no-new-access --template-path ./my-template.json --region us-east-1 --reference-policy ./my-reference-policy.json --reference-policy-type identity --parameters MyParameter1=MyValue1 MyParameter2=MyValue2`,
	`cfn-policy-validator check-access-not-granted --template-path ./my-template.json --region us-east-1 --actions "secretsmanager:DeleteSecret" --parameters MyParameter1=MyValue1 MyParameter2=MyValue2`,
	`cfn-policy-validator validate --template-path ./my-template.json --region us-east-1 --template-configuration-file ./template-configuration-file.json`,
	`cfn-policy-validator validate --template-path ./my-template.json --region us-east-1 --ignore-finding PASS_ROLE_WITH_STAR_IN_RESOURCE`,
	`cfn-policy-validator validate --template-path ./my-template.json --region us-east-1 --ignore-finding MyResource1`,
	`cfn-policy-validator check-no-new-access --template-path ./my-template.json --region us-east-1 --reference-policy ./my-reference-policy.json --reference-policy-type identity --ignore-findings MyResource1`,
	`cfn-policy-validator check-access-not-granted --template-path ./my-template.json --region us-east-1 --actions "secretsmanager:DeleteSecret" --ignore-findings MyResource1`,
	`cfn-policy-validator validate --template-path ./my-template.json --region us-east-1 --ignore-finding MyResource1,PASS_ROLE_WITH_STAR_IN_RESOURCE`,
	`cfn-policy-validator validate --template-path ./my-template.json --region us-east-1 --treat-finding-type-as-blocking ERROR,SECURITY_WARNING,WARNING`,
	`cfn-policy-validator check-no-new-access --template-path ./my-template.json --region us-east-1 --reference-policy ./my-reference-policy.json --reference-policy-type identity --treat-findings-as-non-blocking`,
	`cfn-policy-validator check-access-not-granted --template-path ./my-template.json --region us-east-1 --actions "secretsmanager:DeleteSecret" --ignore-findings MyResource1 --treat-findings-as-non-blocking`,
	`cfn-policy-validator validate --template-path ./my-template.json --region us-east-1 --allow-external-principals 123456789123`,
	`cfn-policy-validator validate --template-path ./my-template.json --region us-east-1 --allow-external-principals arn:aws:iam::111111111111:role/MyOtherRole`,
	`cfn-policy-validator validate --template-path ./my-template.json --region us-east-1 --allow-external-principals "*"`,
}

// shellWords splits a command line as a shell would here: on spaces,
// with double quotes grouping.
func shellWords(line string) []string {
	var out []string
	var cur strings.Builder
	quoted, any := false, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted, any = !quoted, true
		case r == ' ' && !quoted:
			if any {
				out = append(out, cur.String())
			}
			cur.Reset()
			any = false
		default:
			cur.WriteRune(r)
			any = true
		}
	}
	if any {
		out = append(out, cur.String())
	}
	return out
}

const readmeTemplate = `{
  "Parameters": {"MyParameter1": {"Type": "String"}, "MyParameter2": {"Type": "String"}},
  "Resources": {
    "MyResource1": {
      "Type": "AWS::IAM::Role",
      "Properties": {
        "RoleName": {"Fn::Sub": "${MyParameter1}-${MyParameter2}"},
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/MyOtherRole"}, "Action": "sts:AssumeRole"}]},
        "Policies": [{"PolicyName": "deploy", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": ["iam:PassRole", "secretsmanager:DeleteSecret"], "Resource": "*"}]}}]
      }
    }
  }
}
`

// Each example of the README runs: swap "cfn-policy-validator" for
// "tollgate cfn-policy-validator" and it keeps working. The four whose
// --ignore-findings cfn-policy-validator itself refuses (it is not a
// prefix of --ignore-finding) are refused alike.
func TestTheREADMEExamplesRun(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"my-template.json": readmeTemplate,
		"my-reference-policy.json":         `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}`,
		"template-configuration-file.json": `{"Parameters": {"MyParameter1": "app", "MyParameter2": "prod"}}`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	for i, line := range readmeExamples {
		words := shellWords(line)
		if words[0] != "cfn-policy-validator" {
			t.Fatalf("%s: not a command line of the tool", line)
		}
		t.Run(fmt.Sprintf("example %02d %s", i+1, words[1]), func(t *testing.T) {
			c := testCase{args: words[1:], analyzer: fakeaws.NewAnalyzer(t).Client()}
			if !strings.Contains(line, "--parameters") && !strings.Contains(line, "--template-configuration-file") {
				c.args = append(c.args, "--parameters", "MyParameter1=app", "MyParameter2=prod")
			}
			o := c.run(t)
			if strings.Contains(line, "--ignore-findings") {
				if o.code != exitUsage || !strings.Contains(o.stderr, "error: unrecognized arguments: --ignore-findings MyResource1") {
					t.Errorf("exit %d, want 2 with cfn-policy-validator's refusal:\n%s", o.code, o.stderr)
				}
				return
			}
			if o.code != exitClean && o.code != exitBlocking || !strings.HasPrefix(o.stdout, "{\n") || o.stderr != "" {
				t.Errorf("exit %d:\n%s%s", o.code, o.stdout, o.stderr)
			}
		})
	}
}
