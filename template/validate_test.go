package template

import (
	"strings"
	"testing"
)

func structureProblems(t *Template, x *Extraction) []Problem {
	var out []Problem
	for _, ps := range [][]Problem{t.Problems, x.Problems} {
		for _, p := range ps {
			if p.Structure {
				out = append(out, p)
			}
		}
	}
	return out
}

func TestTemplateErrorsCloudFormationRejectsAreProblemsAtTheirLine(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		contains  string
	}{
		{"a Select index past the end of a list", `Resources:
  T:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Select [2, [a, b]]
`, 5, "Fn::Select index 2 is out of range: the list has 2 items (indexes 0 to 1)"},
		{"a negative Select index", `Resources:
  T:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Select ["-1", !Ref Names]
Parameters:
  Names: {Type: CommaDelimitedList}
`, 5, "Fn::Select index -1 is negative"},
		{"a Select past a list parameter's default", `Parameters:
  Names: {Type: CommaDelimitedList, Default: "a,b"}
Outputs:
  Third:
    Value: !Select [2, !Ref Names]
Resources:
  T: {Type: AWS::SNS::Topic}
`, 5, "out of range: the list has 2 items"},
		{"a Ref cycle between two resources", `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "${Fn}-role"
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn
`, 5, "resources refer to each other in a cycle: Role → Fn → Role (Fn::Sub Fn here)"},
		{"a cycle through DependsOn", `Resources:
  A:
    Type: AWS::SNS::Topic
    DependsOn: [B]
  B:
    Type: AWS::SNS::Topic
    DependsOn: C
  C:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Ref A
`, 4, "A → B → C → A (DependsOn B here)"},
		{"a resource that refers to itself", `Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !GetAtt [Q, QueueName]
`, 5, "a cycle: Q → Q"},
		{"a parameter Default that is an intrinsic", `Parameters:
  Bucket:
    Type: String
    Default: !Sub "${AWS::AccountId}-logs"
Resources:
  T: {Type: AWS::SNS::Topic}
`, 4, "parameter Bucket: Default is Fn::Sub; CloudFormation does not evaluate intrinsic functions in Parameters"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl := mustParse(t, "bad.yaml", c.src)
			x := Extract(tpl, NewResolver(tpl, Values{}))
			ps := structureProblems(tpl, x)
			if len(ps) != 1 {
				t.Fatalf("problems = %+v", ps)
			}
			if ps[0].Pos.Line != c.line || !strings.Contains(ps[0].Message, c.contains) {
				t.Errorf("problem at line %d: %s\nwant line %d containing %q", ps[0].Pos.Line, ps[0].Message, c.line, c.contains)
			}
		})
	}
}

func TestValidTemplatesHaveNoSuchProblems(t *testing.T) {
	src := `Parameters:
  Names: {Type: CommaDelimitedList, Default: "a,b,c"}
  Pinned: {Type: CommaDelimitedList, Default: "a"}
Resources:
  Role:
    Type: AWS::IAM::Role
    Metadata:
      Self: !Ref Role
    Properties:
      RoleName: !Select [2, !Ref Names]
      Path: !Select [1, !Ref Pinned]
      Description: !Select [0, !GetAZs ""]
  Fn:
    Type: AWS::Lambda::Function
    DependsOn: Role
    Properties:
      Role: !GetAtt Role.Arn
      Handler: !Sub "${!Fn}.${AWS::Region}"
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn
      Principal: !Sub ["${Fn}", {Fn: s3.amazonaws.com}]
`
	tpl := mustParse(t, "good.yaml", src)
	// Pinned has two items when given on the command line: its default is
	// not what is checked.
	x := Extract(tpl, NewResolver(tpl, Values{Parameters: map[string]string{"Pinned": "a,b"}}))
	if ps := structureProblems(tpl, x); len(ps) != 0 {
		t.Errorf("problems = %+v", ps)
	}
}

func TestCyclesThroughSAMResourcesAreLeftToTheTransform(t *testing.T) {
	src := `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      DeploymentPreference:
        Alarms: [!Ref Alarm]
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Dimensions: [{Name: Resource, Value: !Sub "${Fn}:live"}]
`
	tpl := mustParse(t, "sam.yaml", src)
	if ps := structureProblems(tpl, Extract(tpl, NewResolver(tpl, Values{}))); len(ps) != 0 {
		t.Errorf("problems = %+v", ps)
	}
}
