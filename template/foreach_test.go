package template

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestForEachLoopsExpandIntoResources(t *testing.T) {
	src := `Transform: AWS::LanguageExtensions
Parameters:
  Topics: {Type: CommaDelimitedList, Default: "orders, payments"}
  Dynamic: {Type: CommaDelimitedList}
Resources:
  Fn::ForEach::Topics:
    - Name
    - !Ref Topics
    - Topic${Name}:
        Type: AWS::SNS::Topic
        Properties:
          TopicName: !Ref Name
      Policy&{Name}:
        Type: AWS::SNS::TopicPolicy
        Properties:
          Topics: [!Ref "Topic${Name}"]
          PolicyDocument:
            Statement:
              - {Effect: Allow, Principal: "*", Action: sns:Publish, Resource: !Sub "arn:aws:sns:::${Name}"}
  Fn::ForEach::Queues:
    - Q
    - [a-1, b]
    - Fn::ForEach::Inner:
        - Size
        - ["1", "2"]
        - Queue&{Q}x${Size}:
            Type: AWS::SQS::Queue
  Fn::ForEach::Later:
    - X
    - !Ref Dynamic
    - Bucket${X}: {Type: AWS::S3::Bucket}
  Plain:
    Type: AWS::S3::Bucket
`
	tpl := mustParse(t, "loops.yaml", src)
	var ids []string
	for _, r := range tpl.Resources {
		ids = append(ids, r.LogicalID)
	}
	want := []string{"Topicorders", "Policyorders", "Topicpayments", "Policypayments", "Queuea1x1", "Queuea1x2", "Queuebx1", "Queuebx2", "Plain"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Fatalf("resources (-want +got):\n%s", diff)
	}
	if got := Describe(tpl.Resource("Topicorders").Properties.Get("TopicName")); got != `"orders"` {
		t.Errorf("Ref to the identifier = %s", got)
	}
	x := Extract(tpl, NewResolver(tpl, Values{}))
	if len(x.Policies) != 2 || x.Policies[1].LogicalID != "Policypayments" {
		t.Fatalf("policies = %+v", summarize(x.Policies))
	}
	res := x.Policies[1].Document.Get("Statement").Items[0].Get("Resource")
	if s, _ := res.Str(); s != "arn:aws:sns:::payments" || res.Pos.Line != 19 {
		t.Errorf("resource %s at %v", Describe(res), res.Pos)
	}
	if len(tpl.Notes) != 1 || !strings.Contains(tpl.Notes[0], "Fn::ForEach loop Later was not expanded (its collection is a parameter without a default)") {
		t.Errorf("notes = %q", tpl.Notes)
	}
	if len(tpl.Problems) != 0 {
		t.Errorf("problems = %+v", tpl.Problems)
	}
}

func TestForEachWithoutTheTransformIsNotALoop(t *testing.T) {
	tpl := mustParse(t, "noloop.yaml", "Resources:\n  Fn::ForEach::X:\n    - a\n    - [b]\n    - {}\n")
	if len(tpl.Problems) != 1 || !strings.Contains(tpl.Problems[0].Message, "must be a mapping with a Type") {
		t.Errorf("problems = %+v", tpl.Problems)
	}
}
