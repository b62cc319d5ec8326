package checks_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/internal/testgen"
	"github.com/tollgate-dev/tollgate/template"
)

func TestAWildcardHiddenBehindConditionsIsFound(t *testing.T) {
	// The branch bound used to drop every condition past the fourth: five
	// conditions, or Fn::If nested five deep, hid the wildcard.
	k := newChecker(t)
	for _, c := range []struct {
		n      int
		nested bool
	}{{1, false}, {5, false}, {10, false}, {30, false}, {5, true}, {30, true}} {
		name := fmt.Sprintf("%d conditions", c.n)
		if c.nested {
			name = fmt.Sprintf("Fn::If nested %d deep", c.n)
		}
		t.Run(name, func(t *testing.T) {
			res := k.Check(template.Parse("wild.yaml", []byte(testgen.WildcardBehind(c.n, c.nested))))
			var admin []checks.Finding
			merged := 0
			for _, f := range res.Findings {
				switch f.Code {
				case "ADMINISTRATOR_ACCESS":
					admin = append(admin, f)
				case "BRANCHES_MERGED":
					merged++
					if !strings.Contains(f.Message, fmt.Sprintf("depends on %d conditions: 64 of", c.n)) || f.Resource != "Admin" {
						t.Errorf("merge warning: %+v", f)
					}
				}
			}
			if len(admin) != 1 {
				t.Fatalf("ADMINISTRATOR_ACCESS findings: %+v", admin)
			}
			if wantMerged := c.n > 6; (merged == 1) != wantMerged {
				t.Errorf("%d BRANCHES_MERGED warnings, want one: %v", merged, wantMerged)
			}
			if admin[0].Branch == "" || strings.Count(admin[0].Branch, " or ") > 0 {
				t.Errorf("the finding's branch: %q", admin[0].Branch)
			}
		})
	}
}

const stageTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage:
    Type: String
    Default: prod
    AllowedValues: [prod, sandbox]
Conditions:
  IsSandbox: !Equals [!Ref Stage, sandbox]
Resources:
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: sts:AssumeRole
            Principal: !If [IsSandbox, {AWS: "*"}, {AWS: "arn:aws:iam::123456789012:root"}]
      Policies:
        - PolicyName: read
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: [s3:GetObjekt]
                Resource: !If [IsSandbox, "arn:aws:s3:::sandbox/*", "arn:aws:s3:::prod/*"]
`

func TestAFindingOnlyANonDefaultValueReachesSaysSo(t *testing.T) {
	k := newChecker(t)
	res := k.Check(template.Parse("stage.yaml", []byte(stageTemplate)))
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%s %d %q", f.Code, f.Line, f.Conditions()))
	}
	want := []string{
		`EXTERNAL_PRINCIPAL 18 "when Stage=sandbox"`,
		// Found in both branches: it holds with the defaults, and reads as
		// it always did.
		`INVALID_ACTION 25 ""`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestFindingsUnderTheDefaultsKeepTheirFingerprints(t *testing.T) {
	// A baseline written before parameters varied (or with
	// parameter-values: defaults) still matches.
	data := fixtureOptions(t)
	defaults := data
	defaults.Values.DefaultsOnly = true
	kd, err := checks.NewChecker(defaults, nil)
	if err != nil {
		t.Fatal(err)
	}
	ka := newChecker(t)
	fp := func(k *checks.Checker) map[string]string {
		out := map[string]string{}
		for _, f := range k.Check(template.Parse("stage.yaml", []byte(stageTemplate))).Findings {
			if f.When == "" {
				out[f.Code] = f.Fingerprint
			}
		}
		return out
	}
	before, after := fp(kd), fp(ka)
	if len(before) == 0 || before["INVALID_ACTION"] != after["INVALID_ACTION"] {
		t.Errorf("fingerprints with the defaults %v, with every value %v", before, after)
	}
	for _, f := range kd.Check(template.Parse("stage.yaml", []byte(stageTemplate))).Findings {
		if f.Code == "EXTERNAL_PRINCIPAL" {
			t.Errorf("with parameter-values: defaults, the sandbox branch was checked: %+v", f)
		}
	}
}

// attachedTemplate attaches, to one role, n managed policies each behind
// its own condition, with AdministratorAccess only in the last else
// branch.
func attachedTemplate(n int) string {
	var b strings.Builder
	b.WriteString(testgen.ConditionsOn(n))
	b.WriteString(`Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}
      ManagedPolicyArns:
