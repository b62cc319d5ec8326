package template

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// attachments summarizes the principal model: "role AppRole ← AppPolicy
// @12 (Resources.AppPolicy.Properties.Roles[0])".
func attachments(ps []*Principal) []string {
	var out []string
	for _, p := range ps {
		for _, a := range p.Attached {
			src := ""
			switch {
			case len(a.Policies) > 0:
				src = a.Policies[0].LogicalID
				if a.Inline {
					src = "inline " + lastPathSegment(a.Policies[0].Path)
				}
			case a.Ref != nil:
				src = Describe(a.Ref.ARN)
				if s, ok := a.Ref.ARN.Str(); ok {
					src = s
				}
			}
			line := fmt.Sprintf("%s ← %s @%d (%s)", p.Describe(), src, a.Pos.Line, a.Path)
			if a.Branch != "" {
				line += " " + a.Branch
			}
			out = append(out, line)
		}
		for _, m := range p.Groups {
			line := fmt.Sprintf("%s in group %s @%d (%s)", p.Describe(), m.Group.Describe(), m.Pos.Line, m.Path)
			if m.Branch != "" {
				line += " " + m.Branch
			}
			out = append(out, line)
		}
	}
	sort.Strings(out)
	return out
}

func lastPathSegment(p string) string {
	p = strings.TrimSuffix(p, ".PolicyDocument")
	return p[strings.LastIndexByte(p, '.')+1:]
}

const principalsTemplate = `Parameters:
  Stage: {Type: String, AllowedValues: [prod, sandbox]}
  RoleParam: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  Never: !Equals [a, b]
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub app-${AWS::Region}
      AssumeRolePolicyDocument: {}
      Policies:
        - PolicyName: own
          PolicyDocument: {Statement: []}
      ManagedPolicyArns:
        - !Ref Shared
        - !GetAtt Other.PolicyArn
        - !Sub arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess
        - !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/named-shared
  Shared:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      ManagedPolicyName: named-shared
      PolicyDocument: {Statement: []}
  Other:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: {Statement: []}
      Roles: [!If [IsProd, !Ref AppRole, elsewhere-role]]
  ByName:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: by-name
      PolicyDocument: {Statement: []}
      Roles: [app-eu-west-1, !Ref RoleParam]
      Users: [!Ref Dana]
      Groups: [!ImportValue shared-Group]
  Imported:
    Type: AWS::IAM::RolePolicy
    Properties:
      PolicyName: imported
      RoleName: !ImportValue shared-AppRoleName
      PolicyDocument: {Statement: []}
  Ops:
    Type: AWS::IAM::Group
    Properties:
      GroupName: ops
  Dana:
    Type: AWS::IAM::User
    Properties:
      Groups: [!Ref Ops]
  Addition:
    Type: AWS::IAM::UserToGroupAddition
    Properties:
      GroupName: ops
      Users: [!Ref Dana, sam]
  Gone:
    Type: AWS::IAM::Policy
    Condition: Never
    Properties:
      PolicyName: gone
      PolicyDocument: {Statement: []}
      Roles: [!Ref AppRole]
  WithRole:
    Type: AWS::Serverless::Function
    Properties:
      Role: !GetAtt AppRole.Arn
      Policies: AdministratorAccess
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Policies: [AmazonS3ReadOnlyAccess, {Statement: []}, !If [IsProd, !Ref AWS::NoValue, {S3ReadPolicy: {BucketName: b}}]]
`

func TestPrincipalsCollectWhatIsAttachedToThem(t *testing.T) {
	tpl := mustParse(t, "p.yaml", principalsTemplate)
	x := Extract(tpl, NewResolver(tpl, Values{Region: "eu-west-1", AccountID: "123456789012"}))
	want := []string{
		"group !ImportValue \"shared-Group\" (from another stack) ← ByName @38 (Resources.ByName.Properties.Groups[0])",
		"role !ImportValue \"shared-AppRoleName\" (from another stack) ← Imported @43 (Resources.Imported.Properties.RoleName)",
		"role !Ref RoleParam (parameter RoleParam has no value) ← ByName @36 (Resources.ByName.Properties.Roles[1])",
		"role AppRole ← ByName @36 (Resources.ByName.Properties.Roles[0])",
		"role AppRole ← Other @18 (Resources.AppRole.Properties.ManagedPolicyArns[1])",
		"role AppRole ← Other @30 (Resources.Other.Properties.Roles[0]) when IsProd is true",
		"role AppRole ← Shared @17 (Resources.AppRole.Properties.ManagedPolicyArns[0])",
		"role AppRole ← Shared @20 (Resources.AppRole.Properties.ManagedPolicyArns[3])",
		"role AppRole ← arn:aws:iam::aws:policy/ReadOnlyAccess @19 (Resources.AppRole.Properties.ManagedPolicyArns[2])",
		"role AppRole ← inline Policies[0] @15 (Resources.AppRole.Properties.Policies[0].PolicyDocument)",
		"role elsewhere-role (not in this template) ← Other @30 (Resources.Other.Properties.Roles[0]) when IsProd is false",
		"the role SAM creates for function Fn ← AmazonS3ReadOnlyAccess @73 (Resources.Fn.Properties.Policies[0])",
		"the role SAM creates for function Fn ← inline Policies[1] @73 (Resources.Fn.Properties.Policies[1])",
		"the role SAM creates for function Fn ← inline Policies[2] @73 (Resources.Fn.Properties.Policies[2]) when IsProd is false",
		"user Dana in group group Ops @52 (Resources.Dana.Properties.Groups[0])",
		"user Dana in group group Ops @57 (Resources.Addition.Properties.Users[0])",
		"user Dana ← ByName @37 (Resources.ByName.Properties.Users[0])",
		"user sam (not in this template) in group group Ops @57 (Resources.Addition.Properties.Users[1])",
	}
	if diff := cmp.Diff(want, attachments(x.Principals)); diff != "" {
		t.Errorf("principals (-want +got):\n%s", diff)
	}
	for _, p := range x.Principals {
		if p.LogicalID == "WithRole" {
			t.Errorf("a SAM function with a Role has no role of its own: %+v", p)
		}
	}
}

func TestAGroupWithoutPropertiesIsDeclared(t *testing.T) {
	tpl := Parse("t.yaml", []byte(`Resources:
  Ops:
    Type: AWS::IAM::Group
  OpsPolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: ops
      Groups: [!Ref Ops]
      PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: ec2:DescribeInstances, Resource: "*"}]}
`))
	x := Extract(tpl, NewResolver(tpl, Values{}))
	if len(x.Principals) != 1 || !x.Principals[0].Declared() || len(x.Principals[0].Attached) != 1 {
		t.Fatalf("principals %+v, want the declared group Ops with its policy", x.Principals)
	}
}
