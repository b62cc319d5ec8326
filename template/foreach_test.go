package template

import (
	"fmt"
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
	if len(tpl.Notes) != 1 || !strings.Contains(tpl.Notes[0].String(), "Fn::ForEach loop Later was not expanded (its collection is a parameter without a default)") {
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

// nestedLoops writes a template of three nested loops of n items each.
func nestedLoops(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf("a%d", i)
	}
	list := "[" + strings.Join(items, ", ") + "]"
	return `AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::LanguageExtensions
Resources:
  Fn::ForEach::A:
    - X
    - ` + list + `
    - Fn::ForEach::B:
        - Y
        - ` + list + `
        - Fn::ForEach::C:
            - Z
            - ` + list + `
            - Topic${X}${Y}${Z}:
                Type: AWS::SNS::Topic
`
}

func TestLoopsAreCountedBeforeTheyExpand(t *testing.T) {
	// 100 x 100 x 100 entries: counted, reported at the outer loop, and
	// expanded only up to the bound (the expansion used to build all of
	// them first: 12.7 s and 690 MB).
	tpl := mustParse(t, "product.yaml", nestedLoops(100))
	if len(tpl.Resources) != maxForEach {
		t.Errorf("%d resources expanded, want the bound %d", len(tpl.Resources), maxForEach)
	}
	if len(tpl.Problems) != 1 {
		t.Fatalf("problems = %+v", tpl.Problems)
	}
	p := tpl.Problems[0]
	if p.Pos.Line != 4 || !strings.Contains(p.Message, "Fn::ForEach loop A makes 1,000,000 entries") || !p.Structure {
		t.Errorf("problem = %+v", p)
	}
}

func TestLoopsWithinTheBoundExpandFully(t *testing.T) {
	tpl := mustParse(t, "small.yaml", nestedLoops(12)) // 1,728 entries
	if len(tpl.Resources) != 12*12*12 || len(tpl.Problems) != 0 {
		t.Errorf("%d resources, problems %+v", len(tpl.Resources), tpl.Problems)
	}
}

func TestManyLoopsTogetherStopAtTheBound(t *testing.T) {
	var b strings.Builder
	b.WriteString("Transform: AWS::LanguageExtensions\nResources:\n")
	items := make([]string, 900)
	for i := range items {
		items[i] = fmt.Sprint(i)
	}
	for _, l := range []string{"A", "B", "C"} {
		fmt.Fprintf(&b, "  Fn::ForEach::%s:\n    - V\n    - [%s]\n    - %s${V}: {Type: AWS::SNS::Topic}\n", l, strings.Join(items, ", "), l)
	}
	tpl := mustParse(t, "many.yaml", b.String())
	if len(tpl.Resources) != maxForEach {
		t.Errorf("%d resources", len(tpl.Resources))
	}
	if len(tpl.Problems) != 1 || !strings.Contains(tpl.Problems[0].Message, "loop C makes 900 entries") ||
		!strings.Contains(tpl.Problems[0].Message, "only the first 200 are checked") {
		t.Errorf("problems = %+v", tpl.Problems)
	}
}
