package template

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/internal/testgen"
)

// trustPrincipals lists, per policy, its label and the principals of its first
// statement.
func trustPrincipals(x *Extraction) []string {
	var out []string
	for _, p := range x.Policies {
		st := p.Document.Get("Statement")
		if st != nil && st.Kind == Seq && len(st.Items) > 0 {
			st = st.Items[0]
		}
		label := p.Branch
		if p.When != "" {
			label = strings.TrimSpace(label + " [" + p.When + "]")
		}
		out = append(out, fmt.Sprintf("%s %s %s", p.LogicalID, Describe(st.Get("Principal")), label))
	}
	return out
}

const trustTemplate = `Parameters:
  Stage:
    Type: String
    Default: prod
    AllowedValues: [prod, staging, sandbox]
Conditions:
  IsSandbox: !Equals [!Ref Stage, sandbox]
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRole
            Principal: !If [IsSandbox, {AWS: "*"}, {AWS: "arn:aws:iam::123456789012:root"}]
`

func TestAParameterDefaultIsTheLikelyValueNotTheOnlyOne(t *testing.T) {
	tpl := mustParse(t, "trust.yaml", trustTemplate)
	got := trustPrincipals(Extract(tpl, NewResolver(tpl, Values{})))
	want := []string{
		`Role {AWS: "arn:aws:iam::123456789012:root"} `,
		`Role {AWS: "*"} [Stage=sandbox]`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("policies (-want +got):\n%s", diff)
	}
}

func TestPinnedAndDefaultOnlyParametersDecideConditions(t *testing.T) {
	tpl := mustParse(t, "trust.yaml", trustTemplate)
	for name, v := range map[string]Values{
		"pinned to sandbox":          {Parameters: map[string]string{"Stage": "sandbox"}},
		"pinned to staging":          {Parameters: map[string]string{"Stage": "staging"}},
		"parameter-values: defaults": {DefaultsOnly: true},
	} {
		got := trustPrincipals(Extract(tpl, NewResolver(tpl, v)))
		want := `Role {AWS: "arn:aws:iam::123456789012:root"} `
		if v.Parameters["Stage"] == "sandbox" {
			want = `Role {AWS: "*"} `
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("%s: policies = %q, want only %q", name, got, want)
		}
	}
}