`)
	for i := range n {
		other := "!Ref AWS::NoValue"
		if i == n-1 {
			other = "arn:aws:iam::aws:policy/AdministratorAccess"
		}
		fmt.Fprintf(&b, "        - !If [C%d, arn:aws:iam::aws:policy/ReadOnlyAccess, %s]\n", i, other)
	}
	return b.String()
}

func TestAnAttachmentHiddenBehindConditionsIsFound(t *testing.T) {
	// Conditions that decide what is attached were explored four deep,
	// the rest silently dropped: AdministratorAccess behind a fifth
	// condition passed clean. Past 16 combinations the rest are now
	// merged, and the branch that attaches it is judged one by one.
	k := newChecker(t)
	for _, n := range []int{1, 5, 10, 30} {
		t.Run(fmt.Sprintf("%d conditions", n), func(t *testing.T) {
			res := k.Check(template.Parse("attached.yaml", []byte(attachedTemplate(n))))
			var admin []checks.Finding
			merged := 0
			for _, f := range res.Findings {
				switch f.Code {
				case "ADMINISTRATOR_ACCESS":
					admin = append(admin, f)
				case "BRANCHES_MERGED":
					merged++
					if !strings.Contains(f.Message, fmt.Sprintf("%d conditions decide which policies Role has: 16 of more than 16", n)) {
						t.Errorf("merge warning: %s", f.Message)
					}
				}
			}
			if len(admin) != 1 {
				t.Fatalf("ADMINISTRATOR_ACCESS findings: %+v", admin)
			}
			if want := fmt.Sprintf("when C%d is false", n-1); admin[0].Branch != want || admin[0].When != "" {
				t.Errorf("the finding holds %q %q, want %q", admin[0].Branch, admin[0].When, want)
			}
			if (merged == 1) != (n > 4) {
				t.Errorf("%d BRANCHES_MERGED warnings for %d conditions", merged, n)
			}
		})
	}
}

func TestAPrincipalWithTooManyCombinationsIsJudgedWithEverythingAttached(t *testing.T) {
	// Eight inline policies, each on its own condition: 256 combinations
	// of what the role holds. The 64 most likely are judged one by one;
	// the escalation that needs the else branches of the first two (those
	// that vary slowest) only shows when everything attached is taken at
	// once, and says so.
	var b strings.Builder
	b.WriteString(testgen.ConditionsOn(8))
	b.WriteString(`Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
`)
	for i := range 8 {
		other := "s3:ListBucket"
		switch i {
		case 0:
			other = "[lambda:CreateFunction, lambda:InvokeFunction]"
		case 1:
			other = "iam:PassRole"
		}
		fmt.Fprintf(&b, "        - PolicyName: p%d\n          PolicyDocument:\n            Version: \"2012-10-17\"\n            Statement:\n"+
			"              - {Effect: Allow, Resource: \"*\", Action: !If [C%d, s3:GetObject, %s]}\n", i, i, other)
	}
	res := newChecker(t).Check(template.Parse("many.yaml", []byte(b.String())))
	var got []string
	for _, f := range res.Findings {
		if f.Code == "PRIVILEGE_ESCALATION" || f.Code == "BRANCHES_MERGED" {
			got = append(got, f.Code+" "+f.Branch)
		}
	}
	want := []string{
		"BRANCHES_MERGED ",
		"PRIVILEGE_ESCALATION in the merged evaluation of its 8 conditions",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
