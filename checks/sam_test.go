package checks_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/iamdata/sampolicy"
	"github.com/tollgate-dev/tollgate/template"
)

// samValues are plausible values for the parameters that take more than a
// name; every other parameter gets "example".
var samValues = map[string]string{
	"SecretArn":      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-AbCdEf",
	"CertificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-0000-1111-2222-333344445555",
	"TaskDefinition": "app:3",
}

// TestEverySAMPolicyTemplateExpandsWithoutBlockingFindings expands each of
// SAM's policy templates with plausible values, as a function's Policies
// entry: SAM's own definitions must not give a blocking finding (the user
// cannot change them), and each one must give a policy.
func TestEverySAMPolicyTemplateExpandsWithoutBlockingFindings(t *testing.T) {
	k := newChecker(t)
	set, err := sampolicy.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range set.Names() {
		st, err := set.Template(name)
		if err != nil {
			t.Fatal(err)
		}
		var params []string
		for _, p := range st.Parameters {
			v := "example"
			switch {
			case samValues[p.Name] != "":
				v = samValues[p.Name]
			case name == "SSMParameterWithSlashPrefixReadPolicy":
				v = "/app/example"
			}
			params = append(params, p.Name+": "+v)
		}
		src := fmt.Sprintf("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"+
			"      Runtime: python3.12\n      Handler: index.handler\n      InlineCode: x\n      Policies:\n        - %s: {%s}\n", name, strings.Join(params, ", "))
		res := k.Check(template.Parse(name+".yaml", []byte(src)))
		if res.Policies != 1 {
			t.Errorf("%s: %d policies; want the expanded one", name, res.Policies)
		}
		for _, f := range res.Findings {
			if f.Type == checks.Error || f.Type == checks.SecurityWarning {
				t.Errorf("%s: %s %s at %d: %s", name, f.Type, f.Code, f.Line, f.Message)
			}
		}
	}
}