func TestBranchesNoAcceptedValueReachesArePruned(t *testing.T) {
	cases := []struct{ name, param, cond string }{
		{"a value outside AllowedValues", "{Type: String, Default: prod, AllowedValues: [prod, staging]}", "!Equals [!Ref P, sandbox]"},
		{"a value the AllowedPattern rejects", "{Type: String, Default: app-1, AllowedPattern: 'app-[0-9]+'}", "!Equals [!Ref P, sandbox]"},
		{"a value shorter than MinLength", "{Type: String, Default: abc, MinLength: 3}", `!Equals [!Ref P, ""]`},
		{"a value longer than MaxLength", "{Type: String, Default: ab, MaxLength: 3}", "!Equals [!Ref P, abcd]"},
		{"a number below MinValue", "{Type: Number, Default: 5, MinValue: 1}", `!Equals [!Ref P, "0"]`},
		{"a number above MaxValue", "{Type: Number, Default: 5, MaxValue: 10}", `!Equals [!Ref P, "11"]`},
		{"text for a Number", "{Type: Number, Default: 5}", "!Equals [!Ref P, none]"},
		{"an empty VPC ID", "{Type: 'AWS::EC2::VPC::Id', Default: vpc-0123}", `!Equals [!Ref P, ""]`},
		{"a subnet ID for a VPC ID", "{Type: 'AWS::EC2::VPC::Id', Default: vpc-0123}", "!Equals [!Ref P, subnet-0123]"},
		{"one value two ways at once", "{Type: String, Default: prod}", "!And [!Equals [!Ref P, dev], !Equals [!Ref P, test]]"},
		{"a mapping key that does not exist", "{Type: String, Default: prod, AllowedValues: [prod, dev]}", "!Equals [!FindInMap [Stages, !Ref P, Open], yes]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := `Parameters:
  P: ` + c.param + `
Mappings:
  Stages:
    prod: {Open: "no"}
    dev: {Open: "no"}
Conditions:
  Open: ` + c.cond + `
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRole
            Principal: !If [Open, "*", {Service: ec2.amazonaws.com}]
`
			tpl := mustParse(t, "prune.yaml", src)
			got := trustPrincipals(Extract(tpl, NewResolver(tpl, Values{})))
			if len(got) != 1 || strings.Contains(got[0], `"*"`) {
				t.Errorf("policies = %q; the branch with * cannot deploy", got)
			}
		})
	}
}

func TestBranchesSomeAcceptedValueReachesAreChecked(t *testing.T) {
	cases := []struct{ name, param, cond, when string }{
		{"an allowed value", "{Type: String, Default: prod, AllowedValues: [prod, sandbox]}", "!Equals [!Ref P, sandbox]", "P=sandbox"},
		{"any other value", "{Type: String, Default: prod}", "!Not [!Equals [!Ref P, prod]]", "P=other"},
		{"another allowed value", "{Type: String, Default: prod, AllowedValues: [prod, dev, test]}", "!Not [!Equals [!Ref P, prod]]", "P=dev"},
		{"a value matching the pattern", "{Type: String, Default: app-1, AllowedPattern: 'app-[0-9]+'}", "!Not [!Equals [!Ref P, app-1]]", ""},
		{"an empty default's alternative", `{Type: String, Default: ""}`, `!Not [!Equals [!Ref P, ""]]`, "P=other"},
		{"a number in range", "{Type: Number, Default: 1, MinValue: 1, MaxValue: 3}", `!Equals [!Ref P, "3"]`, "P=3"},
		{"a mapping entry", "{Type: String, Default: prod, AllowedValues: [prod, dev]}", "!Equals [!FindInMap [Stages, !Ref P, Open], yes]", "P=dev"},
		{"a comparison with another parameter", "{Type: String, Default: a}", "!Equals [!Ref P, !Ref Q]", "P=b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := `Parameters:
  P: ` + c.param + `
  Q: {Type: String, Default: b}
Mappings:
  Stages:
    prod: {Open: "no"}
    dev: {Open: "yes"}
Conditions:
  Open: ` + c.cond + `
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRole
            Principal: !If [Open, "*", {Service: ec2.amazonaws.com}]
`
			tpl := mustParse(t, "reach.yaml", src)
			x := Extract(tpl, NewResolver(tpl, Values{}))
			got := trustPrincipals(x)
			if len(got) != 2 || !strings.Contains(got[1], `"*"`) {
				t.Fatalf("policies = %q; the branch with * is reachable", got)
			}
			if c.when != "" && !strings.HasSuffix(got[1], "["+c.when+"]") {
				t.Errorf("label of %q, want [%s]", got[1], c.when)
			}
			if x.Policies[1].When == "" {
				t.Error("the branch needs a non-default value and does not say so")
			}
		})
	}
}

func TestConditionsOnOneParameterAreCorrelated(t *testing.T) {
	// Stage is one value: IsProd and IsDev are never both true, and
	// enumerating the three values of Stage (not 2^3 combinations of
	// conditions) finds the three possible documents.
	src := `Parameters:
  Stage: {Type: String, AllowedValues: [prod, dev, test]}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Equals [!Ref Stage, dev]
  IsTest: !Equals [!Ref Stage, test]
Resources:
  Policy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: !If [IsProd, s3:GetObject, !If [IsDev, s3:PutObject, !If [IsTest, s3:DeleteObject, "s3:*"]]]
            Resource: "*"
`
	tpl := mustParse(t, "corr.yaml", src)
	x := Extract(tpl, NewResolver(tpl, Values{}))
	var got []string
	for _, p := range x.Policies {
		got = append(got, Describe(p.Document.Get("Statement").Items[0].Get("Action"))+" "+p.Branch)
	}
	want := []string{
		`"s3:DeleteObject" when IsTest is true`,
		`"s3:GetObject" when IsProd is true`,
		`"s3:PutObject" when IsDev is true`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("policies (-want +got):\n%s", diff)
	}
}

func TestAWildcardBehindManyConditionsIsFound(t *testing.T) {
	for _, c := range []struct {
		n      int
		nested bool
		merged bool
	}{{5, false, false}, {10, false, true}, {30, false, true}, {5, true, false}, {30, true, true}} {
		t.Run(fmt.Sprintf("%d conditions, nested %v", c.n, c.nested), func(t *testing.T) {
			tpl := mustParse(t, "many.yaml", testgen.WildcardBehind(c.n, c.nested))
			x := Extract(tpl, NewResolver(tpl, Values{}))
			var star *Policy
			var starNode *Node
			for _, p := range x.Policies {
				for _, r := range p.Document.Get("Statement").Items[0].Get("Resource").Items {
					if s, _ := r.Str(); s == "*" {
						star, starNode = p, r
					}
				}
			}
			if star == nil {
				t.Fatalf("no policy variant has Resource \"*\" (%d variants)", len(x.Policies))
			}
			if (star.Merged != nil) != c.merged || (len(x.Bounds) == 1) != c.merged {
				t.Errorf("merged = %v, bounds = %+v; want merged %v", star.Merged != nil, x.Bounds, c.merged)
			}
			branch, when, ok := star.Reach(starNode)
			want := fmt.Sprintf("C%d is false", c.n-1)
			if c.n > 6 && c.nested {
				want = fmt.Sprintf("and %d more conditions", c.n-5)
			}
			if !ok || when != "" || !strings.Contains(branch, want) {
				t.Errorf("the wildcard is reached %q %q %v", branch, when, ok)
			}
			if c.merged && !strings.Contains(x.Bounds[0].Message, fmt.Sprintf("%d conditions: 64 of", c.n)) {
				t.Errorf("bound: %s", x.Bounds[0].Message)
			}
		})
	}
}

func TestEachPolicyIsExploredOverItsOwnConditions(t *testing.T) {
	// Four inline policies on four parameters each, and a trust policy on
	// one more: 2^17 combinations for the role, but at most 16 for any one
	// policy, so nothing is merged. Tags depend on another condition that
	// changes no policy.
	var b strings.Builder
	b.WriteString("Parameters:\n")
	for i := range 17 {
		fmt.Fprintf(&b, "  P%d: {Type: String}\n", i)
	}
	b.WriteString("  Owner: {Type: String}\nConditions:\n")
	for i := range 17 {
		fmt.Fprintf(&b, "  C%d: !Equals [!Ref P%d, yes]\n", i, i)
	}
	b.WriteString(`  HasOwner: !Not [!Equals [!Ref Owner, ""]]
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      Tags:
        - !If [HasOwner, {Key: owner, Value: !Ref Owner}, !Ref AWS::NoValue]
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Action: sts:AssumeRole, Principal: !If [C16, {Service: ec2.amazonaws.com}, {Service: lambda.amazonaws.com}]}
      Policies:
`)
	for p := range 4 {
		fmt.Fprintf(&b, "        - PolicyName: p%d\n          PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Action: s3:GetObject\n                Resource:\n", p)
		for i := p * 4; i < p*4+4; i++ {
			fmt.Fprintf(&b, "                  - !If [C%d, arn:aws:s3:::a%d, arn:aws:s3:::b%d]\n", i, i, i)
		}
	}
	tpl := mustParse(t, "role.yaml", b.String())
	x := Extract(tpl, NewResolver(tpl, Values{}))
	if len(x.Bounds) != 0 {
		t.Errorf("bounds: %+v", x.Bounds)
	}
	if len(x.Policies) != 2+4*16 {
		t.Errorf("%d policies, want 2 trust variants and 16 variants of each inline policy", len(x.Policies))
	}
	for _, p := range x.Policies {
		if strings.Contains(p.Branch, "HasOwner") {
			t.Errorf("%s is labelled with the Tags condition: %s", p.Path, p.Branch)
			break
		}
	}
}

func TestAParameterWithManyAllowedValuesIsBounded(t *testing.T) {
	values := make([]string, 500)
	for i := range values {
		values[i] = fmt.Sprintf("v%d", i)
	}
	src := `Parameters:
  P: {Type: String, Default: v0, AllowedValues: [` + strings.Join(values, ", ") + `]}
Conditions:
` + func() string {
		var b strings.Builder
		for i := range 30 {
			fmt.Fprintf(&b, "  C%d: !Equals [!Ref P, v%d]\n", i, i*7)
		}
		return b.String()
	}() + `Resources:
  Policy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource:
` + func() string {
		var b strings.Builder
		for i := range 30 {
			other := `arn:aws:s3:::x`
			if i == 29 {
				other = `"*"`
			}
			fmt.Fprintf(&b, "              - !If [C%d, arn:aws:s3:::b%d, %s]\n", i, i, other)
		}
		return b.String()
	}()
	tpl := mustParse(t, "many-values.yaml", src)
	x := Extract(tpl, NewResolver(tpl, Values{}))
	// One parameter: 31 classes (30 compared values and one other), so 31
	// variants, checked one by one; the default's comes first.
	if len(x.Bounds) != 0 || len(x.Policies) != 31 {
		t.Errorf("%d policies, bounds %+v", len(x.Policies), x.Bounds)
	}
	if x.Policies[0].When != "" {
		t.Errorf("the first variant is not the default's: %s", x.Policies[0].When)
	}
}

func TestConditionsTooCorrelatedToEnumerateAreStillAllChecked(t *testing.T) {
	// Three parameters compared with sixteen values each, tied by one
	// condition: 17^3 combinations of classes, past the enumeration bound,
	// so the group's conditions are taken as independent. The wildcard
	// behind the last of them is still found.
	var b strings.Builder
	b.WriteString("Parameters:\n  A: {Type: String}\n  B: {Type: String}\n  C: {Type: String}\nConditions:\n")
	b.WriteString("  All: !And [!Equals [!Ref A, a0], !Equals [!Ref B, b0], !Equals [!Ref C, c0]]\n")
	var items []string
	for _, p := range []string{"A", "B", "C"} {
		for i := range 16 {
			name := fmt.Sprintf("%s%d", p, i)
			fmt.Fprintf(&b, "  Is%s: !Equals [!Ref %s, %s]\n", name, p, strings.ToLower(name))
			items = append(items, fmt.Sprintf("              - !If [Is%s, arn:aws:s3:::%s, !Ref AWS::NoValue]", name, name))
		}
	}
	items = append(items, `              - !If [All, "*", !Ref AWS::NoValue]`)
	b.WriteString(`Resources:
  Policy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: "*"
            Resource:
` + strings.Join(items, "\n") + "\n")
	tpl := mustParse(t, "correlated.yaml", b.String())
	x := Extract(tpl, NewResolver(tpl, Values{}))
	found := false
	for _, p := range x.Policies {
		for _, r := range p.Document.Get("Statement").Items[0].Get("Resource").Items {
			if s, _ := r.Str(); s == "*" {
				found = true
				if _, _, ok := p.Reach(r); !ok {
					t.Error("the wildcard is found but said unreachable")
				}
			}
		}
	}
	if !found || len(x.Bounds) != 1 {
		t.Errorf("wildcard found %v, bounds %+v", found, x.Bounds)
	}
}
