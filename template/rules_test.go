package template

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTheRulesSectionIsValidatedAsCloudFormationDoes(t *testing.T) {
	head := "Parameters:\n  Env: {Type: String}\n  Subnets: {Type: \"List<AWS::EC2::Subnet::Id>\"}\n"
	tail := "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"
	cases := []struct {
		name, rules string
		want        []string
	}{
		{"long and short forms of every rule function", `Rules:
  R:
    RuleCondition: {"Fn::Equals": [{"Ref": "Env"}, prod]}
    Assertions:
      - Assert: !EachMemberEquals [!ValueOf [Subnets, VpcId], vpc-1]
        AssertDescription: one VPC
      - Assert: {"Fn::EachMemberIn": [{"Fn::ValueOfAll": ["AWS::EC2::Subnet::Id", VpcId]}, {"Fn::RefAll": "AWS::EC2::VPC::Id"}]}
      - Assert: !Or [!Contains [[a, b], !Ref Env], !Not [!Equals [!Ref AWS::Region, eu-west-1]]]
`, nil},
		{"a rule needs Assertions", "Rules:\n  R:\n    RuleCondition: !Equals [!Ref Env, a]\n", []string{"5: rule R has no Assertions"}},
		{"an assertion needs an Assert", "Rules:\n  R:\n    Assertions:\n      - AssertDescription: x\n", []string{"7: assertion 1 of rule R has no Assert"}},
		{"an Assert is a rule function", "Rules:\n  R:\n    Assertions:\n      - Assert: !Ref Env\n",
			[]string{"7: the Assert of assertion 1 of rule R is !Ref \"Env\"; it must be a rule function (Fn::And, Fn::Or, Fn::Not, Fn::Equals, Fn::Contains, Fn::EachMemberEquals or Fn::EachMemberIn)"}},
		{"rules read parameters, not resources", "Rules:\n  R:\n    Assertions:\n      - Assert: !Equals [!Ref Q, !GetAtt Q.Arn]\n",
			[]string{"7: !Ref Q in Rules names no parameter; rules can read parameters and pseudo parameters only", "7: !GetAtt cannot be used in Rules: rules run before any resource exists"}},
		{"ValueOf names a declared parameter", "Rules:\n  R:\n    Assertions:\n      - Assert: !Contains [!ValueOf [Nope, Tags], x]\n",
			[]string{"7: !ValueOf names parameter Nope, which the template does not declare"}},
		{"rule functions outside Rules", "Conditions:\n  C: !Contains [[a], !Ref Env]\n", []string{"5: Fn::Contains can only be used in the Rules section"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl := mustParse(t, "r.yaml", head+c.rules+tail)
			var got []string
			for _, p := range tpl.Problems {
				got = append(got, strconv.Itoa(p.Pos.Line)+": "+p.Message)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
	typo := mustParse(t, "r.yaml", head+"Rules:\n  R:\n    Assertions:\n      - Assert: !Equals [!Ref Env, a]\n        AssetDescription: x\n"+tail)
	if len(typo.Problems) != 0 || len(typo.Notes) != 1 || !strings.Contains(typo.Notes[0].String(), "did you mean AssertDescription?") {
		t.Errorf("an unknown key is a note with a suggestion: %+v %q", typo.Problems, typo.Notes)
	}
}
